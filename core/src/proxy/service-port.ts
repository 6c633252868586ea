/**
 * What kube-proxy needs to know of one Service port — Kubernetes' pkg/proxy ServicePortName
 * (types.go) and BaseServicePortInfo (serviceport.go), built by serviceToServiceMap
 * (servicechangetracker.go).
 *
 * Guarantees:
 * - A Service kube-proxy does not proxy gives no ports: headless (clusterIP None or empty) and
 *   ExternalName Services (pkg/proxy/util ShouldSkipService), and, on this single-stack IPv4
 *   proxy, a Service without an IPv4 cluster IP.
 * - A port is identified by namespace, Service name, port name and protocol: a DNS Service's
 *   "dns" over UDP and "dns-tcp" over TCP are two service ports, and so are two unnamed ports
 *   (which validation allows only when there is one port).
 * - Only IPv4 addresses are kept (externalIPs, load-balancer VIPs, source ranges), as an IPv4
 *   proxier filters them by family.
 */
import { isIPv4 } from "node:net";
import type { Service } from "../api/types.ts";

export type Protocol = "TCP" | "UDP" | "SCTP";
export type SessionAffinity = "None" | "ClientIP";

export interface ServicePortName {
  namespace: string;
  name: string;
  /** The port's name; "" for the single unnamed port of a Service. */
  port: string;
  protocol: Protocol;
}

/**
 * The Service's default ClientIP affinity timeout (DefaultClientIPServiceAffinitySeconds, three
 * hours), which the API server fills in; used here only for objects that skipped defaulting.
 */
export const DEFAULT_STICKY_MAX_AGE_SECONDS = 10800;

export interface ServicePortInfo {
  name: ServicePortName;
  /** ServicePortName.String(): "ns/name:port", or "ns/name" for an unnamed port. */
  nameString: string;
  /** Unique per service port: nameString plus protocol (the map key Kubernetes uses). */
  key: string;
  /** "ns/name": the Service this port belongs to. */
  serviceKey: string;
  clusterIP: string;
  port: number;
  protocol: Protocol;
  /** 0 when the port has none. */
  nodePort: number;
  sessionAffinity: SessionAffinity;
  /** ClientIP affinity's timeoutSeconds; 0 without affinity. */
  stickyMaxAgeSeconds: number;
  externalIPs: string[];
  loadBalancerVIPs: string[];
  /** Trimmed CIDRs (validation once let whitespace through). */
  loadBalancerSourceRanges: string[];
  /** 0 unless the Service needs one (LoadBalancer with externalTrafficPolicy Local). */
  healthCheckNodePort: number;
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
}

/** ServicePortName.String(): the port name joins with a colon only when there is one. */
export function servicePortNameString(name: Omit<ServicePortName, "protocol">): string {
  return `${name.namespace}/${name.name}${name.port === "" ? "" : `:${name.port}`}`;
}

/** ShouldSkipService: no cluster IP to proxy (headless), or a DNS alias (ExternalName). */
export function shouldSkipService(service: Service): boolean {
  const ip = service.spec.clusterIP;
  return ip === undefined || ip === "" || ip === "None" || service.spec.type === "ExternalName";
}

