/**
 * Reading a Service's part out of the rules kube-proxy's iptables mode would install (what
 * `tinykube proxy rules` prints, in iptables-save layout): its chains are named after a hash of
 * the Service port, so the nat table's lines that name one of them are the Service's share.
 */
import { clusterPolicyChain, endpointChain, externalChain } from "@tinykube/core/proxy";

/** "ns/name:port", as kube-proxy names a Service port (ServicePortName.String()). */
export type ServicePortName = string;

/**
 * The endpoints ("ip:port") the Service port's KUBE-SVC chain sends traffic to — the rotation:
 * each of its rules carries the comment "<ns/name:port> -> <ip:port>".
 */
export function rotationOf(rules: string, name: ServicePortName): string[] {
  const found = new Set<string>();
  const marker = `"${name} -> `;
  for (const line of rules.split("\n")) {
    const at = line.indexOf(marker);
    if (at >= 0) found.add(line.slice(at + marker.length, line.indexOf('"', at + marker.length)));
  }
  return [...found].sort();
}

export interface ServiceRules {
  svcChain: string;
  extChain: string;
  /** One per endpoint in the rotation, in the rotation's order. */
  sepChains: string[];
  /** The nat table's declarations and rules that name one of those chains, in iptables-save order. */
  lines: string[];
}

/** The nat table's lines for one TCP Service port. */
export function serviceRules(rules: string, name: ServicePortName): ServiceRules {
  const svcChain = clusterPolicyChain(name, "tcp");
  const extChain = externalChain(name, "tcp");
  const sepChains = rotationOf(rules, name).map((hostPort) => endpointChain(name, "tcp", hostPort));
  const chains = [svcChain, extChain, ...sepChains];
  const nat = rules.slice(rules.indexOf("*nat"));
  const lines = nat.split("\n").filter((line) => chains.some((chain) => line.includes(chain)));
  return { svcChain, extChain, sepChains, lines };
}

/** The `--probability` values of a chain's rules, in order ("0.3333333333", ...). */
export function probabilitiesIn(lines: string[], chain: string): string[] {
  return lines
    .filter((line) => line.startsWith(`-A ${chain} `))
    .flatMap((line) => /--probability (\S+)/.exec(line)?.[1] ?? []);
}
