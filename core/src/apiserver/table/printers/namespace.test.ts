import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../api/object.ts";
import { ago, cellsOf, columnNames } from "../testing.ts";
import { quotaCells } from "./namespace.ts";

describe("namespaces", () => {
  it("show their phase", () => {
    expect(columnNames("/Namespace")).toEqual(["Name", "Status", "Age"]);
    const ns = (phase: string): KubeObject => ({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "team-a", creationTimestamp: ago("30d") },
      status: { phase },
    });
    expect(cellsOf("/Namespace", ns("Active"))).toEqual(["team-a", "Active", "30d"]);
    expect(cellsOf("/Namespace", ns("Terminating"))).toEqual(["team-a", "Terminating", "30d"]);
  });
});

describe("resource quotas", () => {
  it("have Kubernetes 1.32's columns", () => {
    expect(columnNames("/ResourceQuota")).toEqual(["Name", "Age", "Request", "Limit"]);
  });

  it("split limits.* from the rest, sorted by resource, used over hard", () => {
    const quota: KubeObject = {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: "compute", namespace: "team-a", creationTimestamp: ago("4d") },
      spec: {
        hard: { pods: "10", "requests.cpu": "1", "limits.cpu": "2", "limits.memory": "2Gi" },
      },
      status: {
        hard: { pods: "10", "requests.cpu": "1", "limits.cpu": "2", "limits.memory": "2Gi" },
        used: {
          pods: "3",
          "requests.cpu": "500m",
          "limits.cpu": "1000m",
          "limits.memory": "1536Mi",
        },
      },
    };
    expect(cellsOf("/ResourceQuota", quota)).toEqual([
      "compute",
      "4d",
      "pods: 3/10, requests.cpu: 500m/1",
      "limits.cpu: 1/2, limits.memory: 1536Mi/2Gi",
    ]);
  });

  it("show nothing before the quota controller has filled in status", () => {
    expect(quotaCells(undefined)).toEqual(["", ""]);
  });
});
