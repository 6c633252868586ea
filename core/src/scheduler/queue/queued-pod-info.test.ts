import { describe, expect, it } from "vitest";
import { podKey, podPriority, prioritySortLess, type QueuedPodInfo } from "./queued-pod-info.ts";
import { testPod } from "./testing.ts";

const info = (priority: number | undefined, timestamp: number, seq: number): QueuedPodInfo => ({
  pod: testPod("p", priority),
  timestamp,
  seq,
  initialAttemptTimestamp: timestamp,
  attempts: 0,
  unschedulablePlugins: new Set(),
});

describe("QueuedPodInfo helpers", () => {
  it("keys a pod by namespace/name", () => {
    expect(podKey(testPod("web"))).toBe("default/web");
  });

  it("reads spec.priority, 0 when it is unset", () => {
    expect(podPriority(testPod("a", 7))).toBe(7);
    expect(podPriority(testPod("a"))).toBe(0);
  });

  it("orders by priority, then timestamp, then seq (PrioritySort)", () => {
    expect(prioritySortLess(info(1, 5, 5), info(0, 0, 0))).toBe(true);
    expect(prioritySortLess(info(undefined, 0, 9), info(-1, 0, 0)), "unset is 0").toBe(true);
    expect(prioritySortLess(info(1, 4, 9), info(1, 5, 0))).toBe(true);
    expect(prioritySortLess(info(1, 5, 1), info(1, 5, 2))).toBe(true);
    expect(prioritySortLess(info(1, 5, 2), info(1, 5, 2)), "not less than itself").toBe(false);
  });
});
