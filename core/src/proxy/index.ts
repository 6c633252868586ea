export type { CategorizedEndpoints } from "./categorize.ts";
export { categorizeEndpoints } from "./categorize.ts";
export type { EndpointInfo, EndpointsByPort } from "./endpoint-slice-cache.ts";
export { EndpointSliceCache, LABEL_SERVICE_NAME } from "./endpoint-slice-cache.ts";
export {
  clusterPolicyChain,
  endpointChain,
  externalChain,
  firewallChain,
  localPolicyChain,
  portProtoHash,
} from "./iptables/chain-names.ts";
export { probability } from "./iptables/probability.ts";
export type { IptablesRendererOptions, IptablesSyncResult } from "./iptables/renderer.ts";
export { IptablesRenderer } from "./iptables/renderer.ts";
export type { KubeProxyOptions, KubeProxySyncStats } from "./kube-proxy.ts";
export { KUBE_PROXY_LABEL_SELECTOR, KubeProxy, TINYKUBE_CLUSTER_CIDR } from "./kube-proxy.ts";
export type {
  Protocol,
  ServicePortInfo,
  ServicePortName,
  SessionAffinity,
} from "./service-port.ts";
export { servicePortNameString, servicePortsOf, shouldSkipService } from "./service-port.ts";
export type { StateUpdate } from "./state.ts";
export { ProxyState } from "./state.ts";
export type { ServicePortCounters } from "./userspace/counters.ts";
export { UserspaceProxier } from "./userspace/proxier.ts";
export type { EndpointSelector } from "./userspace/round-robin.ts";
export { RoundRobinBalancer } from "./userspace/round-robin.ts";
