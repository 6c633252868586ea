/**
 * Answering one question from the cluster's state, as CoreDNS's kubernetes plugin does
 * (plugin/kubernetes/kubernetes.go findServices, findPods; reverse.go; plugin/backend_lookup.go
 * for how A, SRV and PTR records are made from them).
 *
 * Guarantees:
 * - A name that exists with no record of the asked type is `nodata` (NOERROR, no answers); a
 *   name that does not exist is `nxdomain`. Both carry the zone, whose SOA goes in the authority
 *   section so resolvers may cache the negative answer (RFC 2308).
 * - Existence follows CoreDNS: a Service name exists while the Service does, except a headless
 *   Service with no ready endpoint (CoreDNS answers NXDOMAIN for it) and an ExternalName whose
 *   target is an IP address (CoreDNS serves no record for it); `_port._proto` exists only when a
 *   port matches both; a namespace name exists while the namespace does.
 * - SRV records all have priority 0 and weight ⌊100 / n⌋ (at least 1) for n candidate records,
 *   as plugin.SRV computes it: 3 endpoints × 1 port → weight 33 each.
 * - Every record has the configured TTL, except dns-version's TXT (28800 s, as CoreDNS).
 * - Owner names are the lower-cased question; the encoder points them at the question, so
 *   the client sees its own spelling.
 */

import type { ClusterState, PortRecord, ServiceRecord } from "./cluster-state.ts";
import { RRType } from "./constants.ts";
import { canonicalIp } from "./ip.ts";
import { type ClusterName, endpointHostname, parseClusterName, podLabelAddress } from "./names.ts";
import { aaaaRecord, aRecord, type ResourceRecord } from "./rr.ts";

/** Pod A records: CoreDNS's `pods` option. kubeadm's Corefile sets `pods insecure`. */
export type PodMode = "disabled" | "insecure" | "verified";

export interface ResolveOptions {
  clusterDomain: string;
  ttl: number;
  podMode: PodMode;
  /** The DNS Service's address: answers ns.dns.<zone> and the NS glue. */
  nameserverAddress?: string;
}

export type Resolution =
  /** NOERROR with records. `chase`: an ExternalName's target outside the cluster, to look up. */
  | {
      kind: "answer";
      zone: string;
      answers: ResourceRecord[];
      additional: ResourceRecord[];
      chase?: { name: string; type: number };
    }
  /** NOERROR, no records: the name exists, the type does not. SOA in authority. */
  | { kind: "nodata"; zone: string }
  /** NXDOMAIN, SOA in authority. `reverse`: kubeadm's Corefile lets these fall through. */
  | { kind: "nxdomain"; zone: string; reverse: boolean }
  /** Not in our zones. */
  | { kind: "outside" };

/** The schema this server implements (github.com/kubernetes/dns docs/specification.md). */
export const DNS_SCHEMA_VERSION = "1.1.0";
/** CoreDNS gives dns-version's TXT record 8 hours. */
const DNS_VERSION_TTL = 28_800;
/** CoreDNS follows at most 8 CNAMEs inside its zone (backend_lookup.go: previousRecords > 7). */
const MAX_CNAME_CHAIN = 8;

// #region resolve
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
      return apex(name, type, parsed.zone, state, options);
    case "reverse":
      return reverse(name, type, parsed, state, options);
    case "nameserver":
      return addresses(name, type, parsed.zone, nameserverIPs(options), options.ttl);
    case "dns-version":
      if (type !== RRType.TXT) return { kind: "nodata", zone: parsed.zone };
      return answer(parsed.zone, [
        { name, ttl: DNS_VERSION_TTL, data: { type: RRType.TXT, texts: [DNS_SCHEMA_VERSION] } },
      ]);
    case "type-root":
      return { kind: "nodata", zone: parsed.zone };
    case "namespace":
      return state.hasNamespace(parsed.namespace)
        ? { kind: "nodata", zone: parsed.zone }
        : nxdomain(parsed.zone);
    case "pod":
      return pod(name, type, parsed, state, options);
    case "service":
      return service(name, type, parsed, state, options, depth);
    case "invalid":
      return nxdomain(parsed.zone);
  }
}
// #endregion resolve

