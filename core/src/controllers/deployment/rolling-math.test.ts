import { describe, expect, it } from "vitest";
import { describeRolloutStepContract } from "./rolling.cases.ts";
import { newRSScaleUp, oldRSScaleDown, rolloutStep } from "./rolling-math.ts";

describeRolloutStepContract("the core's rolloutStep", rolloutStep);

describe("newRSScaleUp (NewRSNewReplicas)", () => {
  it("follows its doc comment: room 2, 7 wanted, 3 → 5", () => {
    expect(newRSScaleUp({ replicas: 10, maxSurge: 3, newRSReplicas: 3, allReplicas: 11 })).toBe(5);
  });

  it("does not move when the total is at or above replicas + maxSurge", () => {
    expect(newRSScaleUp({ replicas: 10, maxSurge: 3, newRSReplicas: 3, allReplicas: 13 })).toBe(3);
    expect(newRSScaleUp({ replicas: 10, maxSurge: 3, newRSReplicas: 3, allReplicas: 20 })).toBe(3);
  });

  it("never goes past replicas, whatever the room", () => {
    expect(newRSScaleUp({ replicas: 4, maxSurge: 100, newRSReplicas: 1, allReplicas: 1 })).toBe(4);
  });
});

describe("oldRSScaleDown (reconcileOldReplicaSets)", () => {
  const at = (hhmm: string) => Date.parse(`2025-01-01T${hhmm}:00Z`);

  it("reports how many pods each phase removed", () => {
    const plan = oldRSScaleDown({
      replicas: 10,
      maxUnavailable: 2,
      newRS: { replicas: 4, available: 4 },
      oldRSes: [
        { name: "a", replicas: 4, available: 2, created: at("10:00") },
        { name: "b", replicas: 5, available: 3, created: at("10:05") },
      ],
    });
    expect(plan).toEqual({
      scaleDowns: [
        { name: "a", replicas: 1 },
        { name: "b", replicas: 3 },
      ],
      cleanedUp: 4,
      scaledDown: 1,
    });
  });

  it("keeps the cleanups made before an old ReplicaSet with a stale status stops it", () => {
    const plan = oldRSScaleDown({
      replicas: 10,
      maxUnavailable: 2,
      newRS: { replicas: 5, available: 5 },
      oldRSes: [
        { name: "a", replicas: 4, available: 2, created: at("10:00") },
        { name: "b", replicas: 3, available: 5, created: at("10:05") },
      ],
    });
    expect(plan).toEqual({
      scaleDowns: [{ name: "a", replicas: 2 }],
      cleanedUp: 2,
      scaledDown: 0,
      blockedBy: "b",
    });
  });

  it("does nothing without old pods, or without budget", () => {
    const newRS = { replicas: 10, available: 10 };
    expect(
      oldRSScaleDown({ replicas: 10, maxUnavailable: 2, newRS, oldRSes: [] }).scaleDowns,
    ).toEqual([]);
    const crashing = { replicas: 5, available: 0 };
    const old = [{ name: "a", replicas: 8, available: 7, created: 0 }];
    expect(
      oldRSScaleDown({ replicas: 10, maxUnavailable: 2, newRS: crashing, oldRSes: old }),
    ).toEqual({ scaleDowns: [], cleanedUp: 0, scaledDown: 0 });
  });
});
