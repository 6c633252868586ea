/**
 * The ReplicaSet controller: keeps `spec.replicas` pods matching the selector — kube-controller-
 * manager's pkg/controller/replicaset/replica_set.go, step ④ of the ten: "the replicaset
 * controller creates pods".
 *
 * Shape (STYLE rule 1): informer handlers turn every change of a ReplicaSet, or of a pod it owns
 * or could adopt, into the ReplicaSet's key on the queue; `reconcile(key)` does all the work.
 *
 * Guarantees:
 * - Never double-creates while its own writes are in flight: before creating or deleting it
 *   records expectations, and it does not act again for that ReplicaSet until the informer has
 *   shown every one of them (or 5 minutes passed).
 * - Creates in slow-start batches (1, 2, 4, ...) so a failing pod template (a quota, an
 *   admission error) fails once, not 500 times; at most 500 pods per sync (burstReplicas).
 * - Deletes the pods that hurt least to lose first: unscheduled, pending, not ready, newest.
 * - Safe to restart at any time: all state is rebuilt from the informers; expectations start
 *   empty, which means "trust the cache".
 */
import { matchesLabels, selectorFromLabelSelector } from "../../api/labels.ts";
import type { KubeObject } from "../../api/object.ts";
import type { Pod, ReplicaSet } from "../../api/types.ts";
import type { EventRecorder } from "../../client/events.ts";
import { builtinType } from "../../client/factory.ts";
import { keyOf, OWNER_UID_INDEX, ownerUidIndexFunc } from "../../client/indexer.ts";
import type { SharedIndexInformer } from "../../client/informer.ts";
import { unwrapTombstone } from "../../client/informer.ts";
import { isConflict, isNotFound, type ResourceClient } from "../../client/rest.ts";
import { messageOf } from "../../util/errors.ts";
import {
  CONTROLLER_INDEX,
  claim,
  claimCandidates,
  controllerIndexFunc,
  ensureOwnerCurrent,
} from "../claim.ts";
import type { Controller, ControllerContext, ControllerQueue } from "../context.ts";
import { Expectations } from "../expectations.ts";
import {
  controllerOf,
  controllerRef,
  isPodActive,
  isPodReady,
  namespacedKey,
  readySince,
} from "../pods.ts";
import { logFailedSync, runWorkers } from "../worker.ts";
import { deletionCostOf, podsToDelete, type RankedPod } from "./rank.ts";
import { BURST_REPLICAS, slowStartBatches } from "./slow-start.ts";
import { replicaSetStatus } from "./status.ts";

export class ReplicaSetController implements Controller {
  readonly name = "replicaset-controller";
  readonly expectations: Expectations;
  private readonly queue: ControllerQueue;
  private readonly rsInformer: SharedIndexInformer<ReplicaSet>;
  private readonly podInformer: SharedIndexInformer<Pod>;
  private readonly pods: ResourceClient<Pod>;
  private readonly replicaSets: ResourceClient<ReplicaSet>;
  private readonly recorder: EventRecorder;

