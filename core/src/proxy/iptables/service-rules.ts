/**
 * The iptables rules of one Service port, as kube-proxy's iptables mode writes them — the body of
 * the per-service loop in pkg/proxy/iptables/proxier.go syncProxyRules, and
 * writeServiceToEndpointRules.
 *
 * A packet to a Service walks this path in the nat table:
 *
 *   KUBE-SERVICES ──"ns/svc:port cluster IP" -d <clusterIP> --dport <port>──▶ KUBE-SVC-<hash>
 *   KUBE-NODEPORTS ─"ns/svc:port" --dport <nodePort>──▶ KUBE-EXT-<hash> ──▶ KUBE-SVC-<hash>
 *   KUBE-SVC-<hash> ─statistic random 1/n, 1/(n−1), …──▶ KUBE-SEP-<hash of endpoint>
 *   KUBE-SEP-<hash> ─DNAT──▶ <pod ip>:<port>
 *
 * and KUBE-MARK-MASQ marks what must be source-NATed on the way out (KUBE-POSTROUTING).
 *
 * Guarantees:
 * - A port with no usable endpoint anywhere gets no nat chains at all, only filter rules that
 *   REJECT its cluster IP (and external addresses): the client sees "connection refused" at once
 *   instead of a timeout.
 * - With a Local traffic policy and no endpoint on this node, traffic that policy governs is
 *   DROPped, while short-circuited traffic (from pods or the node itself) still goes to the
 *   cluster-wide chain.
 * - ClientIP affinity: each KUBE-SEP records the client in an `-m recent` list named after the
 *   chain, and KUBE-SVC first sends a client seen within timeoutSeconds back to the same chain.
 * - Endpoint rules appear in endpoint order (sorted "ip:port"), so the same state always renders
 *   the same text.
 */
import { BlockList } from "node:net";
import type { CategorizedEndpoints } from "../categorize.ts";
import type { EndpointInfo } from "../endpoint-slice-cache.ts";
import type { ServicePortInfo } from "../service-port.ts";
import { externallyAccessible, usesClusterEndpoints, usesLocalEndpoints } from "../service-port.ts";
import {
  clusterPolicyChain,
  endpointChain,
  externalChain,
  firewallChain,
  localPolicyChain,
} from "./chain-names.ts";
import { probability } from "./probability.ts";

export const KUBE_SERVICES = "KUBE-SERVICES";
export const KUBE_EXTERNAL_SERVICES = "KUBE-EXTERNAL-SERVICES";
export const KUBE_NODEPORTS = "KUBE-NODEPORTS";
export const KUBE_POSTROUTING = "KUBE-POSTROUTING";
export const KUBE_MARK_MASQ = "KUBE-MARK-MASQ";
export const KUBE_FORWARD = "KUBE-FORWARD";
export const KUBE_PROXY_FIREWALL = "KUBE-PROXY-FIREWALL";
export const KUBE_FIREWALL = "KUBE-FIREWALL";

/** metrics.LocalhostNodePortAcceptedNFAcctCounter. */
export const LOCALHOST_NODEPORTS_NFACCT = "localhost_nps_accepted_pkts";

export interface RuleConfig {
  /** The node's IP, to let it through a load balancer's source ranges to its own VIP. */
  nodeIP?: string;
  /** --masquerade-all: SNAT every packet to a cluster IP. */
  masqueradeAll: boolean;
  /**
   * --cluster-cidr (detect-local-mode ClusterCIDR): traffic from outside it is masqueraded.
   * Without it, kube-proxy cannot tell pod traffic apart and writes no such rules.
   */
  clusterCIDR?: string;
  /** --iptables-localhost-nodeports (default true): NodePorts answer on 127.0.0.0/8 too. */
  localhostNodePorts: boolean;
  /** The nfacct counters exist (kube-proxy creates them when the kernel allows). */
  nfacct: boolean;
  /** More than 1,000 endpoints in all: leave comments off endpoint rules, to save 40% of text. */
  largeClusterMode: boolean;
}

