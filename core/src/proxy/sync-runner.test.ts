import { describe, expect, it } from "vitest";
import { FakeClock } from "../util/clock.ts";
import { SyncRunner } from "./sync-runner.ts";

/** Lets the runner's promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function runner(clock: FakeClock, outcome: () => Promise<void> = async () => {}) {
  const starts: number[] = [];
  const errors: unknown[] = [];
  const r = new SyncRunner({
    clock,
    minIntervalMs: 1000,
    maxIntervalMs: 30_000,
    retryIntervalMs: 30_000,
    sync: async () => {
      starts.push(clock.now() - start);
      await outcome();
    },
    onError: (e) => errors.push(e),
  });
  const start = clock.now();
  return { r, starts, errors };
}

describe("SyncRunner", () => {
  it("syncs at once, then coalesces requests during the cool-down into one sync", async () => {
    const clock = new FakeClock();
    const { r, starts } = runner(clock);
    r.start();
    r.run();
    await settle();
    expect(starts).toEqual([0]);
    clock.advance(300);
    r.run();
    clock.advance(200);
    r.run();
    await settle();
    expect(starts).toEqual([0]);
    clock.advance(500);
    await settle();
    expect(starts).toEqual([0, 1000]);
    await r.stop();
  });

  it("syncs every maxInterval without requests", async () => {
    const clock = new FakeClock();
    const { r, starts } = runner(clock);
    r.start();
    clock.advance(30_000);
    await settle();
    clock.advance(30_000);
    await settle();
    expect(starts).toEqual([30_000, 60_000]);
    await r.stop();
  });

  it("retries a failed sync after retryInterval", async () => {
    const clock = new FakeClock();
    let fail = true;
    const { r, starts, errors } = runner(clock, async () => {
      if (fail) {
        fail = false;
        throw new Error("boom");
      }
    });
    r.run();
    await settle();
    expect(errors).toHaveLength(1);
    clock.advance(29_999);
    await settle();
    expect(starts).toEqual([0]);
    clock.advance(1);
    await settle();
    expect(starts).toEqual([0, 30_000]);
    await r.stop();
  });

  it("never overlaps syncs, and stop waits for the one running", async () => {
    const clock = new FakeClock();
    let release = () => {};
    let running = 0;
    let overlapped = false;
    const { r, starts } = runner(clock, async () => {
      running++;
      if (running > 1) overlapped = true;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      running--;
    });
    r.run();
    await settle();
    r.run();
    clock.advance(5000);
    await settle();
    expect(starts).toEqual([0]);
    const stopped = r.stop();
    release();
    await stopped;
    expect(overlapped).toBe(false);
    expect(running).toBe(0);
  });
});
