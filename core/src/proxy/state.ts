/**
 * kube-proxy's picture of the cluster: every proxied Service port and its endpoints, fed by
 * informer events and applied in batches — Kubernetes' ServiceChangeTracker and ServicePortMap
 * (servicechangetracker.go), EndpointsChangeTracker and EndpointsMap (endpointschangetracker.go).
 *
 * Guarantees:
 * - Events only record changes (`onService`, `onEndpointSlice`), and say whether anything is
 *   now pending, so the caller knows to schedule a sync; nothing the proxy uses moves until
 *   `applyChanges()`.
 * - For each Service, pending changes accumulate from the state before the first of them to the
 *   state after the last: a Service added then deleted before a sync is no change at all.
 * - `applyChanges()` returns the Services whose ports or endpoints really differ, so a sync may
 *   touch those alone (the iptables renderer's partial sync; the userspace proxy's sockets).
 * - The maps are rebuilt from a list + watch alone: a restarted proxy converges to the same
 *   state.
 */
import type { EndpointSlice, Service } from "../api/types.ts";
import { type EndpointInfo, EndpointSliceCache } from "./endpoint-slice-cache.ts";
import { type ServicePortInfo, servicePortsOf } from "./service-port.ts";

interface ServiceChange {
  previous: Map<string, ServicePortInfo>;
  current: Map<string, ServicePortInfo>;
}

export interface StateUpdate {
  /** "ns/name" of every Service whose ports or endpoints changed. */
  updatedServices: Set<string>;
  /** Service port keys that no longer exist. */
  deletedServicePorts: Set<string>;
}

export class ProxyState {
  /** Proxied service ports by key (ServicePortInfo.key). Read-only outside this class. */
  readonly servicePorts = new Map<string, ServicePortInfo>();
  /** Service port key → endpoints, sorted by hostPort. Ports without endpoints are absent. */
  readonly endpoints = new Map<string, EndpointInfo[]>();
  /** "ns/name" → keys of its ports in `servicePorts`, kept in step with it. */
  private readonly portKeysByService = new Map<string, Set<string>>();
  /** Pending Service changes by "ns/name"; an entry whose before equals its after is dropped. */
  private readonly serviceChanges = new Map<string, ServiceChange>();
  private readonly slices: EndpointSliceCache;

  constructor(nodeName: string) {
    this.slices = new EndpointSliceCache(nodeName);
  }

  // #region onService
  /** ServiceChangeTracker.Update: `previous` undefined for an add, `current` for a delete. */
  onService(previous: Service | undefined, current: Service | undefined): boolean {
    const meta = (current ?? previous)?.metadata;
    if (!meta) return this.serviceChanges.size > 0;
    const key = `${meta.namespace}/${meta.name}`;
    let change = this.serviceChanges.get(key);
    if (!change) {
      change = { previous: portsMap(previous), current: new Map() };
      this.serviceChanges.set(key, change);
    }
    change.current = portsMap(current);
    if (samePorts(change.previous, change.current)) this.serviceChanges.delete(key);
    return this.serviceChanges.size > 0;
  }
  // #endregion onService

  /** EndpointsChangeTracker.EndpointSliceUpdate: true if the slice changes anything. */
  onEndpointSlice(slice: EndpointSlice, removed: boolean): boolean {
    return this.slices.update(slice, removed);
  }

  // #region applyChanges
  /**
   * ServicePortMap.Update and EndpointsMap.Update:
   * 1. For each changed Service, remove its old ports and add its new ones.
   * 2. For each Service whose slices changed, replace its ports' endpoints.
   * 3. Report the Services where either really changed.
   */
  applyChanges(): StateUpdate {
    const updatedServices = new Set<string>();
    const deletedServicePorts = new Set<string>();
    for (const [serviceKey, change] of this.serviceChanges) {
      for (const key of change.previous.keys()) {
        if (!change.current.has(key)) {
          this.servicePorts.delete(key);
          deletedServicePorts.add(key);
        }
      }
      for (const [key, info] of change.current) this.servicePorts.set(key, info);
      if (change.current.size > 0)
        this.portKeysByService.set(serviceKey, new Set(change.current.keys()));
      else this.portKeysByService.delete(serviceKey);
      updatedServices.add(serviceKey);
    }
    this.serviceChanges.clear();
    for (const [serviceKey, change] of this.slices.checkout()) {
      for (const key of change.previous.keys()) {
        if (!change.current.has(key)) this.endpoints.delete(key);
      }
      for (const [key, list] of change.current) this.endpoints.set(key, list);
      if (!sameEndpoints(change.previous, change.current)) updatedServices.add(serviceKey);
    }
    return { updatedServices, deletedServicePorts };
  }
  // #endregion applyChanges

  /** The ports of one Service ("ns/name"), in key order. */
  portsOfService(serviceKey: string): ServicePortInfo[] {
    return [...(this.portKeysByService.get(serviceKey) ?? [])]
      .sort()
      .map((key) => this.servicePorts.get(key) as ServicePortInfo);
  }
}

function portsMap(service: Service | undefined): Map<string, ServicePortInfo> {
  return new Map(service ? servicePortsOf(service).map((info) => [info.key, info]) : []);
}

function samePorts(a: Map<string, ServicePortInfo>, b: Map<string, ServicePortInfo>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, info] of a) {
    const other = b.get(key);
    if (!other || JSON.stringify(info) !== JSON.stringify(other)) return false;
  }
  return true;
}

function sameEndpoints(a: Map<string, EndpointInfo[]>, b: Map<string, EndpointInfo[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, list] of a) {
    const other = b.get(key);
    if (!other || JSON.stringify(list) !== JSON.stringify(other)) return false;
  }
  return true;
}
