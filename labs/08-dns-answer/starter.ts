/**
 * Lab 8: answering one DNS question from the cluster's state — CoreDNS's kubernetes plugin
 * (plugin/kubernetes). Nothing registers names with the cluster DNS: it watches Services,
 * EndpointSlices and Namespaces, and every answer is worked out, at query time, from what it saw.
 * You write that working-out.
 *
 * What you are given:
 *   parseClusterName(name, zone)  the shape of a (lower-cased) name — a Service, one endpoint of
 *                                 it, a named port, a pod, a namespace, a reverse name; see
 *                                 core/src/dns/names.ts for the table of shapes
 *   state (ClusterState)          hasNamespace(ns), service(ns, name) → { kind: "ClusterIP" |
 *                                 "Headless" | "ExternalName", clusterIPs, ports, externalName },
 *                                 slicesOf(service) → [{ ports, endpoints: [{ address, hostname }] }]
 *                                 (ready endpoints only), hasPodWithIP(ns, ip)
 *   endpointHostname, podLabelAddress, canonicalIp, ptrTargets   small helpers, named below
 *   answer, nxdomain, addresses, and the zone's own records (apex, ns.dns, dns-version) — at the
 *   bottom of this file, already written.
 *
 * What you return (Resolution):
 *   { kind: "answer", zone, answers, additional, chase? }   NOERROR with records
 *   { kind: "nodata", zone }       NOERROR, no records: the name exists, the type does not
 *   { kind: "nxdomain", zone, reverse }   the name does not exist
 *   { kind: "outside" }            not in our zones
 *
 * The rules, by shape:
 *   namespace   exists while the namespace does: NODATA, else NXDOMAIN.
 *   pod         "a-b-c-d.<ns>.pod.<zone>": the address a-b-c-d stands for, if the namespace exists
 *               and (podMode) pods are answered at all — "verified" only for a pod with that IP.
 *   service     no namespace or no Service: NXDOMAIN. Then the candidates — (address, port, target)
 *               for each port matching the question's _port._proto (if given):
 *                 ClusterIP, no endpoint label: each ClusterIP × each matching Service port,
 *                   target <svc>.<ns>.svc.<zone>; a matching port makes the name exist even
 *                   without an address yet (NODATA, not NXDOMAIN).
 *                 Headless, or an endpoint label: each ready endpoint (only the one named, by
 *                   hostname or dashed IP) × each matching slice port, target
 *                   <endpoint>.<svc>.<ns>.svc.<zone>.
 *               No candidate (and not made to exist above): NXDOMAIN. SRV: one record per
 *               (target, port), priority 0, weight ⌊100 / candidates⌋ (at least 1), the target's
 *               address as additional A; port -1 (a slice without ports) gets no SRV. Other types:
 *               the distinct addresses (addresses() picks A or AAAA, or says NODATA).
 *   ExternalName a CNAME to its target for A, AAAA, TXT and CNAME questions (other types NODATA;
 *               an IP address as target, or an endpoint label: NXDOMAIN). A target outside the
 *               zone is marked `chase: { name: target, type }`; one inside is resolved again and
 *               its answers appended — at most 8 CNAMEs in a chain.
 *   reverse     ptrTargets(address) names; none: NXDOMAIN with reverse: true; PTR questions get
 *               the PTR records, other types NODATA.
 *   invalid     NXDOMAIN.
 *
 * Worked example: `_http._tcp.web.default.svc.cluster.local` SRV, web a ClusterIP Service at
 * 127.96.0.20 with ports http 80 and metrics 9090: one candidate (127.96.0.20, 80), weight 100,
 *   answers    [SRV 0 100 80 web.default.svc.cluster.local]
 *   additional [A 127.96.0.20 for web.default.svc.cluster.local]
 *
 * Check your work with `npm run lab -- check 8`; stuck? `npm run lab -- hint 8`. Chapter 8's docs
 * page explains each kind of record beside the core's code.
 */
