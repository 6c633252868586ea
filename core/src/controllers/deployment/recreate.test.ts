import { describe, expect, it } from "vitest";
import { recreateStep } from "./recreate.ts";

const v1 = (replicas: number, statusReplicas: number) => ({ name: "v1", replicas, statusReplicas });

describe("recreateStep", () => {
  it("follows the module comment's trace: scale down, wait, create, done", () => {
    expect(recreateStep({ replicas: 3, oldRSes: [v1(3, 3)], oldPodsNotTerminated: 3 })).toEqual({
      action: "scale-down-old",
      scaleDowns: [{ name: "v1", replicas: 0 }],
    });
    expect(recreateStep({ replicas: 3, oldRSes: [v1(0, 3)], oldPodsNotTerminated: 3 })).toEqual({
      action: "wait",
    });
    expect(recreateStep({ replicas: 3, oldRSes: [v1(0, 0)], oldPodsNotTerminated: 0 })).toEqual({
      action: "create-new",
      replicas: 3,
    });
    expect(
      recreateStep({
        replicas: 3,
        newRS: { replicas: 3 },
        oldRSes: [v1(0, 0)],
        oldPodsNotTerminated: 0,
      }),
    ).toEqual({ action: "done" });
  });

  it("waits for pods the ReplicaSets no longer count, such as terminating ones", () => {
    expect(
      recreateStep({
        replicas: 3,
        newRS: { replicas: 0 },
        oldRSes: [v1(0, 0)],
        oldPodsNotTerminated: 1,
      }),
    ).toEqual({ action: "wait" });
  });

  it("scales every active old ReplicaSet down in one sync, and an existing new one up later", () => {
    const decision = recreateStep({
      replicas: 4,
      newRS: { replicas: 0 },
      oldRSes: [
        { name: "a", replicas: 2, statusReplicas: 2 },
        { name: "b", replicas: 0, statusReplicas: 0 },
        { name: "c", replicas: 1, statusReplicas: 0 },
      ],
      oldPodsNotTerminated: 2,
    });
    expect(decision).toEqual({
      action: "scale-down-old",
      scaleDowns: [
        { name: "a", replicas: 0 },
        { name: "c", replicas: 0 },
      ],
    });
    expect(
      recreateStep({ replicas: 4, newRS: { replicas: 0 }, oldRSes: [], oldPodsNotTerminated: 0 }),
    ).toEqual({ action: "scale-new", replicas: 4 });
  });
});
