import { describe, expect, it } from "vitest";
import type { KubeObject } from "../object.ts";
import { createErrors, edited, updateErrors } from "./testing.ts";

const high: KubeObject = {
  apiVersion: "scheduling.k8s.io/v1",
  kind: "PriorityClass",
  metadata: { name: "high" },
  value: 1_000_000,
  preemptionPolicy: "PreemptLowerPriority",
};

describe("PriorityClass validation", () => {
  it("accepts a user class up to 1,000,000,000 and the system classes with their exact values", () => {
    expect(createErrors(high)).toEqual([]);
    expect(createErrors(edited(high, (pc) => (pc.value = 1_000_000_000)))).toEqual([]);
    const node = edited(high, (pc) => {
      pc.metadata.name = "system-node-critical";
      pc.value = 2_000_001_000;
    });
    expect(createErrors(node)).toEqual([]);
  });

  it.each<[string, KubeObject, string[]]>([
    [
      "a user value above the maximum",
      edited(high, (pc) => (pc.value = 1_000_000_001)),
      ["value: Forbidden: maximum allowed value of a user defined priority is 1000000000"],
    ],
    [
      "an unknown system- name",
      edited(high, (pc) => (pc.metadata.name = "system-mine")),
      [
        "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
      ],
    ],
    [
      "a system class with another value",
      edited(high, (pc) => (pc.metadata.name = "system-cluster-critical")),
      [
        "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-cluster-critical PriorityClass must be 2000000000",
      ],
    ],
    [
      "an unknown preemptionPolicy",
      edited(high, (pc) => (pc.preemptionPolicy = "Sometimes")),
      [
        'preemptionPolicy: Unsupported value: "Sometimes": supported values: "Never", "PreemptLowerPriority"',
      ],
    ],
  ])("refuses %s", (_, pc, errors) => {
    expect(createErrors(pc)).toEqual(errors);
  });

  it("keeps value and preemptionPolicy immutable", () => {
    const old = { ...high, metadata: { ...high.metadata, resourceVersion: "1" } };
    const changed = edited(old, (pc) => {
      pc.value = 5;
      pc.preemptionPolicy = "Never";
    });
    expect(updateErrors(changed, old)).toEqual([
      "value: Forbidden: may not be changed in an update.",
      'preemptionPolicy: Invalid value: "Never": field is immutable',
    ]);
  });
});
