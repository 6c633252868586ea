import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../api/object.ts";
import { ago, cellsOf, columnNames } from "../testing.ts";

describe("IP addresses", () => {
  it("show the resource, namespace and name that hold them", () => {
    expect(columnNames("networking.k8s.io/IPAddress")).toEqual(["Name", "ParentRef"]);
    const ip = (parentRef?: object): KubeObject => ({
      apiVersion: "networking.k8s.io/v1",
      kind: "IPAddress",
      metadata: { name: "127.96.0.1", creationTimestamp: ago("3d") },
      spec: parentRef ? { parentRef } : {},
    });
    expect(
      cellsOf(
        "networking.k8s.io/IPAddress",
        ip({ resource: "services", namespace: "default", name: "kubernetes" }),
      ),
    ).toEqual(["127.96.0.1", "services/default/kubernetes", "3d"]);
    expect(
      cellsOf(
        "networking.k8s.io/IPAddress",
        ip({ group: "gateway.networking.k8s.io", resource: "Gateways", name: "edge" }),
      )[1],
    ).toBe("gateways.gateway.networking.k8s.io/edge");
    expect(cellsOf("networking.k8s.io/IPAddress", ip())[1]).toBe("<none>");
  });
});
