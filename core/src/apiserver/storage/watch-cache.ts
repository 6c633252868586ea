/**
 * The watch cache: one store watch per resource feeds an in-memory copy of every object of that
 * resource, plus a window of recent changes. It serves lists and watches, so a thousand informers
 * cost the store one watch — Kubernetes' Cacher (k8s.io/apiserver/pkg/storage/cacher).
 *
 * Guarantees:
 * - `revision` is the store revision the copy is current to: every change up to it is applied.
 * - A watch from resourceVersion R receives every change after R exactly once, in order, if R is
 *   inside the window (R ≥ `oldest`); older, it fails with 410 "too old resource version".
 * - A watch or list that needs a revision the cache has not reached yet waits for it (asking the
 *   store for a progress marker where the store can give one), up to a deadline.
 * - If the store watch breaks, the cache re-lists and starts again; its watchers are ended and
 *   re-watch from the last resourceVersion they saw, as Kubernetes' reflectors do.
 */
import type { KubeObject, Status } from "../../api/object.ts";
import { type ResourceType, storagePrefixOf } from "../../api/scheme.ts";
import {
  type KeyValue,
  type ProgressWatch,
  prefixEnd,
  type Store,
  type Watch,
  type WatchEvent,
  type WatchProgress,
} from "../../store/index.ts";
import { SortedKeys } from "../../store/sorted-keys.ts";
import { Channel } from "../../util/channel.ts";
import { type Clock, realClock, type Timer } from "../../util/clock.ts";
import { ApiError, expired } from "../errors.ts";
import { decode } from "./codec.ts";

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

/** One change, as the cache keeps it. */
export interface CacheEvent {
  type: EventType;
  key: string;
  /** The new state; for DELETED the last state, with the deletion's resourceVersion. */
  object: KubeObject;
  /** The state before the change (for MODIFIED and DELETED). */
  prevObject?: KubeObject;
  revision: number;
}

/** What a cache watcher delivers: changes, and bookmarks that only move the resourceVersion on. */
export type WatcherEvent =
  | { type: EventType; object: KubeObject }
  | { type: "BOOKMARK"; object: KubeObject }
  | { type: "ERROR"; object: Status };

/** Decides which objects a watcher sees: namespace, label and field selectors. */
export type ObjectFilter = (object: KubeObject) => boolean;

export interface WatchCacheOptions {
  /** Changes remembered for watches that resume from a resourceVersion. */
  windowSize?: number;
  /** Unread events a watcher may hold before it is ended. */
  watcherBuffer?: number;
  /** Keys per page when the cache lists the store (default LIST_PAGE_SIZE). */
  listPageSize?: number;
  /** How long a request waits for the cache to reach a revision before 504 Timeout. */
  freshnessTimeoutMs?: number;
  /** How often watchers that allow bookmarks get one (Kubernetes: about every minute). */
  bookmarkIntervalMs?: number;
  clock?: Clock;
  /** Called when the store watch breaks and the cache starts over (for logs). */
  onRestart?: (why: string) => void;
}

/** Kubernetes keeps at least 100 changes and more under load; a fixed 10,000 is simpler. */
const DEFAULT_WINDOW = 10_000;
const DEFAULT_WATCHER_BUFFER = 10_000;
/** Kubernetes' cacher waits 3 s for freshness before it answers "Too large resource version". */
const DEFAULT_FRESHNESS_MS = 3000;
/**
 * The cache reads the store in pages of this many keys, as Kubernetes' cacher does
 * (storageWatchListPageSize): no single answer holds 50,000 pods.
 */
const LIST_PAGE_SIZE = 10_000;

export class WatchCache {
  private readonly objects = new Map<string, KubeObject>();
  private keys = new SortedKeys();
  /** Recent changes, oldest first; they cover every revision after `oldest`. */
  private window: CacheEvent[] = [];
  private readonly watchers = new Set<CacheWatcher>();
  private waiters: { revision: number; resolve: () => void; timer: Timer }[] = [];
  private storeWatch: Watch | ProgressWatch | undefined;
  private running = false;
  private readyPromise: Promise<void>;
  private markReady: () => void = () => {};
  private progressRequested = false;
  private bookmarkTimer: Timer | undefined;

  /** The store revision the cache is current to. */
  revision = 0;
  /** The window holds every change after this revision. */
  oldest = 0;

  constructor(
    private readonly store: Store,
    readonly type: ResourceType,
    private readonly options: WatchCacheOptions = {},
  ) {
    this.readyPromise = new Promise((resolve) => {
      this.markReady = resolve;
    });
  }

  private get clock(): Clock {
    return this.options.clock ?? realClock;
  }

  /** Starts listing and watching; resolves once the first list is in. */
  start(): Promise<void> {
    if (!this.running) {
      this.running = true;
      void this.run();
      this.scheduleBookmarks();
    }
    return this.readyPromise;
  }

  stop(): void {
    this.running = false;
    this.bookmarkTimer?.cancel();
    this.storeWatch?.cancel();
    for (const w of [...this.watchers]) w.channel.end();
    for (const waiter of this.waiters) {
      waiter.timer.cancel();
      waiter.resolve();
    }
    this.waiters = [];
  }

