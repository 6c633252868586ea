/**
 * One timer for every fake runtime on a clock. A fake container that is due to do something (finish
 * starting, exit, be killed at the end of its grace period) puts one event here; a container that
 * just runs puts nothing. The scheduler keeps its events in a min-heap ordered by due time and arms
 * a single clock timer for the earliest, so 5,000 hollow nodes cost one timer, not 10,000, and a
 * cluster at rest costs none.
 *
 * Guarantees:
 * - Events run in order of due time, then of scheduling; each runs once, at or after its time
 *   (on a FakeClock exactly at it, since advance() sets now() to the timer's due time).
 * - A cancelled event never runs; `pending()` counts only live events.
 * - The clock holds a timer only while a live event exists, so a closed simulation leaves
 *   nothing to keep the process alive.
 *
 * Cancellation is lazy: a cancelled event stays in the heap until it reaches the top, or until
 * cancelled events are half the heap, when the heap is rebuilt without them. A trace:
 *   at(100, a); at(50, b); at(100, c)   heap [b@50, a@100, c@100]; timer armed for 50
 *   cancel(b)                            b marked; the timer for 50 stays (firing it is harmless)
 *   clock reaches 50                     b popped and dropped; timer re-armed for 100
 *   clock reaches 100                    a runs, then c (same time: scheduling order)
 */
import type { Clock, Timer } from "../../util/clock.ts";

export interface ScheduledEvent {
  cancel(): void;
}

interface Entry {
  at: number;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

/** Below this many cancelled entries the heap is not worth compacting. */
const COMPACT_MIN = 64;

export class Scheduler {
  /** A binary min-heap on (at, seq); may hold cancelled entries (lazy deletion). */
  private heap: Entry[] = [];
  /** How many entries in `heap` are cancelled; `heap.length - cancelled` are live. */
  private cancelled = 0;
  private seq = 0;
  /** The clock timer, armed for `armed.at`, which is ≤ the earliest live entry's time. */
  private armed: { at: number; timer: Timer } | undefined;

  constructor(private readonly clock: Clock) {}

  now(): number {
    return this.clock.now();
  }

  /** Runs `run` once, `ms` from now (0 or less: at the next firing, never synchronously). */
  after(ms: number, run: () => void): ScheduledEvent {
    const entry: Entry = {
      at: this.clock.now() + Math.max(0, ms),
      seq: this.seq++,
      run,
      cancelled: false,
    };
    this.push(entry);
    this.arm();
    return {
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        this.cancelled++;
        if (this.pending() === 0) {
          this.heap = [];
          this.cancelled = 0;
          this.disarm();
        } else if (this.cancelled >= COMPACT_MIN && this.cancelled * 2 >= this.heap.length) {
          this.compact();
        }
      },
    };
  }

  /** Events not yet run or cancelled. */
  pending(): number {
    return this.heap.length - this.cancelled;
  }

  /** Whether a clock timer is armed (for tests: none when nothing is due). */
  hasTimer(): boolean {
    return this.armed !== undefined;
  }

  // #region scheduler-fire
  /** The clock timer's callback: runs every event now due, then arms for the next one. */
  private fire(): void {
    this.armed = undefined;
    const now = this.clock.now();
    for (let top = this.heap[0]; top !== undefined && top.at <= now; top = this.heap[0]) {
      this.pop();
      if (top.cancelled) {
        this.cancelled--;
        continue;
      }
      top.cancelled = true; // so a late cancel() of a run event is a no-op, not a miscount
      try {
        top.run();
      } catch (error) {
        // One failing event must not strand the others; surface it outside this loop.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    this.arm();
  }
  // #endregion scheduler-fire

  /** Arms the clock timer for the earliest live event, dropping cancelled ones off the top. */
  private arm(): void {
    while (this.heap[0]?.cancelled) {
      this.pop();
      this.cancelled--;
    }
    const top = this.heap[0];
    if (top === undefined) {
      this.disarm();
      return;
    }
    if (this.armed && this.armed.at <= top.at) return;
    this.disarm();
    const timer = this.clock.setTimeout(() => this.fire(), top.at - this.clock.now());
    this.armed = { at: top.at, timer };
  }

  private disarm(): void {
    this.armed?.timer.cancel();
    this.armed = undefined;
  }

  private compact(): void {
    this.heap = this.heap.filter((entry) => !entry.cancelled);
    this.cancelled = 0;
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private push(entry: Entry): void {
    this.heap.push(entry);
    let i = this.heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private pop(): void {
    const last = this.heap.pop();
    if (last === undefined || this.heap.length === 0) return;
    this.heap[0] = last;
    this.down(0);
  }

  private down(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < this.heap.length && this.before(left, least)) least = left;
      if (right < this.heap.length && this.before(right, least)) least = right;
      if (least === i) return;
      this.swap(i, least);
      i = least;
    }
  }

  private before(i: number, j: number): boolean {
    const a = this.heap[i] as Entry;
    const b = this.heap[j] as Entry;
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i] as Entry;
    this.heap[i] = this.heap[j] as Entry;
    this.heap[j] = a;
  }
}

const shared = new WeakMap<Clock, Scheduler>();

/** The scheduler every fake runtime on `clock` shares: one heap, one timer per clock. */
export function schedulerFor(clock: Clock): Scheduler {
  let scheduler = shared.get(clock);
  if (scheduler === undefined) {
    scheduler = new Scheduler(clock);
    shared.set(clock, scheduler);
  }
  return scheduler;
}
