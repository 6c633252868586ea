import { describe, expect, it } from "vitest";
import type { KubeObject } from "../object.ts";
import { createErrors, edited, type Json, updateErrors } from "./testing.ts";

const deployment: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default" },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web", tier: "front" } },
      spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
    },
  },
};

const replicaSet: KubeObject = {
  ...structuredClone(deployment),
  kind: "ReplicaSet",
  metadata: { name: "web-7d4b9c", namespace: "default" },
};

describe("Deployment validation", () => {
  it("accepts a valid Deployment", () => {
    expect(createErrors(deployment)).toEqual([]);
  });

  it.each<[string, (d: Json) => void, string[]]>([
    [
      "no selector: required, and (as Kubernetes reads it) selecting nothing",
      (d) => delete d.spec.selector,
      [
        "spec.selector: Required value",
        'spec.template.metadata.labels: Invalid value: {"app":"web","tier":"front"}: `selector` does not match template `labels`',
      ],
    ],
    [
      "an empty selector",
      (d) => (d.spec.selector = {}),
      ["spec.selector: Invalid value: {}: empty selector is invalid for deployment"],
    ],
    [
      "a selector that misses the template",
      (d) => (d.spec.selector.matchLabels = { app: "api" }),
      [
        'spec.template.metadata.labels: Invalid value: {"app":"web","tier":"front"}: `selector` does not match template `labels`',
      ],
    ],
    [
      "a selector expression with an unknown operator",
      (d) =>
        (d.spec.selector = {
          matchExpressions: [{ key: "app", operator: "Like", values: ["web"] }],
        }),
      [
        'spec.selector.matchExpressions[0].operator: Invalid value: "Like": not a valid selector operator',
        'spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"Like","values":["web"]}]}: invalid label selector',
      ],
    ],
    [
      "negative replicas",
      (d) => (d.spec.replicas = -1),
      ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"],
    ],
    [
      "a template that does not restart its pods",
      (d) => (d.spec.template.spec.restartPolicy = "Never"),
      ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ],
    [
      "a template with a deadline",
      (d) => (d.spec.template.spec.activeDeadlineSeconds = 10),
      [
        "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported",
      ],
    ],
    [
      "maxSurge and maxUnavailable both 0",
      (d) => (d.spec.strategy = { rollingUpdate: { maxSurge: 0, maxUnavailable: "0%" } }),
      [
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0',
      ],
    ],
    [
      "maxUnavailable above 100%",
      (d) => (d.spec.strategy = { rollingUpdate: { maxUnavailable: "110%" } }),
      [
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "110%": must not be greater than 100%',
      ],
    ],
    [
      "a maxSurge that is neither a number nor a percentage",
      (d) => (d.spec.strategy = { rollingUpdate: { maxSurge: "one" } }),
      [
        "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"one\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
      ],
    ],
    [
      "a rollingUpdate with the Recreate strategy",
      (d) => (d.spec.strategy = { type: "Recreate", rollingUpdate: { maxSurge: 1 } }),
      [
        "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
      ],
    ],
    [
      "an unknown strategy",
      (d) => (d.spec.strategy = { type: "BlueGreen" }),
      [
        'spec.strategy: Unsupported value: {"type":"BlueGreen"}: supported values: "Recreate", "RollingUpdate"',
      ],
    ],
    [
      "a progress deadline no longer than minReadySeconds",
      (d) => {
        d.spec.minReadySeconds = 30;
        d.spec.progressDeadlineSeconds = 30;
      },
      ["spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds"],
    ],
    [
      "an invalid container in the template",
      (d) => (d.spec.template.spec.containers[0].image = ""),
      ["spec.template.spec.containers[0].image: Required value"],
    ],
  ])("rejects %s", (_, edit, expected) => {
    expect(createErrors(edited(deployment, edit))).toEqual(expected);
  });

  it("on update, the selector is immutable; replicas and the template are not", () => {
    const scaled = edited(deployment, (d) => {
      d.spec.replicas = 10;
      d.spec.template.spec.containers[0].image = "nginx:1.28";
    });
    expect(updateErrors(scaled, deployment)).toEqual([]);
    const reselected = edited(deployment, (d) => (d.spec.selector.matchLabels = { tier: "front" }));
    expect(updateErrors(reselected, deployment)).toEqual([
      'spec.selector: Invalid value: {"matchLabels":{"tier":"front"}}: field is immutable',
    ]);
  });
});

describe("ReplicaSet validation", () => {
  it("accepts a valid ReplicaSet", () => {
    expect(createErrors(replicaSet)).toEqual([]);
  });

  it.each<[string, (r: Json) => void, string[]]>([
    [
      "no selector",
      (r) => delete r.spec.selector,
      ["spec.selector: Required value", expect.stringContaining("`selector` does not match")],
    ],
    [
      "negative minReadySeconds",
      (r) => (r.spec.minReadySeconds = -5),
      ["spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0"],
    ],
    [
      "an empty selector, in Kubernetes' words for Deployments",
      (r) => (r.spec.selector = { matchLabels: {} }),
      [
        'spec.selector: Invalid value: {"matchLabels":{}}: empty selector is invalid for deployment',
      ],
    ],
  ])("rejects %s", (_, edit, expected) => {
    expect(createErrors(edited(replicaSet, edit))).toEqual(expected);
  });

  it("on update, the selector is immutable", () => {
    const next = edited(replicaSet, (r) => (r.spec.selector.matchLabels.tier = "front"));
    expect(updateErrors(next, replicaSet)).toEqual([
      'spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"front"}}: field is immutable',
    ]);
  });
});
