import { describe, expect, it } from "vitest";
import type { Condition } from "../../api/types.ts";
import { updatePodCondition } from "./pod-condition.ts";

const T = Date.parse("2026-01-01T00:10:00Z");
const ready: Condition = {
  type: "Ready",
  status: "True",
  reason: "PodReady",
  lastTransitionTime: "2026-01-01T00:00:00Z",
};

describe("updatePodCondition", () => {
  it("adds a new condition, transitioned now", () => {
    const next = {
      type: "DisruptionTarget",
      status: "True" as const,
      reason: "DeletionByTaintManager",
    };
    expect(updatePodCondition([ready], next, T)).toEqual({
      conditions: [ready, { ...next, lastTransitionTime: "2026-01-01T00:10:00Z" }],
      changed: true,
    });
  });

  it("moves lastTransitionTime only when the status changes", () => {
    const flipped = updatePodCondition(
      [ready],
      { type: "Ready", status: "False", reason: "PodReady" },
      T,
    );
    expect(flipped.conditions[0]?.lastTransitionTime).toBe("2026-01-01T00:10:00Z");
    const reworded = updatePodCondition(
      [ready],
      { type: "Ready", status: "True", reason: "Other" },
      T,
    );
    expect(reworded).toEqual({ conditions: [{ ...ready, reason: "Other" }], changed: true });
  });

  it("reports no change for the same condition, and leaves the input alone", () => {
    const input = [ready];
    const { lastTransitionTime: _, ...same } = ready;
    expect(updatePodCondition(input, same, T)).toEqual({ conditions: [ready], changed: false });
    expect(input).toEqual([ready]);
  });
});
