import { describe, expect, it } from "vitest";
import {
  addressTypesForService,
  endpointKey,
  endpointPortsFor,
  endpointsEqualBeyondHash,
  podToEndpoint,
  portMapKey,
} from "./desired.ts";
import { podFixture as pod, serviceFixture as service } from "./testing.ts";

const node = {
  apiVersion: "v1",
  kind: "Node",
  metadata: { name: "node-1", labels: { "topology.kubernetes.io/zone": "z1" } },
};

describe("podToEndpoint", () => {
  it("ready and serving while Ready; zone from the node; hostname only for its subdomain", () => {
    const p = pod({ name: "a", ip: "127.128.1.1", hostname: "a", subdomain: "web" });
    expect(podToEndpoint(p, node, service("web"), "IPv4")).toEqual({
      addresses: ["127.128.1.1"],
      conditions: { ready: true, serving: true, terminating: false },
      hostname: "a",
      nodeName: "node-1",
      zone: "z1",
      targetRef: { kind: "Pod", namespace: "default", name: "a", uid: "uid-a" },
    });
  });

  it("terminating: never ready, still serving while the pod is Ready", () => {
    const e = podToEndpoint(
      pod({ name: "a", ip: "127.128.1.1", deleting: true }),
      node,
      service("web"),
      "IPv4",
    );
    expect(e.conditions).toEqual({ ready: false, serving: true, terminating: true });
  });

  it("publishNotReadyAddresses: ready whatever the pod says", () => {
    const svc = service("web", { publishNotReadyAddresses: true });
    expect(
      podToEndpoint(pod({ name: "a", ip: "127.128.1.1", ready: false }), node, svc, "IPv4")
        .conditions,
    ).toEqual({
      ready: true,
      serving: false,
      terminating: false,
    });
    expect(
      podToEndpoint(pod({ name: "a", ip: "127.128.1.1", deleting: true }), node, svc, "IPv4")
        .conditions.ready,
    ).toBe(true);
  });

  it("only addresses of the slice's family", () => {
    const p = pod({ name: "a", ip: "127.128.1.1" });
    p.status = { ...p.status, podIPs: [{ ip: "127.128.1.1" }, { ip: "fd00::1" }] };
    expect(podToEndpoint(p, node, service("web"), "IPv6").addresses).toEqual(["fd00::1"]);
  });
});

describe("endpointPortsFor", () => {
  it("resolves each Service port on the pod and leaves out a name it lacks", () => {
    const svc = service("web", {
      ports: [
        { name: "http", port: 80, targetPort: "http", protocol: "TCP" },
        { name: "metrics", port: 9100, targetPort: 9100, protocol: "TCP", appProtocol: "http" },
        { name: "grpc", port: 90, targetPort: "grpc", protocol: "TCP" },
      ],
    });
    const p = pod({
      name: "a",
      ip: "127.128.1.1",
      ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
    });
    expect(endpointPortsFor(svc, p)).toEqual([
      { name: "http", port: 8080, protocol: "TCP" },
      { name: "metrics", port: 9100, protocol: "TCP", appProtocol: "http" },
    ]);
  });
});

describe("addressTypesForService", () => {
  it("one per IP family; without families, the clusterIP's, or both when headless", () => {
    expect(addressTypesForService(service("a", { ipFamilies: ["IPv6", "IPv4"] }))).toEqual([
      "IPv4",
      "IPv6",
    ]);
    expect(addressTypesForService(service("a", { ipFamilies: [], clusterIP: "fd00::10" }))).toEqual(
      ["IPv6"],
    );
    expect(addressTypesForService(service("a", { ipFamilies: [], clusterIP: "None" }))).toEqual([
      "IPv4",
      "IPv6",
    ]);
  });
});

describe("keys", () => {
  it("an endpoint's key ignores its conditions, node and address order", () => {
    const e = podToEndpoint(pod({ name: "a", ip: "127.128.1.1" }), node, service("web"), "IPv4");
    const other = {
      ...e,
      conditions: { ready: false },
      nodeName: "node-9",
      addresses: [...e.addresses].reverse(),
    };
    expect(endpointKey(other)).toBe(endpointKey(e));
    expect(endpointsEqualBeyondHash(other, e)).toBe(false);
    expect(
      endpointsEqualBeyondHash(
        { ...e, targetRef: { ...e.targetRef, resourceVersion: "9" } as typeof e.targetRef },
        e,
      ),
    ).toBe(true);
  });

  it("a port map key ignores port order and tells ports apart by every field", () => {
    const http = { name: "http", port: 8080, protocol: "TCP" };
    const dns = { name: "dns", port: 53, protocol: "UDP" };
    expect(portMapKey([http, dns])).toBe(portMapKey([dns, http]));
    expect(portMapKey([http])).not.toBe(portMapKey([{ ...http, port: 9090 }]));
    expect(portMapKey(null)).toBe(portMapKey([]));
  });
});
