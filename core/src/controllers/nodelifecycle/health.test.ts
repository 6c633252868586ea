import { describe, expect, it } from "vitest";
import type { Node } from "../../api/types.ts";
import type { Lease } from "../../client/leader-election.ts";
import { microTime } from "../../client/leader-election.ts";
import { rfc3339 } from "../deployment/progress.ts";
import { assessNodeHealth, findCondition, type NodeHealth } from "./health.ts";
import { NODE_LIFECYCLE_DEFAULTS } from "./options.ts";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const s = (seconds: number) => T0 + seconds * 1000;

/** A node created at T0; `heartbeat` (seconds) gives it a Ready=True condition. */
function node(heartbeat?: number, extra: Partial<Node["status"]> = {}): Node {
  const conditions =
    heartbeat === undefined
      ? []
      : [
          {
            type: "MemoryPressure",
            status: "False" as const,
            reason: "KubeletHasSufficientMemory",
          },
          { type: "NetworkUnavailable", status: "False" as const, reason: "RouteCreated" },
          {
            type: "Ready",
            status: "True" as const,
            reason: "KubeletReady",
            message: "kubelet is posting ready status",
            lastHeartbeatTime: rfc3339(s(heartbeat)),
            lastTransitionTime: rfc3339(T0),
          },
        ];
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "n1", creationTimestamp: rfc3339(T0) },
    status: { conditions, ...extra },
  };
}

const lease = (renewedAt: number): Lease => ({
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  metadata: { name: "n1", namespace: "kube-node-lease" },
  spec: { holderIdentity: "n1", leaseDurationSeconds: 40, renewTime: microTime(s(renewedAt)) },
});

/** Runs passes at the given seconds, the node and lease as `world(t)` has them then. */
function passes(times: number[], world: (t: number) => { node: Node; lease?: Lease }) {
  let saved: NodeHealth | undefined;
  return times.map((t) => {
    const { node: n, lease: l } = world(t);
    const result = assessNodeHealth({
      node: n,
      saved,
      lease: l,
      now: s(t),
      options: NODE_LIFECYCLE_DEFAULTS,
    });
    saved = result.health;
    return result;
  });
}

const every5 = (from: number, to: number) =>
  Array.from({ length: (to - from) / 5 + 1 }, (_, i) => from + i * 5);

describe("assessNodeHealth", () => {
  it("marks a node Unknown at the first look more than 50 s after the last renewal it saw (the worked example)", () => {
    // The kubelet renews at 0, 10 and 20, then stops; the controller looks every 5 s.
    const results = passes(every5(0, 75), (t) => ({
      node: node(0),
      lease: lease(Math.min(20, Math.floor(t / 10) * 10)),
    }));
    const updates = results.map((r, i) => (r.statusUpdate ? every5(0, 75)[i] : undefined));
    expect(updates.filter((t) => t !== undefined)).toEqual([75]);
    const last = results.at(-1);
    expect(last?.health.probeTimestamp).toBe(s(20));
    expect(last?.observedReady.status).toBe("True");
    expect(last?.currentReady).toMatchObject({
      status: "Unknown",
      reason: "NodeStatusUnknown",
      message: "Kubelet stopped posting node status.",
      lastHeartbeatTime: rfc3339(s(0)),
      lastTransitionTime: rfc3339(s(75)),
    });
  });

  it("sets every kubelet condition Unknown, adds those never posted, and leaves NetworkUnavailable alone", () => {
    const [, result] = passes([0, 51], () => ({ node: node(0) }));
    const status = result?.statusUpdate?.status ?? {};
    expect(findCondition(status, "MemoryPressure")).toMatchObject({
      status: "Unknown",
      reason: "NodeStatusUnknown",
    });
    for (const type of ["DiskPressure", "PIDPressure"])
      expect(findCondition(status, type)).toEqual({
        type,
        status: "Unknown",
        reason: "NodeStatusNeverUpdated",
        message: "Kubelet never posted node status.",
        lastHeartbeatTime: rfc3339(T0),
        lastTransitionTime: rfc3339(s(51)),
      });
    expect(findCondition(status, "NetworkUnavailable")?.status).toBe("False");
  });

  it("counts a new Ready heartbeat as news, like a lease renewal", () => {
    const results = passes(every5(0, 90), (t) => ({ node: node(Math.min(30, t)) }));
    expect(results.findIndex((r) => r.statusUpdate)).toBe(every5(0, 90).indexOf(85));
  });

  it("judges by when it saw news, not by the times the node wrote (clock skew)", () => {
    // The kubelet's clock is an hour behind: its renewTimes are old, but they keep moving.
    const results = passes(every5(0, 120), (t) => ({
      node: node(-3600),
      lease: lease(-3600 + Math.floor(t / 10) * 10),
    }));
    expect(results.some((r) => r.statusUpdate)).toBe(false);
  });

  it("does not rewrite a node that is already Unknown", () => {
    const results = passes([0, 51, 56], (t) => {
      const n = node(0);
      if (t === 56) {
        const ready = findCondition(n.status ?? {}, "Ready");
        if (ready)
          Object.assign(ready, {
            status: "Unknown",
            reason: "NodeStatusUnknown",
            message: "Kubelet stopped posting node status.",
          });
      }
      return { node: n };
    });
    expect(results.map((r) => r.statusUpdate !== undefined)).toEqual([false, true, false]);
  });

  it("gives a node that never posted Ready the startup grace period from its creation", () => {
    const times = [0, 55, 60, 65];
    const results = passes(times, () => ({ node: node() }));
    expect(results.map((r) => r.gracePeriodMs)).toEqual([60_000, 60_000, 60_000, 60_000]);
    expect(results.map((r) => r.statusUpdate !== undefined)).toEqual([false, false, false, true]);
    expect(results[3]?.currentReady).toMatchObject({
      status: "Unknown",
      reason: "NodeStatusNeverUpdated",
      message: "Kubelet never posted node status.",
    });
    expect(results[0]?.currentReady).toBeUndefined();
  });

  it("a lease alone keeps a node that never posted status from being marked", () => {
    const results = passes(every5(0, 120), (t) => ({ node: node(), lease: lease(t) }));
    expect(results.some((r) => r.statusUpdate)).toBe(false);
  });

  it("uses the grace period given", () => {
    const options = { ...NODE_LIFECYCLE_DEFAULTS, nodeMonitorGracePeriodMs: 40_000 };
    const first = assessNodeHealth({
      node: node(0),
      saved: undefined,
      lease: undefined,
      now: s(0),
      options,
    });
    const at41 = assessNodeHealth({
      node: node(0),
      saved: first.health,
      lease: undefined,
      now: s(41),
      options,
    });
    expect(at41.statusUpdate).toBeDefined();
  });
});
