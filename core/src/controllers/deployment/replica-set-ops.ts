/**
 * What the Deployment controller does to ReplicaSets: find the one with the Deployment's pod
 * template (or create it, named by the template's hash), scale one, and prune old ones past
 * revisionHistoryLimit — pkg/controller/deployment/sync.go.
 *
 * A Deployment never touches pods. It owns ReplicaSets, one per pod template it has had; each
 * carries the label pod-template-hash=<hash> in its selector and template, so the ReplicaSets'
 * pod sets never overlap. The "new" ReplicaSet is the one whose template equals the
 * Deployment's (ignoring that label); every other one is "old".
 */
import type { KubeObject } from "../../api/object.ts";
import type { Deployment, PodTemplateSpec, ReplicaSet } from "../../api/types.ts";
import type { EventRecorder } from "../../client/events.ts";
import { isAlreadyExists, isNotFound, type ResourceClient } from "../../client/rest.ts";
import { controllerRef } from "../pods.ts";
import { replicasAnnotations } from "./proportional.ts";
import { maxRevision, REVISION_ANNOTATION, revisionOf } from "./status.ts";
import { canonicalJson, computeHash, POD_TEMPLATE_HASH_LABEL } from "./template-hash.ts";

/** Old revisions a ReplicaSet has had, when a rollback re-used it (kubectl rollout history shows them). */
export const REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history";

/** Deployment annotations that are the controller's or kubectl's own, not copied to ReplicaSets. */
const NOT_COPIED = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  "deployment.kubernetes.io/desired-replicas",
  "deployment.kubernetes.io/max-replicas",
  "deprecated.deployment.rollback.to",
]);

export interface DeploymentOps {
  replicaSets: ResourceClient<ReplicaSet>;
  deployments: ResourceClient<Deployment>;
  recorder: EventRecorder;
}

/** EqualIgnoreHash: the same pod template, whatever pod-template-hash label either carries. */
export function sameTemplate(a: PodTemplateSpec, b: PodTemplateSpec): boolean {
  const strip = (t: PodTemplateSpec) => {
    const labels = { ...t.metadata?.labels };
    delete labels[POD_TEMPLATE_HASH_LABEL];
    return canonicalJson({ ...t, metadata: { ...t.metadata, labels } });
  };
  return strip(a) === strip(b);
}

/** The Deployment's annotations a ReplicaSet carries, plus its revision. */
/** The Deployment's annotations that its ReplicaSets carry too. */
function copiedAnnotations(d: Deployment): Record<string, string> {
  return Object.fromEntries(
    Object.entries(d.metadata.annotations ?? {}).filter(([k]) => !NOT_COPIED.has(k)),
  );
}

function rsAnnotations(d: Deployment, revision: string, replicas: number): Record<string, string> {
  return {
    ...copiedAnnotations(d),
    [REVISION_ANNOTATION]: revision,
    ...replicasAnnotations(scaleSpecOf(d, replicas)),
  };
}

export function scaleSpecOf(d: Deployment, replicas = d.spec.replicas ?? 1) {
  const strategy = d.spec.strategy?.type ?? "RollingUpdate";
  return {
    replicas,
    strategy,
    maxSurge: d.spec.strategy?.rollingUpdate?.maxSurge,
    maxUnavailable: d.spec.strategy?.rollingUpdate?.maxUnavailable,
  } as const;
}

// #region newReplicaSet
/**
 * The new ReplicaSet for `d`, created with `replicas` if none has its template yet.
 * 1. An existing one with the template: make sure its revision is the highest (a rollback
 *    re-uses an old ReplicaSet; it gets revision max+1, its old number goes to revision-history).
 * 2. Otherwise create `<deployment>-<hash>`, where the hash covers the template and
 *    status.collisionCount. If that name is taken by a ReplicaSet with another template (a hash
 *    collision), bump collisionCount in the Deployment's status and fail: the next sync hashes
 *    differently.
 */
