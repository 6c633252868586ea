/**
 * A ReplicaSet's status, computed from the pods it owns (replica_set_utils.go calculateStatus).
 * `kubectl get rs` prints DESIRED (spec.replicas), CURRENT (replicas) and READY (readyReplicas);
 * the Deployment controller reads availableReplicas to pace a rollout.
 */
import { matchesLabels, selectorFromSet } from "../../api/labels.ts";
import type { Condition, Pod, ReplicaSet } from "../../api/types.ts";
import { isPodAvailable, isPodReady } from "../pods.ts";

export type ReplicaSetStatus = NonNullable<ReplicaSet["status"]>;

// #region replicaSetStatus
/**
 * - replicas: active pods it owns; fullyLabeledReplicas: those that also carry every label of the
 *   template (a pod relabelled by hand still matching the selector does not);
 * - readyReplicas: Ready; availableReplicas: Ready for minReadySeconds;
 * - observedGeneration: the spec generation this status describes (clients compare it with
 *   metadata.generation to know the controller has seen their change);
 * - ReplicaFailure=True while creating or deleting pods fails, with the error as message.
 */
export function replicaSetStatus(
  rs: ReplicaSet,
  pods: Pod[],
  failure: string | undefined,
  now: number,
): ReplicaSetStatus {
  const templateLabels = selectorFromSet(rs.spec.template.metadata?.labels);
  const minReady = rs.spec.minReadySeconds ?? 0;
  const conditions = (rs.status?.conditions ?? []).filter((c) => c.type !== "ReplicaFailure");
  const existing = rs.status?.conditions?.find((c) => c.type === "ReplicaFailure");
  if (failure !== undefined) {
    const diff = pods.length - (rs.spec.replicas ?? 1);
    const condition: Condition = {
      type: "ReplicaFailure",
      status: "True",
      reason: diff < 0 ? "FailedCreate" : "FailedDelete",
      message: failure,
      lastTransitionTime:
        existing?.lastTransitionTime ?? new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z"),
    };
    conditions.push(condition);
  }
  return {
    replicas: pods.length,
    fullyLabeledReplicas: pods.filter((p) => matchesLabels(templateLabels, p.metadata.labels))
      .length,
    readyReplicas: pods.filter(isPodReady).length,
    availableReplicas: pods.filter((p) => isPodAvailable(p, minReady, now)).length,
    observedGeneration: rs.metadata.generation,
    ...(conditions.length > 0 ? { conditions } : {}),
  };
}
// #endregion replicaSetStatus