  // #region wiring
  constructor(private readonly ctx: ControllerContext) {
    this.expectations = new Expectations(ctx.clock);
    this.queue = ctx.newQueue("replicaset");
    this.recorder = ctx.recorder(this.name);
    this.pods = ctx.client.resource<Pod>(builtinType("pods"));
    this.replicaSets = ctx.client.resource<ReplicaSet>(builtinType("apps/replicasets"));
    this.rsInformer = ctx.informers.informerFor<ReplicaSet>("apps/replicasets");
    this.podInformer = ctx.informers.informerFor<Pod>("pods");
    this.podInformer.indexer.ensureIndex(OWNER_UID_INDEX, ownerUidIndexFunc);
    this.podInformer.indexer.ensureIndex(CONTROLLER_INDEX, controllerIndexFunc);
    this.rsInformer.indexer.ensureIndex(OWNER_UID_INDEX, ownerUidIndexFunc);
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.enqueue(rs),
      onUpdate: (_old, rs) => this.enqueue(rs),
      onDelete: (obj) => {
        const rs = unwrapTombstone(obj);
        this.expectations.delete(keyOf(rs));
        this.enqueue(rs);
      },
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.podAdded(pod),
      onUpdate: (old, pod) => this.podUpdated(old, pod),
      onDelete: (obj) => this.podDeleted(unwrapTombstone(obj)),
    });
  }

  private enqueue(rs: KubeObject): void {
    this.queue.add(keyOf(rs));
  }

  /** The ReplicaSet a controller reference names, if it is one we know with that UID. */
  private owner(pod: Pod): ReplicaSet | undefined {
    const ref = controllerOf(pod);
    if (ref?.kind !== "ReplicaSet") return undefined;
    const rs = this.rsInformer.indexer.get(namespacedKey(pod.metadata.namespace, ref.name));
    return rs?.metadata.uid === ref.uid ? rs : undefined;
  }

  /** An orphan may be adopted by any ReplicaSet whose selector matches it: wake them all. */
  private matchingReplicaSets(pod: Pod): ReplicaSet[] {
    return this.rsInformer.indexer
      .byIndex("namespace", pod.metadata.namespace ?? "")
      .filter((rs) =>
        matchesLabels(selectorFromLabelSelector(rs.spec.selector), pod.metadata.labels),
      );
  }

  private podAdded(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) {
      this.podDeleted(pod);
      return;
    }
    const rs = this.owner(pod);
    if (rs) {
      this.expectations.creationObserved(keyOf(rs));
      this.enqueue(rs);
      return;
    }
    if (!controllerOf(pod))
      for (const candidate of this.matchingReplicaSets(pod)) this.enqueue(candidate);
  }

  private podUpdated(old: Pod, pod: Pod): void {
    if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return; // a resync
    if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
      // Being deleted (graceful): it no longer counts, so the ReplicaSet may replace it now.
      this.podDeleted(pod);
      return;
    }
    const oldOwner = this.owner(old);
    const rs = this.owner(pod);
    if (oldOwner && oldOwner !== rs) this.enqueue(oldOwner);
    if (rs) {
      this.enqueue(rs);
      // A pod that just became ready counts as available only minReadySeconds later: look again then.
      const minReady = rs.spec.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(pod))
        // Kubernetes adds a second "to avoid milliseconds skew in AddAfter".
        this.queue.addAfter(keyOf(rs), minReady * 1000 + 1000);
      return;
    }
    if (!controllerOf(pod))
      for (const candidate of this.matchingReplicaSets(pod)) this.enqueue(candidate);
  }

  private podDeleted(pod: Pod): void {
    const rs = this.owner(pod);
    if (!rs) return;
    this.expectations.deletionObserved(keyOf(rs), keyOf(pod));
    this.enqueue(rs);
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
   * 1. Read the ReplicaSet from the cache; gone → forget its expectations.
   * 2. Are this ReplicaSet's own creations and deletions all observed?
   * 3. Claim pods: the active pods in its namespace that it owns or may adopt.
   * 4. If expectations are satisfied and it is not being deleted: create or delete the difference.
   * 5. Write status: replicas, ready, available, observedGeneration, the ReplicaFailure condition.
   */
  async reconcile(key: string): Promise<void> {
    const rs = this.rsInformer.indexer.get(key);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    const selector = selectorFromLabelSelector(rs.spec.selector);
    const candidates = claimCandidates(this.podInformer.indexer, rs).filter(isPodActive);
    const pods = await claim<Pod>({
      owner: rs,
      selector,
      candidates,
      patchOwners: (pod, ownerReferences) =>
        this.pods
          .in(pod.metadata.namespace)
          .patch(pod.metadata.name as string, { metadata: { ownerReferences } }),
      canAdopt: () =>
        ensureOwnerCurrent(rs, () =>
          this.replicaSets.in(rs.metadata.namespace).get(rs.metadata.name as string),
        ),
    });
    let failure: Error | undefined;
    if (needsSync && !rs.metadata.deletionTimestamp)
      failure = await this.manageReplicas(key, rs, pods);
    await this.updateStatus(rs, pods, failure);
    if (failure) throw failure;
  }
  // #endregion reconcile

  // #region manageReplicas
  /** Creates or deletes the difference between the pods it has and the replicas it wants. */
  private async manageReplicas(
    key: string,
    rs: ReplicaSet,
    pods: Pod[],
  ): Promise<Error | undefined> {
    const diff = pods.length - (rs.spec.replicas ?? 1);
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expectCreations(key, count);
      let created = 0;
      for (const batch of slowStartBatches(count)) {
        const results = await Promise.allSettled(
          Array.from({ length: batch }, () => this.createPod(rs)),
        );
        const failed = results.filter((r) => r.status === "rejected");
        created += batch - failed.length;
        if (failed.length > 0) {
          // The failed ones and the batches never tried will not be observed.
          this.expectations.creationFailed(key, count - created);
          const reason = (failed[0] as PromiseRejectedResult).reason;
          this.recorder.event(
            rs,
            "Warning",
            "FailedCreate",
            `Error creating: ${messageOf(reason)}`,
          );
          return new Error(`creating pods for ${key}: ${messageOf(reason)}`);
        }
      }
      return undefined;
    }
    if (diff > 0) {
      const ranked = pods.map((pod) => ({ ...rankedPod(pod), pod }));
      const related = this.relatedPods(rs).map(rankedPod);
      const victims = podsToDelete(
        ranked,
        related,
        Math.min(diff, BURST_REPLICAS),
        this.ctx.clock.now(),
      ).map((r) => r.pod);
      this.expectations.expectDeletions(key, victims.map(keyOf));
      const results = await Promise.allSettled(victims.map((pod) => this.deletePod(rs, key, pod)));
      const failed = results.find((r) => r.status === "rejected") as
        | PromiseRejectedResult
        | undefined;
      if (failed) return new Error(`deleting pods for ${key}: ${messageOf(failed.reason)}`);
    }
    return undefined;
  }
  // #endregion manageReplicas

  /**
   * Pods of every ReplicaSet with the same owner (a Deployment's old and new ReplicaSets): a pod
   * sharing its node with many of them is deleted first, to spread what remains.
   */
  private relatedPods(rs: ReplicaSet): Pod[] {
    const owner = controllerOf(rs);
    const ownedBy = (uid: string | undefined) =>
      this.podInformer.indexer.byIndex(OWNER_UID_INDEX, uid ?? "");
    if (!owner) return ownedBy(rs.metadata.uid);
    return this.rsInformer.indexer
      .byIndex(OWNER_UID_INDEX, owner.uid)
      .flatMap((sibling) => ownedBy(sibling.metadata.uid));
  }

  private async createPod(rs: ReplicaSet): Promise<void> {
    const template = rs.spec.template;
    const pod = await this.pods.in(rs.metadata.namespace).create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        generateName: `${rs.metadata.name}-`,
        namespace: rs.metadata.namespace,
        labels: { ...template.metadata?.labels },
        ...(template.metadata?.annotations
          ? { annotations: { ...template.metadata.annotations } }
          : {}),
        ...(template.metadata?.finalizers ? { finalizers: [...template.metadata.finalizers] } : {}),
        ownerReferences: [controllerRef(rs)],
      },
      spec: structuredClone(template.spec),
    });
    this.recorder.event(rs, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`);
  }

  private async deletePod(rs: ReplicaSet, key: string, pod: Pod): Promise<void> {
    try {
      await this.pods.in(pod.metadata.namespace).delete(pod.metadata.name as string);
      this.recorder.event(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`);
    } catch (error) {
      // Not deleted by us: its deletion will not be observed (or was, if it is already gone).
      this.expectations.deletionObserved(key, keyOf(pod));
      if (!isNotFound(error)) {
        this.recorder.event(rs, "Warning", "FailedDelete", `Error deleting: ${messageOf(error)}`);
        throw error;
      }
    }
  }

  private async updateStatus(
    rs: ReplicaSet,
    pods: Pod[],
    failure: Error | undefined,
  ): Promise<void> {
    const status = replicaSetStatus(rs, pods, failure?.message, this.ctx.clock.now());
    // All ready but not all available yet: look again when minReadySeconds will have passed.
    const minReady = rs.spec.minReadySeconds ?? 0;
    const replicas = rs.spec.replicas ?? 1;
    if (
      !failure &&
      minReady > 0 &&
      status.readyReplicas === replicas &&
      status.availableReplicas !== replicas
    ) {
      this.queue.addAfter(keyOf(rs), minReady * 1000);
    }
    if (JSON.stringify(status) === JSON.stringify(rs.status ?? {})) return;
    const client = this.replicaSets.in(rs.metadata.namespace);
    try {
      try {
        await client.updateStatus({ ...rs, status });
      } catch (error) {
        // The cached copy was stale (someone scaled it meanwhile): Kubernetes reads it afresh and
        // tries once more (statusUpdateRetries = 1) before giving the key back to the queue.
        if (!isConflict(error)) throw error;
        const fresh = await client.get(rs.metadata.name as string);
        await client.updateStatus({
          ...fresh,
          status: { ...status, observedGeneration: rs.metadata.generation },
        });
      }
    } catch (error) {
      // Deleted meanwhile: nothing to report on.
      if (!isNotFound(error)) throw error;
    }
  }
}

/** What the deletion ranking reads of a pod. */
function rankedPod(pod: Pod): RankedPod {
  const restarts = Math.max(
    0,
    ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0),
  );
  return {
    uid: pod.metadata.uid ?? "",
    nodeName: pod.spec.nodeName ?? "",
    phase: pod.status?.phase ?? "Pending",
    ready: isPodReady(pod),
    readySince: readySince(pod),
    restarts,
    created: pod.metadata.creationTimestamp
      ? Date.parse(pod.metadata.creationTimestamp)
      : undefined,
    deletionCost: deletionCostOf(pod.metadata.annotations),
    terminating: Boolean(pod.metadata.deletionTimestamp),
  };
}
