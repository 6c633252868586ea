/**
 * Test doubles for the client machinery: a ListerWatcher whose lists and watches a test scripts,
 * and a wrapper that cuts a real one's connection on demand (to show a 410 and the re-list).
 */
import type { KubeList, KubeObject } from "../api/object.ts";
import type { ListerWatcher } from "./reflector.ts";
import type { ClientWatch, ListOptions, WatchEventOf, WatchOptions } from "./rest.ts";

/** A watch a test feeds: `send` an event, `end()` it, or `fail()` it like a broken connection. */
export class ScriptedWatch<T extends KubeObject> implements ClientWatch<T> {
  private readonly queued: (WatchEventOf<T> | { end: true } | { error: Error })[] = [];
  private wake: (() => void) | undefined;
  stopped = false;

  constructor(readonly options: WatchOptions) {}

  send(type: WatchEventOf<T>["type"], object: T): void {
    this.push({ type, object });
  }

  end(): void {
    this.push({ end: true });
  }

  fail(message = "socket hang up"): void {
    this.push({ error: new Error(message) });
  }

  stop(): void {
    this.stopped = true;
    this.push({ end: true });
  }

  private push(item: WatchEventOf<T> | { end: true } | { error: Error }): void {
    this.queued.push(item);
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEventOf<T>> {
    for (;;) {
      const item = this.queued.shift();
      if (!item) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      if ("end" in item) return;
      if ("error" in item) throw item.error;
      yield item;
    }
  }
}

/** A ListerWatcher that answers lists with `respondList` and records every call. */
export class ScriptedListerWatcher<T extends KubeObject> implements ListerWatcher<T> {
  readonly lists: ListOptions[] = [];
  readonly watches: ScriptedWatch<T>[] = [];
  /** Answers each list; throw to fail it. */
  respondList: (options: ListOptions) => KubeList<T> = () => list([], "1");
  /** Throw here to fail the opening of a watch (e.g. an ApiError with code 410). */
  beforeWatch: (options: WatchOptions) => void = () => {};
  private waiters: ((w: ScriptedWatch<T>) => void)[] = [];

  async list(options: ListOptions): Promise<KubeList<T>> {
    this.lists.push(options);
    return this.respondList(options);
  }

  async watch(options: WatchOptions): Promise<ClientWatch<T>> {
    this.beforeWatch(options);
    const w = new ScriptedWatch<T>(options);
    this.watches.push(w);
    for (const waiter of this.waiters.splice(0)) waiter(w);
    return w;
  }

  /** Resolves with watch number `n` (0-based) once it has been opened. */
  nthWatch(n: number): Promise<ScriptedWatch<T>> {
    const existing = this.watches[n];
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve) => {
      const check = () => {
        const w = this.watches[n];
        if (w) resolve(w);
        else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }
}

export function list<T extends KubeObject>(items: T[], resourceVersion: string): KubeList<T> {
  return { apiVersion: "v1", kind: "List", metadata: { resourceVersion }, items };
}

/**
 * Wraps a real ListerWatcher so a test can cut its watch (as a network failure would) and hold
 * the reconnect back until `reconnect()` — long enough for the server to forget the history.
 */
export class CuttableListerWatcher<T extends KubeObject> implements ListerWatcher<T> {
  private current: ClientWatch<T> | undefined;
  private held: Promise<void> | undefined;
  private release: (() => void) | undefined;

  constructor(private readonly inner: ListerWatcher<T>) {}

  list(options: ListOptions): Promise<KubeList<T>> {
    return this.inner.list(options);
  }

  async watch(options: WatchOptions): Promise<ClientWatch<T>> {
    if (this.held) await this.held;
    this.current = await this.inner.watch(options);
    return this.current;
  }

  /** Breaks the open watch; the next one waits for `reconnect()`. */
  cut(): void {
    this.held = new Promise((resolve) => {
      this.release = resolve;
    });
    const w = this.current;
    this.current = undefined;
    // The watch ends as if the server had closed it; the reflector reopens it from the last
    // resourceVersion it saw, and that call waits here.
    w?.stop();
  }

  reconnect(): void {
    this.held = undefined;
    this.release?.();
  }
}
