/**
 * The endpoints of each Service port, as kube-proxy reads them from EndpointSlices — Kubernetes'
 * pkg/proxy/endpointslicecache.go, with the address-type check of EndpointsChangeTracker.
 *
 * Guarantees:
 * - Slices are grouped by their kubernetes.io/service-name label, then by name: an endpoint that
 *   moves from one slice of a Service to another is never lost in between. A slice without the
 *   label belongs to no Service and is ignored, as is a slice of another address family (this
 *   is an IPv4 proxy; FQDN slices are never proxied).
 * - Changes wait as "pending" until `checkout()`, which returns for each Service that changed
 *   its endpoints before and after, and makes them "applied". Setting a slice to what is already
 *   pending or applied is no change; so is removing a slice never seen.
 * - An endpoint is its first address and the slice port's number; its conditions default as
 *   the API documents them: ready and serving when unset, terminating only when set.
 * - The same address in two slices counts once, preferring the copy that is not terminating
 *   (a new pod can reuse a terminating pod's IP).
 * - Each port's endpoints are sorted by "ip:port" as strings, so the same slices always give
 *   the same list (10.0.0.10:80 sorts before 10.0.0.9:80).
 */
import type { EndpointSlice } from "../api/types.ts";
import { servicePortNameString } from "./service-port.ts";

/** The label that ties a slice to its Service (discovery.LabelServiceName). */
export const LABEL_SERVICE_NAME = "kubernetes.io/service-name";

export interface EndpointInfo {
  ip: string;
  port: number;
  /** "ip:port", as net.JoinHostPort writes it: the endpoint's identity and sort key. */
  hostPort: string;
  /** May receive new connections. */
  ready: boolean;
  /** Would answer (its pod is Ready), whether or not it is terminating. */
  serving: boolean;
  terminating: boolean;
  /** On the node this proxy runs on. */
  isLocal: boolean;
}

/** Service port key (ServicePortInfo.key) → its endpoints, sorted by hostPort. */
export type EndpointsByPort = Map<string, EndpointInfo[]>;

export interface EndpointsChange {
  previous: EndpointsByPort;
  current: EndpointsByPort;
}

interface SliceData {
  slice: EndpointSlice;
  remove: boolean;
  /** What of the slice matters to a proxy, as text, to tell a real change from a resync. */
  signature: string;
}

interface Tracker {
  applied: Map<string, SliceData>;
  pending: Map<string, SliceData>;
}

export class EndpointSliceCache {
  /** Service key "ns/name" → its slices by name; a Service is dropped once it has none left. */
  private readonly trackers = new Map<string, Tracker>();

  /** @param nodeName this proxy's node, to mark endpoints local */
  constructor(private readonly nodeName: string) {}

  // #region update
  /** Records a slice (or its removal) as pending; true if that changes anything. */
  update(slice: EndpointSlice, remove: boolean): boolean {
    if (slice.addressType !== "IPv4") return false;
    const service = slice.metadata.labels?.[LABEL_SERVICE_NAME];
    const namespace = slice.metadata.namespace;
    const name = slice.metadata.name;
    if (!service || !namespace || !name) return false;
    const serviceKey = `${namespace}/${service}`;
    const data: SliceData = { slice, remove, signature: signatureOf(slice, remove) };
    let tracker = this.trackers.get(serviceKey);
    const known = tracker?.pending.get(name) ?? tracker?.applied.get(name);
    if (known ? known.signature === data.signature : remove) return false;
    if (!tracker) {
      tracker = { applied: new Map(), pending: new Map() };
      this.trackers.set(serviceKey, tracker);
    }
    tracker.pending.set(name, data);
    return true;
  }
  // #endregion update

  /** checkoutChanges: applies what is pending, returning each changed Service's before and after. */
  checkout(): Map<string, EndpointsChange> {
    const changes = new Map<string, EndpointsChange>();
    for (const [serviceKey, tracker] of this.trackers) {
      if (tracker.pending.size === 0) continue;
      const previous = this.endpointsOf(serviceKey, tracker.applied);
      for (const [name, data] of tracker.pending) {
        if (data.remove) tracker.applied.delete(name);
        else tracker.applied.set(name, data);
      }
      tracker.pending.clear();
      if (tracker.applied.size === 0) this.trackers.delete(serviceKey);
      changes.set(serviceKey, { previous, current: this.endpointsOf(serviceKey, tracker.applied) });
    }
    return changes;
  }

  // #region endpointsOf
  /** endpointInfoByServicePort + endpointsMapFromEndpointInfo, for one Service's slices. */
  private endpointsOf(serviceKey: string, slices: Map<string, SliceData>): EndpointsByPort {
    const [namespace = "", name = ""] = serviceKey.split("/");
    const byPort = new Map<string, Map<string, EndpointInfo>>();
    for (const { slice } of slices.values()) {
      for (const port of slice.ports ?? []) {
        // A nil name or port is invalid; Kubernetes logs it and skips the port.
        if (port.name === undefined || port.name === null || !port.port) continue;
        const protocol = port.protocol ?? "TCP";
        const key = `${servicePortNameString({ namespace, name, port: port.name })}/${protocol}`;
        const set = byPort.get(key) ?? new Map<string, EndpointInfo>();
        byPort.set(key, set);
        for (const endpoint of slice.endpoints ?? []) {
          const ip = endpoint.addresses?.[0];
          if (!ip) continue;
          const terminating = endpoint.conditions?.terminating === true;
          const info: EndpointInfo = {
            ip,
            port: port.port,
            hostPort: `${ip}:${port.port}`,
            ready: endpoint.conditions?.ready !== false,
            serving: endpoint.conditions?.serving !== false,
            terminating,
            isLocal: this.nodeName !== "" && endpoint.nodeName === this.nodeName,
          };
          if (!set.has(info.hostPort) || !terminating) set.set(info.hostPort, info);
        }
      }
    }
    const result: EndpointsByPort = new Map();
    for (const [key, set] of byPort) {
      if (set.size === 0) continue;
      result.set(
        key,
        [...set.values()].sort((a, b) =>
          a.hostPort < b.hostPort ? -1 : a.hostPort > b.hostPort ? 1 : 0,
        ),
      );
    }
    return result;
  }
  // #endregion endpointsOf
}

/**
 * Kubernetes compares whole slices (reflect.DeepEqual); comparing what a proxy reads — ports,
 * endpoints, conditions, nodes — gives the same answer for every change that matters, and lets
 * an informer resync (the same object again) pass without a sync.
 */
function signatureOf(slice: EndpointSlice, remove: boolean): string {
  return JSON.stringify([remove, slice.ports ?? [], slice.endpoints ?? []]);
}
