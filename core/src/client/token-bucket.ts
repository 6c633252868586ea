/**
 * A token bucket: `qps` tokens a second, at most `burst` saved up. `take()` resolves when a token
 * is available — client-go's flowcontrol.TokenBucketRateLimiter, which paces every request a
 * client makes (and, in the work queue, every retry).
 *
 * Worked example, qps 5 and burst 10: the first 10 calls go at once; the 11th waits 200 ms, the
 * 12th 400 ms; after 2 s of quiet the bucket is full again.
 */
import type { Clock } from "../util/clock.ts";

export class TokenBucket {
  private tokens: number;
  private last: number;
  /** Callers waiting, in order; each is given a token the moment one is due. */
  private queue: (() => void)[] = [];
  private timerSet = false;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    if (!(qps > 0) || !(burst >= 1))
      throw new Error(`token bucket needs qps > 0 and burst >= 1, got ${qps}, ${burst}`);
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Takes a token now if there is one; otherwise false. */
  tryTake(): boolean {
    this.refill();
    if (this.queue.length > 0 || this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Resolves once a token is taken. */
  take(): Promise<void> {
    if (this.tryTake()) return Promise.resolve();
    return new Promise((resolve) => {
      this.queue.push(resolve);
      this.schedule();
    });
  }

  /**
   * Takes a token now, going into debt when none is left, and returns how long the caller must
   * wait before acting, in ms — golang.org/x/time/rate's `Reserve().Delay()`, which the work
   * queue's BucketRateLimiter uses. A caller already waiting in take() waits one token longer.
   *
   * Worked example, qps 10 and burst 100, all at one instant: calls 1–100 get 0; call 101 leaves
   * the bucket at −1 token and gets 100 ms; call 102 gets 200 ms.
   */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    // Go's Delay is in nanoseconds; our clock counts ms, so round up (never early), ignoring
    // float dust below a nanosecond so that 0.7 tokens at 10 qps is 70 ms, not 71.
    return Math.ceil((-this.tokens * 1000) / this.qps - 1e-6);
  }

  /** How long until the next token, in ms (0 if one is ready). */
  private wait(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.qps) * 1000);
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
  }

  private schedule(): void {
    if (this.timerSet || this.queue.length === 0) return;
    this.timerSet = true;
    this.clock.setTimeout(() => {
      this.timerSet = false;
      this.refill();
      while (this.queue.length > 0 && this.tokens >= 1) {
        this.tokens -= 1;
        (this.queue.shift() as () => void)();
      }
      this.schedule();
    }, this.wait());
  }
}