export async function findOrCreateNewReplicaSet(
  ops: DeploymentOps,
  d: Deployment,
  rses: ReplicaSet[],
  replicas: number | undefined,
): Promise<{ newRS: ReplicaSet | undefined; created: boolean }> {
  const existing = rses.find((rs) => sameTemplate(rs.spec.template, d.spec.template));
  const olds = rses.filter((rs) => rs !== existing);
  const next = String(
    maxRevision(olds.map((rs) => ({ annotations: rs.metadata.annotations }))) + 1,
  );
  if (existing) {
    // SetNewReplicaSetAnnotations: the Deployment's annotations (kubernetes.io/change-cause, ...)
    // follow it to its current ReplicaSet on every sync, and the revision is the highest.
    const annotations: Record<string, string> = {
      ...existing.metadata.annotations,
      ...copiedAnnotations(d),
    };
    const current = revisionOf({ annotations: existing.metadata.annotations }) ?? 0;
    if (current < Number(next)) {
      annotations[REVISION_ANNOTATION] = next;
      if (current > 0) {
        const history = existing.metadata.annotations?.[REVISION_HISTORY_ANNOTATION];
        annotations[REVISION_HISTORY_ANNOTATION] = history
          ? `${history},${current}`
          : String(current);
      }
    }
    if (canonicalJson(annotations) === canonicalJson(existing.metadata.annotations ?? {})) {
      return { newRS: existing, created: false };
    }
    const updated = await ops.replicaSets.in(existing.metadata.namespace).update({
      ...existing,
      metadata: { ...existing.metadata, annotations },
    });
    return { newRS: updated, created: false };
  }
  if (replicas === undefined) return { newRS: undefined, created: false };
  const collisionCount = d.status?.collisionCount;
  const hash = computeHash(d.spec.template, collisionCount);
  const labels = { ...d.spec.template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash };
  const rs: ReplicaSet = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${d.metadata.name}-${hash}`,
      namespace: d.metadata.namespace,
      labels,
      annotations: rsAnnotations(d, next, d.spec.replicas ?? 1),
      ownerReferences: [controllerRef(d)],
    },
    spec: {
      replicas,
      minReadySeconds: d.spec.minReadySeconds ?? 0,
      selector: {
        ...d.spec.selector,
        matchLabels: { ...d.spec.selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash },
      },
      template: { ...d.spec.template, metadata: { ...d.spec.template.metadata, labels } },
    },
  };
  try {
    const created = await ops.replicaSets.in(d.metadata.namespace).create(rs);
    ops.recorder.event(
      d,
      "Normal",
      "ScalingReplicaSet",
      `Scaled up replica set ${rs.metadata.name} from 0 to ${replicas}`,
    );
    return { newRS: created, created: true };
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    const clash = await ops.replicaSets.in(d.metadata.namespace).get(rs.metadata.name as string);
    if (
      clash.metadata.ownerReferences?.some((r) => r.uid === d.metadata.uid) &&
      sameTemplate(clash.spec.template, d.spec.template)
    ) {
      return { newRS: clash, created: false };
    }
    await ops.deployments.in(d.metadata.namespace).updateStatus({
      ...d,
      status: { ...d.status, collisionCount: (collisionCount ?? 0) + 1 },
    });
    throw new Error(
      `hash collision for ${rs.metadata.name}: collisionCount is now ${(collisionCount ?? 0) + 1}`,
    );
  }
}
// #endregion newReplicaSet

/**
 * Sets a ReplicaSet's spec.replicas (and the desired/max-replicas annotations proportional
 * scaling reads), with the event `kubectl describe deployment` shows.
 */
export async function scaleReplicaSet(
  ops: DeploymentOps,
  d: Deployment,
  rs: ReplicaSet,
  replicas: number,
): Promise<ReplicaSet> {
  const from = rs.spec.replicas ?? 0;
  const annotations = { ...rs.metadata.annotations, ...replicasAnnotations(scaleSpecOf(d)) };
  const sameAnnotations =
    canonicalJson(annotations) === canonicalJson(rs.metadata.annotations ?? {});
  if (from === replicas && sameAnnotations) return rs;
  const updated = await ops.replicaSets.in(rs.metadata.namespace).update({
    ...rs,
    metadata: { ...rs.metadata, annotations },
    spec: { ...rs.spec, replicas },
  });
  if (from !== replicas) {
    const direction = replicas > from ? "up" : "down";
    ops.recorder.event(
      d,
      "Normal",
      "ScalingReplicaSet",
      `Scaled ${direction} replica set ${rs.metadata.name} from ${from} to ${replicas}`,
    );
  }
  return updated;
}

// #region cleanup
/**
 * Keeps at most revisionHistoryLimit old ReplicaSets that are fully scaled down (spec and status
 * 0 replicas), deleting the lowest revisions first. They are the rollback targets of
 * `kubectl rollout undo`; a limit of 0 makes rollback impossible.
 */
export async function cleanupOldReplicaSets(
  ops: DeploymentOps,
  d: Deployment,
  oldRSes: ReplicaSet[],
): Promise<void> {
  const limit = d.spec.revisionHistoryLimit ?? 10;
  const cleanable = oldRSes
    .filter(
      (rs) =>
        (rs.spec.replicas ?? 0) === 0 &&
        (rs.status?.replicas ?? 0) === 0 &&
        !rs.metadata.deletionTimestamp,
    )
    .sort((a, b) => (revisionOf(annotated(a)) ?? 0) - (revisionOf(annotated(b)) ?? 0));
  for (const rs of cleanable.slice(0, Math.max(0, cleanable.length - limit))) {
    try {
      await ops.replicaSets.in(rs.metadata.namespace).delete(rs.metadata.name as string);
    } catch (error) {
      // Already gone is what we wanted.
      if (!isNotFound(error)) throw error;
    }
  }
}
// #endregion cleanup

export function annotated(o: KubeObject): { annotations?: Record<string, string> } {
  return { annotations: o.metadata.annotations };
}
