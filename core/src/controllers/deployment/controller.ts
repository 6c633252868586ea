/**
 * The Deployment controller: rolls pod templates out through ReplicaSets — kube-controller-
 * manager's pkg/controller/deployment, step ③ of the ten: "the deployment controller creates a
 * ReplicaSet".
 *
 * It never creates a pod. For each Deployment it claims ReplicaSets by selector and owner
 * reference, decides sizes with pure arithmetic (rolling-math.ts, recreate.ts, proportional.ts),
 * writes spec.replicas of ReplicaSets, and reports status and conditions. The ReplicaSet
 * controller does the rest.
 *
 * Guarantees:
 * - A RollingUpdate never has more than replicas + maxSurge pods asked for, and never scales old
 *   pods away faster than replicas − maxUnavailable available pods allow.
 * - Recreate creates the new ReplicaSet only when no old pod is left running.
 * - Paused: no rollout; scaling is still applied proportionally.
 * - Safe to restart at any time: everything is recomputed from the informers' caches; the new
 *   ReplicaSet's name is derived from the template, so a restarted controller finds, not re-creates, it.
 */
import {
  isLabelSelectorEmpty,
  matchesLabels,
  selectorFromLabelSelector,
} from "../../api/labels.ts";
import type { KubeObject } from "../../api/object.ts";
import type { Deployment, Pod, ReplicaSet } from "../../api/types.ts";
import { builtinType } from "../../client/factory.ts";
import { keyOf } from "../../client/indexer.ts";
import { type SharedIndexInformer, unwrapTombstone } from "../../client/informer.ts";
import { isNotFound, type ResourceClient } from "../../client/rest.ts";
import {
  CONTROLLER_INDEX,
  claim,
  claimCandidates,
  controllerIndexFunc,
  ensureOwnerCurrent,
} from "../claim.ts";
import type { Controller, ControllerContext, ControllerQueue } from "../context.ts";
import { controllerOf, isPodActive, namespacedKey } from "../pods.ts";
import { logFailedSync, runWorkers } from "../worker.ts";
import {
  calculateStatus,
  type DeploymentStatus,
  progressingCondition,
  rfc3339,
  setCondition,
  untilDeadline,
} from "./progress.ts";
import { isScalingEvent, scaleReplicaSets } from "./proportional.ts";
import { recreateStep } from "./recreate.ts";
import {
  annotated,
  cleanupOldReplicaSets,
  type DeploymentOps,
  findOrCreateNewReplicaSet,
  sameTemplate,
  scaleReplicaSet,
  scaleSpecOf,
} from "./replica-set-ops.ts";
import { rolloutStep } from "./rolling-math.ts";
import { REVISION_ANNOTATION } from "./status.ts";

export class DeploymentController implements Controller {
  readonly name = "deployment-controller";
  private readonly queue: ControllerQueue;
  private readonly dInformer: SharedIndexInformer<Deployment>;
  private readonly rsInformer: SharedIndexInformer<ReplicaSet>;
  private readonly podInformer: SharedIndexInformer<Pod>;
  private readonly deployments: ResourceClient<Deployment>;
  private readonly ops: DeploymentOps;

  // #region wiring
  constructor(private readonly ctx: ControllerContext) {
    this.queue = ctx.newQueue("deployment");
    this.deployments = ctx.client.resource<Deployment>(builtinType("apps/deployments"));
    this.ops = {
      deployments: this.deployments,
      replicaSets: ctx.client.resource<ReplicaSet>(builtinType("apps/replicasets")),
      recorder: ctx.recorder(this.name),
    };
    this.dInformer = ctx.informers.informerFor<Deployment>("apps/deployments");
    this.rsInformer = ctx.informers.informerFor<ReplicaSet>("apps/replicasets");
    this.podInformer = ctx.informers.informerFor<Pod>("pods");
    this.rsInformer.indexer.ensureIndex(CONTROLLER_INDEX, controllerIndexFunc);
    this.dInformer.addEventHandler({
      onAdd: (d) => this.enqueue(d),
      onUpdate: (_old, d) => this.enqueue(d),
      onDelete: (d) => this.enqueue(unwrapTombstone(d)),
    });
    this.rsInformer.addEventHandler({
      onAdd: (rs) => this.replicaSetChanged(rs),
      onUpdate: (old, rs) => {
        if (old.metadata.resourceVersion === rs.metadata.resourceVersion) return;
        const oldOwner = this.owner(old);
        if (oldOwner && controllerOf(rs)?.uid !== oldOwner.metadata.uid) this.enqueue(oldOwner);
        this.replicaSetChanged(rs);
      },
      onDelete: (obj) => {
        const d = this.owner(unwrapTombstone(obj));
        if (d) this.enqueue(d);
      },
    });
    // Recreate waits for old pods to be gone: a pod's deletion may be what it waits for.
    this.podInformer.addEventHandler({
      onDelete: (obj) => {
        const pod = unwrapTombstone(obj);
        const ref = controllerOf(pod);
        const rs =
          ref && this.rsInformer.indexer.get(namespacedKey(pod.metadata.namespace, ref.name));
        const d = rs && this.owner(rs);
        if (d?.spec.strategy?.type === "Recreate") this.enqueue(d);
      },
    });
  }

