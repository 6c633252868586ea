/**
 * A controller in the shape of kubernetes/sample-controller, small enough to watch at work: it
 * keeps a copy of every configmap of one namespace in another ("shop/cart" → "mirror/cart").
 *
 * The file reads in the order a change flows through it:
 * 1. the informer's handlers turn each event into a key ("shop/cart") and add it to a
 *    rate-limited work queue — nothing else;
 * 2. workers take one key at a time (`processNextWorkItem`);
 * 3. `reconcile(key)` reads the configmap from the informer's cache — never from the event, which
 *    may be stale by now — and writes the copy, or deletes it when the source is gone;
 * 4. a reconcile that throws is added back after the rate limiter's delay; one that returns is
 *    forgotten, so the key's next failure starts the back-off from the beginning.
 *
 * Guarantees, from the queue: a key changed ten times before a worker takes it is reconciled
 * once; no key is reconciled by two workers at once; a change that arrives during a reconcile is
 * reconciled again afterwards. Whatever events were missed or merged, the last reconcile of a key
 * saw the cache as it was when that reconcile started: level-triggered.
 *
 * Simplified: it writes the copy on every reconcile, where sample-controller first compares with
 * a lister of the copies and writes only what differs; and copies of deleted configmaps are
 * deleted by the reconcile, where a real controller would use owner references and the garbage
 * collector (which cannot cross namespaces) or a finalizer.
 */
import type { KubeObject } from "@tinykube/core/api/object";
import type { EventRecorder } from "@tinykube/core/client/events";
import { keyOf, splitKey } from "@tinykube/core/client/indexer";
import {
  type DeletedFinalStateUnknown,
  isTombstone,
  type SharedIndexInformer,
} from "@tinykube/core/client/informer";
import { isNotFound, type ResourceClient } from "@tinykube/core/client/rest";
import { type RateLimiter, RateLimitingQueue } from "@tinykube/core/client/workqueue";

/** What the controller did, for the chapter's narration. Times are `Date.now()` values. */
export type MirrorEvent =
  | { type: "enqueued"; key: string; handler: "add" | "update" | "delete" }
  | { type: "started"; key: string; worker: number; at: number }
  | { type: "copied"; key: string; worker: number; resourceVersion: string; at: number }
  | { type: "deleted-copy"; key: string; worker: number; at: number }
  | { type: "failed"; key: string; worker: number; error: string; requeues: number; at: number };

export interface MirrorControllerOptions {
  /** Configmaps of the source namespace; its handlers are this controller's only input. */
  informer: SharedIndexInformer<KubeObject>;
  /** Configmaps in the namespace the copies go to. */
  copies: ResourceClient<KubeObject>;
  recorder: EventRecorder;
  rateLimiter: RateLimiter<string>;
  onEvent?: (event: MirrorEvent) => void;
}

export class MirrorController {
  readonly queue: RateLimitingQueue<string>;
  private readonly workers: Promise<void>[] = [];

  // #region wireHandlers
  constructor(private readonly options: MirrorControllerOptions) {
    this.queue = new RateLimitingQueue<string>({ rateLimiter: options.rateLimiter });
    // Handlers only enqueue: they run inside the informer's delivery, so anything slower here
    // would hold up every other handler of the shared informer.
    options.informer.addEventHandler({
      onAdd: (object) => this.enqueue(keyOf(object), "add"),
      onUpdate: (_old, object) => this.enqueue(keyOf(object), "update"),
      // A tombstone carries the key of an object deleted while the watch was down.
      onDelete: (object) => this.enqueue(deletedKey(object), "delete"),
    });
  }
  // #endregion wireHandlers

  /** Starts `count` workers; they run until `stop()`. */
  run(count: number): void {
    for (let worker = 1; worker <= count; worker++) this.workers.push(this.runWorker(worker));
  }

  /** Shuts the queue down and waits for the workers to finish what they hold. */
  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.all(this.workers);
  }

  private enqueue(key: string, handler: "add" | "update" | "delete"): void {
    this.queue.add(key);
    this.options.onEvent?.({ type: "enqueued", key, handler });
  }

  private async runWorker(worker: number): Promise<void> {
    while (await this.processNextWorkItem(worker)) {}
  }

  // #region processNextWorkItem
  /** One key: reconcile, then forget it or add it back rate-limited; always `done`. */
  private async processNextWorkItem(worker: number): Promise<boolean> {
    const key = await this.queue.get();
    if (key === undefined) return false; // shut down
    this.options.onEvent?.({ type: "started", key, worker, at: Date.now() });
    try {
      await this.reconcile(key, worker);
      this.queue.forget(key);
    } catch (error) {
      this.queue.addRateLimited(key);
      const message = error instanceof Error ? error.message : String(error);
      const source = this.options.informer.indexer.get(key);
      if (source) this.options.recorder.event(source, "Warning", "FailedCopy", message);
      this.options.onEvent?.({
        type: "failed",
        key,
        worker,
        error: message,
        requeues: this.queue.numRequeues(key),
        at: Date.now(),
      });
    } finally {
      this.queue.done(key);
    }
    return true;
  }
  // #endregion processNextWorkItem

  // #region reconcile
  /** Makes the copy equal the source as the cache has it now; throws to be retried. */
  private async reconcile(key: string, worker: number): Promise<void> {
    const { name } = splitKey(key);
    const source = this.options.informer.indexer.get(key);
    if (!source) {
      try {
        await this.options.copies.delete(name);
      } catch (error) {
        if (!isNotFound(error)) throw error; // already gone: the goal is met
      }
      this.options.onEvent?.({ type: "deleted-copy", key, worker, at: Date.now() });
      return;
    }
    // Objects from the cache are shared: build a new object, never change `source`.
    const copy: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, labels: { "copied-from": key.replace("/", ".") } },
      data: { ...((source.data as Record<string, string> | undefined) ?? {}) },
    };
    try {
      // No resourceVersion: the copy is ours alone, so the last writer may win.
      await this.options.copies.update(copy);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.options.copies.create(copy);
    }
    this.options.onEvent?.({
      type: "copied",
      key,
      worker,
      resourceVersion: source.metadata.resourceVersion ?? "",
      at: Date.now(),
    });
  }
  // #endregion reconcile
}

function deletedKey(object: KubeObject | DeletedFinalStateUnknown<KubeObject>): string {
  return isTombstone(object) ? object.key : keyOf(object);
}
