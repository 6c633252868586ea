/**
 * The work queue every controller reads its keys from — client-go's util/workqueue `Typed`
 * (queue.go). Event handlers `add` a key ("namespace/name"); workers `get` one, reconcile it and
 * call `done`. Guarantees:
 *
 * - Fair: items are handed out in the order they were added (FIFO).
 * - De-duplicated: an item added several times before a worker gets it is handed out once. A
 *   controller is level-triggered, so ten changes to one object need one reconcile, not ten.
 * - Never handled twice at once: while a worker holds an item, no other worker gets it, however
 *   many workers there are.
 * - Never missed: an item added while a worker holds it is handed out again after `done`, so a
 *   change that arrives mid-reconcile is seen by a later reconcile.
 * - Shutdown: `add` is ignored from then on; `get` still hands out what is queued, then resolves
 *   `undefined`, which tells the worker to stop.
 *
 * Trace, two workers W1 and W2, items a and b (queue | dirty | processing):
 *
 *   add a          [a]     {a}     {}
 *   add b          [a b]   {a b}   {}
 *   add a          [a b]   {a b}   {}      a is already waiting: nothing changes
 *   get → a (W1)   [b]     {b}     {a}
 *   add a          [b]     {a b}   {a}     a changed while W1 holds it: dirty, not queued
 *   get → b (W2)   []      {a}     {a b}   W2 gets b; nobody else can get a now
 *   done a (W1)    [a]     {a}     {b}     a was dirty: queued again, for any worker
 *   done b (W2)    [a]     {a}     {}      b was not dirty: it just leaves processing
 */

/** What a controller needs from a work queue; the lab's Queue implements it too. */
export interface WorkQueue<T> {
  /** Marks `item` as needing processing. */
  add(item: T): void;
  /** Items waiting to be handed out (not counting those being processed). */
  len(): number;
  /** The next item, once there is one; `undefined` once shut down and empty: stop working. */
  get(): Promise<T | undefined>;
  /** The worker has finished with `item`; if it was added meanwhile, it is queued again. */
  done(item: T): void;
  /** Ignore new items and tell waiting workers to stop once the queue is empty. */
  shutDown(): void;
  /** As shutDown, then resolves once no item is being processed. */
  shutDownWithDrain(): Promise<void>;
  shuttingDown(): boolean;
}

export class Queue<T = string> implements WorkQueue<T> {
  /** The order in which items are handed out. Every item here is in `dirty` and not in `processing`. */
  private queue: T[] = [];
  /** Every item that needs processing: each queued item, and each held item added again. */
  private dirty = new Set<T>();
  /**
   * Items handed out by get() and not yet done(). An item may be here and in `dirty` at once;
   * then it is not in `queue`, and done() puts it there.
   */
  private processing = new Set<T>();
  /** Set by shutDown/shutDownWithDrain, never cleared. */
  private stopping = false;
  /** shutDownWithDrain is waiting for `processing` to empty; shutDown cancels the wait. */
  private drain = false;
  /** get() callers asleep because the queue was empty (Go's cond.Wait), oldest first. */
  private sleepers: (() => void)[] = [];
  /** shutDownWithDrain callers asleep until `processing` empties. */
  private drainers: (() => void)[] = [];

  // #region add-get-done
  add(item: T): void {
    if (this.stopping) return;
    // Already waiting, or already due to be queued again by done(): one entry is enough.
    if (this.dirty.has(item)) return;
    this.dirty.add(item);
    // A worker holds it: queueing it now could hand it to a second worker. done() queues it.
    if (this.processing.has(item)) return;
    this.queue.push(item);
    this.wakeOne();
  }

  async get(): Promise<T | undefined> {
    // Sleep until there is an item or the queue shuts down. Re-check after waking: another
    // caller may have taken the item that woke us (the loop around Go's cond.Wait).
    while (this.queue.length === 0 && !this.stopping) {
      await new Promise<void>((wake) => this.sleepers.push(wake));
    }
    if (this.queue.length === 0) return undefined; // shut down, and nothing left to hand out
    const item = this.queue.shift() as T;
    this.processing.add(item);
    this.dirty.delete(item);
    return item;
  }

  done(item: T): void {
    this.processing.delete(item);
    if (this.dirty.has(item)) {
      // Added while it was being processed: now it may safely go to any worker.
      this.queue.push(item);
      this.wakeOne();
    }
    if (this.processing.size === 0) this.wakeDrainers();
  }
  // #endregion add-get-done

  len(): number {
    return this.queue.length;
  }

  shutDown(): void {
    this.drain = false;
    this.stopping = true;
    this.wakeAll();
    this.wakeDrainers();
  }

  /**
   * Waits for the items being processed, not for items still queued (client-go's loop
   * condition): workers keep calling get() and take those. Every held item must reach done(),
   * or this never resolves — unless shutDown() is called meanwhile.
   */
  async shutDownWithDrain(): Promise<void> {
    this.drain = true;
    this.stopping = true;
    this.wakeAll();
    while (this.processing.size > 0 && this.drain) {
      await new Promise<void>((wake) => this.drainers.push(wake));
    }
  }

  shuttingDown(): boolean {
    return this.stopping;
  }

  /** Go's cond.Signal: one sleeping get() re-checks the queue. */
  private wakeOne(): void {
    this.sleepers.shift()?.();
  }

  /** Go's cond.Broadcast: every sleeping get() re-checks (used at shutdown). */
  private wakeAll(): void {
    for (const wake of this.sleepers.splice(0)) wake();
  }

  private wakeDrainers(): void {
    for (const wake of this.drainers.splice(0)) wake();
  }
}
