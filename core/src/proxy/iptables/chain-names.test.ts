import { describe, expect, it } from "vitest";
import {
  clusterPolicyChain,
  endpointChain,
  externalChain,
  firewallChain,
  isServiceChainName,
  localPolicyChain,
} from "./chain-names.ts";

describe("chain names", () => {
  it("hash as Kubernetes' proxier_test.go expects them", () => {
    expect(clusterPolicyChain("ns1/svc1:p80", "tcp")).toBe("KUBE-SVC-XPGD46QRK7WJZT7O");
    expect(endpointChain("ns1/svc1:p80", "tcp", "10.180.0.1:80")).toBe("KUBE-SEP-SXIVWICOYRO3J4NJ");
    expect(firewallChain("ns5/svc5:p80", "tcp")).toBe("KUBE-FW-NUKIZ6OKUXPJNT4C");
    expect(endpointChain("ns4/svc4:p80", "tcp", "10.180.0.5:80")).toBe("KUBE-SEP-C6EBXVWJJZMIWKLZ");
  });

  it("share one hash across a port's SVC, SVL, EXT and FW chains, and lower-case the protocol", () => {
    const hash = clusterPolicyChain("ns2/svc2:p80", "TCP").slice("KUBE-SVC-".length);
    expect(hash).toBe("GNZBNJ2PO5MGZ6GT");
    expect(localPolicyChain("ns2/svc2:p80", "tcp")).toBe(`KUBE-SVL-${hash}`);
    expect(externalChain("ns2/svc2:p80", "tcp")).toBe(`KUBE-EXT-${hash}`);
    expect(clusterPolicyChain("ns2/svc2:p80", "udp")).not.toBe(`KUBE-SVC-${hash}`);
  });

  it("stay within iptables' 28-character limit", () => {
    expect(
      endpointChain(
        "a-very-long-namespace-name/an-even-longer-service-name:https",
        "sctp",
        "10.0.0.1:443",
      ).length,
    ).toBeLessThanOrEqual(28);
  });

  it("tell kube-proxy's own chains from others", () => {
    expect(isServiceChainName("KUBE-SEP-SXIVWICOYRO3J4NJ")).toBe(true);
    expect(isServiceChainName("KUBE-SERVICES")).toBe(false);
  });
});
