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
 *   version"), the reflector lists again, consistently, and replaces the store. This is why
 *   controllers are level-triggered: a component may miss individual events, never the state.
 * - A broken connection or a failed list is retried after a backoff (800 ms doubling to 30 s,
 *   client-go's defaults), so a restarting API server is not stampeded.
 * - `stop()` ends the loop and closes the open watch; nothing is retried after it.
 */
import type { KubeList, KubeObject } from "../api/object.ts";
import { type Clock, realClock, type Timer } from "../util/clock.ts";
import { type ClientWatch, isGone, type ListOptions, type WatchOptions } from "./rest.ts";

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
  | { type: "listed"; count: number; resourceVersion: string; consistent: boolean }
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
  /** How long the server should keep one watch open (client-go: 5 to 10 minutes, at random). */
  watchTimeoutSeconds?: () => number;
  onEvent?: (event: ReflectorEvent) => void;
}

const DEFAULT_PAGE_SIZE = 500;
const INITIAL_BACKOFF_MS = 800;
const MAX_BACKOFF_MS = 30_000;
/** client-go's minWatchTimeout is 5 minutes; each watch asks for 1x to 2x of it, so that many
 * clients' watches do not all end and reconnect in the same second. */
const MIN_WATCH_TIMEOUT_S = 300;

export class Reflector<T extends KubeObject> {
  /** The resourceVersion the store is at: the list's, then each event's. "" before the list. */
  lastSyncResourceVersion = "";
  private stopped = false;
  /** Failures in a row; an opened watch resets it. */
  private failures = 0;
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
   * 1. List: the first time with resourceVersion "0" (any recent state, served from the API
   *    server's cache), after a 410 with "" (the newest state, read from the store).
   * 2. Replace the store with the list; remember its resourceVersion.
   * 3. Watch from that resourceVersion, asking for bookmarks; apply each event to the store.
   * 4. The watch ended normally: go to 3 from the last resourceVersion seen.
   * 5. 410 Gone: the history is compacted; go to 1, consistently.
   * 6. Any other failure: back off, then go to 3 (or to 1 if the list never succeeded).
   */
  private async loop(): Promise<void> {
    let needList = true;
    let consistent = false;
    while (!this.stopped) {
      try {
        if (needList) {
          await this.list(consistent);
          needList = false;
        }
        const outcome = await this.watchOnce();
        if (outcome === "gone") {
          needList = true;
          consistent = true;
        }
      } catch (error) {
        if (this.stopped) return;
        if (isGone(error)) {
          this.emit({
            type: "gone",
            resourceVersion: this.lastSyncResourceVersion,
            message: messageOf(error),
          });
          needList = true;
          consistent = true;
          continue;
        }
        const ms = Math.min(
          (this.options.initialBackoffMs ?? INITIAL_BACKOFF_MS) * 2 ** this.failures,
          this.options.maxBackoffMs ?? MAX_BACKOFF_MS,
        );
        this.failures += 1;
        this.emit({ type: "backoff", ms, error: messageOf(error) });
        await this.sleep(ms);
      }
    }
  }
  // #endregion listAndWatch

  private async list(consistent: boolean): Promise<void> {
    const items: T[] = [];
    let resourceVersion = "";
    let continueToken: string | undefined;
    do {
      const page = await this.options.listerWatcher.list({
        labelSelector: this.options.labelSelector,
        fieldSelector: this.options.fieldSelector,
        // A continued page must not repeat the resourceVersion: the token pins it.
        ...(continueToken
          ? { continue: continueToken }
          : { resourceVersion: consistent ? "" : "0" }),
        limit: this.options.pageSize ?? DEFAULT_PAGE_SIZE,
      });
      for (const item of page.items) items.push(item);
      resourceVersion = page.metadata?.resourceVersion ?? "";
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken && !this.stopped);
    if (this.stopped) return;
    this.options.store.replace(items, resourceVersion);
    this.lastSyncResourceVersion = resourceVersion;
    this.synced = true;
    this.emit({ type: "listed", count: items.length, resourceVersion, consistent });
  }

  /** One watch, to its end. "gone" when the server said 410 in the stream. */
  private async watchOnce(): Promise<"ended" | "gone"> {
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
    this.failures = 0;
    if (this.stopped) watch.stop();
    this.emit({ type: "watching", resourceVersion: from });
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
            if (status.code === 410) {
              this.emit({ type: "gone", resourceVersion: from, message: status.message ?? "" });
              return "gone";
            }
            throw new Error(
              `watch of ${this.options.name} failed: ${status.message ?? JSON.stringify(object)}`,
            );
          }
        }
        if (event.type !== "BOOKMARK") this.emit({ type: "event", eventType: event.type, object });
        const rv = object.metadata?.resourceVersion;
        if (rv) this.lastSyncResourceVersion = rv;
      }
    } finally {
      watch.stop();
      this.watch = undefined;
    }
    if (!this.stopped)
      this.emit({ type: "watch-ended", resourceVersion: this.lastSyncResourceVersion });
    return "ended";
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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