// biome-ignore-all lint/correctness/noUnusedImports: the helpers are what your function uses.
// biome-ignore-all lint/correctness/noUnusedVariables: so are the functions at the bottom.
// biome-ignore-all lint/correctness/noUnusedFunctionParameters: `depth` counts CNAMEs followed.
import { type ClusterState, RRType, typeName } from "@tinykube/core/dns";
import { canonicalIp } from "@tinykube/core/dns/ip";
import { endpointHostname, parseClusterName, podLabelAddress } from "@tinykube/core/dns/names";
import {
  DNS_SCHEMA_VERSION,
  ptrTargets,
  type Resolution,
  type ResolveOptions,
  soaRecord,
} from "@tinykube/core/dns/resolve";
import { aaaaRecord, aRecord, type ResourceRecord } from "@tinykube/core/dns/rr";

/** CoreDNS follows at most 8 CNAMEs inside its zone. */
const MAX_CNAME_CHAIN = 8;

export function resolve(
  name: string,
  type: number,
  state: ClusterState,
  options: ResolveOptions,
  depth = 0,
): Resolution {
  const parsed = parseClusterName(name, options.clusterDomain);
  switch (parsed.kind) {
    case "outside":
      return parsed;
    case "apex":
    case "nameserver":
    case "dns-version":
    case "type-root":
      return zoneItself(name, type, parsed, state, options);
    default:
      throw new Error(
        `resolve is not implemented yet for a ${parsed.kind} name (question: ${name} ` +
          `${typeName(type)}, parsed ${JSON.stringify(parsed)}). Start with "namespace" and ` +
          `"service": state.hasNamespace(ns), then state.service(ns, name) — no Service is ` +
          `NXDOMAIN; a ClusterIP Service answers A with its clusterIPs.`,
      );
  }
}

// ---- already written: results, and the zone's own records ----

function answer(
  zone: string,
  answers: ResourceRecord[],
  additional: ResourceRecord[] = [],
): Extract<Resolution, { kind: "answer" }> {
  return { kind: "answer", zone, answers, additional };
}

function nxdomain(zone: string): Resolution {
  return { kind: "nxdomain", zone, reverse: false };
}

/** A or AAAA records of `ips` for the type asked; NODATA when none is of that family. */
function addresses(
  name: string,
  type: number,
  zone: string,
  ips: string[],
  ttl: number,
): Resolution {
  const want = type === RRType.A ? 4 : type === RRType.AAAA ? 6 : 0;
  const records = addressRecords(name, ips, ttl).filter(
    (r) => (r.data.type === RRType.A ? 4 : 6) === want,
  );
  return records.length > 0 ? answer(zone, records) : { kind: "nodata", zone };
}

function addressRecords(name: string, ips: string[], ttl: number): ResourceRecord[] {
  return ips.map((ip) => (ip.includes(":") ? aaaaRecord(name, ttl, ip) : aRecord(name, ttl, ip)));
}

/** The apex (SOA, NS), ns.dns.<zone>, dns-version.<zone> (TXT "1.1.0"), svc.<zone>, pod.<zone>. */
function zoneItself(
  name: string,
  type: number,
  parsed: { kind: "apex" | "nameserver" | "dns-version" | "type-root"; zone: string },
  state: ClusterState,
  options: ResolveOptions,
): Resolution {
  const { zone } = parsed;
  const serverIPs = options.nameserverAddress
    ? [canonicalIp(options.nameserverAddress)].filter((ip): ip is string => !!ip)
    : [];
  switch (parsed.kind) {
    case "apex":
      if (type === RRType.SOA) return answer(zone, [soaRecord(zone, state.modified, options.ttl)]);
      if (type === RRType.NS && serverIPs.length > 0) {
        const ns = `ns.dns.${zone}`;
        return answer(
          zone,
          [{ name, ttl: options.ttl, data: { type: RRType.NS, target: ns } }],
          addressRecords(ns, serverIPs, options.ttl),
        );
      }
      return { kind: "nodata", zone };
    case "nameserver":
      return addresses(name, type, zone, serverIPs, options.ttl);
    case "dns-version":
      if (type !== RRType.TXT) return { kind: "nodata", zone };
      return answer(zone, [
        { name, ttl: 28_800, data: { type: RRType.TXT, texts: [DNS_SCHEMA_VERSION] } },
      ]);
    case "type-root":
      return { kind: "nodata", zone };
  }
}
