import { describe, expect, it } from "vitest";
import { FakeClock } from "../../util/clock.ts";
import { DelayingQueue } from "./delaying.ts";
import { describeWorkQueueContract, peek } from "./workqueue.cases.ts";

describeWorkQueueContract("DelayingQueue", () => new DelayingQueue({ clock: new FakeClock() }));

/** Everything queued now, in order, each handed out and done. */
async function takeAll(q: DelayingQueue): Promise<string[]> {
  const items: string[] = [];
  while (q.len() > 0) {
    const got = await q.get();
    if (got === undefined) break;
    items.push(got);
    q.done(got);
  }
  return items;
}

describe("DelayingQueue.addAfter", () => {
  it("adds an item once its delay has passed on the clock", async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.addAfter("a", 50);
    clock.advance(49);
    expect(q.len(), "at 49 ms of 50").toBe(0);
    const waiting = q.get();
    clock.advance(1);
    expect(await peek(waiting), "at 50 ms").toEqual({ value: "a" });
  });

  it("adds at once when the delay is zero or negative", () => {
    const q = new DelayingQueue({ clock: new FakeClock() });
    q.addAfter("a", 0);
    q.addAfter("b", -5);
    expect(q.len()).toBe(2);
  });

  it("makes items ready in order of ready time, equal times in the order they were added", async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.addAfter("c", 30);
    q.addAfter("a", 10);
    q.addAfter("b", 20);
    q.addAfter("d", 30);
    clock.advance(30);
    expect(await takeAll(q)).toEqual(["a", "b", "c", "d"]);
  });

  it("keeps the earliest ready time when an item is added again while it waits", async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.addAfter("a", 50);
    q.addAfter("b", 20);
    q.addAfter("a", 10); // shorter: a moves forward
    q.addAfter("b", 40); // longer: b keeps 20
    clock.advance(10);
    expect(await takeAll(q), "at 10 ms").toEqual(["a"]);
    clock.advance(10);
    expect(await takeAll(q), "at 20 ms").toEqual(["b"]);
    clock.advance(100);
    expect(await takeAll(q), "later: each waited once").toEqual([]);
    expect(clock.pending(), "timers left").toBe(0);
  });

  it("leaves de-duplication to the queue: a ready item already queued is not queued twice", async () => {
    const clock = new FakeClock();
    const q = new DelayingQueue({ clock });
    q.add("a");
    q.addAfter("a", 10);
    clock.advance(10);
    expect(q.len()).toBe(1);
  });

  it("forgets waiting items and cancels its timer on shutdown, and ignores addAfter after it", async () => {
    for (const stop of ["shutDown", "shutDownWithDrain"] as const) {
      const clock = new FakeClock();
      const q = new DelayingQueue({ clock });
      q.addAfter("a", 10);
      await q[stop]();
      q.addAfter("b", 10);
      q.addAfter("c", 0);
      expect(clock.pending(), `${stop}: timers left`).toBe(0);
      clock.advance(100);
      expect(q.len(), `${stop}: len() after the delays`).toBe(0);
      expect(await peek(q.get()), `${stop}: get()`).toEqual({ value: undefined });
    }
  });
});