  private enqueue(d: KubeObject): void {
    this.queue.add(keyOf(d));
  }

  private owner(rs: ReplicaSet): Deployment | undefined {
    const ref = controllerOf(rs);
    if (ref?.kind !== "Deployment") return undefined;
    const d = this.dInformer.indexer.get(namespacedKey(rs.metadata.namespace, ref.name));
    return d?.metadata.uid === ref.uid ? d : undefined;
  }

  private replicaSetChanged(rs: ReplicaSet): void {
    const d = this.owner(rs);
    if (d) {
      this.enqueue(d);
      return;
    }
    if (controllerOf(rs)) return;
    // An orphan: every Deployment that would select it may adopt it.
    for (const candidate of this.dInformer.indexer.byIndex(
      "namespace",
      rs.metadata.namespace ?? "",
    )) {
      if (matchesLabels(selectorFromLabelSelector(candidate.spec.selector), rs.metadata.labels))
        this.enqueue(candidate);
    }
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
   * 1. Read the Deployment; an empty selector selects everything and is refused.
   * 2. Claim its ReplicaSets (adopt matching orphans, release ones that stopped matching).
   * 3. Being deleted: only report status. Paused, or a change of replicas alone: scale
   *    proportionally and report. Otherwise roll out with the strategy.
   * 4. Complete: prune old ReplicaSets past revisionHistoryLimit.
   * 5. Write status and conditions; look again when the progress deadline would pass.
   */
  async reconcile(key: string): Promise<void> {
    const d = this.dInformer.indexer.get(key);
    if (!d) return;
    const now = this.ctx.clock.now();
    const selector = selectorFromLabelSelector(d.spec.selector);
    if (isLabelSelectorEmpty(selector)) {
      this.ops.recorder.event(
        d,
        "Warning",
        "SelectingAll",
        "This deployment is selecting all pods. A non-empty selector is required.",
      );
      return;
    }
    const rses = await claim<ReplicaSet>({
      owner: d,
      selector,
      candidates: claimCandidates(this.rsInformer.indexer, d),
      patchOwners: (rs, ownerReferences) =>
        this.ops.replicaSets
          .in(rs.metadata.namespace)
          .patch(rs.metadata.name as string, { metadata: { ownerReferences } }),
      canAdopt: () =>
        ensureOwnerCurrent(d, () =>
          this.deployments.in(d.metadata.namespace).get(d.metadata.name as string),
        ),
    });
    if (d.metadata.deletionTimestamp) return this.writeStatus(d, rses, undefined, false, now);
    const wasPaused = d.status?.conditions?.some((c) => c.reason === "DeploymentPaused");
    if (d.spec.paused || isScalingEvent(d.spec.replicas ?? 1, rses.map(scalable))) {
      return this.scaleOnly(d, rses, now, Boolean(d.spec.paused) !== Boolean(wasPaused));
    }
    const strategy = d.spec.strategy?.type ?? "RollingUpdate";
    const { newRS, created, all } =
      strategy === "Recreate" ? await this.recreate(d, rses) : await this.rolling(d, rses);
    await this.writeStatus(d, all, newRS, created, now);
  }
  // #endregion reconcile

  // #region rolling
  /** One step of a rolling update: grow the new ReplicaSet, or else shrink old ones. */
  private async rolling(d: Deployment, rses: ReplicaSet[]) {
    let newRS = rses.find((rs) => sameTemplateCached(rs, d));
    const oldRSes = () => rses.filter((rs) => rs !== newRS);
    const step = rolloutStep({
      ...scaleSpecOf(d),
      newRS: newRS && {
        replicas: newRS.spec.replicas ?? 0,
        available: newRS.status?.availableReplicas ?? 0,
      },
      oldRSes: oldRSes().map((rs) => counts(rs)),
    });
    const found = await findOrCreateNewReplicaSet(this.ops, d, rses, step.newReplicas);
    const created = found.created;
    if (found.newRS && !created) {
      rses = rses.map((rs) =>
        rs.metadata.uid === found.newRS?.metadata.uid ? (found.newRS as ReplicaSet) : rs,
      );
    }
    newRS = found.newRS;
    if (created && newRS) rses = [...rses, newRS];
    if (newRS && !created && (newRS.spec.replicas ?? 0) !== step.newReplicas) {
      newRS = await scaleReplicaSet(this.ops, d, newRS, step.newReplicas);
      rses = rses.map((rs) =>
        rs.metadata.uid === newRS?.metadata.uid ? (newRS as ReplicaSet) : rs,
      );
    }
    for (const down of step.scaleDowns) {
      const rs = rses.find((r) => r.metadata.name === down.name) as ReplicaSet;
      const scaled = await scaleReplicaSet(this.ops, d, rs, down.replicas);
      rses = rses.map((r) => (r === rs ? scaled : r));
    }
    await this.cleanupIfComplete(d, newRS, oldRSes());
    return { newRS, created, all: rses };
  }
  // #endregion rolling

  /** Recreate: every old ReplicaSet to 0, wait for their pods to go, then the new one at full size. */
  private async recreate(d: Deployment, rses: ReplicaSet[]) {
    let newRS = rses.find((rs) => sameTemplateCached(rs, d));
    const olds = rses.filter((rs) => rs !== newRS);
    const oldUids = new Set(olds.map((rs) => rs.metadata.uid));
    const oldPodsNotTerminated = this.podInformer.indexer
      .byIndex("namespace", d.metadata.namespace ?? "")
      .filter((pod) => oldUids.has(controllerOf(pod)?.uid) && isPodActive(pod)).length;
    const decision = recreateStep({
      replicas: d.spec.replicas ?? 1,
      newRS: newRS && { replicas: newRS.spec.replicas ?? 0 },
      oldRSes: olds.map((rs) => ({
        name: rs.metadata.name as string,
        replicas: rs.spec.replicas ?? 0,
        statusReplicas: rs.status?.replicas ?? 0,
      })),
      oldPodsNotTerminated,
    });
    let created = false;
    switch (decision.action) {
      case "scale-down-old":
        for (const down of decision.scaleDowns) {
          const rs = olds.find((r) => r.metadata.name === down.name) as ReplicaSet;
          await scaleReplicaSet(this.ops, d, rs, down.replicas);
        }
        break;
      case "create-new": {
        const found = await findOrCreateNewReplicaSet(this.ops, d, rses, decision.replicas);
        newRS = found.newRS;
        created = found.created;
        break;
      }
      case "scale-new":
        if (newRS) newRS = await scaleReplicaSet(this.ops, d, newRS, decision.replicas);
        break;
      case "wait":
      case "done":
        break;
    }
    if (!created && newRS)
      newRS = (await findOrCreateNewReplicaSet(this.ops, d, rses, undefined)).newRS;
    await this.cleanupIfComplete(d, newRS, olds);
    return {
      newRS,
      created,
      all:
        newRS && !rses.includes(newRS)
          ? [...rses.filter((r) => r.metadata.uid !== newRS?.metadata.uid), newRS]
          : rses,
    };
  }

  /** Paused or resized: share the new size among the active ReplicaSets; no rollout. */
  private async scaleOnly(
    d: Deployment,
    rses: ReplicaSet[],
    now: number,
    pauseChanged: boolean,
  ): Promise<void> {
    const newRS = (await findOrCreateNewReplicaSet(this.ops, d, rses, undefined)).newRS;
    const olds = rses.filter((rs) => rs.metadata.uid !== newRS?.metadata.uid);
    const plan = scaleReplicaSets({
      ...scaleSpecOf(d),
      statusReplicas: d.status?.replicas ?? 0,
      newRS: newRS && scalable(newRS),
      oldRSes: olds.map(scalable),
    });
    let all = newRS ? [...olds, newRS] : olds;
    for (const to of plan) {
      const rs = all.find((r) => r.metadata.name === to.name) as ReplicaSet;
      const scaled = await scaleReplicaSet(this.ops, d, rs, to.replicas);
      all = all.map((r) => (r === rs ? scaled : r));
    }
    if (d.spec.paused) await cleanupOldReplicaSets(this.ops, d, olds);
    let status = calculateStatus(d, newRS, all, now);
    if (pauseChanged && d.spec.progressDeadlineSeconds !== undefined) {
      const time = rfc3339(now);
      const [reason, message] = d.spec.paused
        ? ["DeploymentPaused", "Deployment is paused"]
        : ["DeploymentResumed", "Deployment is resumed"];
      status = {
        ...status,
        conditions: setCondition(status.conditions ?? [], {
          type: "Progressing",
          status: "Unknown",
          reason,
          message,
          lastUpdateTime: time,
          lastTransitionTime: time,
        }),
      };
    }
    await this.putStatus(d, status);
  }

  private async cleanupIfComplete(
    d: Deployment,
    newRS: ReplicaSet | undefined,
    olds: ReplicaSet[],
  ): Promise<void> {
    const replicas = d.spec.replicas ?? 1;
    const done =
      newRS &&
      (newRS.status?.availableReplicas ?? 0) === replicas &&
      olds.every((rs) => (rs.spec.replicas ?? 0) === 0);
    if (done) await cleanupOldReplicaSets(this.ops, d, olds);
  }

  private async writeStatus(
    d: Deployment,
    all: ReplicaSet[],
    newRS: ReplicaSet | undefined,
    created: boolean,
    now: number,
  ): Promise<void> {
    d = await this.syncRevision(d, newRS);
    let status = calculateStatus(d, newRS, all, now);
    const progressing = progressingCondition(d, status, newRS, created, now);
    if (progressing)
      status = { ...status, conditions: setCondition(status.conditions ?? [], progressing) };
    // The ReplicaSet's failure to create pods is the Deployment's too.
    const failure = newRS?.status?.conditions?.find((c) => c.type === "ReplicaFailure");
    const conditions = (status.conditions ?? []).filter((c) => c.type !== "ReplicaFailure");
    status = { ...status, conditions: failure ? [...conditions, failure] : conditions };
    await this.putStatus(d, status);
    const requeue = untilDeadline({ ...d, status }, now);
    if (requeue !== undefined) this.queue.addAfter(keyOf(d), requeue);
  }

  /** The Deployment carries its new ReplicaSet's revision (SetDeploymentRevision). */
  private async syncRevision(d: Deployment, newRS: ReplicaSet | undefined): Promise<Deployment> {
    const revision = newRS?.metadata.annotations?.[REVISION_ANNOTATION];
    if (!revision || d.metadata.annotations?.[REVISION_ANNOTATION] === revision) return d;
    const annotations = { ...d.metadata.annotations, [REVISION_ANNOTATION]: revision };
    return this.deployments
      .in(d.metadata.namespace)
      .update({ ...d, metadata: { ...d.metadata, annotations } });
  }

  private async putStatus(d: Deployment, status: DeploymentStatus): Promise<void> {
    if (JSON.stringify(status) === JSON.stringify(d.status ?? {})) return;
    try {
      await this.deployments.in(d.metadata.namespace).updateStatus({ ...d, status });
    } catch (error) {
      // Deleted meanwhile: nothing to report on. A conflict is thrown and retried.
      if (!isNotFound(error)) throw error;
    }
  }
}

/** EqualIgnoreHash against the Deployment's template. */
function sameTemplateCached(rs: ReplicaSet, d: Deployment): boolean {
  return sameTemplate(rs.spec.template, d.spec.template);
}

function counts(rs: ReplicaSet) {
  return {
    name: rs.metadata.name as string,
    replicas: rs.spec.replicas ?? 0,
    available: rs.status?.availableReplicas ?? 0,
    created: Date.parse(rs.metadata.creationTimestamp ?? "") || 0,
  };
}

function scalable(rs: ReplicaSet) {
  return { ...counts(rs), ...annotated(rs) };
}
