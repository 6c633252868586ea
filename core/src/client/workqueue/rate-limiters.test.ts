import { describe, expect, it } from "vitest";
import { FakeClock } from "../../util/clock.ts";
import { TokenBucket } from "../token-bucket.ts";
import {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ItemExponentialFailureRateLimiter,
  ItemFastSlowRateLimiter,
  MaxOfRateLimiter,
} from "./rate-limiters.ts";

const times = (n: number, f: () => number) => Array.from({ length: n }, f);

describe("ItemExponentialFailureRateLimiter", () => {
  it("doubles from 5 ms per failure of an item, capped at 1000 s, and forget() starts over", () => {
    const limiter = new ItemExponentialFailureRateLimiter(5, 1_000_000);
    expect(times(5, () => limiter.when("a"))).toEqual([5, 10, 20, 40, 80]);
    expect(limiter.numRequeues("a")).toBe(5);
    expect(limiter.when("b"), "another item has its own count").toBe(5);
    const later = times(20, () => limiter.when("a"));
    expect(later.slice(12, 14), "failures 18 and 19: 5·2^17, then the cap").toEqual([
      655_360, 1_000_000,
    ]);
    expect(later.at(-1), "still the cap").toBe(1_000_000);
    limiter.forget("a");
    expect(limiter.numRequeues("a")).toBe(0);
    expect(limiter.when("a"), "after forget").toBe(5);
  });

  it("stays at the cap after so many failures that 2^n is Infinity", () => {
    const limiter = new ItemExponentialFailureRateLimiter(5, 1_000_000);
    const delays = times(1100, () => limiter.when("a"));
    expect(delays.at(-1)).toBe(1_000_000);
  });
});

describe("BucketRateLimiter", () => {
  it("at 10 qps and burst 100: the first 100 at once, then 100 ms apart", () => {
    const clock = new FakeClock();
    const limiter = new BucketRateLimiter(new TokenBucket(10, 100, clock));
    const delays = times(103, () => limiter.when("x"));
    expect(delays.slice(0, 100).every((d) => d === 0)).toBe(true);
    expect(delays.slice(100)).toEqual([100, 200, 300]);
    clock.advance(300);
    expect(limiter.when("x"), "after 300 ms the debt of 3 tokens is paid").toBe(100);
    expect(limiter.numRequeues("x"), "it tracks no item").toBe(0);
  });

  it("rounds a fractional wait up to whole ms, without float dust", () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 1, clock);
    bucket.reserve();
    clock.advance(30); // 0.3 tokens back: 0.7 to go, 70 ms
    expect(bucket.reserve()).toBe(70);
    const slow = new TokenBucket(3, 1, clock);
    slow.reserve();
    expect(slow.reserve(), "1/3 s is 333.3 ms: round up").toBe(334);
  });
});

describe("MaxOfRateLimiter and the default controller limiter", () => {
  it("asks every limiter and waits the longest; forget and numRequeues reach them all", () => {
    const limiter = new MaxOfRateLimiter(
      new ItemFastSlowRateLimiter(10, 500, 2),
      new ItemExponentialFailureRateLimiter(5, 1_000_000),
    );
    expect(times(6, () => limiter.when("a"))).toEqual([10, 10, 500, 500, 500, 500]);
    expect(limiter.numRequeues("a")).toBe(6);
    limiter.forget("a");
    expect(limiter.when("a")).toBe(10);
  });

  it("default: exponential per item, but never more than 10 retries a second after 100", () => {
    const clock = new FakeClock();
    const limiter = defaultControllerRateLimiter({ clock });
    expect(
      times(3, () => limiter.when("a")),
      "one item: exponential",
    ).toEqual([5, 10, 20]);
    const others = Array.from({ length: 97 }, (_, i) => limiter.when(`key-${i}`));
    expect(
      others.every((d) => d === 5),
      "97 more first failures: 100 tokens are enough",
    ).toBe(true);
    expect(limiter.when("b"), "the 101st retry: the bucket is 1 token short").toBe(100);
    expect(limiter.when("c"), "the 102nd retry: 2 tokens short").toBe(200);
  });

  it("takes its numbers from the options", () => {
    const clock = new FakeClock();
    const limiter = defaultControllerRateLimiter({
      clock,
      baseDelayMs: 1,
      maxDelayMs: 4,
      burst: 1,
    });
    expect(times(4, () => limiter.when("a"))).toEqual([1, 100, 200, 300]);
  });
});

describe("ItemFastSlowRateLimiter", () => {
  it("retries fast maxFastAttempts times, then slow, per item", () => {
    const limiter = new ItemFastSlowRateLimiter(10, 500, 2);
    expect(times(4, () => limiter.when("a"))).toEqual([10, 10, 500, 500]);
    expect(limiter.when("b")).toBe(10);
    limiter.forget("a");
    expect(limiter.numRequeues("a")).toBe(0);
  });
});
