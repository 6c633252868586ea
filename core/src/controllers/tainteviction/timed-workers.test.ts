import { describe, expect, it } from "vitest";
import { FakeClock } from "../../util/clock.ts";
import { TimedWorkerQueue } from "./timed-workers.ts";

function setup() {
  const clock = new FakeClock(0);
  const fired: string[] = [];
  const errors: string[] = [];
  let fail = false;
  const queue = new TimedWorkerQueue({
    clock,
    work: async (key, fireAt) => {
      fired.push(`${key}@${fireAt} (t=${clock.now()})`);
      if (fail) throw new Error("delete refused");
    },
    onError: (key, error) => errors.push(`${key}: ${(error as Error).message}`),
  });
  return { clock, queue, fired, errors, failNext: () => (fail = true) };
}

/** Lets the jobs' promise chains finish. */
const settle = () => new Promise((r) => setImmediate(r));

describe("TimedWorkerQueue", () => {
  it("runs work when the clock reaches fireAt, not before", async () => {
    const { clock, queue, fired } = setup();
    queue.addWork("ns/a", 0, 30_000);
    clock.advance(29_999);
    await settle();
    expect(fired).toEqual([]);
    expect(queue.get("ns/a")).toEqual({ createdAt: 0, fireAt: 30_000 });
    clock.advance(1);
    await settle();
    expect(fired).toEqual(["ns/a@30000 (t=30000)"]);
    expect(queue.get("ns/a")).toBeUndefined();
    expect(queue.scheduled().size).toBe(0);
  });

  it("keeps existing work when the key is added again", async () => {
    const { clock, queue, fired } = setup();
    queue.addWork("ns/a", 0, 30_000);
    queue.addWork("ns/a", 5_000, 10_000);
    clock.advance(10_000);
    await settle();
    expect(fired).toEqual([]);
    expect([...queue.scheduled()]).toEqual([["ns/a", { createdAt: 0, fireAt: 30_000 }]]);
  });

  it("runs work due now at once, and such work cannot be cancelled", async () => {
    const { queue, fired } = setup();
    queue.addWork("ns/a", 0, 0);
    expect(queue.get("ns/a")).toBeUndefined();
    expect(queue.cancelWork("ns/a")).toBe(false);
    await settle();
    expect(fired).toEqual(["ns/a@0 (t=0)"]);
  });

  it("cancels timed work: it never runs, and the key can be scheduled again", async () => {
    const { clock, queue, fired } = setup();
    queue.addWork("ns/a", 0, 30_000);
    clock.advance(12_000);
    expect(queue.cancelWork("ns/a")).toBe(true);
    expect(queue.cancelWork("ns/a")).toBe(false);
    clock.advance(60_000);
    await settle();
    expect(fired).toEqual([]);
    queue.addWork("ns/a", clock.now(), clock.now() + 5_000);
    clock.advance(5_000);
    await settle();
    expect(fired).toEqual(["ns/a@77000 (t=77000)"]);
  });

  it("reports a failed job and forgets its key", async () => {
    const { clock, queue, errors, failNext } = setup();
    failNext();
    queue.addWork("ns/a", 0, 1_000);
    clock.advance(1_000);
    await settle();
    expect(errors).toEqual(["ns/a: delete refused"]);
    expect(queue.get("ns/a")).toBeUndefined();
  });

  it("cancelAll stops pending work and waits for running work", async () => {
    const clock = new FakeClock(0);
    let release: () => void = () => {};
    const done: string[] = [];
    const queue = new TimedWorkerQueue({
      clock,
      work: async (key) => {
        await new Promise<void>((r) => (release = r));
        done.push(key);
      },
    });
    queue.addWork("ns/running", 0, 0);
    queue.addWork("ns/pending", 0, 1_000);
    let finished = false;
    const all = queue.cancelAll().then(() => (finished = true));
    clock.advance(5_000);
    await settle();
    expect(finished).toBe(false);
    release();
    await all;
    expect(done).toEqual(["ns/running"]);
  });
});
