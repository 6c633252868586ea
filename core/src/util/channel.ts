/**
 * A bounded channel behind an async iterator: the producer pushes, the consumer reads at its own
 * pace. A consumer that lets `capacity` items pile up is cut off with the error `overflow` makes,
 * instead of growing memory without bound or slowing the producer — the call the Kubernetes API
 * server makes when a watcher's channel stays full ("forcing watcher close due to
 * unresponsiveness"). Store watches and the API server's watch cache both use it.
 *
 * Guarantees: items come out in the order they were pushed, each once; items buffered before a
 * failure are still delivered, then the error is thrown; after `cancel()` nothing more comes.
 */

export interface ChannelOptions<T> {
  capacity: number;
  /** The error for a consumer that left `backlog` items unread. */
  overflow: (backlog: number, capacity: number) => Error;
  /** Called once when the channel ends for any reason, to release the producer's resources. */
  onClose?: () => void;
  /**
   * A source to read from while the buffer is empty (a watcher catching up from history): the
   * next items, [] when a step found nothing yet more may follow, or undefined when exhausted.
   */
  pull?: () => T[] | undefined;
}

export class Channel<T> implements AsyncIterable<T> {
  private buffer: T[] = [];
  /** Index of the next unread item in `buffer`; the array is reset when drained. */
  private head = 0;
  private failure: Error | undefined;
  private done = false;
  private wake: (() => void) | undefined;
  private pull: (() => T[] | undefined) | undefined;

  constructor(private readonly options: ChannelOptions<T>) {
    this.pull = options.pull;
  }

  /** Unread items. */
  get backlog(): number {
    return this.buffer.length - this.head;
  }

  get closed(): boolean {
    return this.done;
  }

  // #region push
  push(items: readonly T[]): void {
    if (this.done || items.length === 0) return;
    // Judge the consumer by what it has left unread, not by the size of this batch: a reader that
    // keeps up takes even a large batch (an etcd catch-up response holds up to 1,000 revisions).
    if (this.backlog >= this.options.capacity) {
      this.fail(this.options.overflow(this.backlog, this.options.capacity));
      return;
    }
    for (const item of items) this.buffer.push(item);
    this.notify();
  }
  // #endregion push

  /** Ends the channel with an error the consumer sees after the items already buffered. */
  fail(error: Error): void {
    if (this.done) return;
    this.failure = error;
    this.close();
  }

  /** Ends the channel normally: the consumer reads what is buffered, then iteration ends. */
  end(): void {
    if (!this.done) this.close();
  }

  /** The consumer's way out: drops what is buffered; iteration ends at once. */
  cancel(): void {
    this.buffer = [];
    this.head = 0;
    this.failure = undefined;
    if (this.done) this.notify();
    else this.close();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.head < this.buffer.length) {
        const item = this.buffer[this.head++] as T;
        if (this.head === this.buffer.length) {
          this.buffer = [];
          this.head = 0;
        }
        yield item;
        continue;
      }
      if (this.done) {
        if (this.failure) throw this.failure;
        return;
      }
      if (this.pullOnce()) continue;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** Moves one batch from the pull source into the buffer; false when there is nothing. */
  private pullOnce(): boolean {
    const pull = this.pull;
    if (!pull || this.done) return false;
    let items: T[] | undefined;
    try {
      items = pull();
    } catch (error) {
      this.fail(error as Error);
      return true;
    }
    if (items === undefined) {
      this.pull = undefined;
      return false;
    }
    for (const item of items) this.buffer.push(item);
    return true;
  }

  private close(): void {
    this.done = true;
    this.notify();
    this.options.onClose?.();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
