/**
 * The queue a controller actually uses — client-go's rate-limiting queue
 * (rate_limiting_queue.go): a delaying queue plus a RateLimiter that decides how long a failed
 * item waits. The worker loop around it (sample-controller's processNextWorkItem):
 *
 *   key = await queue.get()            undefined: shutting down, stop
 *   try reconcile(key)
 *     ok      → queue.forget(key)      the next failure starts the back-off again at 5 ms
 *     failed  → queue.addRateLimited(key)
 *   finally queue.done(key)            always, or the key is never handed out again
 *
 * forget() only clears the limiter's memory of the item; done() is still required.
 */
import type { Clock } from "../../util/clock.ts";
import { DelayingQueue } from "./delaying.ts";
import type { RateLimiter } from "./rate-limiters.ts";

export class RateLimitingQueue<T = string> extends DelayingQueue<T> {
  private readonly rateLimiter: RateLimiter<T>;

  constructor(options: { rateLimiter: RateLimiter<T>; clock?: Clock }) {
    super({ clock: options.clock });
    this.rateLimiter = options.rateLimiter;
  }

  /** Adds `item` once the limiter says it may be retried; the limiter counts this as a failure. */
  addRateLimited(item: T): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }
}