  /** The cached object under a storage key, if the cache has it (shared: do not change it). */
  object(key: string): KubeObject | undefined {
    return this.objects.get(key);
  }

  /** Objects in key order, optionally one namespace's, as of `revision`. */
  list(namespace: string | undefined, filter: ObjectFilter = () => true): KubeObject[] {
    const prefix = storagePrefixOf(this.type, namespace);
    const out: KubeObject[] = [];
    for (const key of this.keys.scan(prefix)) {
      if (!key.startsWith(prefix)) break;
      const object = this.objects.get(key) as KubeObject;
      if (filter(object)) out.push(object);
    }
    return out;
  }

  // #region waitUntilFresh
  /**
   * Resolves once the cache has applied every change up to `revision`. The store may have moved
   * on without touching this resource: a progress marker tells the cache it is current anyway.
   * Past the deadline it fails with 504, as Kubernetes' "Too large resource version" does.
   */
  async waitUntilFresh(revision: number): Promise<void> {
    await this.readyPromise;
    if (this.revision >= revision) return;
    this.askForProgress();
    const timeout = this.options.freshnessTimeoutMs ?? DEFAULT_FRESHNESS_MS;
    const reached = await new Promise<boolean>((resolve) => {
      const timer = this.clock.setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        resolve(false);
      }, timeout);
      this.waiters.push({ revision, resolve: () => resolve(true), timer });
    });
    if (!reached) throw tooLargeResourceVersion(revision, this.revision);
  }
  // #endregion waitUntilFresh

  // #region watch
  /**
   * A watch for changes after `after` (a resourceVersion), or — with `after` undefined — the
   * current objects as ADDED events first, then every change. Objects that stop matching the
   * filter are sent as DELETED, objects that start matching as ADDED, as in Kubernetes.
   */
  async watch(options: {
    after: number | undefined;
    namespace: string | undefined;
    filter: ObjectFilter;
    bookmarks: boolean;
  }): Promise<CacheWatcher> {
    await this.readyPromise;
    if (options.after !== undefined) {
      if (options.after < this.oldest) {
        throw expired(`too old resource version: ${options.after} (${this.oldest})`);
      }
      await this.waitUntilFresh(options.after);
    }
    const prefix = storagePrefixOf(this.type, options.namespace);
    const watcher = new CacheWatcher(
      prefix,
      options.filter,
      options.bookmarks,
      this.options.watcherBuffer,
      () => this.watchers.delete(watcher),
    );
    if (options.after === undefined) {
      watcher.channel.push(
        this.list(options.namespace, options.filter).map((object) => ({ type: "ADDED", object })),
      );
      watcher.sentRevision = this.revision;
    } else {
      for (const event of this.window) if (event.revision > options.after) watcher.deliver(event);
      watcher.sentRevision = this.revision;
    }
    this.watchers.add(watcher);
    return watcher;
  }
  // #endregion watch

  /** Sends a BOOKMARK with the cache's revision to every watcher that asked for bookmarks. */
  bookmark(): void {
    for (const w of this.watchers) w.bookmark(this.revision, this.type);
  }

  private scheduleBookmarks(): void {
    this.bookmarkTimer = this.clock.setTimeout(() => {
      if (!this.running) return;
      this.bookmark();
      this.scheduleBookmarks();
    }, this.options.bookmarkIntervalMs ?? 60_000);
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  // #region run
  /**
   * 1. list the resource from the store, in pages, remembering the list's revision;
   * 2. watch the store from the next revision, applying each change to the copy and the window
   *    and handing it to every watcher;
   * 3. if the store watch ends, end the watchers and start again from 1.
   */
  private async run(): Promise<void> {
    let attempt = 0;
    while (this.running) {
      try {
        await this.listAndWatch();
        attempt = 0;
      } catch (error) {
        if (!this.running) return;
        this.options.onRestart?.(`${this.type.resource}: ${(error as Error).message}`);
        for (const w of [...this.watchers]) w.channel.end();
        attempt++;
        await new Promise<void>((resolve) =>
          this.clock.setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)),
        );
      }
    }
  }

  private async listAndWatch(): Promise<void> {
    const prefix = storagePrefixOf(this.type);
    const { kvs, revision } = await this.listPaged(prefix);
    this.objects.clear();
    this.keys = new SortedKeys();
    for (const kv of kvs) {
      this.objects.set(kv.key, decode(kv));
      this.keys.add(kv.key);
    }
    this.window = [];
    this.oldest = revision;
    this.setRevision(revision);
    const watch = this.store.supportsProgress
      ? await this.store.watch({
          key: prefix,
          prefix: true,
          startRevision: revision + 1,
          prevKv: true,
          progress: true,
        })
      : await this.store.watch({
          key: prefix,
          prefix: true,
          startRevision: revision + 1,
          prevKv: true,
        });
    this.storeWatch = watch;
    this.markReady();
    for await (const item of watch as AsyncIterable<WatchEvent | WatchProgress>) {
      if (item.type === "progress") {
        this.progressRequested = false;
        if (item.revision > this.revision) this.setRevision(item.revision);
        continue;
      }
      this.apply(item);
    }
    if (this.running) throw new Error("store watch ended");
  }

  /**
   * Every key under `prefix` as of one revision, a page at a time: the first page fixes
   * the revision, each next page reads at it from just after the last key so far.
   */
  private async listPaged(prefix: string): Promise<{ kvs: KeyValue[]; revision: number }> {
    const end = prefixEnd(prefix);
    const limit = this.options.listPageSize ?? LIST_PAGE_SIZE;
    const kvs: KeyValue[] = [];
    let revision = 0;
    let start = prefix;
    for (;;) {
      const page = await this.store.range({ key: start, end, revision, limit });
      if (revision === 0) revision = page.revision;
      for (const kv of page.kvs) kvs.push(kv);
      const last = page.kvs.at(-1);
      if (!page.more || !last) return { kvs, revision };
      start = `${last.key}\0`;
    }
  }
  // #endregion run

  private apply(change: WatchEvent): void {
    const key = change.kv.key;
    const revision = change.kv.modRevision;
    let event: CacheEvent;
    if (change.type === "delete") {
      const last = this.objects.get(key) ?? (change.prevKv ? decode(change.prevKv) : undefined);
      if (!last) return;
      const object = { ...last, metadata: { ...last.metadata, resourceVersion: String(revision) } };
      this.objects.delete(key);
      this.keys.delete(key);
      event = { type: "DELETED", key, object, prevObject: last, revision };
    } else {
      const object = decode(change.kv);
      const prevObject = this.objects.get(key);
      this.objects.set(key, object);
      this.keys.add(key);
      event = prevObject
        ? { type: "MODIFIED", key, object, prevObject, revision }
        : { type: "ADDED", key, object, revision };
    }
    this.window.push(event);
    if (this.window.length > (this.options.windowSize ?? DEFAULT_WINDOW)) {
      const dropped = this.window.shift() as CacheEvent;
      this.oldest = dropped.revision;
    }
    for (const w of this.watchers) w.deliver(event);
    this.setRevision(revision);
  }

  private setRevision(revision: number): void {
    this.revision = revision;
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.revision <= revision);
    this.waiters = this.waiters.filter((w) => w.revision > revision);
    for (const w of ready) {
      w.timer.cancel();
      w.resolve();
    }
  }

  /** One progress request at a time: its answer covers every waiter that asked meanwhile. */
  private askForProgress(): void {
    const watch = this.storeWatch;
    if (!watch || !("requestProgress" in watch) || this.progressRequested) return;
    this.progressRequested = true;
    watch.requestProgress();
  }
}

