/**
 * The quota recalculator: a small stand-in, inside the API server, for kube-controller-manager's
 * resourcequota controller (pkg/controller/resourcequota) until tinykube has one. Admission only
 * ever adds to a quota's `status.used`; this is what brings it back down, by counting the
 * objects that exist:
 *
 * - a new quota, or one whose `spec.hard` changed, gets `status.hard` and `status.used`;
 * - when a counted object is deleted, or stops counting (a pod finishes, a service stops
 *   holding node ports), the quotas of its namespace that track it are recalculated;
 * - every quota is recalculated every `resyncPeriodMs` (Kubernetes' --resource-quota-sync-period,
 *   5 minutes), which also repairs charges for objects that were admitted and then not stored.
 *
 * Every recalculation writes with a compare-and-swap on the quota's resourceVersion and holds the
 * namespace's quota lock, so it never interleaves with an admission charge in this server.
 *
 * Simplified, compared with Kubernetes: it watches the API server's own caches instead of running
 * informers against the API. Like Kubernetes' quota monitor it watches every quotable resource
 * from the start (the built-in ones; a custom resource once a quota counts it, where Kubernetes
 * rediscovers resources every 30 seconds). As in Kubernetes, a recalculation that runs between an
 * object's admission and its write to the store does not see it yet and may undercount until the
 * next one.
 */
import type { KubeObject } from "../../api/object.ts";
import { BUILTIN_TYPES, type ResourceType } from "../../api/scheme.ts";
import type { Timer } from "../../util/clock.ts";
import type { ApiServer } from "../server.ts";
import type { CacheWatcher, WatcherEvent } from "../storage/watch-cache.ts";
import { evaluatorFor, evaluatorsFor, type QuotaEvaluator } from "./quota-usage.ts";
import {
  quotasIn,
  type ResourceQuotaObject,
  syncQuotaStatus,
  withNamespaceLock,
} from "./resource-quota.ts";

export interface QuotaRecalculatorOptions {
  /** Every quota is recalculated this often (Kubernetes' default: 5 minutes). */
  resyncPeriodMs?: number;
  log?: (line: string) => void;
}

const DEFAULT_RESYNC_MS = 5 * 60_000;
/** A watch that ended is restarted after this pause, so a failing store is not hammered. */
const REWATCH_DELAY_MS = 1000;

const quotaType = BUILTIN_TYPES.find((t) => t.resource === "resourcequotas") as ResourceType;

export class QuotaRecalculator {
  private stopped = false;
  /** Resources watched, by "<group>/<resource>", with the watch currently open. */
  private readonly monitors = new Map<string, CacheWatcher | undefined>();
  /** Quotas waiting for a recalculation, by "<namespace>/<name>"; `force` unless only if behind. */
  private readonly queued = new Map<string, { force: boolean }>();
  /** Quotas being recalculated now: a key is worked on by one loop at a time. */
  private readonly busy = new Set<string>();
  private resyncTimer: Timer | undefined;

  constructor(
    private readonly server: ApiServer,
    private readonly options: QuotaRecalculatorOptions = {},
  ) {}

  /**
   * Starts the watches (resolves once they are open) and the periodic resync. Every stored,
   * namespaced resource quota can count is watched, so no deletion goes unnoticed.
   */
  async start(): Promise<void> {
    for (const type of this.server.scheme.all()) {
      if (!type.namespaced || type.virtual) continue;
      const evaluator = evaluatorFor(type.group, type.resource);
      if (evaluator) await this.monitor(evaluator);
    }
    this.scheduleResync();
  }

  stop(): void {
    this.stopped = true;
    this.resyncTimer?.cancel();
    for (const watcher of this.monitors.values()) watcher?.channel.cancel();
  }

  // #region monitor
  /** Watches a resource's objects (once) for changes that release quota. */
  private async monitor(evaluator: QuotaEvaluator): Promise<void> {
    const id = `${evaluator.group}/${evaluator.resource}`;
    const type = this.servedType(evaluator);
    if (this.stopped || !type || this.monitors.has(id)) return;
    this.monitors.set(id, undefined);
    const watcher = await this.server.registry(type).watch(undefined, {});
    this.monitors.set(id, watcher);
    void this.follow(evaluator, watcher);
  }

