/**
 * Random operations against a model that knows only, per pod, whether it is queued and whether it
 * is in flight: the queue must never lose a pod, hold one twice, or pop a pod while a
 * higher-priority pod waits in activeQ.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Pod } from "../../api/types.ts";
import { FakeClock } from "../../util/clock.ts";
import {
  AssignedPodAdd,
  AssignedPodDelete,
  type ClusterEvent,
  NodeAdd,
  NodeLabelChange,
  NodeTaintChange,
  UnschedulableTimeout,
} from "./events.ts";
import { podKey, podPriority, type QueuedPodInfo } from "./queued-pod-info.ts";
import { AlreadyQueuedError, PriorityQueue } from "./scheduling-queue.ts";
import { testPod } from "./testing.ts";

const NAMES = ["p0", "p1", "p2", "p3", "p4", "p5"];
const EVENTS: ClusterEvent[] = [
  NodeAdd,
  NodeLabelChange,
  NodeTaintChange,
  AssignedPodAdd,
  AssignedPodDelete,
  UnschedulableTimeout,
];
const PLUGINS = ["NodeResourcesFit", "NodeUnschedulable", "NodeAffinity", "PodTopologySpread"];

const pick = fc.nat(NAMES.length - 1);
const op = fc.oneof(
  fc.record({
    kind: fc.constant("add" as const),
    pod: pick,
    priority: fc.integer({ min: -2, max: 2 }),
  }),
  fc.record({ kind: fc.constant("update" as const), pod: pick, spec: fc.boolean() }),
  fc.record({ kind: fc.constant("delete" as const), pod: pick }),
  fc.record({ kind: fc.constant("pop" as const) }),
  fc.record({
    kind: fc.constant("fail" as const),
    pod: pick,
    plugins: fc.subarray(PLUGINS),
  }),
  fc.record({ kind: fc.constant("done" as const), pod: pick }),
  fc.record({ kind: fc.constant("event" as const), event: fc.nat(EVENTS.length - 1) }),
  fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 400_000 }) }),
);

interface Model {
  /** The pod object last given to the queue, while it exists. */
  pods: Map<string, Pod>;
  queued: Set<string>;
  /** Popped and not yet given back or done: the info and the cycle of its pop. */
  inFlight: Map<string, { info: QueuedPodInfo; cycle: number }>;
}

describe("PriorityQueue against a model", () => {
  it("loses no pod, holds none twice, and pops by priority", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 80 }), async (ops) => {
        const clock = new FakeClock();
        const queue = new PriorityQueue({ clock });
        queue.run();
        const model: Model = { pods: new Map(), queued: new Set(), inFlight: new Map() };
        for (const o of ops) {
          const n = "pod" in o ? (NAMES[o.pod] as string) : "";
          const key = `default/${n}`;
          switch (o.kind) {
            case "add": {
              // The informer adds a pod once, when it is created.
              if (model.pods.has(key)) break;
              const pod = testPod(n, o.priority);
              model.pods.set(key, pod);
              queue.add(pod);
              model.queued.add(key);
              break;
            }
            case "update": {
              const old = model.pods.get(key);
              if (!old) break;
              const pod: Pod = o.spec
                ? { ...old, spec: { ...old.spec, nodeSelector: { rev: String(clock.now()) } } }
                : { ...old, status: { phase: "Pending", message: String(clock.now()) } };
              model.pods.set(key, pod);
              queue.update(old, pod);
              model.queued.add(key);
              break;
            }
            case "delete": {
              const pod = model.pods.get(key);
              if (!pod) break;
              model.pods.delete(key);
              queue.delete(pod);
              model.queued.delete(key);
              break;
            }
            case "pop": {
              const ready = NAMES.map((m) => `default/${m}`).filter(
                (k) => queue.whereIs(k) === "activeQ",
              );
              if (ready.length === 0) break;
              const best = Math.max(...ready.map((k) => podPriority(model.pods.get(k) as Pod)));
              const info = await queue.pop();
              const got = podKey(info.pod);
              expect(ready).toContain(got);
              expect(podPriority(info.pod), `popped ${got} while priority ${best} waited`).toBe(
                best,
              );
              model.queued.delete(got);
              model.inFlight.set(got, { info, cycle: queue.schedulingCycle });
              break;
            }
            case "fail": {
              const flight = model.inFlight.get(key);
              if (!flight) break;
              model.inFlight.delete(key);
              flight.info.unschedulablePlugins = new Set(o.plugins);
              if (model.queued.has(key)) {
                // An update re-queued it during its cycle: the queue must refuse the copy.
                expect(() => queue.addUnschedulableIfNotPresent(flight.info, flight.cycle)).toThrow(
                  AlreadyQueuedError,
                );
              } else if (model.pods.has(key)) {
                queue.addUnschedulableIfNotPresent(flight.info, flight.cycle);
                model.queued.add(key);
              } else {
                queue.done(flight.info.pod); // deleted meanwhile: the scheduler drops it
              }
              break;
            }
            case "done": {
              const flight = model.inFlight.get(key);
              if (!flight) break;
              model.inFlight.delete(key);
              queue.done(flight.info.pod);
              break;
            }
            case "event":
              queue.moveAllToActiveOrBackoffQueue(EVENTS[o.event] as ClusterEvent);
              break;
            case "advance":
              clock.advance(o.ms);
              break;
          }
          const pending = queue.pendingPods().pods.map(podKey);
          expect(new Set(pending).size, "a pod listed twice").toBe(pending.length);
          expect(new Set(pending), `after ${o.kind}`).toEqual(model.queued);
          expect(new Set(queue.inFlightPods().map(podKey))).toEqual(new Set(model.inFlight.keys()));
        }
        // Nothing stays parked for ever: after the 5-minute flush and the backoffs, every queued
        // pod is in activeQ.
        clock.advance(6 * 60_000);
        for (const key of model.queued) expect(queue.whereIs(key)).toBe("activeQ");
        queue.close();
      }),
      { numRuns: 300 },
    );
  });
});
