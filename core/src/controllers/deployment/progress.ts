/**
 * A Deployment's status and its two conditions — pkg/controller/deployment/progress.go and
 * sync.go (calculateStatus, syncRolloutStatus). `kubectl rollout status` reads exactly these:
 * observedGeneration, updatedReplicas, replicas, availableReplicas, and the Progressing
 * condition's reason (ProgressDeadlineExceeded ends the wait with an error).
 *
 * - Available: True "MinimumReplicasAvailable" once at least replicas − maxUnavailable pods are
 *   available, else False "MinimumReplicasUnavailable".
 * - Progressing (only with progressDeadlineSeconds): True "NewReplicaSetCreated" / "FoundNewReplicaSet"
 *   when a rollout starts, True "ReplicaSetUpdated" each time it moves, True "NewReplicaSetAvailable"
 *   when complete, False "ProgressDeadlineExceeded" when it has not moved for the deadline, and
 *   Unknown "DeploymentPaused" / "DeploymentResumed".
 * Moving means: more updated, ready or available pods than the last status, or fewer old ones.
 */
import { metaTime } from "../../api/time.ts";
import type { Condition, Deployment, ReplicaSet } from "../../api/types.ts";
import { scaleSpecOf } from "./replica-set-ops.ts";
import { deploymentComplete, deploymentStatus, type ReplicaSetStatusCounts } from "./status.ts";

export type DeploymentStatus = NonNullable<Deployment["status"]>;

const counts = (rs: ReplicaSet): ReplicaSetStatusCounts => ({
  replicas: rs.spec.replicas ?? 0,
  statusReplicas: rs.status?.replicas ?? 0,
  readyReplicas: rs.status?.readyReplicas ?? 0,
  availableReplicas: rs.status?.availableReplicas ?? 0,
});

export const rfc3339 = metaTime;

/** Sets a condition; the transition time moves only when the status changes (SetDeploymentCondition). */
export function setCondition(conditions: Condition[], next: Condition): Condition[] {
  const old = conditions.find((c) => c.type === next.type);
  if (old && old.status === next.status && old.reason === next.reason) return conditions;
  const kept =
    old && old.status === next.status
      ? { ...next, lastTransitionTime: old.lastTransitionTime }
      : next;
  return [...conditions.filter((c) => c.type !== next.type), kept];
}

// #region calculateStatus
/** The counts and the Available condition, from the ReplicaSets (calculateStatus). */
export function calculateStatus(
  d: Deployment,
  newRS: ReplicaSet | undefined,
  all: ReplicaSet[],
  now: number,
): DeploymentStatus {
  const c = deploymentStatus(scaleSpecOf(d), newRS && counts(newRS), all.map(counts));
  let conditions = d.status?.conditions ?? [];
  const time = rfc3339(now);
  conditions = setCondition(
    conditions,
    c.minimumAvailable
      ? {
          type: "Available",
          status: "True",
          reason: "MinimumReplicasAvailable",
          message: "Deployment has minimum availability.",
          lastUpdateTime: time,
          lastTransitionTime: time,
        }
      : {
          type: "Available",
          status: "False",
          reason: "MinimumReplicasUnavailable",
          message: "Deployment does not have minimum availability.",
          lastUpdateTime: time,
          lastTransitionTime: time,
        },
  );
  return {
    observedGeneration: d.metadata.generation,
    replicas: c.replicas,
    updatedReplicas: c.updatedReplicas,
    readyReplicas: c.readyReplicas,
    availableReplicas: c.availableReplicas,
    unavailableReplicas: c.unavailableReplicas,
    conditions,
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
  };
}
// #endregion calculateStatus

// #region progressing
/**
 * The Progressing condition after a rollout sync; `created` says this sync created the new
 * ReplicaSet.
 */
export function progressingCondition(
  d: Deployment,
  status: DeploymentStatus,
  newRS: ReplicaSet | undefined,
  created: boolean,
  now: number,
): Condition | undefined {
  if (d.spec.progressDeadlineSeconds === undefined || d.spec.paused) return undefined;
  const current = d.status?.conditions?.find((c) => c.type === "Progressing");
  const time = rfc3339(now);
  const name = newRS?.metadata.name ?? "";
  const condition = (s: Condition["status"], reason: string, message: string): Condition => ({
    type: "Progressing",
    status: s,
    reason,
    message,
    lastUpdateTime: time,
    lastTransitionTime: current?.status === s ? (current.lastTransitionTime ?? time) : time,
  });
  if (created)
    return condition("True", "NewReplicaSetCreated", `Created new replica set "${name}"`);
  const replicas = d.spec.replicas ?? 1;
  if (
    newRS &&
    deploymentComplete(
      { replicas, generation: d.metadata.generation ?? 0 },
      {
        updatedReplicas: status.updatedReplicas ?? 0,
        replicas: status.replicas ?? 0,
        availableReplicas: status.availableReplicas ?? 0,
        observedGeneration: status.observedGeneration ?? 0,
      },
    )
  ) {
    if (current?.reason === "NewReplicaSetAvailable") return current;
    return condition(
      "True",
      "NewReplicaSetAvailable",
      `ReplicaSet "${name}" has successfully progressed.`,
    );
  }
  const old = d.status ?? {};
  const moved =
    (status.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    (status.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (status.availableReplicas ?? 0) > (old.availableReplicas ?? 0) ||
    (status.replicas ?? 0) - (status.updatedReplicas ?? 0) <
      (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  if (
    moved ||
    !current ||
    current.reason === "NewReplicaSetAvailable" ||
    current.reason === "DeploymentResumed"
  ) {
    if (!moved && current?.reason === "DeploymentResumed") return current;
    return condition("True", "ReplicaSetUpdated", `ReplicaSet "${name}" is progressing.`);
  }
  if (current.reason === "ProgressDeadlineExceeded") return current;
  const since = Date.parse(current.lastUpdateTime ?? current.lastTransitionTime ?? time);
  if (since + d.spec.progressDeadlineSeconds * 1000 < now) {
    return condition(
      "False",
      "ProgressDeadlineExceeded",
      `ReplicaSet "${name}" has timed out progressing.`,
    );
  }
  return current;
}
// #endregion progressing

/** How long until this Deployment's progress deadline passes, if a rollout is under way. */
export function untilDeadline(d: Deployment, now: number): number | undefined {
  const current = d.status?.conditions?.find((c) => c.type === "Progressing");
  if (
    current?.status !== "True" ||
    current.reason === "NewReplicaSetAvailable" ||
    d.spec.progressDeadlineSeconds === undefined
  ) {
    return undefined;
  }
  const since = Date.parse(current.lastUpdateTime ?? current.lastTransitionTime ?? "");
  return Math.max(0, since + d.spec.progressDeadlineSeconds * 1000 - now) + 1;
}
