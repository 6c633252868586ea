import { describe, expect, it } from "vitest";
import type { Pod, ReplicaSet } from "../../api/types.ts";
import { replicaSetStatus } from "./status.ts";

const NOW = Date.parse("2026-03-01T10:00:00Z");
const at = (secondsAgo: number) => new Date(NOW - secondsAgo * 1000).toISOString();

function rs(minReadySeconds: number, replicas = 3): ReplicaSet {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "web", namespace: "default", generation: 4 },
    spec: {
      replicas,
      minReadySeconds,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web", tier: "front" } },
        spec: { containers: [{ name: "c" }] },
      },
    },
  };
}

function pod(
  name: string,
  readyFor: number | undefined,
  labels = { app: "web", tier: "front" },
): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels },
    spec: { containers: [{ name: "c" }] },
    status:
      readyFor === undefined
        ? { phase: "Pending" }
        : {
            phase: "Running",
            conditions: [{ type: "Ready", status: "True", lastTransitionTime: at(readyFor) }],
          },
  };
}

describe("replicaSetStatus", () => {
  it("counts ready pods as available only once they have been ready for minReadySeconds", () => {
    const pods = [pod("a", 30), pod("b", 5), pod("c", undefined)];
    expect(replicaSetStatus(rs(10), pods, undefined, NOW)).toEqual({
      replicas: 3,
      fullyLabeledReplicas: 3,
      readyReplicas: 2,
      availableReplicas: 1,
      observedGeneration: 4,
    });
    expect(
      replicaSetStatus(rs(0), pods, undefined, NOW).availableReplicas,
      "minReadySeconds 0: ready is available",
    ).toBe(2);
  });

  it("counts fully labelled pods: every label of the template, not just the selector's", () => {
    const pods = [pod("a", 1), pod("b", 1, { app: "web", tier: "back" })];
    expect(replicaSetStatus(rs(0), pods, undefined, NOW).fullyLabeledReplicas).toBe(1);
  });

  it("reports a failure as ReplicaFailure, keeps its transition time, and clears it once writes work", () => {
    const first = replicaSetStatus(rs(0), [], 'pods "web-x" is forbidden: exceeded quota', NOW);
    expect(first.conditions).toEqual([
      {
        type: "ReplicaFailure",
        status: "True",
        reason: "FailedCreate",
        message: 'pods "web-x" is forbidden: exceeded quota',
        lastTransitionTime: "2026-03-01T10:00:00Z",
      },
    ]);
    const later = replicaSetStatus({ ...rs(0), status: first }, [], "still failing", NOW + 60_000);
    expect(later.conditions?.[0]).toMatchObject({
      message: "still failing",
      lastTransitionTime: "2026-03-01T10:00:00Z",
    });
    expect(
      replicaSetStatus({ ...rs(0), status: later }, [pod("a", 1)], undefined, NOW).conditions,
    ).toBeUndefined();
  });
});
