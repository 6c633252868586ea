/**
 * The reflector: keeps a local store equal to one resource in the API server, by listing once and
 * then watching from the list's resourceVersion — client-go's tools/cache/reflector.go, the half of
 * an informer that talks to the server.
 *
 * Guarantees:
 * - The store first gets the whole list at once (`replace`), then every change after it, in order,
 *   with no gap: each watch starts from the last resourceVersion the store has seen.
 * - A watch that ends (the server's timeout) is reopened from where it stopped; nothing is listed
 *   again. Bookmarks only move that resourceVersion on.
 * - When the server no longer has the history to resume from (410 Gone: "too old resource
 *   version"), or the stream breaks, the reflector lists again and replaces the store. This is
 *   why controllers are level-triggered: a component may miss individual events, never the state.
 * - Runs of list-and-watch are separated by a backoff (800 ms doubling to 30 s, reset after 2
 *   quiet minutes, with up to 100% jitter: client-go's defaults), so a restarting API server is
 *   not stampeded by every client at once.
 * - `stop()` ends the loop and closes the open watch; nothing is retried after it.
 */
import type { KubeList, KubeObject } from "../api/object.ts";
import { type Clock, realClock, type Timer } from "../util/clock.ts";
import { messageOf } from "../util/errors.ts";
import { ApiError, type ClientWatch, isGone, type ListOptions, type WatchOptions } from "./rest.ts";

/** What the reflector needs from the server; ResourceClient has it, and so can a test fake. */
export interface ListerWatcher<T extends KubeObject> {
  list(options: ListOptions): Promise<KubeList<T>>;
  watch(options: WatchOptions): Promise<ClientWatch<T>>;
}

/** What the reflector writes to (client-go's ReflectorStore); the informer's store implements it. */
export interface ReflectorStore<T extends KubeObject> {
  replace(items: T[], resourceVersion: string): void;
  add(object: T): void;
  update(object: T): void;
  delete(object: T): void;
}

/** What happened, for logs and for the chapter's narration. */
export type ReflectorEvent =
  | {
      type: "listed";
      count: number;
      resourceVersion: string;
      /** The resourceVersion asked for: "0", the last one seen, or "" (a consistent read). */
      requested: string;
      consistent: boolean;
    }
  | { type: "watching"; resourceVersion: string }
  | { type: "event"; eventType: "ADDED" | "MODIFIED" | "DELETED"; object: KubeObject }
  | { type: "bookmark"; resourceVersion: string }
  | { type: "watch-ended"; resourceVersion: string }
  | { type: "gone"; resourceVersion: string; message: string }
  | { type: "backoff"; ms: number; error: string };

export interface ReflectorOptions<T extends KubeObject> {
  /** For logs: "pods", "apps/deployments". */
  name: string;
  listerWatcher: ListerWatcher<T>;
  store: ReflectorStore<T>;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size of the list; client-go lists 500 at a time. */
  pageSize?: number;
  clock?: Clock;
  /** First and largest backoff after a failure (client-go: 800 ms and 30 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Random extra backoff as a fraction of it (client-go: 1.0, up to double); tests use 0. */
  backoffJitter?: number;
  /** How long the server should keep one watch open (client-go: 5 to 10 minutes, at random). */
  watchTimeoutSeconds?: () => number;
  onEvent?: (event: ReflectorEvent) => void;
}

const DEFAULT_PAGE_SIZE = 500;
const INITIAL_BACKOFF_MS = 800;
const MAX_BACKOFF_MS = 30_000;
/** A backoff this long after the previous one starts again from the initial delay. */
const BACKOFF_RESET_MS = 120_000;
/** client-go's minWatchTimeout is 5 minutes; each watch asks for 1x to 2x of it, so that many
 * clients' watches do not all end and reconnect in the same second. */
const MIN_WATCH_TIMEOUT_S = 300;

