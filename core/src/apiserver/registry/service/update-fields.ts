/**
 * How the Service registry reads what a client meant when it wrote a Service, before anything
 * is allocated or validated (pkg/registry/core/service/storage/storage.go and strategy.go):
 *
 * - normalizeClusterIPs keeps the old singular `clusterIP` and the plural `clusterIPs` in step,
 *   so old clients that only know the singular still work;
 * - patchAllocatedValues copies what the server allocated into an update that left it out, so
 *   re-submitting the YAML a Service was created from succeeds instead of "may not change";
 * - dropTypeDependentFields clears what a new type no longer uses (cluster IPs when it becomes
 *   ExternalName, node ports when it becomes ClusterIP), if the client did not also change it;
 *   the allocations behind them are released when the write commits.
 *
 * All three change the new object in place and never touch the old one.
 */
import type { Service } from "../../../api/types.ts";
import {
  clusterIPsOf,
  needsClusterIP,
  needsHealthCheckNodePort,
  needsNodePort,
  nodePortsOf,
  sameClusterIPs,
  sameStrings,
} from "./spec.ts";

// #region normalize-cluster-ips
/**
 * Create: a client that set only `clusterIP` gets `clusterIPs: [clusterIP]`. Update: a client
 * that left `clusterIPs` out but kept `clusterIP` keeps the old list; one that cleared
 * `clusterIP` and kept the list has the list cleared for it; one that changed `clusterIP` and
 * kept the list gets a list of the new value (validation then says whether it may change).
 */
export function normalizeClusterIPs(svc: Service, old: Service | undefined): void {
  const spec = svc.spec;
  const clusterIP = spec.clusterIP ?? "";
  if (!old) {
    if (clusterIP !== "" && clusterIPsOf(svc).length === 0) spec.clusterIPs = [clusterIP];
    return;
  }
  const oldClusterIP = old.spec.clusterIP ?? "";
  if (
    clusterIPsOf(old).length > 0 &&
    clusterIPsOf(svc).length === 0 &&
    oldClusterIP === clusterIP
  ) {
    spec.clusterIPs = old.spec.clusterIPs;
  }
  if (oldClusterIP === clusterIP) return;
  const sameList = sameStrings(clusterIPsOf(old), clusterIPsOf(svc));
  if (oldClusterIP !== "" && clusterIP === "") {
    if (sameList) delete spec.clusterIPs;
  } else if (sameList) {
    spec.clusterIPs = [clusterIP];
  }
}
// #endregion normalize-cluster-ips

// #region patch-allocated-values
/**
 * An update that leaves out a value the server allocated keeps the allocated one: the cluster
 * IPs; each port's nodePort, matched by port name, unless another port of the update already
 * uses that number; and the health-check node port.
 */
export function patchAllocatedValues(svc: Service, old: Service): void {
  const spec = svc.spec;
  if (needsClusterIP(old) && needsClusterIP(svc)) {
    if ((spec.clusterIP ?? "") === "" && old.spec.clusterIP) spec.clusterIP = old.spec.clusterIP;
    if (clusterIPsOf(svc).length === 0 && clusterIPsOf(old).length > 0)
      spec.clusterIPs = old.spec.clusterIPs;
  }
  if (needsNodePort(old) && needsNodePort(svc)) {
    const inBoth = new Set(nodePortsOf(old).filter((p) => nodePortsOf(svc).includes(p)));
    const byName = new Map((old.spec.ports ?? []).map((p) => [p.name ?? "", p.nodePort ?? 0]));
    for (const port of spec.ports ?? []) {
      if ((port.nodePort ?? 0) !== 0) continue;
      const previous = byName.get(port.name ?? "") ?? 0;
      if (previous !== 0 && !inBoth.has(previous)) port.nodePort = previous;
    }
  }
  if (needsHealthCheckNodePort(old) && needsHealthCheckNodePort(svc)) {
    if ((spec.healthCheckNodePort ?? 0) === 0 && old.spec.healthCheckNodePort)
      spec.healthCheckNodePort = old.spec.healthCheckNodePort;
  }
}
// #endregion patch-allocated-values

const externallyAccessible = (svc: Service) =>
  svc.spec.type === "LoadBalancer" ||
  svc.spec.type === "NodePort" ||
  (svc.spec.type === "ClusterIP" &&
    ((svc.spec.externalIPs as string[] | undefined) ?? []).length > 0);

// #region drop-type-dependent-fields
/**
 * Wipes a field only if (a) the new type does not use it, (b) the server may have filled it in,
 * and (c) the client did not change it too (then validation should see the change and refuse).
 */
export function dropTypeDependentFields(svc: Service, old: Service): void {
  const spec = svc.spec;
  if (needsClusterIP(old) && !needsClusterIP(svc)) {
    if (sameClusterIPs(old, svc)) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    if (sameStrings(old.spec.ipFamilies, spec.ipFamilies)) delete spec.ipFamilies;
    if (old.spec.ipFamilyPolicy === spec.ipFamilyPolicy) delete spec.ipFamilyPolicy;
  }
  // Users may add, remove or change ports, as long as no node port is new.
  const noNewNodePorts = nodePortsOf(svc).every((p) => nodePortsOf(old).includes(p));
  if (needsNodePort(old) && !needsNodePort(svc) && noNewNodePorts) {
    for (const port of spec.ports ?? []) delete port.nodePort;
  }
  if (
    needsHealthCheckNodePort(old) &&
    !needsHealthCheckNodePort(svc) &&
    old.spec.healthCheckNodePort === spec.healthCheckNodePort
  ) {
    delete spec.healthCheckNodePort;
  }
  if (old.spec.type === "LoadBalancer" && spec.type !== "LoadBalancer") {
    const before = old.spec.allocateLoadBalancerNodePorts;
    if (before !== undefined && before === spec.allocateLoadBalancerNodePorts)
      delete spec.allocateLoadBalancerNodePorts;
    if (old.spec.loadBalancerClass === spec.loadBalancerClass) delete spec.loadBalancerClass;
  }
  if (
    externallyAccessible(old) &&
    !externallyAccessible(svc) &&
    old.spec.externalTrafficPolicy === spec.externalTrafficPolicy
  ) {
    delete spec.externalTrafficPolicy;
  }
  // A load balancer is taken down asynchronously, but users need not see that.
  if (spec.type !== "LoadBalancer") {
    const status = (svc.status ?? {}) as Record<string, unknown>;
    svc.status = { ...status, loadBalancer: {} };
  }
}
// #endregion drop-type-dependent-fields
