import { describe, expect, it } from "vitest";
import { FakeClock } from "../util/clock.ts";
import { PodWorkers, type SyncResult } from "./pod-workers.ts";

/** A sync that waits until the test releases it, recording starts and overlaps. */
function gatedSync() {
  const starts: string[] = [];
  const release: (() => void)[] = [];
  let running = 0;
  let maxRunning = 0;
  const results: SyncResult[] = [];
  const sync = async (uid: string): Promise<SyncResult> => {
    starts.push(uid);
    running++;
    maxRunning = Math.max(maxRunning, running);
    await new Promise<void>((resolve) => release.push(resolve));
    running--;
    return results.shift() ?? {};
  };
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  return { sync, starts, release, results, tick, maxRunning: () => maxRunning };
}

describe("pod workers", () => {
  it("never overlaps syncs of one pod, and coalesces requests made during a sync into one", async () => {
    const g = gatedSync();
    const workers = new PodWorkers({ sync: g.sync, clock: new FakeClock(), retryMs: 10_000 });
    workers.enqueue("a");
    workers.enqueue("a");
    workers.enqueue("a");
    await g.tick();
    expect(g.starts).toEqual(["a"]);
    g.release.shift()?.();
    await g.tick();
    expect(g.starts).toEqual(["a", "a"]);
    g.release.shift()?.();
    await workers.idle();
    expect(g.starts).toEqual(["a", "a"]);
    expect(g.maxRunning()).toBe(1);
  });

  it("syncs different pods at the same time", async () => {
    const g = gatedSync();
    const workers = new PodWorkers({ sync: g.sync, clock: new FakeClock(), retryMs: 10_000 });
    workers.enqueue("a");
    workers.enqueue("b");
    await g.tick();
    expect(g.starts).toEqual(["a", "b"]);
    for (const r of g.release.splice(0)) r();
    await workers.idle();
  });

  it("retries a failed sync after retryMs, honours a requested requeue, forgets a done pod", async () => {
    const clock = new FakeClock();
    const calls: string[] = [];
    const answers: (SyncResult | Error)[] = [
      new Error("runtime down"),
      { requeueAfterMs: 5_000 },
      "done",
    ];
    const workers = new PodWorkers({
      clock,
      retryMs: 10_000,
      sync: async (uid) => {
        calls.push(uid);
        const answer = answers.shift() ?? {};
        if (answer instanceof Error) throw answer;
        return answer;
      },
    });
    workers.enqueue("a");
    await workers.idle();
    clock.advance(9_999);
    expect(calls).toHaveLength(1);
    clock.advance(1);
    await workers.idle();
    expect(calls).toHaveLength(2);
    clock.advance(5_000);
    await workers.idle();
    expect(calls).toHaveLength(3);
    expect(workers.uids()).toEqual([]);
  });
});
