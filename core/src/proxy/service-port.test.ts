import { describe, expect, it } from "vitest";
import {
  externallyAccessible,
  servicePortNameString,
  servicePortsOf,
  usesClusterEndpoints,
  usesLocalEndpoints,
} from "./service-port.ts";
import { makeService, onlyPort } from "./testing.ts";

describe("servicePortsOf", () => {
  it("gives one entry per port, named as ServicePortName.String() and keyed with the protocol", () => {
    const ports = servicePortsOf(
      makeService("kube-system/kube-dns", "127.96.0.10", [
        { name: "dns", port: 53, protocol: "UDP" },
        { name: "dns-tcp", port: 53, protocol: "TCP" },
      ]),
    );
    expect(ports.map((p) => [p.nameString, p.key, p.protocol, p.port])).toEqual([
      ["kube-system/kube-dns:dns", "kube-system/kube-dns:dns/UDP", "UDP", 53],
      ["kube-system/kube-dns:dns-tcp", "kube-system/kube-dns:dns-tcp/TCP", "TCP", 53],
    ]);
    expect(ports[0]?.serviceKey).toBe("kube-system/kube-dns");
  });

  it("writes an unnamed port without a colon", () => {
    expect(servicePortNameString({ namespace: "default", name: "web", port: "" })).toBe(
      "default/web",
    );
    expect(servicePortsOf(makeService("default/web", "127.96.0.20", [{ port: 80 }]))[0]?.key).toBe(
      "default/web/TCP",
    );
  });

  it("skips headless, ExternalName and Services without an IPv4 cluster IP", () => {
    expect(servicePortsOf(makeService("d/headless", "None", [{ port: 80 }]))).toEqual([]);
    expect(servicePortsOf(makeService("d/empty", "", [{ port: 80 }]))).toEqual([]);
    expect(
      servicePortsOf(
        makeService("d/alias", "127.96.0.5", [{ port: 80 }], { type: "ExternalName" }),
      ),
    ).toEqual([]);
    expect(servicePortsOf(makeService("d/v6", "fd00::5", [{ port: 80 }]))).toEqual([]);
  });

  it("reads ClientIP affinity's timeout, NodePorts and traffic policies", () => {
    const port = onlyPort(
      makeService("d/web", "127.96.0.20", [{ name: "http", port: 80, nodePort: 30080 }], {
        type: "NodePort",
        externalTrafficPolicy: "Local",
        sessionAffinity: "ClientIP",
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
      }),
    );
    expect(port).toMatchObject({
      nodePort: 30080,
      sessionAffinity: "ClientIP",
      stickyMaxAgeSeconds: 60,
      externalPolicyLocal: true,
      internalPolicyLocal: false,
    });
    expect(externallyAccessible(port)).toBe(true);
    // External Local policy still uses all endpoints for short-circuited node-local traffic.
    expect([usesClusterEndpoints(port), usesLocalEndpoints(port)]).toEqual([true, true]);
  });

  it("ignores externalTrafficPolicy on a Service nothing outside can reach", () => {
    const port = onlyPort(
      makeService("d/web", "127.96.0.20", [{ port: 80 }], { externalTrafficPolicy: "Local" }),
    );
    expect(port.externalPolicyLocal).toBe(false);
    expect([usesClusterEndpoints(port), usesLocalEndpoints(port)]).toEqual([true, false]);
  });

  it("gives a health-check NodePort only to a LoadBalancer with the Local policy", () => {
    const lb = (policy: string) =>
      servicePortsOf(
        makeService("d/lb", "127.96.0.30", [{ port: 80, nodePort: 30100 }], {
          type: "LoadBalancer",
          externalTrafficPolicy: policy,
          healthCheckNodePort: 30200,
        }),
      )[0]?.healthCheckNodePort;
    expect([lb("Local"), lb("Cluster")]).toEqual([30200, 0]);
  });

  it("keeps only VIP-mode IPv4 load-balancer addresses and trims source ranges", () => {
    const [port] = servicePortsOf(
      makeService(
        "d/lb",
        "127.96.0.30",
        [{ port: 80 }],
        { type: "LoadBalancer", loadBalancerSourceRanges: [" 203.0.113.0/25", "2001:db8::/64"] },
        {
          loadBalancer: {
            ingress: [
              { ip: "1.2.3.4" },
              { ip: "5.6.7.8", ipMode: "Proxy" },
              { hostname: "lb.example" },
            ],
          },
        },
      ),
    );
    expect(port?.loadBalancerVIPs).toEqual(["1.2.3.4"]);
    expect(port?.loadBalancerSourceRanges).toEqual(["203.0.113.0/25"]);
  });
});
