/**
 * The EndpointSlice controller: for every Service with a selector, EndpointSlices listing the
 * pods it selects — kube-controller-manager's pkg/controller/endpointslice/
 * endpointslice_controller.go. kube-proxy and cluster DNS read these slices to route a Service's
 * traffic.
 *
 * Shape (STYLE rule 1): Service, pod and slice events turn into Service keys on the queue;
 * `reconcile(key)` reads the caches and hands the Reconciler what it found.
 *
 * Guarantees:
 * - A managed slice is labelled kubernetes.io/service-name=<service> and
 *   endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io, is owned by its
 *   Service (controller, blockOwnerDeletion), holds at most 100 endpoints
 *   (--max-endpoints-per-slice) and one set of ports.
 * - Slices are removed with their Service by the garbage collector, through the owner
 *   reference: this controller only forgets a deleted Service, as Kubernetes' does.
 * - A Service with no selector (its slices are written by hand or by another controller), or of
 *   type ExternalName (a DNS alias, no endpoints), is left alone.
 * - Never acts on a cache that lags behind its own writes (EndpointSliceTracker): such a sync is
 *   retried after a back-off of 1 s, doubling up to 1000 s — slower than most controllers' 5 ms,
 *   because a Service's sync can rewrite many slices.
 * - Its own writes coming back through the informer queue nothing; a slice someone else changed
 *   (see tracker.ts on generations) or deleted queues its Service after 1 s, so a burst of such
 *   changes costs one sync.
 */

import { matchesLabels } from "../../api/labels.ts";
import type { KubeObject } from "../../api/object.ts";
import type { EndpointSlice, Pod, Service } from "../../api/types.ts";
import type { EventRecorder } from "../../client/events.ts";
import { builtinType } from "../../client/factory.ts";
import { keyOf, splitKey } from "../../client/indexer.ts";
import type { SharedIndexInformer } from "../../client/informer.ts";
import { unwrapTombstone } from "../../client/informer.ts";
import { defaultControllerRateLimiter, type RateLimiter } from "../../client/workqueue/index.ts";
import { messageOf } from "../../util/errors.ts";
import type { Controller, ControllerContext, ControllerQueue } from "../context.ts";
import { logFailedSync, runWorkers } from "../worker.ts";
import { StaleInformerCacheError } from "./errors.ts";
import { serviceSelector, servicesSelecting, servicesToUpdateOnPodChange } from "./membership.ts";
import { Reconciler } from "./reconciler.ts";
import { CONTROLLER_QUALIFIED_NAME, LABEL_MANAGED_BY, LABEL_SERVICE_NAME } from "./slice-labels.ts";
import { EndpointSliceTracker } from "./tracker.ts";
import { TriggerTimeTracker } from "./trigger-time.ts";

/** kube-controller-manager's --max-endpoints-per-slice default (the API allows up to 1000). */
export const MAX_ENDPOINTS_PER_SLICE = 100;
/** endpointSliceChangeMinSyncDelay: the wait before a changed slice queues its Service. */
export const ENDPOINT_SLICE_CHANGE_MIN_SYNC_DELAY_MS = 1_000;
/** defaultSyncBackOff and maxSyncBackOff: the per-Service retry back-off. */
const SYNC_BACKOFF_MS = 1_000;
const MAX_SYNC_BACKOFF_MS = 1_000_000;

export interface EndpointSliceControllerOptions {
  /** --max-endpoints-per-slice. */
  maxEndpointsPerSlice?: number;
  /**
   * --endpoint-updates-batch-period (default 0): how long a pod change waits before its Services
   * sync, so that several changes in a row cost one write.
   */
  endpointUpdatesBatchPeriodMs?: number;
}

export class EndpointSliceController implements Controller {
  readonly name = "endpointslice-controller";
  readonly tracker = new EndpointSliceTracker();
  private readonly triggerTimes = new TriggerTimeTracker();
  private readonly queue: ControllerQueue;
  private readonly recorder: EventRecorder;
  private readonly reconciler: Reconciler;
  private readonly services: SharedIndexInformer<Service>;
  private readonly pods: SharedIndexInformer<Pod>;
  private readonly nodes: SharedIndexInformer<KubeObject>;
  private readonly slices: SharedIndexInformer<EndpointSlice>;
  private readonly batchPeriodMs: number;

