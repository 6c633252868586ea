import { describe, expect, it } from "vitest";
import type { JsonObject } from "./fields.ts";
import { applyServiceDefaults } from "./service.ts";

const service = (spec: JsonObject) =>
  applyServiceDefaults({ apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec })
    .spec as JsonObject;

describe("Service defaults", () => {
  it("a ClusterIP service: type, affinity, TCP, targetPort = port, cluster traffic, one IPv4 family", () => {
    expect(
      service({
        selector: { app: "web" },
        ports: [{ port: 80 }, { port: 53, protocol: "UDP", targetPort: "dns" }],
      }),
    ).toEqual({
      selector: { app: "web" },
      ports: [
        { port: 80, protocol: "TCP", targetPort: 80 },
        { port: 53, protocol: "UDP", targetPort: "dns" },
      ],
      type: "ClusterIP",
      sessionAffinity: "None",
      internalTrafficPolicy: "Cluster",
      ipFamilyPolicy: "SingleStack",
      ipFamilies: ["IPv4"],
    });
  });

  it("NodePort and LoadBalancer services are externally reachable: externalTrafficPolicy Cluster", () => {
    expect(service({ type: "NodePort", ports: [{ port: 80 }] }).externalTrafficPolicy).toBe(
      "Cluster",
    );
    const lb = service({ type: "LoadBalancer", ports: [{ port: 80 }] });
    expect(lb).toMatchObject({
      externalTrafficPolicy: "Cluster",
      allocateLoadBalancerNodePorts: true,
    });
    expect(service({ ports: [{ port: 80 }] }).externalTrafficPolicy).toBeUndefined();
    expect(
      service({ ports: [{ port: 80 }], externalIPs: ["192.0.2.1"] }).externalTrafficPolicy,
    ).toBe("Cluster");
  });

  it("ClientIP affinity sticks for three hours unless told; None drops the config", () => {
    expect(service({ sessionAffinity: "ClientIP" }).sessionAffinityConfig).toEqual({
      clientIP: { timeoutSeconds: 10800 },
    });
    expect(
      service({
        sessionAffinity: "ClientIP",
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
      }).sessionAffinityConfig,
    ).toEqual({
      clientIP: { timeoutSeconds: 60 },
    });
    expect(
      service({ sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } })
        .sessionAffinityConfig,
    ).toBeUndefined();
  });

  it("ExternalName services get no IP families and no internal traffic policy", () => {
    const s = service({ type: "ExternalName", externalName: "example.com" });
    expect(s.ipFamilies).toBeUndefined();
    expect(s.ipFamilyPolicy).toBeUndefined();
    expect(s.internalTrafficPolicy).toBeUndefined();
  });

  it("a headless service without a selector may hold endpoints of both families", () => {
    expect(service({ clusterIP: "None" })).toMatchObject({
      ipFamilyPolicy: "RequireDualStack",
      ipFamilies: ["IPv4", "IPv6"],
    });
    expect(service({ clusterIP: "None", selector: { app: "db" } })).toMatchObject({
      ipFamilyPolicy: "SingleStack",
      ipFamilies: ["IPv4"],
    });
  });
});
