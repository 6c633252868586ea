import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../api/object.ts";
import { ago, cellsOf, columnNames } from "../testing.ts";

const template = {
  metadata: { labels: { app: "web" } },
  spec: {
    containers: [
      { name: "nginx", image: "nginx:1.27" },
      { name: "log", image: "busybox" },
    ],
  },
};

function deployment(spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", creationTimestamp: ago("7m34s") },
    spec: { template, ...spec },
    status,
  };
}

describe("deployments", () => {
  it("have Kubernetes' columns", () => {
    expect(columnNames("apps/Deployment")).toEqual([
      "Name",
      "Ready",
      "Up-to-date",
      "Available",
      "Age",
      "Containers",
      "Images",
      "Selector",
    ]);
  });

  it("show ready over desired, and with -o wide the template and selector", () => {
    const d = deployment(
      { replicas: 3, selector: { matchLabels: { app: "web" } } },
      { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    );
    expect(cellsOf("apps/Deployment", d)).toEqual([
      "web",
      "2/3",
      3,
      2,
      "7m34s",
      "nginx,log",
      "nginx:1.27,busybox",
      "app=web",
    ]);
    expect(cellsOf("apps/Deployment", d, { wide: false })).toEqual(["web", "2/3", 3, 2, "7m34s"]);
  });

  it("show 0 for status the controller has not written yet, and default replicas to 1", () => {
    expect(cellsOf("apps/Deployment", deployment({}, {}))).toEqual([
      "web",
      "0/1",
      0,
      0,
      "7m34s",
      "nginx,log",
      "nginx:1.27,busybox",
      "",
    ]);
  });

  it("print set-based selectors, and <invalid> for a broken one", () => {
    const selector = {
      matchLabels: { app: "web" },
      matchExpressions: [
        { key: "tier", operator: "In", values: ["front", "back"] },
        { key: "canary", operator: "DoesNotExist" },
      ],
    };
    expect(cellsOf("apps/Deployment", deployment({ selector }, {}))[7]).toBe(
      "app=web,!canary,tier in (back,front)",
    );
    const broken = { matchExpressions: [{ key: "tier", operator: "In", values: [] }] };
    expect(cellsOf("apps/Deployment", deployment({ selector: broken }, {}))[7]).toBe("<invalid>");
  });
});

describe("replica sets", () => {
  it("have Kubernetes' columns", () => {
    expect(columnNames("apps/ReplicaSet")).toEqual([
      "Name",
      "Desired",
      "Current",
      "Ready",
      "Age",
      "Containers",
      "Images",
      "Selector",
    ]);
  });

  it("show desired, current and ready as numbers", () => {
    const rs: KubeObject = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "web-77b4fdf86c", namespace: "default", creationTimestamp: ago("7m23s") },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "web", "pod-template-hash": "77b4fdf86c" } },
        template,
      },
      status: { replicas: 1, readyReplicas: 1 },
    };
    expect(cellsOf("apps/ReplicaSet", rs)).toEqual([
      "web-77b4fdf86c",
      1,
      1,
      1,
      "7m23s",
      "nginx,log",
      "nginx:1.27,busybox",
      "app=web,pod-template-hash=77b4fdf86c",
    ]);
    const empty = { ...rs, spec: { template, selector: {} }, status: {} };
    expect(cellsOf("apps/ReplicaSet", empty).slice(1, 4)).toEqual([1, 0, 0]);
    expect(cellsOf("apps/ReplicaSet", empty)[7]).toBe("<none>");
  });
});
