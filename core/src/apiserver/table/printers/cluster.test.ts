import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../api/object.ts";
import { ago, cellsOf, columnNames } from "../testing.ts";

describe("leases", () => {
  it("show their holder", () => {
    expect(columnNames("coordination.k8s.io/Lease")).toEqual(["Name", "Holder", "Age"]);
    const lease: KubeObject = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "kube-scheduler", namespace: "kube-system", creationTimestamp: ago("2d") },
      spec: { holderIdentity: "scheduler-1_4c5d", leaseDurationSeconds: 15 },
    };
    expect(cellsOf("coordination.k8s.io/Lease", lease)).toEqual([
      "kube-scheduler",
      "scheduler-1_4c5d",
      "2d",
    ]);
    expect(cellsOf("coordination.k8s.io/Lease", { ...lease, spec: {} })[1]).toBe("");
  });
});

describe("priority classes", () => {
  const pc: KubeObject = {
    apiVersion: "scheduling.k8s.io/v1",
    kind: "PriorityClass",
    metadata: { name: "system-node-critical", creationTimestamp: ago("10d") },
    value: 2000001000,
    preemptionPolicy: "PreemptLowerPriority",
  };

  it("always list PREEMPTIONPOLICY, a priority-0 column filled only for wide output", () => {
    expect(columnNames("scheduling.k8s.io/PriorityClass")).toEqual([
      "Name",
      "Value",
      "Global-Default",
      "Age",
      "PreemptionPolicy",
    ]);
    expect(cellsOf("scheduling.k8s.io/PriorityClass", pc)).toEqual([
      "system-node-critical",
      2000001000,
      false,
      "10d",
      "PreemptLowerPriority",
    ]);
    expect(cellsOf("scheduling.k8s.io/PriorityClass", pc, { wide: false })).toEqual([
      "system-node-critical",
      2000001000,
      false,
      "10d",
    ]);
  });
});