  // #region wiring
  constructor(
    private readonly ctx: ControllerContext,
    options: EndpointSliceControllerOptions = {},
  ) {
    this.batchPeriodMs = options.endpointUpdatesBatchPeriodMs ?? 0;
    this.queue = withBackoff(
      ctx.newQueue("endpoint_slice"),
      defaultControllerRateLimiter({
        clock: ctx.clock,
        baseDelayMs: SYNC_BACKOFF_MS,
        maxDelayMs: MAX_SYNC_BACKOFF_MS,
      }),
    );
    // The component Kubernetes' events from this controller name.
    this.recorder = ctx.recorder("endpoint-slice-controller");
    this.services = ctx.informers.informerFor<Service>("services");
    this.pods = ctx.informers.informerFor<Pod>("pods");
    this.nodes = ctx.informers.informerFor("nodes");
    this.slices = ctx.informers.informerFor<EndpointSlice>("discovery.k8s.io/endpointslices");
    this.reconciler = new Reconciler({
      slices: ctx.client.resource<EndpointSlice>(builtinType("discovery.k8s.io/endpointslices")),
      nodeByName: (name) => this.nodes.indexer.get(name),
      maxEndpointsPerSlice: options.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE,
      tracker: this.tracker,
      controllerName: CONTROLLER_QUALIFIED_NAME,
    });
    this.services.addEventHandler({
      onAdd: (service) => this.queue.add(keyOf(service)),
      onUpdate: (_old, service) => this.queue.add(keyOf(service)),
      onDelete: (obj) => this.queue.add(keyOf(unwrapTombstone(obj))),
    });
    this.pods.addEventHandler({
      onAdd: (pod) =>
        this.queueServices(servicesSelecting(this.servicesIn(pod), pod.metadata.labels)),
      onUpdate: (old, pod) =>
        this.queueServices(servicesToUpdateOnPodChange(this.servicesIn(pod), old, pod)),
      onDelete: (obj) => {
        const pod = unwrapTombstone(obj);
        this.queueServices(servicesSelecting(this.servicesIn(pod), pod.metadata.labels));
      },
    });
    this.slices.addEventHandler({
      onAdd: (slice) => {
        if (isManaged(slice) && this.tracker.shouldSync(slice)) this.queueServiceOf(slice);
      },
      onUpdate: (old, slice) => {
        // Someone relabelled it to another Service: both need a look.
        if (
          old.metadata.labels?.[LABEL_SERVICE_NAME] !== slice.metadata.labels?.[LABEL_SERVICE_NAME]
        ) {
          this.queueServiceOf(slice);
          this.queueServiceOf(old);
          return;
        }
        if (
          isManaged(old) !== isManaged(slice) ||
          (isManaged(slice) && this.tracker.shouldSync(slice))
        )
          this.queueServiceOf(slice);
      },
      onDelete: (obj) => {
        const slice = unwrapTombstone(obj);
        // Deleted by someone else (not an expected deletion of ours): put it back.
        if (isManaged(slice) && this.tracker.has(slice) && !this.tracker.handleDeletion(slice))
          this.queueServiceOf(slice);
      },
    });
  }

  private servicesIn(pod: Pod): Service[] {
    return this.services.indexer.byIndex("namespace", pod.metadata.namespace ?? "");
  }

  private queueServices(keys: Set<string>): void {
    for (const key of keys) this.queue.addAfter(key, this.batchPeriodMs);
  }

  private queueServiceOf(slice: EndpointSlice): void {
    const service = slice.metadata.labels?.[LABEL_SERVICE_NAME];
    if (!service) return; // not tied to a Service: nothing to sync
    this.queue.addAfter(
      `${slice.metadata.namespace}/${service}`,
      Math.max(ENDPOINT_SLICE_CHANGE_MIN_SYNC_DELAY_MS, this.batchPeriodMs),
    );
  }
  // #endregion wiring

  async run(workers: number): Promise<void> {
    await runWorkers(workers, {
      queue: this.queue,
      reconcile: (key) => this.reconcile(key),
      onError: logFailedSync(this.ctx.log, this.name),
    });
  }

  stop(): void {
    this.queue.shutDown();
  }

  // #region reconcile
  /**
   * 1. Read the Service from the cache; gone → forget it (its slices go with it, by the garbage
   *    collector).
   * 2. No selector, or ExternalName → nothing to do.
   * 3. Observe: the pods it selects, and its managed slices not already being deleted.
   * 4. The slices lag behind our own writes → fail, to retry once the informer caught up.
   * 5. Compute the trigger time (also when nothing will be written), and reconcile.
   */
  async reconcile(key: string): Promise<void> {
    const service = this.services.indexer.get(key);
    if (!service) {
      const { namespace, name } = splitKey(key);
      this.triggerTimes.deleteService(namespace, name);
      this.tracker.deleteService(namespace, name);
      return;
    }
    const selector = serviceSelector(service);
    if (service.spec.type === "ExternalName" || !selector) return;
    const namespace = service.metadata.namespace ?? "";
    const pods = this.pods.indexer
      .byIndex("namespace", namespace)
      .filter((pod) => matchesLabels(selector, pod.metadata.labels));
    const slices = this.slices.indexer
      .byIndex("namespace", namespace)
      .filter(
        (slice) =>
          slice.metadata.labels?.[LABEL_SERVICE_NAME] === service.metadata.name &&
          isManaged(slice) &&
          !slice.metadata.deletionTimestamp,
      );
    if (this.tracker.staleSlices(service, slices))
      throw new StaleInformerCacheError(
        `EndpointSlice informer cache is out of date for Service ${key}`,
      );
    const triggerTime = this.triggerTimes.compute(service, pods);
    try {
      await this.reconciler.reconcile(service, pods, slices, triggerTime);
    } catch (error) {
      this.recorder.event(
        service,
        "Warning",
        "FailedToUpdateEndpointSlices",
        `Error updating Endpoint Slices for Service ${key}: ${messageOf(error)}`,
      );
      throw error;
    }
  }
  // #endregion reconcile
}

function isManaged(slice: EndpointSlice): boolean {
  return slice.metadata.labels?.[LABEL_MANAGED_BY] === CONTROLLER_QUALIFIED_NAME;
}

/**
 * The manager's queue (named, so it can be traced) with this controller's own back-off:
 * Kubernetes gives it 1 s doubling to 1000 s (and the shared 10 qps bucket) instead of the
 * default 5 ms, because one sync can rewrite many slices.
 */
function withBackoff(queue: ControllerQueue, limiter: RateLimiter<string>): ControllerQueue {
  return {
    add: (key) => queue.add(key),
    get: () => queue.get(),
    done: (key) => queue.done(key),
    addAfter: (key, ms) => queue.addAfter(key, ms),
    addRateLimited: (key) => queue.addAfter(key, limiter.when(key)),
    forget: (key) => limiter.forget(key),
    shutDown: () => queue.shutDown(),
    len: () => queue.len(),
  };
}
