import { describe, expect, it } from "vitest";
import { categorizeEndpoints } from "../categorize.ts";
import type { EndpointInfo } from "../endpoint-slice-cache.ts";
import { makeService, onlyPort } from "../testing.ts";
import { type RuleConfig, renderServicePort } from "./service-rules.ts";

const config: RuleConfig = {
  masqueradeAll: false,
  clusterCIDR: "127.128.0.0/9",
  localhostNodePorts: true,
  nfacct: false,
  largeClusterMode: false,
};
const ep = (ip: string, flags: Partial<EndpointInfo> = {}): EndpointInfo => ({
  ip,
  port: 8080,
  hostPort: `${ip}:8080`,
  ready: true,
  serving: true,
  terminating: false,
  isLocal: false,
  ...flags,
});
function render(
  extra: Record<string, unknown>,
  endpoints: EndpointInfo[],
  options: Partial<RuleConfig> = {},
  port: { name?: string; port: number; protocol?: "TCP" | "UDP"; nodePort?: number } = {
    name: "http",
    port: 80,
  },
) {
  const info = onlyPort(makeService("d/web", "127.96.0.20", [port], extra));
  return renderServicePort(info, categorizeEndpoints(endpoints, info), { ...config, ...options });
}

describe("renderServicePort", () => {
  it("rejects a cluster IP with no endpoints in the filter table, and writes no nat chain", () => {
    const rules = render({ type: "NodePort" }, [], {}, { name: "http", port: 80, nodePort: 30080 });
    expect(rules.natChains).toEqual([]);
    expect(rules.natTopRules).toEqual([]);
    expect(rules.filterRules).toEqual([
      '-A KUBE-SERVICES -m comment --comment "d/web:http has no endpoints" -m tcp -p tcp -d 127.96.0.20 --dport 80 -j REJECT',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "d/web:http has no endpoints" -m addrtype --dst-type LOCAL -m tcp -p tcp --dport 30080 -j REJECT',
    ]);
  });

  it("drops cluster-IP traffic with internalTrafficPolicy Local and no local endpoint", () => {
    const rules = render({ internalTrafficPolicy: "Local" }, [ep("127.128.2.1")]);
    expect(rules.filterRules).toEqual([
      '-A KUBE-SERVICES -m comment --comment "d/web:http has no local endpoints" -m tcp -p tcp -d 127.96.0.20 --dport 80 -j DROP',
    ]);
    expect(rules.natChains).toEqual([]);
  });

  it("sends internalTrafficPolicy Local to the KUBE-SVL chain of local endpoints", () => {
    const rules = render({ internalTrafficPolicy: "Local" }, [
      ep("127.128.1.1", { isLocal: true }),
      ep("127.128.2.1"),
    ]);
    expect(rules.natTopRules[0]).toMatch(/-j KUBE-SVL-/);
    expect(rules.natChains.filter((c) => c.startsWith("KUBE-SEP-"))).toHaveLength(1);
  });

  it("masquerades everything with --masquerade-all, nothing without a cluster CIDR", () => {
    const all = render({}, [ep("127.128.1.1")], { masqueradeAll: true });
    expect(all.natRules[0]).toMatch(/--dport 80 -j KUBE-MARK-MASQ$/);
    const none = render({}, [ep("127.128.1.1")], { clusterCIDR: undefined });
    expect(
      none.natRules.some((r) => r.includes("cluster IP") && r.includes("KUBE-MARK-MASQ")),
    ).toBe(false);
  });

  it("matches UDP as udp", () => {
    const rules = render({}, [ep("127.128.1.1")], {}, { name: "dns", port: 53, protocol: "UDP" });
    expect(rules.natTopRules[0]).toContain("-m udp -p udp -d 127.96.0.20 --dport 53");
    expect(rules.natRules.at(-1)).toContain(
      "-m udp -p udp -j DNAT --to-destination 127.128.1.1:8080",
    );
  });

  it("leaves comments off endpoint rules in large-cluster mode", () => {
    const rules = render({}, [ep("127.128.1.1"), ep("127.128.1.2")], { largeClusterMode: true });
    const svc = rules.natChains[0] ?? "";
    expect(rules.natRules.filter((r) => r.includes("--comment"))).toEqual([
      `-A ${svc}` +
        ' -m comment --comment "d/web:http cluster IP" -m tcp -p tcp -d 127.96.0.20 --dport 80 ! -s 127.128.0.0/9 -j KUBE-MARK-MASQ',
    ]);
  });

  it("checks affinity before spreading, with the Service's timeout", () => {
    const rules = render(
      { sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: 30 } } },
      [ep("127.128.1.1"), ep("127.128.1.2")],
    );
    const svc = rules.natChains[0] ?? "";
    const spread = rules.natRules.filter((r) => r.startsWith("-A KUBE-SVC-")).slice(1);
    expect(spread.map((r) => r.replace(/KUBE-SEP-[A-Z2-7]+/g, "SEP"))).toEqual([
      `-A ${svc}` +
        ' -m comment --comment "d/web:http -> 127.128.1.1:8080" -m recent --name SEP --rcheck --seconds 30 --reap -j SEP',
      `-A ${svc}` +
        ' -m comment --comment "d/web:http -> 127.128.1.2:8080" -m recent --name SEP --rcheck --seconds 30 --reap -j SEP',
      `-A ${svc}` +
        ' -m comment --comment "d/web:http -> 127.128.1.1:8080" -m statistic --mode random --probability 0.5000000000 -j SEP',
      `-A ${svc} -m comment --comment "d/web:http -> 127.128.1.2:8080" -j SEP`,
    ]);
  });
});