function apex(
  name: string,
  type: number,
  zone: string,
  state: ClusterState,
  options: ResolveOptions,
): Resolution {
  if (type === RRType.SOA) return answer(zone, [soaRecord(zone, state.modified, options.ttl)]);
  if (type === RRType.NS && options.nameserverAddress) {
    const ns = `ns.dns.${zone}`;
    return answer(
      zone,
      [{ name, ttl: options.ttl, data: { type: RRType.NS, target: ns } }],
      addressRecords(ns, nameserverIPs(options), options.ttl),
    );
  }
  return { kind: "nodata", zone };
}

function reverse(
  name: string,
  type: number,
  parsed: Extract<ClusterName, { kind: "reverse" }>,
  state: ClusterState,
  options: ResolveOptions,
): Resolution {
  const targets = parsed.address ? ptrTargets(parsed.address, state, options.clusterDomain) : [];
  if (targets.length === 0) return { kind: "nxdomain", zone: parsed.zone, reverse: true };
  if (type !== RRType.PTR) return { kind: "nodata", zone: parsed.zone };
  return answer(
    parsed.zone,
    targets.map((target) => ({ name, ttl: options.ttl, data: { type: RRType.PTR, target } })),
  );
}

// #region ptrTargets
/**
 * The names an address has (CoreDNS serviceRecordForIP): the Service holding it as ClusterIP —
 * only the first, if several do — or else every ready endpoint with that address, under each
 * Service it serves: 127.128.0.5 in slices of web and api gives
 * 127-128-0-5.api.default.svc.cluster.local and 127-128-0-5.web.default.svc.cluster.local.
 */
export function ptrTargets(address: string, state: ClusterState, zone: string): string[] {
  const svc = state.serviceWithClusterIP(address);
  if (svc) return [`${svc.name}.${svc.namespace}.svc.${zone}`];
  const names = state
    .endpointsWithAddress(address)
    .map(
      ({ namespace, service, endpoint }) =>
        `${endpointHostname(endpoint.address, endpoint.hostname)}.${service}.${namespace}.svc.${zone}`,
    );
  return [...new Set(names)];
}
// #endregion ptrTargets

// #region pod
function pod(
  name: string,
  type: number,
  parsed: Extract<ClusterName, { kind: "pod" }>,
  state: ClusterState,
  options: ResolveOptions,
): Resolution {
  const { zone, namespace } = parsed;
  if (options.podMode === "disabled" || !state.hasNamespace(namespace)) return nxdomain(zone);
  const address = canonicalIp(podLabelAddress(parsed.pod));
  if (!address) return nxdomain(zone);
  if (options.podMode === "verified" && !state.hasPodWithIP(namespace, address)) {
    return nxdomain(zone);
  }
  return addresses(name, type, zone, [address], options.ttl);
}
// #endregion pod

/** One A/SRV source: an address, a port (-1: none) and the name SRV targets for it. */
interface Candidate {
  address: string;
  port: number;
  target: string;
}

// #region service
function service(
  name: string,
  type: number,
  parsed: Extract<ClusterName, { kind: "service" }>,
  state: ClusterState,
  options: ResolveOptions,
  depth: number,
): Resolution {
  const { zone, namespace, endpoint } = parsed;
  if (!state.hasNamespace(namespace)) return nxdomain(zone);
  const svc = state.service(namespace, parsed.service);
  if (!svc) return nxdomain(zone);
  if (svc.kind === "ExternalName")
    return externalName(name, type, parsed, svc, state, options, depth);
  const matches = (p: PortRecord) =>
    (parsed.port === undefined || p.name === parsed.port) &&
    (parsed.protocol === undefined || p.protocol === parsed.protocol);
  const candidates: Candidate[] = [];
  // A matching port makes a ClusterIP Service's name exist, even before it has an address.
  let exists = false;
  if (svc.kind === "Headless" || endpoint !== undefined) {
    for (const slice of state.slicesOf(svc)) {
      for (const ep of slice.endpoints) {
        const host = endpointHostname(ep.address, ep.hostname);
        if (endpoint !== undefined && host !== endpoint) continue;
        const target = `${host}.${svc.name}.${namespace}.svc.${zone}`;
        for (const p of slice.ports) {
          if (matches(p)) candidates.push({ address: ep.address, port: p.port, target });
        }
      }
    }
  } else {
    const target = `${svc.name}.${namespace}.svc.${zone}`;
    for (const p of svc.ports) {
      if (!matches(p)) continue;
      exists = true;
      for (const ip of svc.clusterIPs) candidates.push({ address: ip, port: p.port, target });
    }
  }
  if (candidates.length === 0 && !exists) return nxdomain(zone);
  if (type === RRType.SRV) return srv(name, zone, candidates, options.ttl);
  const ips = [...new Set(candidates.map((c) => c.address))];
  return addresses(name, type, zone, ips, options.ttl);
}
// #endregion service

