/**
 * Which endpoints a Service port's traffic may go to — Kubernetes' pkg/proxy/topology.go
 * CategorizeEndpoints, without topology hints (tinykube's EndpointSlices carry none).
 *
 * Guarantees:
 * - "Usable" means ready. Only when no endpoint is ready anywhere do serving-terminating
 *   endpoints (still answering, but being deleted) take their place — so a rolling update
 *   that has only terminating pods left keeps serving instead of refusing.
 * - Local endpoints (on this node) fall back the same way, independently of the cluster-wide
 *   ones.
 * - `hasAnyEndpoints` is true when some usable endpoint exists anywhere in the cluster, even if
 *   none is reachable under a Local policy from this node.
 *
 * Example: endpoints a (ready), b (not ready, serving, terminating), c (not ready, not serving):
 * cluster endpoints are [a]. Once a goes: [b] (the fallback). Once b stops serving: [] and the
 * Service has no endpoints.
 */
import type { EndpointInfo } from "./endpoint-slice-cache.ts";
import { type ServicePortInfo, usesClusterEndpoints, usesLocalEndpoints } from "./service-port.ts";

export interface CategorizedEndpoints {
  /** For Cluster traffic policy; empty if the port never uses it. */
  clusterEndpoints: EndpointInfo[];
  /** For Local traffic policy; empty if the port never uses it. */
  localEndpoints: EndpointInfo[];
  /** The union of the two: every endpoint this node may send the port's traffic to. */
  allReachableEndpoints: EndpointInfo[];
  hasAnyEndpoints: boolean;
}

const usable = (ep: EndpointInfo) => ep.ready;
const fallback = (ep: EndpointInfo) => ep.serving && ep.terminating;

// #region categorizeEndpoints
export function categorizeEndpoints(
  endpoints: readonly EndpointInfo[],
  info: ServicePortInfo,
): CategorizedEndpoints {
  let clusterEndpoints: EndpointInfo[] = [];
  let localEndpoints: EndpointInfo[] = [];
  let hasAnyEndpoints = false;
  if (endpoints.length === 0) {
    return { clusterEndpoints, localEndpoints, allReachableEndpoints: [], hasAnyEndpoints };
  }
  if (usesClusterEndpoints(info)) {
    clusterEndpoints = endpoints.filter(usable);
    if (clusterEndpoints.length === 0) clusterEndpoints = endpoints.filter(fallback);
    hasAnyEndpoints = clusterEndpoints.length > 0;
  }
  if (!usesLocalEndpoints(info)) {
    return {
      clusterEndpoints,
      localEndpoints,
      allReachableEndpoints: clusterEndpoints,
      hasAnyEndpoints,
    };
  }
  if (endpoints.some((ep) => usable(ep) || fallback(ep))) hasAnyEndpoints = true;
  localEndpoints = endpoints.filter((ep) => ep.isLocal && usable(ep));
  const localFallback = localEndpoints.length === 0;
  if (localFallback) localEndpoints = endpoints.filter((ep) => ep.isLocal && fallback(ep));
  if (!usesClusterEndpoints(info)) {
    return {
      clusterEndpoints,
      localEndpoints,
      allReachableEndpoints: localEndpoints,
      hasAnyEndpoints,
    };
  }
  // Without topology and with ready local endpoints, the cluster list already holds them all.
  if (!localFallback) {
    return {
      clusterEndpoints,
      localEndpoints,
      allReachableEndpoints: clusterEndpoints,
      hasAnyEndpoints,
    };
  }
  // Terminating local endpoints may be missing from the cluster list: merge, keeping hostPort order.
  const merged = new Map<string, EndpointInfo>();
  for (const ep of [...clusterEndpoints, ...localEndpoints]) merged.set(ep.hostPort, ep);
  const allReachableEndpoints = [...merged.values()].sort((a, b) =>
    a.hostPort < b.hostPort ? -1 : a.hostPort > b.hostPort ? 1 : 0,
  );
  return { clusterEndpoints, localEndpoints, allReachableEndpoints, hasAnyEndpoints };
}
// #endregion categorizeEndpoints
