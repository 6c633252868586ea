/**
 * Small questions about a Service's spec that allocation and its update rules ask again and
 * again, answered as Kubernetes' service registry answers them (pkg/registry/core/service).
 */
import type { Service } from "../../../api/types.ts";

export const isExternalName = (svc: Service) => svc.spec.type === "ExternalName";

/** Every type but ExternalName has a cluster IP (or is headless, which counts as a value). */
export const needsClusterIP = (svc: Service) => !isExternalName(svc);

export const needsNodePort = (svc: Service) =>
  svc.spec.type === "NodePort" || svc.spec.type === "LoadBalancer";

/** NeedsHealthCheck: a LoadBalancer that keeps traffic on the node it arrives at. */
export const needsHealthCheckNodePort = (svc: Service) =>
  svc.spec.type === "LoadBalancer" && svc.spec.externalTrafficPolicy === "Local";

/** A NodePort always gets node ports; a LoadBalancer unless allocateLoadBalancerNodePorts is false. */
export const shouldAllocateNodePorts = (svc: Service) =>
  svc.spec.type === "NodePort" ||
  (svc.spec.type === "LoadBalancer" && svc.spec.allocateLoadBalancerNodePorts !== false);

export const clusterIPsOf = (svc: Service): string[] => svc.spec.clusterIPs ?? [];

/** Headless: clusterIPs is ["None"]. */
export const isHeadless = (svc: Service) => clusterIPsOf(svc)[0] === "None";

/** IsServiceIPSet: it has a real cluster IP (not none, not "None"). */
export const hasClusterIP = (svc: Service) =>
  needsClusterIP(svc) && (svc.spec.clusterIP ?? "") !== "" && svc.spec.clusterIP !== "None";

/** collectServiceNodePorts: every nodePort set on a port, in port order. */
export const nodePortsOf = (svc: Service): number[] =>
  (svc.spec.ports ?? []).map((p) => p.nodePort ?? 0).filter((p) => p !== 0);

export const sameStrings = (a: readonly string[] = [], b: readonly string[] = []) =>
  a.length === b.length && a.every((value, i) => value === b[i]);

/** sameClusterIPs: the singular and the plural field both unchanged. */
export const sameClusterIPs = (a: Service, b: Service) =>
  (a.spec.clusterIP ?? "") === (b.spec.clusterIP ?? "") &&
  sameStrings(clusterIPsOf(a), clusterIPsOf(b));