export class Reflector<T extends KubeObject> {
  /** The resourceVersion the store is at: the list's, then each event's. "" before the list. */
  lastSyncResourceVersion = "";
  private stopped = false;
  /** Backoffs in a row, and when the last one ended (a long quiet resets the count). */
  private backoffs = 0;
  private lastBackoffAt = Number.NEGATIVE_INFINITY;
  /** The server said our resourceVersion is too old even to list from: list consistently. */
  private lastSyncUnavailable = false;
  private synced = false;
  private watch: ClientWatch<T> | undefined;
  private sleeping: { timer: Timer; wake: () => void } | undefined;
  private readonly clock: Clock;
  private running: Promise<void> | undefined;

  constructor(private readonly options: ReflectorOptions<T>) {
    this.clock = options.clock ?? realClock;
  }

  /** Whether the first list has reached the store. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Starts the loop in the background; resolves when it has ended after `stop()`. */
  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.watch?.stop();
    if (this.sleeping) {
      this.sleeping.timer.cancel();
      this.sleeping.wake();
    }
    return this.running ?? Promise.resolve();
  }

  // #region listAndWatch
  /**
   * client-go's ListAndWatch, run again and again, with a backoff between runs, until stopped:
   * 1. List. The first time at resourceVersion "0" (any recent state, from the API server's
   *    cache); later at the last resourceVersion seen ("not older than": also from the cache,
   *    unpaginated); and if the server answers that even that is too old (410), at "" — the
   *    newest state, read consistently from the store, page by page.
   * 2. Replace the store with the list; remember its resourceVersion.
   * 3. Watch from there, asking for bookmarks; apply each event to the store. A watch that ends
   *    (the server's timeout) is reopened from the last resourceVersion, without listing.
   * 4. A 410 in the stream, or a broken stream, ends the run: back off, then go to 1. A watch
   *    that cannot even be opened because the connection is refused or the server answers 429
   *    is opened again after a backoff, without listing.
   */
  private async loop(): Promise<void> {
    while (!this.stopped) {
      let why: string;
      try {
        why = await this.listAndWatch();
      } catch (error) {
        why = messageOf(error);
        if (isGone(error))
          this.emit({ type: "gone", resourceVersion: this.lastSyncResourceVersion, message: why });
      }
      if (this.stopped) return;
      await this.backoff(why);
    }
  }

  /** One run; resolves with why it ended, throws if the list or an unretriable watch failed. */
  private async listAndWatch(): Promise<string> {
    await this.list();
    for (;;) {
      if (this.stopped) return "stopped";
      let watch: ClientWatch<T>;
      try {
        watch = await this.open();
      } catch (error) {
        if (!isRetriableWatchError(error)) throw error;
        await this.backoff(messageOf(error));
        continue;
      }
      const ended = await this.consume(watch);
      if (ended !== "ended") return ended;
    }
  }
  // #endregion listAndWatch

  /** The resourceVersion to list at (client-go's relistResourceVersion). */
  private relistResourceVersion(): string {
    if (this.lastSyncUnavailable) return "";
    return this.lastSyncResourceVersion === "" ? "0" : this.lastSyncResourceVersion;
  }

  /** Lists; if the server says the resourceVersion is too old (410), lists again at once at "". */
  private async list(): Promise<void> {
    try {
      await this.listAt(this.relistResourceVersion());
    } catch (error) {
      if (!isGone(error)) throw error;
      this.emit({
        type: "gone",
        resourceVersion: this.lastSyncResourceVersion,
        message: messageOf(error),
      });
      this.lastSyncUnavailable = true;
      await this.listAt(this.relistResourceVersion());
    }
  }

  private async listAt(requested: string): Promise<void> {
    // At a resourceVersion other than "0" client-go lists without a limit, so the API server may
    // answer from its cache (a limit would make it an exact read from the store's history).
    const limit =
      requested === "" || requested === "0"
        ? (this.options.pageSize ?? DEFAULT_PAGE_SIZE)
        : undefined;
    const items: T[] = [];
    let resourceVersion = "";
    let continueToken: string | undefined;
    do {
      const page = await this.options.listerWatcher.list({
        labelSelector: this.options.labelSelector,
        fieldSelector: this.options.fieldSelector,
        // A continued page must not repeat the resourceVersion: the token pins it.
        ...(continueToken ? { continue: continueToken } : { resourceVersion: requested }),
        ...(limit ? { limit } : {}),
      });
      for (const item of page.items) items.push(item);
      resourceVersion = page.metadata?.resourceVersion ?? "";
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken && !this.stopped);
    if (this.stopped) return;
    this.lastSyncUnavailable = false;
    this.options.store.replace(items, resourceVersion);
    this.lastSyncResourceVersion = resourceVersion;
    this.synced = true;
    this.emit({
      type: "listed",
      count: items.length,
      resourceVersion,
      requested,
      consistent: requested === "",
    });
  }

  private async open(): Promise<ClientWatch<T>> {
    const from = this.lastSyncResourceVersion;
    const watch = await this.options.listerWatcher.watch({
      labelSelector: this.options.labelSelector,
      fieldSelector: this.options.fieldSelector,
      resourceVersion: from,
      allowWatchBookmarks: true,
      timeoutSeconds:
        this.options.watchTimeoutSeconds?.() ??
        Math.floor(MIN_WATCH_TIMEOUT_S * (1 + Math.random())),
    });
    this.watch = watch;
    if (this.stopped) watch.stop();
    this.emit({ type: "watching", resourceVersion: from });
    return watch;
  }

  /** Applies one watch's events to its end: "ended" normally, else why the run must end. */
  private async consume(watch: ClientWatch<T>): Promise<string> {
    const from = this.lastSyncResourceVersion;
    try {
      for await (const event of watch) {
        if (this.stopped) break;
        const object = event.object;
        switch (event.type) {
          case "ADDED":
            this.options.store.add(object);
            break;
          case "MODIFIED":
            this.options.store.update(object);
            break;
          case "DELETED":
            this.options.store.delete(object);
            break;
          case "BOOKMARK":
            this.emit({ type: "bookmark", resourceVersion: object.metadata.resourceVersion ?? "" });
            break;
          case "ERROR": {
            const status = object as unknown as { code?: number; message?: string };
            const message = status.message ?? JSON.stringify(object);
            if (status.code === 410) this.emit({ type: "gone", resourceVersion: from, message });
            return `watch of ${this.options.name} ended with: ${message}`;
          }
        }
        if (event.type !== "BOOKMARK") this.emit({ type: "event", eventType: event.type, object });
        const rv = object.metadata?.resourceVersion;
        if (rv) this.lastSyncResourceVersion = rv;
      }
    } catch (error) {
      return `watch of ${this.options.name} broke: ${messageOf(error)}`;
    } finally {
      watch.stop();
      this.watch = undefined;
    }
    if (this.stopped) return "stopped";
    this.emit({ type: "watch-ended", resourceVersion: this.lastSyncResourceVersion });
    return "ended";
  }

  /** client-go's exponential backoff manager: 800 ms, doubling to 30 s, reset after 2 quiet minutes. */
  private async backoff(why: string): Promise<void> {
    const now = this.clock.now();
    if (now - this.lastBackoffAt > BACKOFF_RESET_MS) this.backoffs = 0;
    const base = Math.min(
      (this.options.initialBackoffMs ?? INITIAL_BACKOFF_MS) * 2 ** this.backoffs,
      this.options.maxBackoffMs ?? MAX_BACKOFF_MS,
    );
    const ms = Math.round(base * (1 + Math.random() * (this.options.backoffJitter ?? 1)));
    this.backoffs += 1;
    this.emit({ type: "backoff", ms, error: why });
    await this.sleep(ms);
    this.lastBackoffAt = this.clock.now();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.sleeping = undefined;
        resolve();
      };
      this.sleeping = { timer: this.clock.setTimeout(wake, ms), wake };
    });
  }

  private emit(event: ReflectorEvent): void {
    this.options.onEvent?.(event);
  }
}

/** Open the watch again without listing: the server is restarting or asks us to slow down. */
function isRetriableWatchError(error: unknown): boolean {
  if (error instanceof ApiError) return error.code === 429;
  return /ECONNREFUSED/.test(messageOf(error));
}
