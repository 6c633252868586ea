import { describe, expect, it } from "vitest";
import { loadBalancerFor, showsLoadBalancer, withLoadBalancer } from "./status.ts";
import type { Ingress } from "./types.ts";

const ingress = (status?: Ingress["status"]): Ingress => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name: "web", namespace: "default" },
  spec: {},
  ...(status ? { status } : {}),
});

describe("load balancer status", () => {
  it("publishes IPs as ip and names as hostname, sorted", () => {
    expect(loadBalancerFor(["127.1.0.1"])).toEqual([{ ip: "127.1.0.1" }]);
    expect(loadBalancerFor(["lb.example.com", "127.1.0.2", "127.1.0.1"])).toEqual([
      { ip: "127.1.0.1" },
      { ip: "127.1.0.2" },
      { hostname: "lb.example.com" },
    ]);
  });

  it("tells whether an Ingress already shows the addresses", () => {
    const desired = loadBalancerFor(["127.1.0.1"]);
    expect(showsLoadBalancer(ingress(), desired)).toBe(false);
    expect(showsLoadBalancer(ingress({ loadBalancer: {} }), desired)).toBe(false);
    expect(
      showsLoadBalancer(ingress({ loadBalancer: { ingress: [{ ip: "127.1.0.9" }] } }), desired),
    ).toBe(false);
    expect(
      showsLoadBalancer(
        ingress({
          loadBalancer: { ingress: [{ ip: "127.1.0.1", ports: [{ port: 80, protocol: "TCP" }] }] },
        }),
        desired,
      ),
    ).toBe(false);
    expect(
      showsLoadBalancer(ingress({ loadBalancer: { ingress: [{ ip: "127.1.0.1" }] } }), desired),
    ).toBe(true);
  });

  it("writes a copy, leaving the cached object alone", () => {
    const cached = Object.freeze(ingress());
    const updated = withLoadBalancer(cached, [{ ip: "127.1.0.1" }]);
    expect(updated.status).toEqual({ loadBalancer: { ingress: [{ ip: "127.1.0.1" }] } });
    expect(cached.status).toBeUndefined();
  });
});
