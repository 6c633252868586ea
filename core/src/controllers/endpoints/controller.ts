/**
 * The Endpoints controller: for every Service with a selector, an Endpoints object of the same
 * name listing the pods it selects — kube-controller-manager's pkg/controller/endpoint/
 * endpoints_controller.go. Endpoints is the original, single-object form of what EndpointSlices
 * now carry (deprecated since Kubernetes 1.33, still written for the clients that read it).
 *
 * Shape (STYLE rule 1): Service, pod and Endpoints events turn into Service keys on the queue;
 * `reconcile(key)` does all the work.
 *
 * Guarantees:
 * - The Endpoints has the Service's labels (plus service.kubernetes.io/headless for a Service
 *   without a cluster IP) and the subsets desiredSubsets computes.
 * - It writes only when the subsets, the labels or the over-capacity mark would change: a pod
 *   event that changes nothing of this (an annotation) costs no write. The
 *   last-change-trigger-time annotation rides along with real changes only.
 * - A deleted Service's Endpoints is deleted; so is, at start, any Endpoints whose Service no
 *   longer exists (removed while no controller was running) — except leader-election records.
 * - A deleted Endpoints of a live Service is recreated.
 * - A Service with no selector (its Endpoints are written by hand), or of type ExternalName, is
 *   left alone.
 * - Never compares against a version of the Endpoints it has already replaced
 *   (StaleEndpointsTracker).
 */
import { matchesLabels } from "../../api/labels.ts";
import type { Endpoints, Pod, Service } from "../../api/types.ts";
import type { EventRecorder } from "../../client/events.ts";
import { builtinType } from "../../client/factory.ts";
import { keyOf, splitKey } from "../../client/indexer.ts";
import type { SharedIndexInformer } from "../../client/informer.ts";
import { unwrapTombstone } from "../../client/informer.ts";
import { isNotFound, type ResourceClient, reasonOf } from "../../client/rest.ts";
import { messageOf } from "../../util/errors.ts";
import type { Controller, ControllerContext, ControllerQueue } from "../context.ts";
import { isNamespaceTerminating, StaleInformerCacheError } from "../endpointslice/errors.ts";
import {
  serviceSelector,
  servicesSelecting,
  servicesToUpdateOnPodChange,
} from "../endpointslice/membership.ts";
import { isServiceIPSet, LABEL_HEADLESS, sameLabels } from "../endpointslice/slice-labels.ts";
import {
  formatTriggerTime,
  LAST_CHANGE_TRIGGER_TIME_ANNOTATION,
  TriggerTimeTracker,
} from "../endpointslice/trigger-time.ts";
import { logFailedSync, runWorkers } from "../worker.ts";
import { canonical, type EndpointSubset } from "./repack.ts";
import { StaleEndpointsTracker } from "./stale.ts";
import { desiredSubsets } from "./subsets.ts";
import {
  capacityAnnotationSetCorrectly,
  OVER_CAPACITY_ANNOTATION,
  TRUNCATED,
  truncateSubsets,
} from "./truncate.ts";

/** Marks an Endpoints used as a leader-election lock (resourcelock.LeaderElectionRecordAnnotationKey). */
const LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader";

export interface EndpointsControllerOptions {
  /** --endpoint-updates-batch-period (default 0): how long a pod change waits before its Services sync. */
  endpointUpdatesBatchPeriodMs?: number;
}

export class EndpointsController implements Controller {
  readonly name = "endpoints-controller";
  private readonly queue: ControllerQueue;
  private readonly recorder: EventRecorder;
  private readonly endpointsClient: ResourceClient<Endpoints>;
  private readonly services: SharedIndexInformer<Service>;
  private readonly pods: SharedIndexInformer<Pod>;
  private readonly endpoints: SharedIndexInformer<Endpoints>;
  private readonly triggerTimes = new TriggerTimeTracker();
  private readonly stale = new StaleEndpointsTracker();
  private readonly batchPeriodMs: number;

  // #region wiring
  constructor(
    private readonly ctx: ControllerContext,
    options: EndpointsControllerOptions = {},
  ) {
    this.batchPeriodMs = options.endpointUpdatesBatchPeriodMs ?? 0;
    this.queue = ctx.newQueue("endpoint");
    // The component Kubernetes' events from this controller name.
    this.recorder = ctx.recorder("endpoint-controller");
    this.endpointsClient = ctx.client.resource<Endpoints>(builtinType("endpoints"));
    this.services = ctx.informers.informerFor<Service>("services");
    this.pods = ctx.informers.informerFor<Pod>("pods");
    this.endpoints = ctx.informers.informerFor<Endpoints>("endpoints");
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
    // Deleted by someone: the Service's sync recreates it (or, with no Service, does nothing).
    this.endpoints.addEventHandler({
      onDelete: (obj) => this.queue.add(keyOf(unwrapTombstone(obj))),
    });
  }

  private servicesIn(pod: Pod): Service[] {
    return this.services.indexer.byIndex("namespace", pod.metadata.namespace ?? "");
  }

  private queueServices(keys: Set<string>): void {
    for (const key of keys) this.queue.addAfter(key, this.batchPeriodMs);
  }
  // #endregion wiring

  async run(workers: number): Promise<void> {
    this.checkLeftoverEndpoints();
    await runWorkers(workers, {
      queue: this.queue,
      reconcile: (key) => this.reconcile(key),
      onError: logFailedSync(this.ctx.log, this.name),
    });
  }

  stop(): void {
    this.queue.shutDown();
  }