// #region servicePortsOf
/** serviceToServiceMap: one entry per port of a proxied Service, none for a skipped one. */
export function servicePortsOf(service: Service): ServicePortInfo[] {
  if (shouldSkipService(service)) return [];
  const clusterIP = ipv4ClusterIP(service);
  if (clusterIP === undefined) return [];
  const namespace = service.metadata.namespace ?? "";
  const name = service.metadata.name ?? "";
  const spec = service.spec as ServiceSpecFields;
  const affinity: SessionAffinity = spec.sessionAffinity === "ClientIP" ? "ClientIP" : "None";
  const externalPolicyLocal =
    isExternallyAccessible(spec) && spec.externalTrafficPolicy === "Local";
  const needsHealthCheck = spec.type === "LoadBalancer" && externalPolicyLocal;
  return (service.spec.ports ?? []).map((port) => {
    const portName: ServicePortName = {
      namespace,
      name,
      port: port.name ?? "",
      protocol: (port.protocol ?? "TCP") as Protocol,
    };
    const nameString = servicePortNameString(portName);
    return {
      name: portName,
      nameString,
      key: `${nameString}/${portName.protocol}`,
      serviceKey: `${namespace}/${name}`,
      clusterIP,
      port: port.port,
      protocol: portName.protocol,
      nodePort: port.nodePort ?? 0,
      sessionAffinity: affinity,
      stickyMaxAgeSeconds:
        affinity === "ClientIP"
          ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_STICKY_MAX_AGE_SECONDS)
          : 0,
      externalIPs: (spec.externalIPs ?? []).filter((ip) => isIPv4(ip)),
      loadBalancerVIPs: loadBalancerVIPs(service),
      loadBalancerSourceRanges: (spec.loadBalancerSourceRanges ?? [])
        .map((range) => range.trim())
        .filter((range) => isIPv4(range.split("/")[0] ?? "")),
      healthCheckNodePort: needsHealthCheck ? (spec.healthCheckNodePort ?? 0) : 0,
      externalPolicyLocal,
      internalPolicyLocal: spec.internalTrafficPolicy === "Local",
    };
  });
}
// #endregion servicePortsOf

// #region trafficPolicies
/** Reachable by something other than its cluster IP: a NodePort, an external IP or a load balancer. */
export function externallyAccessible(info: ServicePortInfo): boolean {
  return info.nodePort !== 0 || info.loadBalancerVIPs.length > 0 || info.externalIPs.length > 0;
}

/**
 * The port ever sends traffic to endpoints on any node: its internal policy is Cluster, or it
 * takes external traffic at all (even with externalTrafficPolicy Local, traffic from this node
 * itself is short-circuited to all endpoints).
 */
export function usesClusterEndpoints(info: ServicePortInfo): boolean {
  return !info.internalPolicyLocal || externallyAccessible(info);
}

/** The port ever restricts traffic to this node's endpoints. */
export function usesLocalEndpoints(info: ServicePortInfo): boolean {
  return info.internalPolicyLocal || (info.externalPolicyLocal && externallyAccessible(info));
}
// #endregion trafficPolicies

/** The Service spec fields read here that api/types.ts leaves open. */
interface ServiceSpecFields {
  type?: string;
  clusterIPs?: string[];
  sessionAffinity?: string;
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
  externalIPs?: string[];
  externalTrafficPolicy?: string;
  internalTrafficPolicy?: string;
  healthCheckNodePort?: number;
  loadBalancerSourceRanges?: string[];
}

/** GetClusterIPByFamily(IPv4): the first IPv4 of clusterIPs, or clusterIP if that is all there is. */
function ipv4ClusterIP(service: Service): string | undefined {
  const spec = service.spec as ServiceSpecFields & { clusterIP?: string };
  const ips = spec.clusterIPs?.length ? spec.clusterIPs : [spec.clusterIP ?? ""];
  return ips.find((ip) => isIPv4(ip));
}

/** apiservice.ExternallyAccessible, on the Service rather than a port. */
function isExternallyAccessible(spec: ServiceSpecFields): boolean {
  return (
    spec.type === "LoadBalancer" ||
    spec.type === "NodePort" ||
    (spec.type === "ClusterIP" && (spec.externalIPs?.length ?? 0) > 0)
  );
}

/**
 * Load-balancer ingress IPs kube-proxy routes itself: those in VIP mode (ipMode unset or "VIP");
 * "Proxy" mode means the load balancer forwards to the nodes and kube-proxy must not intercept.
 */
function loadBalancerVIPs(service: Service): string[] {
  const status = service.status as
    | { loadBalancer?: { ingress?: { ip?: string; ipMode?: string }[] } }
    | undefined;
  return (status?.loadBalancer?.ingress ?? [])
    .filter((ingress) => ingress.ip && isIPv4(ingress.ip) && (ingress.ipMode ?? "VIP") === "VIP")
    .map((ingress) => ingress.ip as string);
}