/** One client's watch on the cache. */
export class CacheWatcher {
  readonly channel: Channel<WatcherEvent>;
  /** The revision of the last change this watcher has been given (or skipped as not its own). */
  sentRevision = 0;

  constructor(
    private readonly prefix: string,
    private readonly filter: ObjectFilter,
    private readonly bookmarks: boolean,
    capacity: number | undefined,
    onClose: () => void,
  ) {
    this.channel = new Channel<WatcherEvent>({
      capacity: capacity ?? DEFAULT_WATCHER_BUFFER,
      overflow: () =>
        new Error(
          "watcher is not keeping up; closing it (watch again from the last resourceVersion)",
        ),
      onClose,
    });
  }

  /** Translates a change for this watcher's filter: ADDED/MODIFIED/DELETED as it sees them. */
  deliver(event: CacheEvent): void {
    this.sentRevision = event.revision;
    if (!event.key.startsWith(this.prefix)) return;
    const now = event.type !== "DELETED" && this.filter(event.object);
    const before = event.prevObject !== undefined && this.filter(event.prevObject);
    if (now && before) this.channel.push([{ type: "MODIFIED", object: event.object }]);
    else if (now) this.channel.push([{ type: "ADDED", object: event.object }]);
    else if (before) {
      // Gone, or no longer matching: either way the watcher sees it leave, at this revision.
      const left =
        event.type === "DELETED"
          ? event.object
          : {
              ...(event.prevObject as KubeObject),
              metadata: { ...event.prevObject?.metadata, resourceVersion: String(event.revision) },
            };
      this.channel.push([{ type: "DELETED", object: left }]);
    }
  }

  bookmark(revision: number, type: ResourceType): void {
    if (!this.bookmarks || revision <= 0) return;
    this.channel.push([
      {
        type: "BOOKMARK",
        object: {
          apiVersion: type.group ? `${type.group}/${type.version}` : type.version,
          kind: type.kind,
          metadata: { resourceVersion: String(revision) },
        },
      },
    ]);
  }
}

function tooLargeResourceVersion(wanted: number, current: number): ApiError {
  return new ApiError({
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: `Too large resource version: ${wanted}, current: ${current}`,
    reason: "Timeout",
    details: {
      causes: [{ reason: "ResourceVersionTooLarge", message: `Too large resource version` }],
      retryAfterSeconds: 1,
    },
    code: 504,
  });
}
