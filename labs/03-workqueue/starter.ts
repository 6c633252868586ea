/**
 * Lab 3: the work queue every Kubernetes controller reads its keys from, as client-go's
 * util/workqueue builds it. Event handlers `add` a key ("namespace/name"); several workers each
 * `get` a key, reconcile it, and call `done`. Three structures make its guarantees:
 *
 *   queue       the keys waiting for a worker, in order (FIFO)
 *   dirty       every key that needs processing: the queued ones, and held keys that changed
 *   processing  the keys workers hold right now (handed out by get, not yet done)
 *
 * - De-duplication: `add` of a key already in `dirty` changes nothing. Ten changes to one object
 *   before a worker gets to it need one reconcile: controllers are level-triggered.
 * - Never two workers on one key: `add` of a key in `processing` marks it dirty but does not
 *   queue it; `done` queues it if it is dirty. So a change during a reconcile is not lost — it is
 *   reconciled again afterwards, by whichever worker is free.
 *
 * Trace, two workers W1 and W2 (queue | dirty | processing):
 *
 *   add a          [a]     {a}     {}
 *   add b          [a b]   {a b}   {}
 *   add a          [a b]   {a b}   {}      a is already waiting: nothing changes
 *   get → a (W1)   [b]     {b}     {a}
 *   add a          [b]     {a b}   {a}     a changed while W1 holds it: dirty, not queued
 *   get → b (W2)   []      {a}     {a b}   W2 gets b; nobody else can get a now
 *   done a (W1)    [a]     {a}     {b}     a was dirty: queued again, for any worker
 *   done b (W2)    [a]     {a}     {}      b was not dirty: it just leaves processing
 *
 * `get` waits while the queue is empty. In Go a worker blocks on a condition variable; here it
 * awaits a promise parked in `sleepers`, and `add` wakes one. Shutting down ignores new keys;
 * `get` hands out what is still queued, then resolves `undefined`, which tells the worker to stop.
 *
 * Write the methods that throw; the wake-up helpers at the bottom are done. Chapter 3's docs page
 * explains the queue next to the core's code. Check your work with `npm run lab -- check 3`;
 * stuck? `npm run lab -- hint 3`.
 */
// biome-ignore-all lint/correctness/noUnusedPrivateClassMembers: the methods you write use them.
import type { WorkQueue } from "@tinykube/core/client/workqueue";

const todo = (method: string, detail: string) =>
  new Error(`Queue.${method} is not implemented yet: ${detail}`);

export class Queue<T = string> implements WorkQueue<T> {
  /** Keys waiting for a worker, oldest first. Every key here is in `dirty`, none in `processing`. */
  private queue: T[] = [];
  /** Every key that needs processing: each queued key, and each held key added again. */
  private dirty = new Set<T>();
  /** Keys handed out by get() and not yet done(). A key here may also be dirty; then it is not queued. */
  private processing = new Set<T>();
  /** Set by shutDown and shutDownWithDrain, never cleared. */
  private stopping = false;
  /** shutDownWithDrain is waiting for `processing` to empty; shutDown cancels the wait. */
  private drain = false;
  /** get() callers asleep because the queue was empty, oldest first. */
  private sleepers: (() => void)[] = [];
  /** shutDownWithDrain callers asleep until `processing` empties. */
  private drainers: (() => void)[] = [];

  /** Marks `item` as needing processing: queue it, unless it is dirty already or held. */
  add(item: T): void {
    throw todo("add", `asked to add ${String(item)}; use dirty, processing, queue and wakeOne()`);
  }

  /** Keys waiting in the queue (not the ones being processed). */
  len(): number {
    throw todo("len", `there are ${this.queue.length} keys in this.queue`);
  }

  /**
   * The next key, moved from dirty to processing. While the queue is empty and not shutting
   * down, sleep: `await new Promise<void>((wake) => this.sleepers.push(wake))`, then check again.
   * Shut down with nothing queued: resolve undefined.
   */
  async get(): Promise<T | undefined> {
    throw todo("get", `${this.queue.length} keys queued, shutting down: ${this.stopping}`);
  }

  /** The worker is finished with `item`: it leaves processing, and goes back in line if dirty. */
  done(item: T): void {
    throw todo("done", `asked for ${String(item)}; processing holds ${this.processing.size} keys`);
  }

  /** Stop: ignore new keys, wake every sleeper and drainer. */
  shutDown(): void {
    throw todo("shutDown", "set stopping, clear drain, wake every sleeper and drainer");
  }

  /** As shutDown, then wait (in `drainers`) until no key is being processed, or shutDown() is called. */
  async shutDownWithDrain(): Promise<void> {
    throw todo("shutDownWithDrain", `${this.processing.size} keys are being processed`);
  }

  shuttingDown(): boolean {
    throw todo("shuttingDown", "return whether shutDown or shutDownWithDrain was called");
  }

  // --- helpers: done ------------------------------------------------------------------------

  /** Go's cond.Signal: wakes one sleeping get(), which checks the queue again. */
  private wakeOne(): void {
    this.sleepers.shift()?.();
  }

  /** Go's cond.Broadcast: wakes every sleeping get() (at shutdown). */
  private wakeAll(): void {
    for (const wake of this.sleepers.splice(0)) wake();
  }

  /** Wakes every shutDownWithDrain caller, to check whether processing is empty now. */
  private wakeDrainers(): void {
    for (const wake of this.drainers.splice(0)) wake();
  }
}
