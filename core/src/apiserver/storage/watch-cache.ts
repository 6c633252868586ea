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
 * - Pods are indexed by spec.nodeName (Kubernetes' cacher has the same index and "trigger"): a
 *   list or watch asking for one node's pods reads only that node's pods, and a change is handed
 *   only to the watchers of the node(s) it concerns (its old and its new node) — with 5,000
 *   kubelets each watching its own pods, every change would otherwise be filtered 5,000 times.
 *   Nodes are indexed by metadata.name the same way (indexedFieldOf).
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

/** The indexed field of a list or watch that asks for one value of it ("spec.nodeName=n1"). */
export interface IndexValue {
  field: string;
  value: string;
}

/**
 * The fields a resource's cache indexes, as Kubernetes' registries give their cachers a trigger
 * function: pods by spec.nodeName (pod storage.go), nodes by metadata.name (node strategy.go,
 * NodeNameTriggerFunc) — each kubelet watches its own Node, and with 5,000 of them every Node
 * write would otherwise be filtered 5,000 times.
 */
export function indexedFieldOf(type: ResourceType): IndexedField | undefined {
  if (type.group === "" && type.resource === "pods") {
    return {
      field: "spec.nodeName",
      of: (o) => ((o as { spec?: { nodeName?: string } }).spec?.nodeName ?? "") || undefined,
    };
  }
  if (type.group === "" && type.resource === "nodes") {
    return { field: "metadata.name", of: (o) => o.metadata.name };
  }
  return undefined;
}

export interface IndexedField {
  field: string;
  /** The object's value; undefined when it has none (a pod not yet scheduled). */
  of: (object: KubeObject) => string | undefined;
}

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
  /** Watchers of every change, and watchers of one index value (a node's pods), by value. */
  private readonly watchers = new Set<CacheWatcher>();
  private readonly indexedWatchers = new Map<string, Set<CacheWatcher>>();
  /** Index value → keys of the objects that have it. */
  private readonly index = new Map<string, Set<string>>();
  private readonly indexed: IndexedField | undefined;
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
    this.indexed = indexedFieldOf(type);
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
    for (const w of this.allWatchers()) w.channel.end();
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

  /**
   * Objects in key order, optionally one namespace's, as of `revision`. With `indexValue` on the
   * indexed field, only the objects that have that value are looked at (the filter still decides).
   */
  list(
    namespace: string | undefined,
    filter: ObjectFilter = () => true,
    indexValue?: IndexValue,
  ): KubeObject[] {
    const prefix = storagePrefixOf(this.type, namespace);
    const out: KubeObject[] = [];
    if (indexValue && this.indexed?.field === indexValue.field) {
      const keys = [...(this.index.get(indexValue.value) ?? [])].filter((k) =>
        k.startsWith(prefix),
      );
      for (const key of keys.sort()) {
        const object = this.objects.get(key) as KubeObject;
        if (filter(object)) out.push(object);
      }
      return out;
    }
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
    /** Only changes to objects with this value of the indexed field (before or after) matter. */
    indexValue?: IndexValue;
  }): Promise<CacheWatcher> {
    await this.readyPromise;
    if (options.after !== undefined) {
      if (options.after < this.oldest) {
        throw expired(`too old resource version: ${options.after} (${this.oldest})`);
      }
      await this.waitUntilFresh(options.after);
    }
    const prefix = storagePrefixOf(this.type, options.namespace);
    const trigger =
      options.indexValue && this.indexed?.field === options.indexValue.field
        ? options.indexValue.value
        : undefined;
    const watcher = new CacheWatcher(
      prefix,
      options.filter,
      options.bookmarks,
      this.options.watcherBuffer,
      () => this.removeWatcher(watcher, trigger),
    );
    if (options.after === undefined) {
      watcher.channel.push(
        this.list(options.namespace, options.filter, options.indexValue).map((object) => ({
          type: "ADDED",
          object,
        })),
      );
      watcher.sentRevision = this.revision;
    } else {
      for (const event of this.window) if (event.revision > options.after) watcher.deliver(event);
      watcher.sentRevision = this.revision;
    }
    if (trigger === undefined) this.watchers.add(watcher);
    else {
      let set = this.indexedWatchers.get(trigger);
      if (!set) {
        set = new Set();
        this.indexedWatchers.set(trigger, set);
      }
      set.add(watcher);
    }
    return watcher;
  }

  private removeWatcher(watcher: CacheWatcher, trigger: string | undefined): void {
    if (trigger === undefined) {
      this.watchers.delete(watcher);
      return;
    }
    const set = this.indexedWatchers.get(trigger);
    set?.delete(watcher);
    if (set?.size === 0) this.indexedWatchers.delete(trigger);
  }

  private *allWatchers(): Generator<CacheWatcher> {
    yield* [...this.watchers];
    for (const set of [...this.indexedWatchers.values()]) yield* [...set];
  }
  // #endregion watch

  /** Sends a BOOKMARK with the cache's revision to every watcher that asked for bookmarks. */
  bookmark(): void {
    for (const w of this.allWatchers()) w.bookmark(this.revision, this.type);
  }

  private scheduleBookmarks(): void {
    this.bookmarkTimer = this.clock.setTimeout(() => {
      if (!this.running) return;
      this.bookmark();
      this.scheduleBookmarks();
    }, this.options.bookmarkIntervalMs ?? 60_000);
  }

  get watcherCount(): number {
    let count = this.watchers.size;
    for (const set of this.indexedWatchers.values()) count += set.size;
    return count;
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
        for (const w of this.allWatchers()) w.channel.end();
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
    this.index.clear();
    for (const kv of kvs) {
      const object = decode(kv);
      this.objects.set(kv.key, object);
      this.keys.add(kv.key);
      this.addToIndex(kv.key, object);
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
      this.removeFromIndex(key, last);
      event = { type: "DELETED", key, object, prevObject: last, revision };
    } else {
      const object = decode(change.kv);
      const prevObject = this.objects.get(key);
      this.objects.set(key, object);
      this.keys.add(key);
      if (prevObject) this.removeFromIndex(key, prevObject);
      this.addToIndex(key, object);
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
    if (this.indexed && this.indexedWatchers.size > 0) {
      // The watchers of the old and the new value: a pod moving to (or off) a node is news to both.
      const now = this.indexed.of(event.object);
      const before = event.prevObject ? this.indexed.of(event.prevObject) : undefined;
      for (const value of now === before ? [now] : [now, before]) {
        if (value === undefined) continue;
        for (const w of this.indexedWatchers.get(value) ?? []) w.deliver(event);
      }
    }
    this.setRevision(revision);
  }

  private addToIndex(key: string, object: KubeObject): void {
    const value = this.indexed?.of(object);
    if (value === undefined) return;
    let keys = this.index.get(value);
    if (!keys) {
      keys = new Set();
      this.index.set(value, keys);
    }
    keys.add(key);
  }

  private removeFromIndex(key: string, object: KubeObject): void {
    const value = this.indexed?.of(object);
    if (value === undefined) return;
    const keys = this.index.get(value);
    keys?.delete(key);
    if (keys?.size === 0) this.index.delete(value);
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