  /**
   * Queues every Endpoints once, at start: those whose Service was deleted while no controller
   * ran are found and deleted. In steady state the Service's delete event does it.
   */
  private checkLeftoverEndpoints(): void {
    for (const endpoints of this.endpoints.indexer.list()) {
      // A leader-election record has no Service, and deleting it would cause a re-election.
      if (endpoints.metadata.annotations?.[LEADER_ANNOTATION] !== undefined) continue;
      this.queue.add(keyOf(endpoints));
    }
  }

  // #region reconcile
  /**
   * 1. Read the Service from the cache; gone → delete its Endpoints and forget it.
   * 2. No selector, or ExternalName → nothing to do.
   * 3. Observe the pods it selects; compute the trigger time and the subsets.
   * 4. Read the current Endpoints; a version this controller already replaced → retry later.
   * 5. Nothing would change → done.
   * 6. Write: create or update, with labels, trigger time, capacity mark and headless label.
   */
  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const service = this.services.indexer.get(key);
    if (!service) {
      try {
        await this.endpointsClient.in(namespace).delete(name);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      this.triggerTimes.deleteService(namespace, name);
      this.stale.delete(namespace, name);
      return;
    }
    const selector = serviceSelector(service);
    if (service.spec.type === "ExternalName" || !selector) return;
    const pods = this.pods.indexer
      .byIndex("namespace", namespace)
      .filter((pod) => matchesLabels(selector, pod.metadata.labels));
    const triggerTime = this.triggerTimes.compute(service, pods);
    const subsets = desiredSubsets(service, pods);

    const current = this.endpoints.indexer.get(key);
    if (current && this.stale.isStale(current))
      throw new StaleInformerCacheError(
        `endpoints informer cache is out of date, resource version ${current.metadata.resourceVersion} already processed for endpoints ${key}`,
      );
    if (
      current &&
      sameSubsets(current.subsets ?? [], subsets) &&
      sameLabels(withoutHeadless(current.metadata.labels), service.metadata.labels) &&
      capacityAnnotationSetCorrectly(current)
    )
      return;
    const next = this.nextEndpoints(service, current, subsets, triggerTime);
    await this.write(service, current, next);
  }
  // #endregion reconcile

  /** The Endpoints to write: the current one (or a new one) with everything this controller owns set. */
  private nextEndpoints(
    service: Service,
    current: Endpoints | undefined,
    subsets: EndpointSubset[],
    triggerTime: number | undefined,
  ): Endpoints {
    const next: Endpoints = current
      ? structuredClone(current)
      : {
          apiVersion: "v1",
          kind: "Endpoints",
          metadata: { name: service.metadata.name, namespace: service.metadata.namespace },
        };
    const annotations = { ...next.metadata.annotations };
    if (triggerTime !== undefined)
      annotations[LAST_CHANGE_TRIGGER_TIME_ANNOTATION] = formatTriggerTime(triggerTime);
    else delete annotations[LAST_CHANGE_TRIGGER_TIME_ANNOTATION];
    const truncated = truncateSubsets(subsets);
    if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = TRUNCATED;
    else delete annotations[OVER_CAPACITY_ANNOTATION];
    next.subsets = truncated ?? subsets;
    const labels = { ...service.metadata.labels };
    if (!isServiceIPSet(service)) labels[LABEL_HEADLESS] = "";
    next.metadata.labels = labels;
    // Kubernetes' JSON leaves an empty map out; sending {} would differ from what is stored.
    if (Object.keys(annotations).length > 0) next.metadata.annotations = annotations;
    else delete next.metadata.annotations;
    return next;
  }

  private async write(
    service: Service,
    current: Endpoints | undefined,
    next: Endpoints,
  ): Promise<void> {
    const client = this.endpointsClient.in(service.metadata.namespace);
    const key = keyOf(service);
    try {
      if (!current) {
        await client.create(next);
        return;
      }
      const updated = await client.update(next);
      // The version read is now known to be old; the next sync must not compare against it.
      if (updated.metadata.resourceVersion !== current.metadata.resourceVersion)
        this.stale.markStale(current);
    } catch (error) {
      // Creating in a namespace being deleted keeps failing until the Service is gone: drop it.
      if (!current && reasonOf(error) === "Forbidden" && isNamespaceTerminating(error)) return;
      if (!current)
        this.recorder.event(
          next,
          "Warning",
          "FailedToCreateEndpoint",
          `Failed to create endpoint for service ${key}: ${messageOf(error)}`,
        );
      else
        this.recorder.event(
          next,
          "Warning",
          "FailedToUpdateEndpoint",
          `Failed to update endpoint ${key}: ${messageOf(error)}`,
        );
      throw error;
    }
  }
}

/** The stored Endpoints' labels compared with the Service's: the headless label is ours, not theirs. */
function withoutHeadless(labels: Record<string, string> | undefined): Record<string, string> {
  const { [LABEL_HEADLESS]: _ours, ...rest } = labels ?? {};
  return rest;
}

/**
 * endpointSubsetsEqualIgnoreResourceVersion: equal as Kubernetes' semantic equality sees it —
 * a missing list equals an empty one, and a pod reference's resourceVersion does not count.
 */
function sameSubsets(a: EndpointSubset[], b: EndpointSubset[]): boolean {
  return canonical(normalize(a)) === canonical(normalize(b));
}

function normalize(subsets: EndpointSubset[]): unknown {
  const addresses = (list: EndpointSubset["addresses"]) =>
    (list ?? []).map(({ targetRef, ...rest }) => {
      if (!targetRef) return rest;
      const { resourceVersion: _ignored, ...ref } = targetRef as typeof targetRef & {
        resourceVersion?: string;
      };
      return { ...rest, targetRef: ref };
    });
  return subsets.map((s) => ({
    addresses: addresses(s.addresses),
    notReadyAddresses: addresses(s.notReadyAddresses),
    ports: s.ports ?? [],
  }));
}
