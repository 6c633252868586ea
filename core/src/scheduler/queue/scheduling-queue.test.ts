import { describe, expect, it } from "vitest";
import type { Pod } from "../../api/types.ts";
import { FakeClock } from "../../util/clock.ts";
import {
  AssignedPodAdd,
  AssignedPodDelete,
  NodeAdd,
  NodeTaintChange,
  UnschedulableTimeout,
} from "./events.ts";
import type { QueuedPodInfo } from "./queued-pod-info.ts";
import {
  AlreadyQueuedError,
  isPodUpdated,
  PriorityQueue,
  QueueClosedError,
} from "./scheduling-queue.ts";
import { testPod } from "./testing.ts";

function setup() {
  const clock = new FakeClock();
  const queue = new PriorityQueue({ clock });
  return { clock, queue };
}

/** Pops a pod that must be in activeQ already. */
async function popNow(queue: PriorityQueue): Promise<QueuedPodInfo> {
  expect(queue.pendingPods().summary, "a pod must be ready to pop").not.toMatch(/^activeQ:0;/);
  return queue.pop();
}

const name = (info: QueuedPodInfo) => info.pod.metadata.name ?? "";

/** Pops `pod`, then puts it back as rejected by `plugins` in the cycle it was popped in. */
async function failOnce(queue: PriorityQueue, plugins: string[]): Promise<QueuedPodInfo> {
  const info = await popNow(queue);
  const cycle = queue.schedulingCycle;
  info.unschedulablePlugins = new Set(plugins);
  queue.addUnschedulableIfNotPresent(info, cycle);
  return info;
}

