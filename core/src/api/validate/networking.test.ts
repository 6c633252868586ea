import { describe, expect, it } from "vitest";
import type { KubeObject } from "../object.ts";
import { createErrors, edited, type Json, updateErrors } from "./testing.ts";

const ingress: KubeObject = {
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name: "web", namespace: "default" },
  spec: {
    ingressClassName: "tinykube",
    rules: [
      {
        host: "web.example.com",
        http: {
          paths: [
            {
              path: "/",
              pathType: "Prefix",
              backend: { service: { name: "web", port: { number: 80 } } },
            },
          ],
        },
      },
    ],
    tls: [{ hosts: ["web.example.com"], secretName: "web-tls" }],
  },
};

const ingressClass: KubeObject = {
  apiVersion: "networking.k8s.io/v1",
  kind: "IngressClass",
  metadata: { name: "tinykube" },
  spec: { controller: "tinykube.dev/ingress" },
};

const lease: KubeObject = {
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  metadata: { name: "node-1", namespace: "kube-node-lease" },
  spec: { holderIdentity: "node-1", leaseDurationSeconds: 40 },
};

describe("Ingress validation", () => {
  it("accepts a valid Ingress", () => {
    expect(createErrors(ingress)).toEqual([]);
  });

  const path = (i: Json) => i.spec.rules[0].http.paths[0];
  it.each<[string, (i: Json) => void, string[]]>([
    [
      "a path without pathType",
      (i) => delete path(i).pathType,
      ["spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"],
    ],
    [
      "a pathType outside the enum",
      (i) => (path(i).pathType = "Regex"),
      [
        'spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
      ],
    ],
    [
      "a relative path",
      (i) => (path(i).path = "api"),
      ['spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path'],
    ],
    [
      "a path with //",
      (i) => (path(i).path = "/a//b"),
      ["spec.rules[0].http.paths[0].path: Invalid value: \"/a//b\": must not contain '//'"],
    ],
    [
      "a backend without a port",
      (i) => (path(i).backend.service.port = {}),
      ["spec.rules[0].http.paths[0].backend: Required value: port name or number is required"],
    ],
    [
      "a backend service named like no service can be",
      (i) => (path(i).backend.service.name = "Web"),
      [
        "spec.rules[0].http.paths[0].backend.service.name: Invalid value: \"Web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      ],
    ],
    [
      "a host that is an IP",
      (i) => (i.spec.rules[0].host = "10.0.0.1"),
      ['spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address'],
    ],
    [
      "no rules and no default backend",
      (i) => delete i.spec.rules,
      ["spec: Invalid value: null: either `defaultBackend` or `rules` must be specified"],
    ],
    [
      "an ingress.class annotation that disagrees with ingressClassName",
      (i) => (i.metadata.annotations = { "kubernetes.io/ingress.class": "nginx" }),
      [
        'annotations.kubernetes.io/ingress.class: Invalid value: "nginx": must match `ingressClassName` when both are specified',
      ],
    ],
  ])("rejects %s", (_, edit, expected) => {
    expect(createErrors(edited(ingress, edit))).toEqual(expected);
  });
});

describe("IngressClass validation", () => {
  it("accepts a valid IngressClass", () => {
    expect(createErrors(ingressClass)).toEqual([]);
  });

  it("requires a domain-prefixed controller that never changes", () => {
    expect(createErrors(edited(ingressClass, (c) => (c.spec.controller = "nginx")))).toEqual([
      'spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")',
    ]);
    expect(createErrors(edited(ingressClass, (c) => delete c.spec.controller))).toEqual([
      "spec.controller: Required value",
    ]);
    expect(
      updateErrors(
        edited(ingressClass, (c) => (c.spec.controller = "other.dev/x")),
        ingressClass,
      ),
    ).toEqual(['spec.controller: Invalid value: "other.dev/x": field is immutable']);
  });
});

describe("Lease validation", () => {
  it("accepts a valid Lease and rejects nonsense durations", () => {
    expect(createErrors(lease)).toEqual([]);
    expect(createErrors(edited(lease, (l) => (l.spec.leaseDurationSeconds = 0)))).toEqual([
      "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
    ]);
    expect(createErrors(edited(lease, (l) => (l.spec.leaseTransitions = -1)))).toEqual([
      "spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0",
    ]);
  });
});
