import { describe, expect, it } from "vitest";
import type { Pod } from "../../api/types.ts";
import { estimateForPods, requeueDelaySeconds } from "./estimate.ts";

const pod = (
  grace: number | undefined,
  phase: NonNullable<Pod["status"]>["phase"] = "Running",
): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p" },
  spec: {
    containers: [],
    ...(grace === undefined ? {} : { terminationGracePeriodSeconds: grace }),
  },
  status: { phase },
});

describe("namespace deletion estimate", () => {
  it("is the longest grace period of the unfinished pods while it has not yet passed", () => {
    const pods = [pod(30), pod(10), pod(60, "Succeeded"), pod(undefined)];
    expect(estimateForPods(pods, 0, 4_000)).toBe(30);
    expect(estimateForPods(pods, 0, 29_999)).toBe(30);
    expect(estimateForPods(pods, 0, 30_000)).toBe(0);
    expect(estimateForPods([], 0, 0)).toBe(0);
  });

  it("looks again after estimate/2 + 1 seconds, in whole seconds", () => {
    expect(requeueDelaySeconds(30)).toBe(16);
    expect(requeueDelaySeconds(15)).toBe(8);
    expect(requeueDelaySeconds(1)).toBe(1);
  });
});
