import { describe, expect, it } from "vitest";
import { FakeClock } from "../../util/clock.ts";
import { Poller, PollTimeoutError } from "./poller.ts";

/** Lets the promise callbacks queued by a check run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Advances the clock 1 ms at a time, letting checks run in between. */
async function advance(clock: FakeClock, ms: number) {
  for (let i = 0; i < ms; i++) {
    clock.advance(1);
    await settle();
  }
}

describe("Poller", () => {
  it("checks at once, then after gaps of 5, 10, 20, 40, 80, 100, 100 ms", async () => {
    const clock = new FakeClock(0);
    const poller = new Poller(clock);
    const checkedAt: number[] = [];
    const waiting = poller.until(
      async () => {
        checkedAt.push(clock.now());
        return clock.now() >= 355 ? "done" : undefined;
      },
      1000,
      "the condition",
    );
    await settle();
    await advance(clock, 400);
    await expect(waiting).resolves.toBe("done");
    expect(checkedAt).toEqual([0, 5, 15, 35, 75, 155, 255, 355]);
    expect(clock.pending(), "no timer left behind").toBe(0);
  });

  it("gives up once the deadline has passed, naming what it waited for", async () => {
    const clock = new FakeClock(0);
    const waiting = new Poller(clock).until(async () => undefined, 50, "a shim's record");
    const outcome = waiting.catch((error: unknown) => error);
    await settle();
    await advance(clock, 60);
    const error = await outcome;
    expect(error).toBeInstanceOf(PollTimeoutError);
    expect((error as Error).message).toBe("timed out after 50 ms waiting for a shim's record");
  });

  it("passes on what the check throws", async () => {
    const poller = new Poller(new FakeClock(0));
    await expect(
      poller.until(
        async () => {
          throw new Error("state.json is not JSON");
        },
        1000,
        "x",
      ),
    ).rejects.toThrow("state.json is not JSON");
  });

  it("close() rejects the waits in progress and cancels their timers", async () => {
    const clock = new FakeClock(0);
    const poller = new Poller(clock);
    const waiting = poller.until(async () => undefined, 10_000, "x");
    await settle();
    expect(clock.pending()).toBe(1);
    poller.close("closed while waiting");
    await expect(waiting).rejects.toThrow("closed while waiting");
    expect(clock.pending()).toBe(0);
    await expect(poller.until(async () => "too late", 10, "x")).rejects.toThrow(
      "closed while waiting",
    );
  });
});
