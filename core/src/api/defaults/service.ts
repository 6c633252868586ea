/**
 * Service defaulting: SetDefaults_Service (k8s.io/kubernetes/pkg/apis/core/v1/defaults.go) plus
 * the IP-family fields the service registry fills in before it allocates a clusterIP
 * (initIPFamilyFields in pkg/registry/core/service/storage/alloc.go).
 *
 * Allocation itself (clusterIP, nodePorts, healthCheckNodePort) is the registry's job, not
 * defaulting; so is carrying an allocated clusterIP over when an update leaves it out.
 */
import {
  defaultString,
  defaultValue,
  ensureObject,
  hasEntries,
  type JsonObject,
  objectAt,
  objectsAt,
} from "./fields.ts";

/** Three hours: how long ClientIP affinity sticks a client to one endpoint. */
export const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;

/** tinykube serves one address family, as a single-stack cluster does. */
const CLUSTER_IP_FAMILY = "IPv4";

export function applyServiceDefaults<T extends JsonObject>(service: T): T {
  const spec = ensureObject(service, "spec");
  if (!spec) return service;
  defaultString(spec, "sessionAffinity", "None");
  if (spec.sessionAffinity === "None") delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === "ClientIP") {
    const config = objectAt(spec, "sessionAffinityConfig");
    const clientIP = config && objectAt(config, "clientIP");
    if (
      clientIP === undefined ||
      clientIP.timeoutSeconds === undefined ||
      clientIP.timeoutSeconds === null
    ) {
      spec.sessionAffinityConfig = {
        clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS },
      };
    }
  }
  defaultString(spec, "type", "ClusterIP");
  for (const port of objectsAt(spec, "ports")) {
    defaultString(port, "protocol", "TCP");
    // targetPort 0 or "" means "the same as port".
    if (
      port.targetPort === undefined ||
      port.targetPort === null ||
      port.targetPort === 0 ||
      port.targetPort === ""
    ) {
      if (typeof port.port === "number") port.targetPort = port.port;
    }
  }
  if (externallyAccessible(spec)) defaultString(spec, "externalTrafficPolicy", "Cluster");
  if (spec.type === "NodePort" || spec.type === "LoadBalancer" || spec.type === "ClusterIP") {
    defaultValue(spec, "internalTrafficPolicy", "Cluster");
  }
  if (spec.type === "LoadBalancer") {
    defaultValue(spec, "allocateLoadBalancerNodePorts", true);
  }
  ipFamilyDefaults(spec);
  // A load balancer's address defaults to a virtual IP that kube-proxy also routes to.
  const status = objectAt(service, "status");
  const loadBalancer = status && objectAt(status, "loadBalancer");
  if (spec.type === "LoadBalancer" && loadBalancer) {
    for (const ingress of objectsAt(loadBalancer, "ingress")) {
      if (typeof ingress.ip === "string" && ingress.ip !== "")
        defaultValue(ingress, "ipMode", "VIP");
    }
  }
  return service;
}

/** Reachable from outside the cluster: a NodePort or LoadBalancer, or a ClusterIP with externalIPs. */
export function externallyAccessible(spec: JsonObject): boolean {
  return (
    spec.type === "LoadBalancer" ||
    spec.type === "NodePort" ||
    (spec.type === "ClusterIP" && hasEntries(spec.externalIPs))
  );
}

// #region ip-family-defaults
/**
 * initIPFamilyFields on a single-stack IPv4 cluster, for a create:
 *
 *   ExternalName                       → nothing (it has no cluster IP)
 *   headless (clusterIP None) without
 *   a selector                         → RequireDualStack, ["IPv4", "IPv6"]: its endpoints are
 *                                        managed by hand and may be of either family
 *   everything else                    → SingleStack, ["IPv4"]
 *
 * A user-chosen policy or family list is kept; validation then checks it.
 */
function ipFamilyDefaults(spec: JsonObject): void {
  if (spec.type === "ExternalName") return;
  const headlessSelectorless = spec.clusterIP === "None" && !hasEntries(spec.selector);
  defaultValue(spec, "ipFamilyPolicy", headlessSelectorless ? "RequireDualStack" : "SingleStack");
  if (!hasEntries(spec.ipFamilies)) {
    spec.ipFamilies =
      headlessSelectorless && spec.ipFamilyPolicy !== "SingleStack"
        ? [CLUSTER_IP_FAMILY, "IPv6"]
        : [CLUSTER_IP_FAMILY];
  }
}
// #endregion ip-family-defaults
