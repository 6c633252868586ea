import { describe, expect, it } from "vitest";
import { FakeClock } from "../../util/clock.ts";
import { RateLimitedTimedQueue, type TryResult } from "./rate-limited-queue.ts";

function setup(qps = 0.1) {
  const clock = new FakeClock(0);
  const queue = new RateLimitedTimedQueue(qps, clock);
  const handed: string[] = [];
  const drain = (result: (value: string) => TryResult = () => ({ done: true })) =>
    queue.try(async (v) => {
      handed.push(`${v.value}@${clock.now() / 1000}`);
      return result(v.value);
    });
  return { clock, queue, handed, drain };
}

describe("RateLimitedTimedQueue", () => {
  it("hands out one node per 1/qps seconds, the first at once (the trace in the module doc)", async () => {
    const { clock, queue, handed, drain } = setup(0.1);
    expect(queue.add("a", "uid-a")).toBe(true);
    expect(queue.add("b", "uid-b")).toBe(true);
    await drain();
    expect(handed).toEqual(["a@0"]);
    clock.advance(5_000);
    await drain();
    expect(handed).toEqual(["a@0"]);
    clock.advance(5_000);
    await drain();
    expect(handed).toEqual(["a@0", "b@10"]);
    expect(queue.waiting()).toEqual([]);
  });

  it("adds a node once per outage: again only after remove", async () => {
    const { queue, drain, handed } = setup(1);
    queue.add("a", "uid-a");
    await drain();
    expect(queue.add("a", "uid-a")).toBe(false);
    expect(queue.remove("a")).toBe(true);
    expect(queue.remove("a")).toBe(false);
    expect(queue.add("a", "uid-a")).toBe(true);
    expect(queue.waiting()).toEqual(["a"]);
    expect(handed).toEqual(["a@0"]);
  });

  it("puts a node fn failed on back, due after the wait it asked for", async () => {
    const { clock, queue, handed, drain } = setup(1000);
    queue.add("a", "uid-a");
    await drain(() => ({ done: false, retryAfterMs: 50 }));
    expect(queue.waiting()).toEqual(["a"]);
    clock.advance(49);
    await drain();
    expect(handed).toEqual(["a@0"]);
    clock.advance(1);
    await drain();
    expect(handed).toEqual(["a@0", "a@0.05"]);
    expect(queue.waiting()).toEqual([]);
  });

  it("a node removed while fn runs stays removed", async () => {
    const { queue } = setup(100);
    queue.add("a", "uid-a");
    await queue.try(async () => {
      queue.remove("a");
      return { done: false, retryAfterMs: 0 };
    });
    expect(queue.waiting()).toEqual([]);
    expect(queue.add("a", "uid-a")).toBe(true);
  });

  it("rate 0 hands out nothing; swapping back resumes, without a token if the old limiter had none", async () => {
    const { clock, queue, handed, drain } = setup(0.1);
    queue.add("a", "uid-a");
    queue.add("b", "uid-b");
    await drain(); // a takes the token
    queue.swapLimiter(0);
    clock.advance(60_000);
    await drain();
    expect(handed).toEqual(["a@0"]);
    queue.swapLimiter(0.1); // the never-limiter has no token: the new bucket starts empty
    await drain();
    expect(handed).toEqual(["a@0"]);
    clock.advance(10_000);
    await drain();
    expect(handed).toEqual(["a@0", "b@70"]);
  });
});
