import { describe, expect, it } from "vitest";
import type { Service } from "../../../api/types.ts";
import {
  dropTypeDependentFields,
  normalizeClusterIPs,
  patchAllocatedValues,
} from "./update-fields.ts";

const svc = (spec: Service["spec"], status?: unknown): Service => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "web", namespace: "default" },
  spec,
  ...(status ? { status } : {}),
});

describe("normalizeClusterIPs", () => {
  it("fills clusterIPs from clusterIP on create, and leaves a plural-only request alone", () => {
    const singular = svc({ clusterIP: "127.96.0.10" });
    normalizeClusterIPs(singular, undefined);
    expect(singular.spec.clusterIPs).toEqual(["127.96.0.10"]);
    const none = svc({});
    normalizeClusterIPs(none, undefined);
    expect(none.spec.clusterIPs).toBeUndefined();
  });

  it("on update, keeps the list an old client left out, and follows a changed clusterIP", () => {
    const old = svc({ clusterIP: "127.96.0.10", clusterIPs: ["127.96.0.10"] });
    const leftOut = svc({ clusterIP: "127.96.0.10" });
    normalizeClusterIPs(leftOut, old);
    expect(leftOut.spec.clusterIPs).toEqual(["127.96.0.10"]);
    const changed = svc({ clusterIP: "127.96.0.11", clusterIPs: ["127.96.0.10"] });
    normalizeClusterIPs(changed, old);
    expect(changed.spec.clusterIPs).toEqual(["127.96.0.11"]);
    const cleared = svc({ clusterIP: "", clusterIPs: ["127.96.0.10"] });
    normalizeClusterIPs(cleared, old);
    expect(cleared.spec.clusterIPs).toBeUndefined();
  });
});

describe("patchAllocatedValues", () => {
  const old = svc({
    type: "LoadBalancer",
    externalTrafficPolicy: "Local",
    clusterIP: "127.96.0.10",
    clusterIPs: ["127.96.0.10"],
    healthCheckNodePort: 31000,
    ports: [
      { name: "http", port: 80, nodePort: 30080 },
      { name: "https", port: 443, nodePort: 30443 },
    ],
  });

  it("carries over the cluster IPs, node ports by port name, and the health-check port", () => {
    const next = svc({
      type: "LoadBalancer",
      externalTrafficPolicy: "Local",
      ports: [
        { name: "https", port: 443 },
        { name: "http", port: 80 },
      ],
    });
    patchAllocatedValues(next, old);
    expect(next.spec.clusterIP).toBe("127.96.0.10");
    expect(next.spec.clusterIPs).toEqual(["127.96.0.10"]);
    expect(next.spec.ports?.map((p) => p.nodePort)).toEqual([30443, 30080]);
    expect(next.spec.healthCheckNodePort).toBe(31000);
  });

  it("does not give a port a node port another port of the update already uses", () => {
    const next = svc({
      type: "NodePort",
      ports: [
        { name: "admin", port: 8443, nodePort: 30443 },
        { name: "https", port: 443 },
      ],
    });
    patchAllocatedValues(next, old);
    expect(next.spec.ports?.[1]?.nodePort).toBeUndefined();
  });

  it("carries nothing into an ExternalName", () => {
    const next = svc({ type: "ExternalName", externalName: "example.com" });
    patchAllocatedValues(next, old);
    expect(next.spec.clusterIP).toBeUndefined();
  });
});

describe("dropTypeDependentFields", () => {
  it("drops unchanged node ports and the load balancer's fields when going back to ClusterIP", () => {
    const old = svc(
      {
        type: "LoadBalancer",
        externalTrafficPolicy: "Cluster",
        allocateLoadBalancerNodePorts: true,
        ports: [{ port: 80, nodePort: 30080 }],
      },
      { loadBalancer: { ingress: [{ ip: "127.1.0.1" }] } },
    );
    const next = svc(
      {
        type: "ClusterIP",
        externalTrafficPolicy: "Cluster",
        allocateLoadBalancerNodePorts: true,
        ports: [{ port: 80, nodePort: 30080 }],
      },
      old.status,
    );
    dropTypeDependentFields(next, old);
    expect(next.spec).toEqual({ type: "ClusterIP", ports: [{ port: 80 }] });
    expect(next.status).toEqual({ loadBalancer: {} });
  });

  it("keeps a node port the update newly asked for, so validation can refuse it", () => {
    const old = svc({ type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] });
    const next = svc({ type: "ClusterIP", ports: [{ port: 80, nodePort: 30081 }] });
    dropTypeDependentFields(next, old);
    expect(next.spec.ports?.[0]?.nodePort).toBe(30081);
  });

  it("drops the cluster IPs and IP families when becoming an ExternalName", () => {
    const spec = {
      clusterIP: "127.96.0.10",
      clusterIPs: ["127.96.0.10"],
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
    };
    const old = svc({ type: "ClusterIP", ...spec });
    const next = svc({ type: "ExternalName", externalName: "example.com", ...spec });
    dropTypeDependentFields(next, old);
    expect(next.spec).toEqual({ type: "ExternalName", externalName: "example.com" });
  });
});
