/**
 * How long a failed item waits before its next try — client-go's workqueue rate limiters
 * (default_rate_limiters.go). A controller calls `when(key)` on each failure (through
 * RateLimitingQueue.addRateLimited) and `forget(key)` once the key succeeds.
 *
 * - ItemExponentialFailureRateLimiter: per item, base·2^failures, capped — one broken object
 *   backs off alone, the others keep their pace.
 * - BucketRateLimiter: one token bucket for all items — caps the retry rate of the whole
 *   controller, however many items fail at once.
 * - MaxOfRateLimiter: asks each limiter, waits the longest.
 * - ItemFastSlowRateLimiter: a few quick retries, then slow ones.
 *
 * Durations are in ms, as our Clock counts; client-go's are Go durations.
 */
import { type Clock, realClock } from "../../util/clock.ts";
import { TokenBucket } from "../token-bucket.ts";

export interface RateLimiter<T = string> {
  /** Records a failure of `item` and returns how long, in ms, it should wait before its retry. */
  when(item: T): number;
  /** Stops tracking `item`: it succeeded, or the controller gave up on it. */
  forget(item: T): void;
  /** How many failures of `item` are being tracked. */
  numRequeues(item: T): number;
}

/**
 * Worked example, base 5 ms and max 1000 s: failures 0, 1, 2, ... wait 5, 10, 20, 40 ms, ...;
 * the 18th retry waits 5·2^17 = 655 360 ms; the 19th would be 1 310 720 ms, so it and every later
 * one waits 1 000 000 ms (1000 s). forget() starts again at 5 ms.
 */
export class ItemExponentialFailureRateLimiter<T = string> implements RateLimiter<T> {
  /** Failures seen per item since it was last forgotten. */
  private failures = new Map<T, number>();

  constructor(
    private readonly baseDelayMs: number,
    private readonly maxDelayMs: number,
  ) {}

  // #region exponential-when
  when(item: T): number {
    const exp = this.failures.get(item) ?? 0;
    this.failures.set(item, exp + 1);
    // 2^exp grows to Infinity rather than overflowing (Go checks for int64 overflow), and
    // Infinity > max, so the cap holds however many failures there were.
    return Math.min(this.baseDelayMs * 2 ** exp, this.maxDelayMs);
  }
  // #endregion exponential-when

  forget(item: T): void {
    this.failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}

/**
 * One token bucket shared by every item: each when() takes a token and waits until it is due.
 * At 10 qps with a burst of 100, 100 failures at one instant retry at once, then one every 100 ms.
 * It tracks no item, so forget() does nothing and numRequeues() is 0.
 */
export class BucketRateLimiter<T = string> implements RateLimiter<T> {
  constructor(private readonly bucket: TokenBucket) {}

  when(_item: T): number {
    return this.bucket.reserve();
  }

  forget(_item: T): void {}

  numRequeues(_item: T): number {
    return 0;
  }
}

/**
 * Asks every limiter (so each one counts the failure) and waits the longest answer. With a
 * bucket inside, an item that another limiter delays longer still spent a token: the bucket's
 * rate can look exceeded when those items come back together, as client-go notes.
 */
export class MaxOfRateLimiter<T = string> implements RateLimiter<T> {
  private readonly limiters: RateLimiter<T>[];

  constructor(...limiters: RateLimiter<T>[]) {
    this.limiters = limiters;
  }

  when(item: T): number {
    let longest = 0;
    for (const limiter of this.limiters) longest = Math.max(longest, limiter.when(item));
    return longest;
  }

  forget(item: T): void {
    for (const limiter of this.limiters) limiter.forget(item);
  }

  numRequeues(item: T): number {
    let most = 0;
    for (const limiter of this.limiters) most = Math.max(most, limiter.numRequeues(item));
    return most;
  }
}

/** The first `maxFastAttempts` failures of an item wait `fastDelayMs`, later ones `slowDelayMs`. */
export class ItemFastSlowRateLimiter<T = string> implements RateLimiter<T> {
  private failures = new Map<T, number>();

  constructor(
    private readonly fastDelayMs: number,
    private readonly slowDelayMs: number,
    private readonly maxFastAttempts: number,
  ) {}

  when(item: T): number {
    const failures = (this.failures.get(item) ?? 0) + 1;
    this.failures.set(item, failures);
    return failures <= this.maxFastAttempts ? this.fastDelayMs : this.slowDelayMs;
  }

  forget(item: T): void {
    this.failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.failures.get(item) ?? 0;
  }
}

export interface ControllerRateLimiterOptions {
  clock?: Clock;
  /** First retry's delay; 5 ms in client-go. */
  baseDelayMs?: number;
  /** Longest per-item delay; 1000 s in client-go. */
  maxDelayMs?: number;
  /** Retries a second across all items; 10 in client-go. */
  qps?: number;
  /** Retries that may go at once; 100 in client-go. */
  burst?: number;
}

// #region default-controller-rate-limiter
/**
 * The limiter nearly every Kubernetes controller uses — client-go's
 * DefaultTypedControllerRateLimiter: per item 5 ms doubling up to 1000 s, and for the whole
 * controller at most 10 retries a second after a burst of 100, whichever waits longer.
 */
export function defaultControllerRateLimiter<T = string>(
  options: ControllerRateLimiterOptions = {},
): RateLimiter<T> {
  const clock = options.clock ?? realClock;
  return new MaxOfRateLimiter<T>(
    new ItemExponentialFailureRateLimiter(
      options.baseDelayMs ?? 5,
      options.maxDelayMs ?? 1_000_000,
    ),
    new BucketRateLimiter(new TokenBucket(options.qps ?? 10, options.burst ?? 100, clock)),
  );
}
// #endregion default-controller-rate-limiter
