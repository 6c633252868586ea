/**
 * What cluster DNS knows of the cluster: namespaces, Services, the ready endpoints of their
 * EndpointSlices and (for `pods verified`) pod addresses — the parts of CoreDNS's dnsControl
 * caches (plugin/kubernetes/controller.go, object/service.go, object/endpoint.go) that answers
 * are made from, fed by informer events.
 *
 * Guarantees:
 * - Every change bumps `generation`, and sets `modified` (unix seconds, the SOA serial, as
 *   CoreDNS's dnsControl.Modified); answers cached under an older generation are stale.
 * - An endpoint is kept only while ready — `conditions.ready` true or unset, as CoreDNS's
 *   endpointsliceReady reads it (unset means unknown, taken as ready). publishNotReadyAddresses
 *   needs nothing here: the EndpointSlice controller already marks such endpoints ready.
 * - A slice with no ports gets one sentinel port -1 (CoreDNS does the same): its endpoints still
 *   have A records, but no SRV.
 * - FQDN slices are ignored (kube-proxy ignores them too); IPv4 and IPv6 slices both count.
 * - Addresses are stored in one canonical text (ip.ts), so lookups by reverse name match.
 */
import type { KubeObject } from "../api/object.ts";
import type { EndpointSlice, Pod, Service } from "../api/types.ts";
import { LABEL_SERVICE_NAME } from "../controllers/endpointslice/slice-labels.ts";
import { type Clock, realClock } from "../util/clock.ts";
import { canonicalIp } from "./ip.ts";

export interface PortRecord {
  /** Lower-cased: names and protocols match without case (CoreDNS strings.EqualFold). */
  name: string;
  protocol: string;
  /** -1: the sentinel of a slice without ports. */
  port: number;
}

export interface ServiceRecord {
  namespace: string;
  name: string;
  kind: "ClusterIP" | "Headless" | "ExternalName";
  /** Canonical; empty for Headless, ExternalName, and a Service whose IP is not allocated yet. */
  clusterIPs: string[];
  ports: PortRecord[];
  /** The alias target of an ExternalName Service, final dot removed. */
  externalName?: string;
}

export interface EndpointRecord {
  address: string;
  /** The endpoint's own hostname (spec.hostname of a pod with a subdomain), or "". */
  hostname: string;
}

export interface SliceRecord {
  name: string;
  ports: PortRecord[];
  endpoints: EndpointRecord[];
}

/** "namespace/name" of a Service. */
const key = (namespace: string, name: string) => `${namespace}/${name}`;

export class ClusterState {
  /** Bumped by every change, and once when the informers first sync. */
  generation = 0;
  /** Unix seconds of the last change: the SOA serial. */
  modified: number;
  private readonly namespaces = new Set<string>();
  private readonly services = new Map<string, ServiceRecord>();
  /** Service key → slice name → slice; slices of a Service not (yet) seen are kept too. */
  private readonly slices = new Map<string, Map<string, SliceRecord>>();
  /** ClusterIP → keys of the Services holding it. */
  private readonly byClusterIP = new Map<string, Set<string>>();
  /** Pod IP → pod key → namespace, for `pods verified`. */
  private readonly podsByIP = new Map<string, Map<string, string>>();
  /** Pod key → the IP it is filed under in podsByIP. */
  private readonly podIPs = new Map<string, string>();
  private synced = false;

  constructor(private readonly clock: Clock = realClock) {
    this.modified = this.nowSeconds();
  }

  // ---- feeding (informer events) ----

