import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../api/object.ts";
import { ago, cellsOf, columnNames } from "../testing.ts";

function ingress(spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "web", namespace: "default", creationTimestamp: ago("3h7m") },
    spec,
    status,
  };
}

describe("ingresses", () => {
  it("have Kubernetes' columns", () => {
    expect(columnNames("networking.k8s.io/Ingress")).toEqual([
      "Name",
      "Class",
      "Hosts",
      "Address",
      "Ports",
      "Age",
    ]);
  });

  it.each<[string, KubeObject, string[]]>([
    [
      "a catch-all without a class or address",
      ingress({ defaultBackend: {} }),
      ["web", "<none>", "*", "", "80", "3h7m"],
    ],
    [
      "hosts, TLS and an address",
      ingress(
        {
          ingressClassName: "tinykube",
          rules: [{ host: "foo.example.com" }, { host: "bar.example.com" }],
          tls: [{ hosts: ["foo.example.com"] }],
        },
        { loadBalancer: { ingress: [{ ip: "127.1.0.1" }] } },
      ),
      ["web", "tinykube", "foo.example.com,bar.example.com", "127.1.0.1", "80, 443", "3h7m"],
    ],
    [
      "more than three rules, counting the ones without a host",
      ingress({
        rules: [{ host: "a.io" }, {}, { host: "b.io" }, { host: "c.io" }, { host: "d.io" }],
      }),
      ["web", "<none>", "a.io,b.io,c.io + 2 more...", "", "80", "3h7m"],
    ],
  ])("%s", (_, ing, cells) => {
    expect(cellsOf("networking.k8s.io/Ingress", ing)).toEqual(cells);
  });
});

describe("ingress classes", () => {
  const ingressClass = (spec: Record<string, unknown>): KubeObject => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "IngressClass",
    metadata: { name: "tinykube", creationTimestamp: ago("1d") },
    spec,
  });

  it("show the controller and a reference to the parameters", () => {
    expect(columnNames("networking.k8s.io/IngressClass")).toEqual([
      "Name",
      "Controller",
      "Parameters",
      "Age",
    ]);
    expect(
      cellsOf(
        "networking.k8s.io/IngressClass",
        ingressClass({ controller: "tinykube.dev/ingress" }),
      ),
    ).toEqual(["tinykube", "tinykube.dev/ingress", "<none>", "24h"]);
    const withParams = ingressClass({
      controller: "example.com/ingress",
      parameters: { apiGroup: "k8s.example.com", kind: "IngressParameters", name: "external-lb" },
    });
    expect(cellsOf("networking.k8s.io/IngressClass", withParams)[2]).toBe(
      "IngressParameters.k8s.example.com/external-lb",
    );
    const coreParams = ingressClass({
      controller: "c",
      parameters: { kind: "ConfigMap", name: "settings" },
    });
    expect(cellsOf("networking.k8s.io/IngressClass", coreParams)[2]).toBe("ConfigMap/settings");
  });
});
