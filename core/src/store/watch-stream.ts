/**
 * The consumer side of a watch, shared by both backends: a bounded buffer of events behind an
 * async iterator. The producer pushes; the consumer pulls at its own pace. A consumer that lets
 * more than `capacity` events pile up is cut off with a clear reason instead of growing memory
 * without bound or slowing the writers — the same call the Kubernetes API server makes when a
 * watcher's channel stays full ("forcing watcher close due to unresponsiveness").
 *
 * Guarantees: events come out in the order they were pushed, each once; events buffered before
 * a failure are still delivered, then the error is thrown; after `cancel()` nothing more comes.
 */
import { WatchCancelledError } from "./errors.ts";
import type { ProgressWatch, WatchEvent, WatchProgress } from "./types.ts";

type Item = WatchEvent | WatchProgress;

/** Events a watcher may have unread before it is cancelled; etcd-sized fan-out bursts fit. */
export const DEFAULT_WATCH_BUFFER = 10_000;

export interface WatchStreamOptions {
  capacity?: number;
  /** Called once when the stream ends for any reason, to release the producer's resources. */
  onClose: () => void;
  /**
   * For a watcher that is catching up from history: returns the next events to deliver, [] when
   * a step found nothing to deliver yet more may follow, or undefined once caught up.
   */
  pull?: () => Item[] | undefined;
  /** Asks the producer for a progress marker (see ProgressWatch). */
  onProgressRequest?: () => void;
}

export class WatchStream implements ProgressWatch {
  private buffer: Item[] = [];
  /** Index of the next unread event in `buffer`; the array is compacted when drained. */
  private head = 0;
  private failure: Error | undefined;
  private done = false;
  private wake: (() => void) | undefined;
  private readonly capacity: number;
  private pull: (() => Item[] | undefined) | undefined;

  constructor(private readonly options: WatchStreamOptions) {
    this.capacity = options.capacity ?? DEFAULT_WATCH_BUFFER;
    this.pull = options.pull;
  }

  /** Unread events. */
  get backlog(): number {
    return this.buffer.length - this.head;
  }

  get closed(): boolean {
    return this.done;
  }

  // #region push
  push(events: readonly Item[]): void {
    if (this.done || events.length === 0) return;
    // Judge the consumer by what it has left unread, not by the size of this batch: a reader that
    // keeps up takes even a large batch (an etcd catch-up response holds up to 1,000 revisions).
    if (this.backlog >= this.capacity) {
      this.fail(
        new WatchCancelledError(
          "slow-consumer",
          `${this.backlog} events unread, the buffer holds ${this.capacity}; ` +
            "watch again from the last revision you saw",
        ),
      );
      return;
    }
    for (const e of events) this.buffer.push(e);
    this.notify();
  }
  // #endregion push

  /** Ends the stream with an error the consumer sees after the events already buffered. */
  fail(error: Error): void {
    if (this.done) return;
    this.failure = error;
    this.close();
  }

  cancel(): void {
    this.buffer = [];
    this.head = 0;
    this.failure = undefined;
    if (this.done) this.notify();
    else this.close();
  }

  requestProgress(): void {
    if (!this.done) this.options.onProgressRequest?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Item> {
    for (;;) {
      if (this.head < this.buffer.length) {
        const event = this.buffer[this.head++] as Item;
        if (this.head === this.buffer.length) {
          this.buffer = [];
          this.head = 0;
        }
        yield event;
        continue;
      }
      if (this.done) {
        if (this.failure) throw this.failure;
        return;
      }
      const pulled = this.pullOnce();
      if (pulled) continue;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** Moves one batch from the catch-up source into the buffer; false when there is nothing. */
  private pullOnce(): boolean {
    const pull = this.pull;
    if (!pull || this.done) return false;
    let events: Item[] | undefined;
    try {
      events = pull();
    } catch (error) {
      this.fail(error as Error);
      return true;
    }
    if (events === undefined) {
      this.pull = undefined;
      return false;
    }
    for (const e of events) this.buffer.push(e);
    return true;
  }

  private close(): void {
    this.done = true;
    this.notify();
    this.options.onClose();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