/** One Service port's share of the tables; every line is an `-A CHAIN ...` rule. */
export interface ServicePortRules {
  /** Filter rules in KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS, KUBE-PROXY-FIREWALL. */
  filterRules: string[];
  /** Nat rules in the shared KUBE-SERVICES and KUBE-NODEPORTS chains. */
  natTopRules: string[];
  /** The nat chains this port owns (SVC, SVL, EXT, FW, SEP), in the order they are declared. */
  natChains: string[];
  /** The rules of those chains. */
  natRules: string[];
}

const quoted = (text: string) => `"${text}"`;

// #region renderServicePort
export function renderServicePort(
  info: ServicePortInfo,
  endpoints: CategorizedEndpoints,
  config: RuleConfig,
): ServicePortRules {
  const out: ServicePortRules = { filterRules: [], natTopRules: [], natChains: [], natRules: [] };
  const name = info.nameString;
  const proto = info.protocol.toLowerCase();
  const match = `-m ${proto} -p ${proto}`;
  const { clusterEndpoints, localEndpoints, allReachableEndpoints, hasAnyEndpoints } = endpoints;

  const svcChain = clusterPolicyChain(name, proto);
  const svlChain = localPolicyChain(name, proto);
  const extChain = externalChain(name, proto);
  const fwChain = firewallChain(name, proto);
  const usesClusterPolicyChain = clusterEndpoints.length > 0 && usesClusterEndpoints(info);
  const usesLocalPolicyChain = localEndpoints.length > 0 && usesLocalEndpoints(info);

  // Internal (cluster IP) and external (NodePort, external IP, LB) traffic each go to the
  // chain of their policy; with a Local policy and no local endpoint, there is none to go to.
  const internalChain = info.internalPolicyLocal ? svlChain : svcChain;
  const hasInternalEndpoints =
    hasAnyEndpoints && (!info.internalPolicyLocal || localEndpoints.length > 0);
  const externalPolicyChain = info.externalPolicyLocal ? svlChain : svcChain;
  const hasExternalEndpoints =
    hasAnyEndpoints && (!info.externalPolicyLocal || localEndpoints.length > 0);
  const usesExternalChain = hasAnyEndpoints && externallyAccessible(info);
  const usesFWChain =
    hasAnyEndpoints && info.loadBalancerVIPs.length > 0 && info.loadBalancerSourceRanges.length > 0;
  const loadBalancerChain = usesFWChain ? fwChain : extChain;

  let internalFilter = { target: "", comment: "" };
  let externalFilter = { target: "", comment: "" };
  if (!hasAnyEndpoints) {
    internalFilter = { target: "REJECT", comment: quoted(`${name} has no endpoints`) };
    externalFilter = internalFilter;
  } else {
    const noLocal = { target: "DROP", comment: quoted(`${name} has no local endpoints`) };
    if (!hasInternalEndpoints) internalFilter = noLocal;
    if (!hasExternalEndpoints) externalFilter = noLocal;
  }

  // 1. Capture the cluster IP.
  const clusterIPMatch = `${match} -d ${info.clusterIP} --dport ${info.port}`;
  if (hasInternalEndpoints) {
    out.natTopRules.push(
      `-A ${KUBE_SERVICES} -m comment --comment ${quoted(`${name} cluster IP`)} ${clusterIPMatch} -j ${internalChain}`,
    );
  } else {
    out.filterRules.push(
      `-A ${KUBE_SERVICES} -m comment --comment ${internalFilter.comment} ${clusterIPMatch} -j ${internalFilter.target}`,
    );
  }

  // 2. Capture external IPs.
  for (const ip of info.externalIPs) {
    const ipMatch = `${match} -d ${ip} --dport ${info.port}`;
    if (hasAnyEndpoints) {
      out.natTopRules.push(
        `-A ${KUBE_SERVICES} -m comment --comment ${quoted(`${name} external IP`)} ${ipMatch} -j ${extChain}`,
      );
    }
    if (!hasExternalEndpoints) {
      out.filterRules.push(
        `-A ${KUBE_EXTERNAL_SERVICES} -m comment --comment ${externalFilter.comment} ${ipMatch} -j ${externalFilter.target}`,
      );
    }
  }

  // 3. Capture load-balancer VIPs.
  for (const ip of info.loadBalancerVIPs) {
    const ipMatch = `${match} -d ${ip} --dport ${info.port}`;
    if (hasAnyEndpoints) {
      out.natTopRules.push(
        `-A ${KUBE_SERVICES} -m comment --comment ${quoted(`${name} loadbalancer IP`)} ${ipMatch} -j ${loadBalancerChain}`,
      );
    }
    if (usesFWChain) {
      out.filterRules.push(
        `-A ${KUBE_PROXY_FIREWALL} -m comment --comment ${quoted(`${name} traffic not accepted by ${fwChain}`)} ${ipMatch} -j DROP`,
      );
    }
  }
  if (!hasExternalEndpoints) {
    for (const ip of info.loadBalancerVIPs) {
      out.filterRules.push(
        `-A ${KUBE_EXTERNAL_SERVICES} -m comment --comment ${externalFilter.comment} ${match} -d ${ip} --dport ${info.port} -j ${externalFilter.target}`,
      );
    }
  }

  // 4. Capture the NodePort (on any local address: KUBE-SERVICES jumps here last).
  if (info.nodePort !== 0) {
    if (hasAnyEndpoints) {
      if (config.localhostNodePorts && config.nfacct) {
        out.natTopRules.push(
          `-A ${KUBE_NODEPORTS} -m comment --comment ${name} ${match} -d 127.0.0.0/8 --dport ${info.nodePort} -m nfacct --nfacct-name ${LOCALHOST_NODEPORTS_NFACCT} -j ${extChain}`,
        );
      }
      out.natTopRules.push(
        `-A ${KUBE_NODEPORTS} -m comment --comment ${name} ${match} --dport ${info.nodePort} -j ${extChain}`,
      );
    }
    if (!hasExternalEndpoints) {
      out.filterRules.push(
        `-A ${KUBE_EXTERNAL_SERVICES} -m comment --comment ${externalFilter.comment} -m addrtype --dst-type LOCAL ${match} --dport ${info.nodePort} -j ${externalFilter.target}`,
      );
    }
  }

  // 5. Accept the health-check NodePort whether or not this node has endpoints.
  if (info.healthCheckNodePort !== 0) {
    out.filterRules.push(
      `-A ${KUBE_NODEPORTS} -m comment --comment ${quoted(`${name} health check node port`)} -m tcp -p tcp --dport ${info.healthCheckNodePort} -j ACCEPT`,
    );
  }

  // 6. Masquerade cluster-IP traffic from outside the cluster (or all of it).
  if (hasInternalEndpoints) {
    const args = `-m comment --comment ${quoted(`${name} cluster IP`)} ${clusterIPMatch}`;
    if (config.masqueradeAll) {
      out.natRules.push(`-A ${internalChain} ${args} -j ${KUBE_MARK_MASQ}`);
    } else if (config.clusterCIDR) {
      out.natRules.push(
        `-A ${internalChain} ${args} ! -s ${config.clusterCIDR} -j ${KUBE_MARK_MASQ}`,
      );
    }
  }

  // 7. The external chain: masquerade (Cluster policy), or short-circuit local sources (Local).
  if (usesExternalChain) {
    out.natChains.push(extChain);
    if (!info.externalPolicyLocal) {
      out.natRules.push(
        `-A ${extChain} -m comment --comment ${quoted(`masquerade traffic for ${name} external destinations`)} -j ${KUBE_MARK_MASQ}`,
      );
    } else {
      if (config.clusterCIDR) {
        out.natRules.push(
          `-A ${extChain} -m comment --comment ${quoted(`pod traffic for ${name} external destinations`)} -s ${config.clusterCIDR} -j ${svcChain}`,
        );
      }
      out.natRules.push(
        `-A ${extChain} -m comment --comment ${quoted(`masquerade LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${KUBE_MARK_MASQ}`,
      );
      out.natRules.push(
        `-A ${extChain} -m comment --comment ${quoted(`route LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${svcChain}`,
      );
    }
    if (hasExternalEndpoints) out.natRules.push(`-A ${extChain} -j ${externalPolicyChain}`);
  }

  // 8. The firewall chain: only listed sources reach the external chain.
  if (usesFWChain) {
    out.natChains.push(fwChain);
    const args = `-A ${fwChain} -m comment --comment ${quoted(`${name} loadbalancer IP`)}`;
    let allowFromNode = false;
    for (const cidr of info.loadBalancerSourceRanges) {
      out.natRules.push(`${args} -s ${cidr} -j ${extChain}`);
      if (config.nodeIP && cidrContains(cidr, config.nodeIP)) allowFromNode = true;
    }
    if (allowFromNode) {
      for (const ip of info.loadBalancerVIPs) out.natRules.push(`${args} -s ${ip} -j ${extChain}`);
    }
    out.natRules.push(
      `-A ${fwChain} -m comment --comment ${quoted(`other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL`)}`,
    );
  }

  // 9. The policy chains, spreading over their endpoints.
  if (usesClusterPolicyChain) {
    out.natChains.push(svcChain);
    writeEndpointRules(out.natRules, info, svcChain, clusterEndpoints, config);
  }
  if (usesLocalPolicyChain) {
    out.natChains.push(svlChain);
    writeEndpointRules(out.natRules, info, svlChain, localEndpoints, config);
  }

  // 10. One chain per endpoint: masquerade hairpin traffic, record affinity, DNAT.
  for (const ep of allReachableEndpoints) {
    const chain = endpointChain(name, proto, ep.hostPort);
    out.natChains.push(chain);
    const head = config.largeClusterMode
      ? `-A ${chain}`
      : `-A ${chain} -m comment --comment ${name}`;
    out.natRules.push(`${head} -s ${ep.ip} -j ${KUBE_MARK_MASQ}`);
    const recent = info.sessionAffinity === "ClientIP" ? ` -m recent --name ${chain} --set` : "";
    out.natRules.push(`${head}${recent} ${match} -j DNAT --to-destination ${ep.hostPort}`);
  }
  return out;
}
// #endregion renderServicePort

// #region writeEndpointRules
/**
 * writeServiceToEndpointRules: affinity rules first (a client seen within the timeout goes back
 * to its endpoint), then one rule per endpoint with the probability that spreads traffic evenly.
 */
function writeEndpointRules(
  rules: string[],
  info: ServicePortInfo,
  chain: string,
  endpoints: EndpointInfo[],
  config: RuleConfig,
): void {
  const name = info.nameString;
  const proto = info.protocol.toLowerCase();
  const head = (ep: EndpointInfo) =>
    config.largeClusterMode
      ? `-A ${chain}`
      : `-A ${chain} -m comment --comment ${quoted(`${name} -> ${ep.hostPort}`)}`;
  if (info.sessionAffinity === "ClientIP") {
    for (const ep of endpoints) {
      const sep = endpointChain(name, proto, ep.hostPort);
      rules.push(
        `${head(ep)} -m recent --name ${sep} --rcheck --seconds ${info.stickyMaxAgeSeconds} --reap -j ${sep}`,
      );
    }
  }
  const n = endpoints.length;
  endpoints.forEach((ep, i) => {
    const sep = endpointChain(name, proto, ep.hostPort);
    const statistic =
      i < n - 1 ? ` -m statistic --mode random --probability ${probability(n - i)}` : "";
    rules.push(`${head(ep)}${statistic} -j ${sep}`);
  });
}
// #endregion writeEndpointRules

function cidrContains(cidr: string, ip: string): boolean {
  const [address = "", bits = "32"] = cidr.split("/");
  const list = new BlockList();
  try {
    list.addSubnet(address, Number(bits), "ipv4");
    return list.check(ip, "ipv4");
  } catch {
    return false;
  }
}
