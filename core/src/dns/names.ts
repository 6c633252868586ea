/**
 * What a query name asks for, read the way CoreDNS's kubernetes plugin reads it
 * (plugin/kubernetes/parse.go parseRequest), with the zone found first as plugin.Zones.Matches
 * does (the longest of our zones the name falls in).
 *
 * The shapes under the cluster zone (cluster.local below):
 *
 *   svc.cluster.local, pod.cluster.local              type roots: always exist, hold nothing
 *   <ns>.svc.cluster.local                            a namespace: exists while the namespace does
 *   <svc>.<ns>.svc.cluster.local                      a Service
 *   <endpoint>.<svc>.<ns>.svc.cluster.local           one endpoint, by hostname or dashed IP
 *   _<port>._<proto>.<svc>.<ns>.svc.cluster.local     a named port (SRV); underscores optional
 *   <a-b-c-d>.<ns>.pod.cluster.local                  a pod, by dashed IP
 *   ns.dns.cluster.local, dns-version.cluster.local   the server itself, the schema version
 *
 * Anything else under the zone names nothing (NXDOMAIN). Reverse names under in-addr.arpa and
 * ip6.arpa name one address each.
 */
import { addressOfReverseName } from "./ip.ts";

export const REVERSE_ZONES = ["in-addr.arpa", "ip6.arpa"] as const;

export type ClusterName =
  /** In none of our zones: forward it, or fail. */
  | { kind: "outside" }
  /** A zone's own name: holds the SOA (and NS). */
  | { kind: "apex"; zone: string }
  /** Under a reverse zone; `address` is undefined when the labels name no single address. */
  | { kind: "reverse"; zone: string; address: string | undefined }
  /** ns.dns.<zone>: the DNS server's own address (CoreDNS isDefaultNS). */
  | { kind: "nameserver"; zone: string }
  /** dns-version.<zone>: TXT "1.1.0", the Kubernetes DNS schema version. */
  | { kind: "dns-version"; zone: string }
  /** svc.<zone> or pod.<zone>. */
  | { kind: "type-root"; zone: string; podOrSvc: "svc" | "pod" }
  | { kind: "namespace"; zone: string; podOrSvc: "svc" | "pod"; namespace: string }
  | {
      kind: "service";
      zone: string;
      namespace: string;
      service: string;
      /** The first label of a 5-label name: an endpoint's hostname or dashed IP. */
      endpoint?: string;
      /** From _port._proto, underscores stripped. */
      port?: string;
      protocol?: string;
    }
  | { kind: "pod"; zone: string; namespace: string; pod: string }
  /** Under the cluster zone, but no shape above: NXDOMAIN. */
  | { kind: "invalid"; zone: string; reason: string };

// #region parseClusterName
/** Reads a lower-cased name without its final dot. */
export function parseClusterName(name: string, clusterDomain: string): ClusterName {
  const zone = matchZone(name, [clusterDomain, ...REVERSE_ZONES]);
  if (zone === undefined) return { kind: "outside" };
  if (name === zone) return { kind: "apex", zone };
  const base = name.slice(0, name.length - zone.length - 1);
  if (zone !== clusterDomain) return { kind: "reverse", zone, address: addressOfReverseName(name) };
  if (base === "ns.dns") return { kind: "nameserver", zone };
  if (base === "dns-version") return { kind: "dns-version", zone };
  const labels = base.split(".");
  const podOrSvc = labels.pop();
  if (podOrSvc !== "svc" && podOrSvc !== "pod") {
    return { kind: "invalid", zone, reason: `${JSON.stringify(podOrSvc)} is neither svc nor pod` };
  }
  const namespace = labels.pop();
  if (namespace === undefined) return { kind: "type-root", zone, podOrSvc };
  const service = labels.pop();
  if (service === undefined) return { kind: "namespace", zone, podOrSvc, namespace };
  if (podOrSvc === "pod") {
    if (labels.length > 0) return { kind: "invalid", zone, reason: "labels above a pod name" };
    return { kind: "pod", zone, namespace, pod: service };
  }
  switch (labels.length) {
    case 0:
      return { kind: "service", zone, namespace, service };
    case 1:
      return { kind: "service", zone, namespace, service, endpoint: labels[0] };
    case 2:
      return {
        kind: "service",
        zone,
        namespace,
        service,
        port: stripUnderscore(labels[0] as string),
        protocol: stripUnderscore(labels[1] as string),
      };
    default:
      return { kind: "invalid", zone, reason: `${labels.length} labels above a service name` };
  }
}
// #endregion parseClusterName

/** The longest zone `name` is in or equal to. */
export function matchZone(name: string, zones: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const zone of zones) {
    const inside = name === zone || name.endsWith(`.${zone}`);
    if (inside && (best === undefined || zone.length > best.length)) best = zone;
  }
  return best;
}

function stripUnderscore(label: string): string {
  return label.startsWith("_") ? label.slice(1) : label;
}

/**
 * An endpoint's name under its Service (CoreDNS endpointHostname): its hostname if it has one,
 * else its address with '.' or ':' turned to '-' ("127.128.0.5" → "127-128-0-5").
 */
export function endpointHostname(address: string, hostname: string | undefined): string {
  if (hostname) return hostname;
  return address.includes(".") ? address.replaceAll(".", "-") : address.replaceAll(":", "-");
}

/**
 * The address a pod label stands for (CoreDNS findPods): three dashes and no "--" is IPv4
 * ("127-128-0-5" → "127.128.0.5"); anything else is read as IPv6 with ':' for '-'
 * ("fd00--1" → "fd00::1"). The caller checks the result is an address.
 */
export function podLabelAddress(label: string): string {
  const dashes = label.split("-").length - 1;
  if (dashes === 3 && !label.includes("--")) return label.replaceAll("-", ".");
  return label.replaceAll("-", ":");
}