/** Whether a promise has settled, after letting pending callbacks run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe("PriorityQueue: activeQ order", () => {
  it("pops higher priority first, then the pod added earlier", async () => {
    const { clock, queue } = setup();
    queue.add(testPod("low")); // no spec.priority: 0
    clock.advance(1);
    queue.add(testPod("high-1", 10));
    queue.add(testPod("mid", 5));
    queue.add(testPod("negative", -1));
    clock.advance(1);
    queue.add(testPod("high-2", 10));
    const order: string[] = [];
    for (let i = 0; i < 5; i++) order.push(name(await popNow(queue)));
    expect(order).toEqual(["high-1", "high-2", "mid", "low", "negative"]);
  });

  it("keeps arrival order among equal priorities added in the same millisecond", async () => {
    const { queue } = setup();
    for (const n of ["a", "b", "c"]) queue.add(testPod(n, 1));
    expect([name(await queue.pop()), name(await queue.pop()), name(await queue.pop())]).toEqual([
      "a",
      "b",
      "c",
    ]);
  });

  it("counts an attempt and a scheduling cycle per pop, and tracks the pod in flight", async () => {
    const { queue } = setup();
    queue.add(testPod("a"));
    queue.add(testPod("b"));
    const a = await queue.pop();
    expect([a.attempts, queue.schedulingCycle]).toEqual([1, 1]);
    await queue.pop();
    expect(queue.schedulingCycle).toBe(2);
    expect(queue.inFlightPods().map((p) => p.metadata.name)).toEqual(["a", "b"]);
    queue.done(a.pod);
    expect(queue.inFlightPods().map((p) => p.metadata.name)).toEqual(["b"]);
  });
});

describe("PriorityQueue: backoff", () => {
  it("backs a pod off 1, 2, 4, 8, 10, 10 s on successive failures", async () => {
    const { clock, queue } = setup();
    queue.run();
    queue.add(testPod("p"));
    const waited: number[] = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      const info = await failOnce(queue, []); // no rejector: straight to backoffQ
      expect(info.attempts).toBe(attempt);
      const since = clock.now();
      while (queue.whereIs("default/p") === "backoffQ") clock.advance(1_000);
      waited.push((clock.now() - since) / 1000);
      expect(queue.whereIs("default/p")).toBe("activeQ");
    }
    expect(waited).toEqual([1, 2, 4, 8, 10, 10]);
    queue.close();
  });

  it("moves a pod whose backoff ended exactly at expiry, not a millisecond before", async () => {
    const clock = new FakeClock();
    const queue = new PriorityQueue({ clock, podInitialBackoffMs: 1_000 });
    queue.add(testPod("p"));
    clock.advance(500);
    queue.run(); // flushes at +0, +1000, +2000 ... from here
    await failOnce(queue, []); // expires at +1000
    clock.advance(999);
    expect(queue.whereIs("default/p")).toBe("backoffQ");
    clock.advance(1);
    expect(queue.whereIs("default/p")).toBe("activeQ");
    queue.close();
  });

  it("rejects backoff settings kube-scheduler's validation would refuse", () => {
    expect(() => new PriorityQueue({ podInitialBackoffMs: 0 })).toThrow(/received 0/);
    expect(() => new PriorityQueue({ podInitialBackoffMs: 2_000, podMaxBackoffMs: 1_000 })).toThrow(
      /at least podInitialBackoffMs \(2000\), received 1000/,
    );
  });
});

describe("PriorityQueue: addUnschedulableIfNotPresent and the move-request cycle", () => {
  it("follows the trace in the module comment", async () => {
    const { clock, queue } = setup();
    queue.run();
    queue.add(testPod("a", 0));
    queue.add(testPod("b", 10));
    const b = await queue.pop();
    const bCycle = queue.schedulingCycle;
    const a = await queue.pop();
    const aCycle = queue.schedulingCycle;
    expect([name(b), bCycle, name(a), aCycle]).toEqual(["b", 1, "a", 2]);

    b.unschedulablePlugins = new Set(["NodeResourcesFit"]);
    queue.addUnschedulableIfNotPresent(b, bCycle);
    expect(queue.whereIs("default/b"), "no move request yet").toBe("unschedulablePods");

    queue.moveAllToActiveOrBackoffQueue(NodeAdd);
    expect(queue.whereIs("default/b"), "still inside its 1 s backoff").toBe("backoffQ");

    a.unschedulablePlugins = new Set(["NodeResourcesFit"]);
    queue.addUnschedulableIfNotPresent(a, aCycle);
    expect(queue.whereIs("default/a"), "the NodeAdd came during a's cycle").toBe("backoffQ");

    clock.advance(1_000);
    expect(queue.pendingPods().pods.map((p) => p.metadata.name)).toEqual(["b", "a"]);
    expect(queue.pendingPods().summary).toBe("activeQ:2; backoffQ:0; unschedulablePods:0");
    queue.close();
  });

  it("parks a pod in unschedulablePods when the last move request came before its cycle", async () => {
    const { queue } = setup();
    queue.moveAllToActiveOrBackoffQueue(NodeAdd); // moveRequestCycle = 0
    queue.add(testPod("a"));
    await failOnce(queue, ["NodeResourcesFit"]); // cycle 1 > 0
    expect(queue.whereIs("default/a")).toBe("unschedulablePods");
  });

  it("sends a pod no plugin rejected (an error) to backoffQ", async () => {
    const { queue } = setup();
    queue.add(testPod("a"));
    await failOnce(queue, []);
    expect(queue.whereIs("default/a")).toBe("backoffQ");
  });

  it("refuses a pod that is queued already, and still ends its flight", async () => {
    const { queue } = setup();
    const pod = testPod("a");
    queue.add(pod);
    const info = await queue.pop();
    queue.update(pod, { ...pod, metadata: { ...pod.metadata, resourceVersion: "2" } });
    expect(() => queue.addUnschedulableIfNotPresent(info, 1)).toThrow(AlreadyQueuedError);
    expect(() => queue.addUnschedulableIfNotPresent(info, 1)).toThrow(
      /pod default\/a is already present in activeQ/,
    );
    expect(queue.inFlightPods()).toEqual([]);
  });
});

describe("PriorityQueue: moveAllToActiveOrBackoffQueue", () => {
  async function parked(queue: PriorityQueue, pods: [Pod, string[]][]) {
    // A move request before these cycles, which no NodeResourcesFit pod parked earlier cares about.
    queue.moveAllToActiveOrBackoffQueue(AssignedPodAdd);
    for (const [pod, plugins] of pods) {
      queue.add(pod);
      await failOnce(queue, plugins);
    }
  }

  it("moves only the pods the event could help", async () => {
    const { clock, queue } = setup();
    await parked(queue, [
      [testPod("needs-cpu"), ["NodeResourcesFit"]],
      [testPod("cordoned"), ["NodeUnschedulable"]],
      [testPod("spread"), ["PodTopologySpread"]],
    ]);
    clock.advance(2_000); // past every 1 s backoff
    queue.moveAllToActiveOrBackoffQueue(AssignedPodDelete);
    expect(queue.whereIs("default/needs-cpu")).toBe("activeQ");
    expect(queue.whereIs("default/spread")).toBe("activeQ");
    expect(queue.whereIs("default/cordoned")).toBe("unschedulablePods");
    queue.moveAllToActiveOrBackoffQueue(NodeTaintChange);
    expect(queue.whereIs("default/cordoned")).toBe("activeQ");
  });

  it("sends a pod still backing off to backoffQ, one whose backoff is over to activeQ", async () => {
    const { clock, queue } = setup();
    await parked(queue, [[testPod("early"), ["NodeResourcesFit"]]]);
    clock.advance(1_000);
    await parked(queue, [[testPod("late"), ["NodeResourcesFit"]]]);
    queue.moveAllToActiveOrBackoffQueue(NodeAdd);
    expect(queue.whereIs("default/early")).toBe("activeQ");
    expect(queue.whereIs("default/late")).toBe("backoffQ");
  });

  it("skips pods the pre-check refuses", async () => {
    const { clock, queue } = setup();
    await parked(queue, [
      [testPod("a"), ["NodeResourcesFit"]],
      [testPod("b"), ["NodeResourcesFit"]],
    ]);
    clock.advance(2_000);
    queue.moveAllToActiveOrBackoffQueue(NodeAdd, (pod) => pod.metadata.name === "b");
    expect(queue.whereIs("default/a")).toBe("unschedulablePods");
    expect(queue.whereIs("default/b")).toBe("activeQ");
  });

  it("moves everything on a wildcard event", async () => {
    const { clock, queue } = setup();
    await parked(queue, [[testPod("a"), ["NodeUnschedulable"]]]);
    clock.advance(2_000);
    queue.moveAllToActiveOrBackoffQueue(UnschedulableTimeout);
    expect(queue.whereIs("default/a")).toBe("activeQ");
  });
});

describe("PriorityQueue: the unschedulable flush", () => {
  it("moves a pod that stayed more than 5 minutes, at the next 30 s flush", async () => {
    const { clock, queue } = setup();
    queue.run(); // flushes at 0, 30, 60, ... s
    clock.advance(10_000);
    queue.moveAllToActiveOrBackoffQueue(NodeAdd);
    queue.add(testPod("a"));
    await failOnce(queue, ["NodeResourcesFit"]); // parked at t=10 s
    expect(queue.whereIs("default/a")).toBe("unschedulablePods");
    clock.advance(290_000); // t=300 s: stayed 290 s
    expect(queue.whereIs("default/a")).toBe("unschedulablePods");
    clock.advance(29_999); // t=329.999 s: no flush since 300 s
    expect(queue.whereIs("default/a")).toBe("unschedulablePods");
    clock.advance(1); // t=330 s: stayed 320 s > 300 s
    expect(queue.whereIs("default/a")).toBe("activeQ");
    queue.close();
  });

  it("honours a configured maximum stay", async () => {
    const clock = new FakeClock();
    const queue = new PriorityQueue({ clock, podMaxInUnschedulablePodsMs: 60_000 });
    queue.moveAllToActiveOrBackoffQueue(NodeAdd);
    queue.add(testPod("a"));
    await failOnce(queue, ["NodeResourcesFit"]);
    queue.run();
    clock.advance(60_000);
    expect(queue.whereIs("default/a"), "60 s is not more than 60 s").toBe("unschedulablePods");
    clock.advance(30_000);
    expect(queue.whereIs("default/a")).toBe("activeQ");
    queue.close();
  });
});

describe("PriorityQueue: pop waits, close cancels", () => {
  it("resolves a waiting pop when a pod is added", async () => {
    const { queue } = setup();
    const waiting = queue.pop();
    expect(await settled(waiting)).toBe(false);
    queue.add(testPod("a"));
    expect(name(await waiting)).toBe("a");
  });

  it("serves waiting pops in the order they started", async () => {
    const { queue } = setup();
    const first = queue.pop();
    const second = queue.pop();
    queue.add(testPod("a"));
    queue.add(testPod("b"));
    expect([name(await first), name(await second)]).toEqual(["a", "b"]);
  });

  it("resolves a waiting pop when a backoff ends on the clock", async () => {
    const { clock, queue } = setup();
    queue.run();
    queue.add(testPod("a"));
    await failOnce(queue, []);
    const waiting = queue.pop();
    clock.advance(999);
    expect(await settled(waiting)).toBe(false);
    clock.advance(1);
    expect(name(await waiting)).toBe("a");
    queue.close();
  });

  it("gives a waiting pop the best pod of a batch that a cluster event moves", async () => {
    const { clock, queue } = setup();
    queue.moveAllToActiveOrBackoffQueue(NodeAdd);
    queue.add(testPod("low", 1));
    queue.add(testPod("high", 100));
    await failOnce(queue, ["NodeResourcesFit"]);
    await failOnce(queue, ["NodeResourcesFit"]);
    clock.advance(2_000);
    const waiting = queue.pop();
    queue.moveAllToActiveOrBackoffQueue(NodeAdd);
    expect(name(await waiting)).toBe("high");
  });

  it("rejects waiting pops on close and stops the flushes", async () => {
    const { clock, queue } = setup();
    queue.run();
    queue.run();
    expect(clock.pending(), "one timer per flush, however often run is called").toBe(2);
    const waiting = queue.pop();
    queue.close();
    await expect(waiting).rejects.toBeInstanceOf(QueueClosedError);
    await expect(queue.pop()).rejects.toThrow("scheduling queue is closed");
    expect(clock.pending()).toBe(0);
  });

  it("still hands out a queued pod after close, as Kubernetes' Pop does", async () => {
    const { queue } = setup();
    queue.add(testPod("a"));
    queue.close();
    expect(name(await queue.pop())).toBe("a");
  });
});

describe("PriorityQueue: update and delete", () => {
  const withRv = (pod: Pod, rv: string): Pod => ({
    ...pod,
    metadata: { ...pod.metadata, resourceVersion: rv },
  });

  it("updates a pod in activeQ in place, re-ordering it by its new priority", async () => {
    const { queue } = setup();
    const a = testPod("a", 1);
    queue.add(a);
    queue.add(testPod("b", 5));
    queue.update(a, testPod("a", 9));
    expect(name(await queue.pop())).toBe("a");
    expect(queue.pendingPods().summary).toBe("activeQ:1; backoffQ:0; unschedulablePods:0");
  });

  it("updates a pod in backoffQ in place; it keeps backing off", async () => {
    const { queue } = setup();
    const a = testPod("a");
    queue.add(a);
    await failOnce(queue, []);
    const changed = testPod("a", 0, { nodeSelector: { disk: "ssd" } });
    queue.update(a, changed);
    expect(queue.whereIs("default/a")).toBe("backoffQ");
    expect(queue.pendingPods().pods).toEqual([changed]);
  });

  it("keeps an unschedulable pod parked on a status-only update", async () => {
    const { queue } = setup();
    const a = testPod("a");
    queue.moveAllToActiveOrBackoffQueue(NodeAdd);
    queue.add(a);
    await failOnce(queue, ["NodeAffinity"]);
    const newer = { ...withRv(a, "2"), status: { phase: "Pending" as const } };
    queue.update(a, newer);
    expect(queue.whereIs("default/a")).toBe("unschedulablePods");
    expect(queue.pendingPods().pods).toEqual([newer]);
  });

  it("moves an unschedulable pod whose spec changed: backoffQ while backing off, else activeQ", async () => {
    const { clock, queue } = setup();
    const a = testPod("a");
    const b = testPod("b");
    queue.moveAllToActiveOrBackoffQueue(NodeAdd);
    queue.add(a);
    queue.add(b);
    await failOnce(queue, ["NodeAffinity"]);
    await failOnce(queue, ["NodeAffinity"]);
    queue.update(a, testPod("a", 0, { nodeSelector: { zone: "b" } }));
    expect(queue.whereIs("default/a")).toBe("backoffQ");
    clock.advance(1_000);
    queue.update(b, testPod("b", 0, { nodeSelector: { zone: "b" } }));
    expect(queue.whereIs("default/b")).toBe("activeQ");
  });

  it("adds a pod that is in no sub-queue to activeQ", () => {
    const { queue } = setup();
    const a = testPod("a");
    queue.update(a, withRv(a, "2"));
    expect(queue.whereIs("default/a")).toBe("activeQ");
  });

  it("deletes a pod from whichever sub-queue holds it", async () => {
    const { queue } = setup();
    const [a, b, c] = [testPod("a"), testPod("b"), testPod("c")];
    queue.add(b);
    await failOnce(queue, []); // b → backoffQ
    queue.add(c);
    await failOnce(queue, ["NodeAffinity"]); // c → unschedulablePods (cycle 2 > -1)
    queue.add(a);
    expect(queue.pendingPods().summary).toBe("activeQ:1; backoffQ:1; unschedulablePods:1");
    for (const pod of [a, b, c]) queue.delete(pod);
    expect(queue.pendingPods()).toEqual({
      pods: [],
      summary: "activeQ:0; backoffQ:0; unschedulablePods:0",
    });
  });
});

describe("isPodUpdated", () => {
  it("ignores status, resourceVersion, generation, managedFields and finalizers", () => {
    const a = testPod("a");
    const b: Pod = {
      ...a,
      metadata: { ...a.metadata, resourceVersion: "9", generation: 3, finalizers: ["x"] },
      status: { phase: "Pending" },
    };
    expect(isPodUpdated(a, b)).toBe(false);
    expect(isPodUpdated(a, { ...a, metadata: { ...a.metadata, labels: { app: "web" } } })).toBe(
      true,
    );
    expect(isPodUpdated(a, testPod("a", 0, { tolerations: [] }))).toBe(true);
  });
});

describe("PriorityQueue: onMove tells every move and why", () => {
  it("narrates the module comment's trace, and a gated pod", async () => {
    const clock = new FakeClock();
    const moves: string[] = [];
    const queue = new PriorityQueue({
      clock,
      onMove: (m) => moves.push(`${m.pod} → ${m.to} (${m.event})`),
      preEnqueue: (pod) =>
        pod.metadata.name === "gated"
          ? { code: "UnschedulableAndUnresolvable", reasons: ["gated"], plugin: "SchedulingGates" }
          : { code: "Success", reasons: [] },
    });
    queue.run();
    queue.add(testPod("b", 10));
    queue.add(testPod("gated"));
    await failOnce(queue, ["NodeResourcesFit"]);
    queue.moveAllToActiveOrBackoffQueue(NodeAdd);
    clock.advance(1_000);
    expect(moves).toEqual([
      "default/b → activeQ (PodAdd)",
      "default/gated → unschedulablePods (Gated)",
      "default/b → popped (Pop)",
      "default/b → unschedulablePods (ScheduleAttemptFailure)",
      "default/b → backoffQ (NodeAdd)",
      // The gated pod matches no event NodeAdd helps (SchedulingGates registers none): it stays.
      "default/b → activeQ (BackoffComplete)",
    ]);
    queue.close();
  });
});
