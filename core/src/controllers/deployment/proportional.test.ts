import { describe, expect, it } from "vitest";
import {
  DESIRED_REPLICAS_ANNOTATION,
  findActiveOrLatest,
  isSaturated,
  isScalingEvent,
  MAX_REPLICAS_ANNOTATION,
  replicasAnnotations,
  type ScalableReplicaSet,
  type ScaleInput,
  scaleReplicaSets,
} from "./proportional.ts";

function rs(
  name: string,
  replicas: number,
  created: number,
  scaledUnder?: { desired: number; max: number },
  available = replicas,
): ScalableReplicaSet {
  const annotations = scaledUnder && {
    [DESIRED_REPLICAS_ANNOTATION]: String(scaledUnder.desired),
    [MAX_REPLICAS_ANNOTATION]: String(scaledUnder.max),
  };
  return { name, replicas, available, created, annotations };
}

const rolling = (fields: Partial<ScaleInput> & Pick<ScaleInput, "replicas">): ScaleInput => ({
  strategy: "RollingUpdate",
  maxSurge: 3,
  maxUnavailable: 2,
  statusReplicas: 13,
  oldRSes: [],
  ...fields,
});

describe("scaleReplicaSets: proportional scaling", () => {
  const under10 = { desired: 10, max: 13 };
  const old = rs("web-old", 8, 1, under10);
  const broken = rs("web-new", 5, 2, under10, 0);

  it("follows the module comment's example: 10 → 15 gives old 8 → 11, new 5 → 7", () => {
    expect(scaleReplicaSets(rolling({ replicas: 15, newRS: broken, oldRSes: [old] }))).toEqual([
      { name: "web-old", replicas: 11 },
      { name: "web-new", replicas: 7 },
    ]);
  });

  it("scales down the same way: 10 → 5 gives old 8 → 5, new 5 → 3 (allowed 5 + 3 = 8)", () => {
    expect(scaleReplicaSets(rolling({ replicas: 5, newRS: broken, oldRSes: [old] }))).toEqual([
      { name: "web-old", replicas: 5 },
      { name: "web-new", replicas: 3 },
    ]);
  });

  it("takes everything away when scaled to 0", () => {
    expect(scaleReplicaSets(rolling({ replicas: 0, newRS: broken, oldRSes: [old] }))).toEqual([
      { name: "web-old", replicas: 0 },
      { name: "web-new", replicas: 0 },
    ]);
  });

  it("on equal sizes, adds to the newer first and removes from the older first", () => {
    const a = rs("a", 3, 1, { desired: 4, max: 6 });
    const b = rs("b", 3, 2, { desired: 4, max: 6 });
    // up: 4 → 5, allowed 5 + 3 = 8, +2: b (newer) round(3 × 8 / 6) = 4 → +1, a → +1.
    expect(scaleReplicaSets(rolling({ replicas: 5, newRS: b, oldRSes: [a] }))).toEqual([
      { name: "b", replicas: 4 },
      { name: "a", replicas: 4 },
    ]);
    // down: 4 → 2, allowed 2 + 3 = 5, −1: a (older) round(3 × 5 / 6) = 3 (2.5 rounds up) → 0,
    // b → 0, leftover −1 to the first: a → 2.
    expect(scaleReplicaSets(rolling({ replicas: 2, newRS: b, oldRSes: [a] }))).toEqual([
      { name: "a", replicas: 2 },
      { name: "b", replicas: 3 },
    ]);
  });

  it("clamps the largest at 0, so the total may exceed replicas + maxSurge, as in Kubernetes", () => {
    const under = { desired: 9, max: 12 };
    const four = ["a", "b", "c", "d"].map((name, i) => rs(name, 3, i, under));
    // allowed 2 + 0 = 2, −10: each round(3 × 2 / 12) = round(0.5) = 1 → −2, leftover −2 on a.
    const plan = scaleReplicaSets(
      rolling({
        replicas: 2,
        maxSurge: 0,
        maxUnavailable: 1,
        newRS: four[3],
        oldRSes: four.slice(0, 3),
      }),
    );
    expect(plan).toEqual([
      { name: "a", replicas: 0 },
      { name: "b", replicas: 1 },
      { name: "c", replicas: 1 },
      { name: "d", replicas: 1 },
    ]);
  });

  it("uses status.replicas for a ReplicaSet without max-replicas", () => {
    const adopted = rs("adopted", 4, 0);
    const other = rs("other", 4, 1, { desired: 6, max: 8 });
    // 6 → 12, allowed 12 + 3 = 15, +7. other: round(4 × 15 / 8) = 8 → +4;
    // adopted: round(4 × 15 / statusReplicas 10) = 6 → +2 (and at most 7 − 4 = 3); leftover 1.
    const plan = scaleReplicaSets(
      rolling({ replicas: 12, statusReplicas: 10, newRS: other, oldRSes: [adopted] }),
    );
    expect(plan).toEqual([
      { name: "other", replicas: 9 },
      { name: "adopted", replicas: 6 },
    ]);
  });

  it("lists every ReplicaSet with pods even when nothing is added, to refresh annotations", () => {
    const a = rs("a", 10, 1, under10);
    const b = rs("b", 3, 2, under10);
    expect(scaleReplicaSets(rolling({ replicas: 10, newRS: b, oldRSes: [a] }))).toEqual([
      { name: "a", replicas: 10 },
      { name: "b", replicas: 3 },
    ]);
  });
});