// #region srv
/**
 * SRV records for the candidates, as plugin.SRV makes them: weight ⌊100 / n⌋ over all n
 * candidates (port-less ones included, though they get no record), one record per distinct
 * (target, port), and the target's address in the additional section.
 */
function srv(name: string, zone: string, candidates: Candidate[], ttl: number): Resolution {
  const weight = Math.max(1, Math.floor(100 / candidates.length));
  const answers: ResourceRecord[] = [];
  const additional: ResourceRecord[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    if (c.port === -1) continue;
    const record = `${c.target}:${c.port}`;
    if (!seen.has(record)) {
      seen.add(record);
      answers.push({
        name,
        ttl,
        data: { type: RRType.SRV, priority: 0, weight, port: c.port, target: c.target },
      });
    }
    const glue = `${c.target}@${c.address}`;
    if (!seen.has(glue)) {
      seen.add(glue);
      additional.push(...addressRecords(c.target, [c.address], ttl));
    }
  }
  if (answers.length === 0) return { kind: "nodata", zone };
  return answer(zone, answers, additional);
}
// #endregion srv

// #region externalName
/**
 * An ExternalName Service is a CNAME to its target, for A, AAAA, CNAME and TXT questions (CoreDNS
 * leaves it out of SRV answers, which then hold nothing). A target inside the cluster zone is
 * followed here, as CoreDNS does; one outside is left for the server to look up upstream.
 */
function externalName(
  name: string,
  type: number,
  parsed: Extract<ClusterName, { kind: "service" }>,
  svc: ServiceRecord,
  state: ClusterState,
  options: ResolveOptions,
  depth: number,
): Resolution {
  const { zone } = parsed;
  const target = (svc.externalName ?? "").toLowerCase();
  if (parsed.endpoint !== undefined || target === "" || canonicalIp(target)) return nxdomain(zone);
  const followable = [RRType.A, RRType.AAAA, RRType.TXT] as number[];
  if (type !== RRType.CNAME && !followable.includes(type)) return { kind: "nodata", zone };
  // "x CNAME x" is a loop CoreDNS will not serve.
  if (target === name) return { kind: "nodata", zone };
  const cname: ResourceRecord = { name, ttl: options.ttl, data: { type: RRType.CNAME, target } };
  if (type === RRType.CNAME) return answer(zone, [cname]);
  const insideZone = target === zone || target.endsWith(`.${zone}`);
  if (!insideZone) return { ...answer(zone, [cname]), chase: { name: target, type } };
  if (depth + 1 >= MAX_CNAME_CHAIN) return answer(zone, [cname]);
  const next = resolve(target, type, state, options, depth + 1);
  return answer(zone, [cname, ...(next.kind === "answer" ? next.answers : [])]);
}
// #endregion externalName

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

function nameserverIPs(options: ResolveOptions): string[] {
  const ip = options.nameserverAddress ? canonicalIp(options.nameserverAddress) : undefined;
  return ip ? [ip] : [];
}

// #region soaRecord
/**
 * The zone's SOA, as CoreDNS's plugin.SOA writes it: ns.dns.<zone> as primary,
 * hostmaster.<zone> as mailbox, the last change as serial, refresh 2 h, retry 30 min, expire
 * 1 day, and the answer TTL as both the negative-caching minimum and (capped at 300 s) its own TTL.
 */
export function soaRecord(zone: string, serial: number, ttl: number): ResourceRecord {
  return {
    name: zone,
    ttl: Math.min(300, ttl),
    data: {
      type: RRType.SOA,
      mname: `ns.dns.${zone}`,
      rname: `hostmaster.${zone}`,
      serial,
      refresh: 7200,
      retry: 1800,
      expire: 86_400,
      minimum: ttl,
    },
  };
}
// #endregion soaRecord

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
