/**
 * A work queue that can add an item later — client-go's delaying queue (delaying_queue.go). A
 * controller uses it to retry a failed key after a back-off instead of in a hot loop, or to look
 * at an object again when something is due (a Deployment's progress deadline).
 *
 * Guarantees, on top of Queue's:
 * - `addAfter(item, ms)` adds the item once `ms` have passed on the injected clock; `ms <= 0`
 *   adds it now.
 * - An item waits at most once: added again while waiting, it keeps the earlier of the two ready
 *   times (a shorter delay moves it forward, a longer one changes nothing).
 * - Items become ready in order of ready time; equal times keep the order they were added in.
 * - Shutdown forgets the waiting items and cancels the timer.
 *
 * Trace, at t=0: addAfter(a, 50), addAfter(b, 20), addAfter(a, 10) → waiting [a@10, b@20].
 * At t=10 a is added to the queue, at t=20 b. addAfter(b, 30) at t=0 would have changed nothing.
 */
import { type Clock, realClock, type Timer } from "../../util/clock.ts";
import { Queue } from "./queue.ts";

interface Waiting<T> {
  item: T;
  /** Clock time (ms) at which the item is added to the queue. */
  readyAt: number;
}

export class DelayingQueue<T = string> extends Queue<T> {
  protected readonly clock: Clock;
  /**
   * Items not yet ready, earliest first; each item at most once. client-go keeps a heap; a
   * sorted array reads more simply and is as fast for the few dozen keys a controller retries.
   */
  private waiting: Waiting<T>[] = [];
  /** The entry of each waiting item. */
  private waitingByItem = new Map<T, Waiting<T>>();
  /** Armed for the first waiting entry whenever there is one. */
  private timer: Timer | undefined;

  constructor(options: { clock?: Clock } = {}) {
    super();
    this.clock = options.clock ?? realClock;
  }

  addAfter(item: T, ms: number): void {
    if (this.shuttingDown()) return;
    if (ms <= 0) {
      this.add(item);
      return;
    }
    const readyAt = this.clock.now() + ms;
    const existing = this.waitingByItem.get(item);
    if (existing) {
      if (existing.readyAt <= readyAt) return; // the earlier time wins
      this.waiting.splice(this.waiting.indexOf(existing), 1);
    }
    const entry = { item, readyAt };
    const after = this.waiting.findIndex((w) => w.readyAt > readyAt);
    this.waiting.splice(after === -1 ? this.waiting.length : after, 0, entry);
    this.waitingByItem.set(item, entry);
    this.arm();
  }

  override shutDown(): void {
    super.shutDown();
    this.forgetWaiting();
  }

  override shutDownWithDrain(): Promise<void> {
    const drained = super.shutDownWithDrain();
    this.forgetWaiting();
    return drained;
  }

  /** Adds every entry that is due, then waits for the next one (client-go's waitingLoop). */
  private addReady(): void {
    const now = this.clock.now();
    while (this.waiting[0] && this.waiting[0].readyAt <= now) {
      const { item } = this.waiting.shift() as Waiting<T>;
      this.waitingByItem.delete(item);
      this.add(item);
    }
    this.arm();
  }

  private arm(): void {
    this.timer?.cancel();
    this.timer = undefined;
    const first = this.waiting[0];
    if (!first) return;
    this.timer = this.clock.setTimeout(() => this.addReady(), first.readyAt - this.clock.now());
  }

  private forgetWaiting(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.waiting = [];
    this.waitingByItem.clear();
  }
}
