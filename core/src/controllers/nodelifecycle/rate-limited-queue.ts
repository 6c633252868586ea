/**
 * The per-zone queue of nodes waiting for a NoExecute taint, drained at a limited rate —
 * pkg/controller/nodelifecycle/scheduler/rate_limited_queue.go (RateLimitedTimedQueue over a
 * UniqueQueue). Tainting a node evicts its pods, so this rate is the brake on how fast a failure
 * empties the cluster: at the default 0.1 nodes/s, one node every 10 s per zone.
 *
 * Guarantees:
 * - A node is queued at most once until it is `remove`d: `add` of a node already added answers
 *   false, even after the node was processed (Kubernetes keeps processed values in its set so
 *   that a node is tainted once per outage; `remove`, when the node is Ready again, re-arms it).
 * - `try(fn)` hands out due nodes, oldest first, each only if the rate limiter has a token. A
 *   node `fn` fails on goes back in the queue, due again after the wait `fn` asks for.
 * - The limiter holds 1 token (EvictionRateLimiterBurst) and starts full, so the first node of
 *   an outage is tainted at once and the next ones one per 1/qps seconds. A rate of 0 stops
 *   tainting; a rate change keeps "no token now" if the old limiter had none.
 *
 * Trace, 0.1 nodes/s: t=0 add(a), add(b); try → a (the token), b waits; t=5 try → nothing
 * (half a token); t=10 try → b. add(a) at t=11 → false: a was tainted already; remove(a) when a
 * is Ready again, then add(a) → true.
 */
import { TokenBucket } from "../../client/token-bucket.ts";
import type { Clock } from "../../util/clock.ts";

/** EvictionRateLimiterBurst: one token, so that evictions never come in bursts. */
const EVICTION_RATE_LIMITER_BURST = 1;

export interface TimedValue {
  /** The node's name. */
  value: string;
  /** The node's uid when it was queued. */
  uid: string;
  addedAt: number;
  /** Not handed out before this clock time. */
  processAt: number;
}

/** What fn tells try(): done, or try this node again after `retryAfterMs`. */
export type TryResult = { done: true } | { done: false; retryAfterMs: number };

interface Limiter {
  readonly qps: number;
  tryAccept(): boolean;
}

export class RateLimitedTimedQueue {
  /** Waiting nodes by processAt, ties in the order added. Every value here is in `added`. */
  private queue: TimedValue[] = [];
  /** Values added and not removed: those waiting and those already processed. */
  private readonly added = new Set<string>();
  private limiter: Limiter;

  constructor(
    qps: number,
    private readonly clock: Clock,
  ) {
    this.limiter = newLimiter(qps, clock);
  }

  get qps(): number {
    return this.limiter.qps;
  }

  /** Queues the node, due now; false if it was added before and not removed since. */
  add(value: string, uid: string): boolean {
    if (this.added.has(value)) return false;
    const now = this.clock.now();
    this.added.add(value);
    this.insert({ value, uid, addedAt: now, processAt: now });
    return true;
  }

  /** Forgets the node, waiting or processed, so that it can be added again; false if unknown. */
  remove(value: string): boolean {
    if (!this.added.delete(value)) return false;
    this.queue = this.queue.filter((v) => v.value !== value);
    return true;
  }

  /** The nodes waiting, in the order they will be handed out. */
  waiting(): string[] {
    return this.queue.map((v) => v.value);
  }

  // #region try
  /**
   * 1. Take the first waiting node; stop if the limiter has no token (the token is spent even
   *    if the node is not due yet, as in Kubernetes) or the node is not due.
   * 2. Run fn. Done → the node leaves the queue but stays added; not done → due again later.
   * 3. Repeat with the new first node.
   */
  async try(fn: (value: TimedValue) => Promise<TryResult>): Promise<void> {
    for (let head = this.queue[0]; head; head = this.queue[0]) {
      if (!this.limiter.tryAccept()) return;
      const now = this.clock.now();
      if (now < head.processAt) return;
      const result = await fn(head);
      // fn awaited: the node may have been removed meanwhile, so only touch it if still queued.
      const index = this.queue.indexOf(head);
      if (index < 0) continue;
      this.queue.splice(index, 1);
      if (!result.done) this.insert({ ...head, processAt: now + result.retryAfterMs });
    }
  }
  // #endregion try

  /** SwapLimiter: a new rate; with no token now, the new limiter starts without one too. */
  swapLimiter(qps: number): void {
    if (this.limiter.qps === qps) return;
    const next = newLimiter(qps, this.clock);
    if (qps > 0 && !this.limiter.tryAccept()) next.tryAccept();
    this.limiter = next;
  }

  private insert(value: TimedValue): void {
    const after = this.queue.findIndex((v) => v.processAt > value.processAt);
    this.queue.splice(after === -1 ? this.queue.length : after, 0, value);
  }
}

/** A token bucket at `qps` with a burst of 1; at 0, one that never accepts (NewFakeNeverRateLimiter). */
function newLimiter(qps: number, clock: Clock): Limiter {
  if (qps <= 0) return { qps, tryAccept: () => false };
  const bucket = new TokenBucket(qps, EVICTION_RATE_LIMITER_BURST, clock);
  return { qps, tryAccept: () => bucket.tryTake() };
}
