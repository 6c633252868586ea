import { describe, expect, it } from "vitest";
import { FakeClock } from "../../util/clock.ts";
import { Scheduler, schedulerFor } from "./scheduler.ts";

describe("Scheduler", () => {
  it("runs events in order of due time, then of scheduling, each at its time", () => {
    const clock = new FakeClock(0);
    const scheduler = new Scheduler(clock);
    const ran: string[] = [];
    const log = (name: string) => () => ran.push(`${name}@${clock.now()}`);
    scheduler.after(100, log("a"));
    scheduler.after(50, log("b"));
    scheduler.after(100, log("c"));
    scheduler.after(0, log("d"));
    clock.advance(99);
    expect(ran, "after 99 ms").toEqual(["d@0", "b@50"]);
    clock.advance(1);
    expect(ran, "after 100 ms: a before c, both at 100").toEqual(["d@0", "b@50", "a@100", "c@100"]);
  });

  it("holds one clock timer however many events are pending, and none when nothing is due", () => {
    const clock = new FakeClock(0);
    const scheduler = new Scheduler(clock);
    const events = Array.from({ length: 1000 }, (_, i) => scheduler.after(1000 + i, () => {}));
    expect(clock.pending(), "clock timers for 1,000 events").toBe(1);
    expect(scheduler.pending(), "pending events").toBe(1000);
    for (const event of events) event.cancel();
    expect(scheduler.pending(), "pending after cancelling all").toBe(0);
    expect(scheduler.hasTimer(), "a timer with nothing due").toBe(false);
    expect(clock.pending(), "clock timers with nothing due").toBe(0);
  });

  it("never runs a cancelled event, and re-arms for the next live one", () => {
    const clock = new FakeClock(0);
    const scheduler = new Scheduler(clock);
    const ran: string[] = [];
    const b = scheduler.after(50, () => ran.push("b"));
    scheduler.after(100, () => ran.push("a"));
    b.cancel();
    b.cancel(); // twice is harmless
    expect(scheduler.pending(), "pending after cancelling b").toBe(1);
    clock.advance(100);
    expect(ran, "what ran by 100 ms").toEqual(["a"]);
    expect(scheduler.hasTimer(), "a timer once all ran").toBe(false);
  });

  it("re-arms earlier when an earlier event arrives", () => {
    const clock = new FakeClock(0);
    const scheduler = new Scheduler(clock);
    const ran: number[] = [];
    scheduler.after(1000, () => ran.push(clock.now()));
    scheduler.after(10, () => ran.push(clock.now()));
    clock.advance(10);
    expect(ran, "the 10 ms event, at 10 ms").toEqual([10]);
  });

  it("runs events that events schedule, in the same advance when they fall due", () => {
    const clock = new FakeClock(0);
    const scheduler = new Scheduler(clock);
    const ran: string[] = [];
    scheduler.after(10, () => {
      ran.push(`first@${clock.now()}`);
      scheduler.after(0, () => ran.push(`second@${clock.now()}`));
      scheduler.after(20, () => ran.push(`third@${clock.now()}`));
    });
    clock.advance(30);
    expect(ran).toEqual(["first@10", "second@10", "third@30"]);
  });

  it("compacts cancelled events away instead of keeping them until they are due", () => {
    const clock = new FakeClock(0);
    const scheduler = new Scheduler(clock);
    const ran: number[] = [];
    const keep = scheduler.after(5, () => ran.push(5));
    const far = Array.from({ length: 200 }, (_, i) =>
      scheduler.after(1_000_000 + i, () => ran.push(i)),
    );
    for (const event of far.slice(0, 150)) event.cancel();
    expect(scheduler.pending(), "live events").toBe(51);
    expect(
      (scheduler as unknown as { heap: unknown[] }).heap.length,
      "heap size after compaction",
    ).toBeLessThan(201);
    clock.advance(2_000_000);
    expect(ran.length, "events run: the kept one and the 50 live far ones").toBe(51);
    keep.cancel(); // after it ran: no effect
    expect(scheduler.pending()).toBe(0);
  });

  it("schedulerFor shares one scheduler per clock", () => {
    const a = new FakeClock();
    const b = new FakeClock();
    expect(schedulerFor(a), "the same clock twice").toBe(schedulerFor(a));
    expect(schedulerFor(a), "two clocks").not.toBe(schedulerFor(b));
  });
});