  /**
   * Reads a watch to its end, then watches again; changes missed in between may have released
   * quota, so every quota that tracks the resource is then recalculated. A resource no longer
   * served (its CustomResourceDefinition was deleted) is let go.
   */
  private async follow(evaluator: QuotaEvaluator, first: CacheWatcher): Promise<void> {
    const id = `${evaluator.group}/${evaluator.resource}`;
    /** Each object's replenishKey as last seen, by "<namespace>/<name>". */
    const seen = new Map<string, string>();
    let watcher: CacheWatcher | undefined = first;
    while (!this.stopped) {
      if (watcher) {
        try {
          for await (const event of watcher.channel) {
            if (this.stopped) return;
            await this.observe(evaluator, seen, event);
          }
        } catch (error) {
          this.log(`watch of ${id} ended: ${(error as Error).message}; watching again`);
        } finally {
          watcher.channel.cancel();
        }
      }
      if (this.stopped) return;
      await new Promise<void>((resolve) => this.server.clock.setTimeout(resolve, REWATCH_DELAY_MS));
      const type = this.servedType(evaluator);
      if (this.stopped || !type) {
        this.monitors.delete(id);
        return;
      }
      seen.clear();
      watcher = await this.server
        .registry(type)
        .watch(undefined, {})
        .catch(() => undefined);
      this.monitors.set(id, watcher);
      if (watcher) {
        await this.replenishEverywhere(evaluator).catch((error: unknown) =>
          this.log(`recalculating after the watch of ${id} restarted: ${(error as Error).message}`),
        );
      }
    }
  }

  private servedType(evaluator: QuotaEvaluator): ResourceType | undefined {
    return this.server.scheme
      .all()
      .find((t) => t.group === evaluator.group && t.resource === evaluator.resource && !t.virtual);
  }

  /** One change to a watched object: does any quota need recalculating? */
  private async observe(
    evaluator: QuotaEvaluator,
    seen: Map<string, string>,
    event: WatcherEvent,
  ): Promise<void> {
    if (event.type === "BOOKMARK" || event.type === "ERROR") return;
    const object = event.object;
    const namespace = object.metadata.namespace;
    if (namespace === undefined) return;
    const key = `${namespace}/${object.metadata.name}`;
    if (evaluator.resource === "resourcequotas" && evaluator.group === "") {
      if (event.type !== "DELETED") await this.quotaChanged(object as ResourceQuotaObject);
    }
    if (event.type === "DELETED") {
      seen.delete(key);
      await this.replenish(namespace, evaluator);
      return;
    }
    const summary = evaluator.replenishKey?.(object, this.server.clock.now());
    if (summary === undefined) return;
    const before = seen.get(key);
    seen.set(key, summary);
    if (event.type === "MODIFIED" && before !== undefined && before !== summary) {
      await this.replenish(namespace, evaluator);
    }
  }

  /** A quota appeared or changed: watch what it counts; recalculate it if it is behind. */
  private async quotaChanged(quota: ResourceQuotaObject): Promise<void> {
    for (const evaluator of evaluatorsFor(Object.keys(quota.spec?.hard ?? {}))) {
      await this.monitor(evaluator);
    }
    this.schedule(quota, false);
  }
  // #endregion monitor

  // #region replenish
  /** Recalculates a namespace's quotas that track what this evaluator measures. */
  private async replenish(namespace: string, evaluator: QuotaEvaluator): Promise<void> {
    for (const quota of await quotasIn(this.server, namespace)) {
      if (evaluator.matchingResources(Object.keys(quota.status?.hard ?? {})).length > 0)
        this.schedule(quota, true);
    }
  }

  private async replenishEverywhere(evaluator: QuotaEvaluator): Promise<void> {
    const all = await this.server.registry(quotaType).list(undefined);
    for (const quota of all.items as ResourceQuotaObject[]) {
      if (evaluator.matchingResources(Object.keys(quota.status?.hard ?? {})).length > 0)
        this.schedule(quota, true);
    }
  }

  private scheduleResync(): void {
    const period = this.options.resyncPeriodMs ?? DEFAULT_RESYNC_MS;
    this.resyncTimer = this.server.clock.setTimeout(() => {
      if (this.stopped) return;
      void this.server
        .registry(quotaType)
        .list(undefined)
        .then((all) => {
          for (const quota of all.items) this.schedule(quota as ResourceQuotaObject, true);
        })
        .catch((error: unknown) => this.log(`full resync failed: ${(error as Error).message}`));
      this.scheduleResync();
    }, period);
  }
  // #endregion replenish

  // #region queue
  /** Queues a recalculation; requests for a quota already queued merge into one. */
  private schedule(quota: KubeObject, force: boolean): void {
    const key = `${quota.metadata.namespace}/${quota.metadata.name}`;
    const queued = this.queued.get(key);
    if (queued) {
      queued.force ||= force;
      return;
    }
    this.queued.set(key, { force });
    if (!this.busy.has(key)) void this.drain(key);
  }

  private async drain(key: string): Promise<void> {
    this.busy.add(key);
    const [namespace = "", name = ""] = key.split("/");
    try {
      for (let next = this.queued.get(key); next && !this.stopped; next = this.queued.get(key)) {
        this.queued.delete(key);
        const { force } = next;
        try {
          await withNamespaceLock(this.server, namespace, () =>
            syncQuotaStatus(this.server, namespace, name, { force }),
          );
        } catch (error) {
          // Kubernetes requeues with backoff; here the next change or the periodic resync will.
          this.log(`recalculating quota ${key} failed: ${(error as Error).message}`);
        }
      }
    } finally {
      this.busy.delete(key);
    }
  }
  // #endregion queue

  private log(line: string): void {
    this.options.log?.(`[apiserver] resource quota: ${line}`);
  }
}
