/**
 * The namespace controller: when a namespace is deleted, deletes everything in it, then lets the
 * API server delete the namespace — kube-controller-manager's pkg/controller/namespace/
 * namespace_controller.go. The work is the deleter's (deleter.ts); this file decides when.
 *
 * Shape: the namespace informer's handlers enqueue the name of a namespace that has a
 * deletionTimestamp, 5 s later; `reconcile(name)` runs one deletion pass.
 *
 * Guarantees:
 * - Nothing happens to a namespace that is not being deleted.
 * - A pass that finds content still going away looks again after estimate/2 + 1 s; a pass that
 *   fails is retried with backoff (5 ms doubling, at most 60 s, so a stuck namespace is retried at
 *   least every minute).
 * - Restart-safe: the informer's first list enqueues every terminating namespace again.
 */
import type { Namespace } from "../../api/types.ts";
import { keyOf } from "../../client/indexer.ts";
import type { SharedIndexInformer } from "../../client/informer.ts";
import { defaultControllerRateLimiter, RateLimitingQueue } from "../../client/workqueue/index.ts";
import type { Controller, ControllerContext } from "../context.ts";
import { runWorkers } from "../worker.ts";
import { NamespacedResourcesDeleter, ResourcesRemainingError } from "./deleter.ts";
import { requeueDelaySeconds } from "./estimate.ts";

/**
 * namespaceDeletionGracePeriod: wait before acting on a deleted namespace, so that every API
 * server has seen the deletion (and refuses new content) and last-moment creations have landed.
 */
export const NAMESPACE_DELETION_GRACE_MS = 5_000;

/**
 * nsControllerRateLimiter: the default controller limiter (5 ms doubling per namespace, 10 retries a
 * second overall after a burst of 100) with the per-namespace wait capped at 60 s instead of 1000 s.
 */
const NAMESPACE_MAX_RETRY_DELAY_MS = 60_000;

export class NamespaceController implements Controller {
  readonly name = "namespace-controller";
  private readonly queue: RateLimitingQueue<string>;
  private readonly informer: SharedIndexInformer<Namespace>;
  private readonly deleter: NamespacedResourcesDeleter;

  // #region wiring
  constructor(private readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>({
      rateLimiter: defaultControllerRateLimiter({
        clock: ctx.clock,
        maxDelayMs: NAMESPACE_MAX_RETRY_DELAY_MS,
      }),
      clock: ctx.clock,
    });
    this.deleter = new NamespacedResourcesDeleter(ctx.client, ctx.clock, ctx.log);
    this.informer = ctx.informers.informerFor<Namespace>("namespaces");
    this.informer.addEventHandler({
      onAdd: (ns) => this.enqueue(ns),
      onUpdate: (_old, ns) => this.enqueue(ns),
    });
  }

  private enqueue(namespace: Namespace): void {
    if (!namespace.metadata.deletionTimestamp) return;
    this.queue.addAfter(keyOf(namespace), NAMESPACE_DELETION_GRACE_MS);
  }
  // #endregion wiring

  async run(workers: number): Promise<void> {
    await runWorkers(workers, {
      queue: this.queue,
      reconcile: (name) => this.reconcile(name),
      onError: (name, error) =>
        this.ctx.log(
          `[${this.name}] deletion of namespace ${name} failed: ${error instanceof Error ? error.message : error}`,
        ),
    });
  }

  stop(): void {
    this.queue.shutDown();
  }

  // #region reconcile
  /**
   * 1. Gone from the cache: it has been deleted, nothing to do.
   * 2. Run a deletion pass (the deleter reads the namespace live).
   * 3. Content still terminating: look again in estimate/2 + 1 seconds. Kubernetes neither
   *    forgets nor rate-limits the key then; returning here forgets its failure count, which
   *    only makes the next real failure retry sooner.
   */
  async reconcile(name: string): Promise<void> {
    if (!this.informer.indexer.get(name)) return;
    try {
      await this.deleter.delete(name);
    } catch (error) {
      if (!(error instanceof ResourcesRemainingError)) throw error;
      this.queue.addAfter(name, requeueDelaySeconds(error.estimate) * 1000);
    }
  }
  // #endregion reconcile
}
