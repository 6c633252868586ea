/**
 * The shared informer: a reflector filling an indexed cache, and event handlers told of every
 * change with the object before and after — client-go's SharedIndexInformer.
 *
 * Guarantees:
 * - The cache is updated before any handler hears of the change, so a handler (or the
 *   reconcile it queues) that reads the cache sees at least that state.
 * - Handlers get `onAdd` for objects that appear (`initialList` true for those from the first
 *   list), `onUpdate(old, new)` for changes, and `onDelete` for objects that go. An object that
 *   vanished while the watch was broken is only noticed at the re-list; its last known state
 *   then arrives wrapped as a DeletedFinalStateUnknown tombstone.
 * - A handler added after the informer has synced first gets `onAdd` for everything cached.
 * - Resync: every `resyncMs` a handler gets `onUpdate(o, o)` for each cached object, without
 *   asking the server — a safety net that re-queues everything, not a re-list.
 * - A handler that throws is reported and does not stop the others or the informer.
 */
import type { KubeObject } from "../api/object.ts";
import { type Clock, realClock, type Timer } from "../util/clock.ts";
import { Indexer, type IndexFunc, keyOf } from "./indexer.ts";
import {
  type ListerWatcher,
  Reflector,
  type ReflectorEvent,
  type ReflectorStore,
} from "./reflector.ts";

/** The last state of an object deleted while the informer was not watching. */
export interface DeletedFinalStateUnknown<T extends KubeObject> {
  tombstone: true;
  key: string;
  object: T;
}

export interface EventHandler<T extends KubeObject> {
  onAdd?(object: T, initialList: boolean): void;
  onUpdate?(old: T, object: T): void;
  onDelete?(object: T | DeletedFinalStateUnknown<T>): void;
}

export function isTombstone<T extends KubeObject>(
  object: T | DeletedFinalStateUnknown<T>,
): object is DeletedFinalStateUnknown<T> {
  return (object as { tombstone?: unknown }).tombstone === true;
}

/** The object itself, or the one a tombstone carries. */
export function unwrapTombstone<T extends KubeObject>(object: T | DeletedFinalStateUnknown<T>): T {
  return isTombstone(object) ? object.object : object;
}

export interface HandlerRegistration {
  remove(): void;
}

export interface InformerOptions<T extends KubeObject> {
  name: string;
  listerWatcher: ListerWatcher<T>;
  indexers?: Record<string, IndexFunc<T>>;
  labelSelector?: string;
  fieldSelector?: string;
  /** Default resync for handlers; 0 (the default) never resyncs. */
  resyncMs?: number;
  clock?: Clock;
  /** Freeze cached objects, so mutating one throws (tests). */
  freeze?: boolean;
  onReflectorEvent?: (event: ReflectorEvent) => void;
  onHandlerError?: (error: unknown) => void;
}

interface Listener<T extends KubeObject> {
  handler: EventHandler<T>;
  resyncMs: number;
  timer?: Timer;
}

// #region SharedIndexInformer
export class SharedIndexInformer<T extends KubeObject> {
  readonly indexer: Indexer<T>;
  private readonly reflector: Reflector<T>;
  private readonly listeners = new Set<Listener<T>>();
  private readonly clock: Clock;
  private started = false;
  private stopped = false;

  constructor(private readonly options: InformerOptions<T>) {
    this.clock = options.clock ?? realClock;
    this.indexer = new Indexer<T>(options.indexers, options.freeze);
    this.reflector = new Reflector<T>({
      name: options.name,
      listerWatcher: options.listerWatcher,
      store: this.storeForReflector(),
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      clock: this.clock,
      onEvent: options.onReflectorEvent,
    });
  }

  addEventHandler(
    handler: EventHandler<T>,
    resyncMs = this.options.resyncMs ?? 0,
  ): HandlerRegistration {
    const listener: Listener<T> = { handler, resyncMs };
    this.listeners.add(listener);
    if (this.hasSynced())
      for (const object of this.indexer.list()) this.call(() => handler.onAdd?.(object, false));
    if (this.started) this.scheduleResync(listener);
    return {
      remove: () => {
        listener.timer?.cancel();
        this.listeners.delete(listener);
      },
    };
  }

  /** Starts listing and watching; returns at once. */
  run(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    void this.reflector.run();
    for (const listener of this.listeners) this.scheduleResync(listener);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const listener of this.listeners) listener.timer?.cancel();
    await this.reflector.stop();
  }

  get name(): string {
    return this.options.name;
  }

  hasSynced(): boolean {
    return this.reflector.hasSynced();
  }

  lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion;
  }

  /** The reflector's side: each change goes into the cache, then to every handler. */
  private storeForReflector(): ReflectorStore<T> {
    return {
      add: (object) => this.upserted(object),
      update: (object) => this.upserted(object),
      delete: (object) => {
        const old = this.indexer.remove(object);
        this.distribute((h) => h.onDelete?.(old ?? object));
      },
      replace: (items, _resourceVersion) => {
        const initialList = !this.hasSynced();
        const listed = new Set(items.map(keyOf));
        for (const old of this.indexer.list()) {
          const key = keyOf(old);
          if (listed.has(key)) continue;
          this.indexer.remove(old);
          this.distribute((h) => h.onDelete?.({ tombstone: true, key, object: old }));
        }
        for (const object of items) {
          const old = this.indexer.upsert(object);
          const stored = this.indexer.get(keyOf(object)) as T;
          this.distribute((h) =>
            old ? h.onUpdate?.(old, stored) : h.onAdd?.(stored, initialList),
          );
        }
      },
    };
  }

  private upserted(object: T): void {
    const old = this.indexer.upsert(object);
    const stored = this.indexer.get(keyOf(object)) as T;
    this.distribute((h) => (old ? h.onUpdate?.(old, stored) : h.onAdd?.(stored, false)));
  }

  private distribute(notify: (handler: EventHandler<T>) => void): void {
    for (const listener of this.listeners) this.call(() => notify(listener.handler));
  }

  private scheduleResync(listener: Listener<T>): void {
    if (listener.resyncMs <= 0 || this.stopped) return;
    listener.timer = this.clock.setTimeout(() => {
      if (!this.listeners.has(listener)) return;
      for (const object of this.indexer.list())
        this.call(() => listener.handler.onUpdate?.(object, object));
      this.scheduleResync(listener);
    }, listener.resyncMs);
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      if (this.options.onHandlerError) this.options.onHandlerError(error);
      else console.error(`[informer ${this.options.name}] handler failed:`, error);
    }
  }
}
// #endregion SharedIndexInformer

/**
 * Resolves true once every informer has synced, false if `cancelled()` turns true first; rejects
 * after `timeoutMs` naming those that have not (client-go's WaitForCacheSync). Controllers must
 * not reconcile from a half-filled cache: they would create pods that already exist.
 */
export async function waitForCacheSync(
  informers: { hasSynced(): boolean; readonly name: string }[],
  timeoutMs = 60_000,
  cancelled: () => boolean = () => false,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!informers.every((i) => i.hasSynced())) {
    if (cancelled()) return false;
    if (Date.now() > deadline) {
      const waiting = informers.filter((i) => !i.hasSynced()).map((i) => i.name);
      throw new Error(`caches did not sync within ${timeoutMs} ms: ${waiting.join(", ")}`);
    }
    // client-go polls every 100 ms; a shorter poll only makes tests and start-up quicker.
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}