describe("scaleReplicaSets: the simple cases", () => {
  it("gives everything to the only ReplicaSet with pods", () => {
    const input = rolling({ replicas: 15, newRS: rs("new", 10, 2), oldRSes: [rs("old", 0, 1)] });
    expect(scaleReplicaSets(input)).toEqual([{ name: "new", replicas: 15 }]);
    expect(scaleReplicaSets({ ...input, replicas: 10 })).toEqual([]);
  });

  it("with no ReplicaSet with pods, scales up the new one, else the newest old one", () => {
    const olds = [rs("v1", 0, 1), rs("v3", 0, 3), rs("v2", 0, 2)];
    expect(
      scaleReplicaSets(rolling({ replicas: 4, newRS: rs("v4", 0, 4), oldRSes: olds })),
    ).toEqual([{ name: "v4", replicas: 4 }]);
    expect(scaleReplicaSets(rolling({ replicas: 4, oldRSes: olds }))).toEqual([
      { name: "v3", replicas: 4 },
    ]);
    expect(findActiveOrLatest(undefined, [])).toBeUndefined();
  });

  it("scales the old ReplicaSets to 0 when the new one is saturated", () => {
    const done = rs("new", 10, 2, { desired: 10, max: 13 });
    expect(isSaturated(10, done)).toBe(true);
    expect(isSaturated(10, { ...done, available: 9 })).toBe(false);
    expect(isSaturated(10, rs("new", 10, 2))).toBe(false); // no desired-replicas: not saturated
    const plan = scaleReplicaSets(
      rolling({ replicas: 10, newRS: done, oldRSes: [rs("old", 2, 1), rs("older", 0, 0)] }),
    );
    expect(plan).toEqual([{ name: "old", replicas: 0 }]);
  });

  it("leaves a Recreate Deployment with several ReplicaSets with pods alone", () => {
    const input = rolling({
      strategy: "Recreate",
      replicas: 6,
      newRS: rs("b", 2, 2),
      oldRSes: [rs("a", 3, 1)],
    });
    expect(scaleReplicaSets(input)).toEqual([]);
  });
});

describe("isScalingEvent and replicasAnnotations", () => {
  it("is a scaling event when a ReplicaSet with pods was scaled for other replicas", () => {
    expect(isScalingEvent(10, [rs("a", 3, 1, { desired: 10, max: 13 })])).toBe(false);
    expect(isScalingEvent(12, [rs("a", 3, 1, { desired: 10, max: 13 })])).toBe(true);
    expect(isScalingEvent(12, [rs("a", 0, 1, { desired: 10, max: 13 })])).toBe(false);
    expect(isScalingEvent(12, [rs("adopted", 3, 1)])).toBe(false);
  });

  it("records replicas and replicas + maxSurge (0 for Recreate)", () => {
    const spec = { replicas: 10, maxSurge: "25%", maxUnavailable: "25%" };
    expect(replicasAnnotations({ ...spec, strategy: "RollingUpdate" })).toEqual({
      [DESIRED_REPLICAS_ANNOTATION]: "10",
      [MAX_REPLICAS_ANNOTATION]: "13",
    });
    expect(replicasAnnotations({ ...spec, strategy: "Recreate" })).toEqual({
      [DESIRED_REPLICAS_ANNOTATION]: "10",
      [MAX_REPLICAS_ANNOTATION]: "10",
    });
  });
});