  /** The informers have listed everything once: NXDOMAIN may now be told (not SERVFAIL). */
  markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    this.changed();
  }

  hasSynced(): boolean {
    return this.synced;
  }

  setNamespace(object: KubeObject, present: boolean): void {
    const name = object.metadata.name ?? "";
    if (present) this.namespaces.add(name);
    else this.namespaces.delete(name);
    this.changed();
  }

  setService(service: Service, present: boolean): void {
    const k = key(service.metadata.namespace ?? "", service.metadata.name ?? "");
    const old = this.services.get(k);
    const record = present ? serviceRecord(service) : undefined;
    if (sameRecord(old, record)) return;
    for (const ip of old?.clusterIPs ?? []) this.byClusterIP.get(ip)?.delete(k);
    if (!record) {
      this.services.delete(k);
    } else {
      this.services.set(k, record);
      for (const ip of record.clusterIPs) {
        getOrCreate(this.byClusterIP, ip, () => new Set<string>()).add(k);
      }
    }
    this.changed();
  }

  setEndpointSlice(slice: EndpointSlice, present: boolean): void {
    const service = slice.metadata.labels?.[LABEL_SERVICE_NAME];
    if (!service || slice.addressType === "FQDN") return;
    const k = key(slice.metadata.namespace ?? "", service);
    const name = slice.metadata.name ?? "";
    const byName = this.slices.get(k);
    if (present) {
      const record = sliceRecord(slice);
      if (sameRecord(byName?.get(name), record)) return;
      getOrCreate(this.slices, k, () => new Map<string, SliceRecord>()).set(name, record);
    } else if (byName) {
      byName.delete(name);
      if (byName.size === 0) this.slices.delete(k);
    }
    this.changed();
  }

  setPod(pod: Pod, present: boolean): void {
    const k = key(pod.metadata.namespace ?? "", pod.metadata.name ?? "");
    const oldIP = this.podIPs.get(k);
    const ip = present && pod.status?.podIP ? canonicalIp(pod.status.podIP) : undefined;
    if (oldIP === ip) return;
    if (oldIP !== undefined) {
      const pods = this.podsByIP.get(oldIP);
      if (pods?.delete(k) && pods.size === 0) this.podsByIP.delete(oldIP);
      this.podIPs.delete(k);
    }
    if (ip) {
      getOrCreate(this.podsByIP, ip, () => new Map<string, string>()).set(
        k,
        pod.metadata.namespace ?? "",
      );
      this.podIPs.set(k, ip);
    }
    this.changed();
  }

  // ---- reading (answers) ----

  hasNamespace(namespace: string): boolean {
    return this.namespaces.has(namespace);
  }

  service(namespace: string, name: string): ServiceRecord | undefined {
    return this.services.get(key(namespace, name));
  }

  /** The Service's slices, by name, so answers come out in the same order every time. */
  slicesOf(service: ServiceRecord): SliceRecord[] {
    const byName = this.slices.get(key(service.namespace, service.name));
    if (!byName) return [];
    return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The first (by key) Service holding `ip` as a ClusterIP. */
  serviceWithClusterIP(ip: string): ServiceRecord | undefined {
    const keys = this.byClusterIP.get(ip);
    if (!keys || keys.size === 0) return undefined;
    const first = [...keys].sort()[0] as string;
    return this.services.get(first);
  }

  /** Every (Service key, endpoint) whose ready endpoint has `ip`, for PTR answers. */
  endpointsWithAddress(
    ip: string,
  ): { namespace: string; service: string; endpoint: EndpointRecord }[] {
    const found: { namespace: string; service: string; endpoint: EndpointRecord }[] = [];
    for (const [k, byName] of [...this.slices].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const slash = k.indexOf("/");
      for (const slice of byName.values()) {
        for (const endpoint of slice.endpoints) {
          if (endpoint.address !== ip) continue;
          found.push({ namespace: k.slice(0, slash), service: k.slice(slash + 1), endpoint });
        }
      }
    }
    return found;
  }

  /** A pod in `namespace` has `ip` as its status.podIP (CoreDNS `pods verified`). */
  hasPodWithIP(namespace: string, ip: string): boolean {
    for (const ns of this.podsByIP.get(ip)?.values() ?? []) if (ns === namespace) return true;
    return false;
  }

  private changed(): void {
    this.generation++;
    this.modified = this.nowSeconds();
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/** Updates that change nothing DNS answers from (a status write, say) keep the cache. */
function sameRecord(a: object | undefined, b: object | undefined): boolean {
  return a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

// #region serviceRecord
/** The parts of a Service that DNS answers from (CoreDNS object.ToService). */
export function serviceRecord(service: Service): ServiceRecord {
  const spec = service.spec ?? {};
  const base = {
    namespace: service.metadata.namespace ?? "",
    name: service.metadata.name ?? "",
    ports: (spec.ports ?? []).map((p) => ({
      name: (p.name ?? "").toLowerCase(),
      protocol: (p.protocol ?? "TCP").toLowerCase(),
      port: p.port,
    })),
  };
  if (spec.type === "ExternalName") {
    const target = typeof spec.externalName === "string" ? spec.externalName : "";
    return {
      ...base,
      kind: "ExternalName",
      clusterIPs: [],
      externalName: target.replace(/\.$/, ""),
    };
  }
  const ips = Array.isArray(spec.clusterIPs)
    ? (spec.clusterIPs as string[])
    : [spec.clusterIP ?? ""];
  if (ips[0] === "None") return { ...base, kind: "Headless", clusterIPs: [] };
  const clusterIPs = ips.map((ip) => canonicalIp(ip)).filter((ip): ip is string => !!ip);
  return { ...base, kind: "ClusterIP", clusterIPs };
}
// #endregion serviceRecord

// #region sliceRecord
/** The ready endpoints and the ports of a slice (CoreDNS object.EndpointSliceToEndpoints). */
export function sliceRecord(slice: EndpointSlice): SliceRecord {
  const ports =
    slice.ports && slice.ports.length > 0
      ? slice.ports.map((p) => ({
          name: (p.name ?? "").toLowerCase(),
          protocol: (p.protocol ?? "TCP").toLowerCase(),
          port: p.port ?? -1,
        }))
      : [{ name: "", protocol: "", port: -1 }];
  const endpoints: EndpointRecord[] = [];
  for (const endpoint of slice.endpoints ?? []) {
    if (endpoint.conditions?.ready === false) continue;
    for (const address of endpoint.addresses ?? []) {
      const ip = canonicalIp(address);
      if (ip) endpoints.push({ address: ip, hostname: endpoint.hostname ?? "" });
    }
  }
  return { name: slice.metadata.name ?? "", ports, endpoints };
}
// #endregion sliceRecord
