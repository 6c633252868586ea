/**
 * One sync of a Recreate rollout, as a decision: kill every old pod first, and only when none is
 * left start the new ones, all at once (kubernetes `pkg/controller/deployment/recreate.go`).
 *
 * Guarantees:
 * - While any old ReplicaSet has spec.replicas > 0, the decision scales them all to 0 and
 *   nothing else.
 * - While an old pod still runs (an old ReplicaSet's status.replicas > 0, or any pod outside the
 *   new ReplicaSet that is not Succeeded or Failed), the decision is to wait: no old and new pods
 *   ever run side by side. Terminating pods count as running.
 * - Only then is the new ReplicaSet created, or scaled, to the Deployment's replicas.
 *
 * Trace: v1 runs 3 pods, the template changes.
 *   sync 1   scale-down-old   v1 → 0           (pods start terminating)
 *   sync 2   wait             v1 status.replicas 3 → the controller waits for the pods to go
 *   sync 3   create-new       v2 at 3          (no v1 pod left)
 *   sync 4   done
 */
import type { ScaleTo } from "./rolling-math.ts";

export interface RecreateInput {
  /** spec.replicas of the Deployment. */
  replicas: number;
  /** The ReplicaSet with the Deployment's template, absent if not created yet. */
  newRS?: { replicas: number } | undefined;
  /** The other ReplicaSets: spec.replicas and status.replicas (pods they still see). */
  oldRSes: readonly { name: string; replicas: number; statusReplicas: number }[];
  /** Pods of the Deployment outside the new ReplicaSet whose phase is not Succeeded or Failed. */
  oldPodsNotTerminated: number;
}

/** What the sync does; the sync after it looks again. */
export type RecreateDecision =
  /** Set these old ReplicaSets to 0 replicas; nothing else this sync. */
  | { action: "scale-down-old"; scaleDowns: ScaleTo[] }
  /** Old pods still run: do nothing until they are gone. */
  | { action: "wait" }
  /** Create the new ReplicaSet with `replicas`. */
  | { action: "create-new"; replicas: number }
  /** Set the new ReplicaSet's spec.replicas to `replicas`. */
  | { action: "scale-new"; replicas: number }
  /** The new ReplicaSet already has the Deployment's replicas. */
  | { action: "done" };

// #region recreate-step
export function recreateStep(input: RecreateInput): RecreateDecision {
  // 1. scaleDownOldReplicaSetsForRecreate: every active old ReplicaSet to 0.
  const scaleDowns = input.oldRSes
    .filter((rs) => rs.replicas !== 0)
    .map((rs) => ({ name: rs.name, replicas: 0 }));
  if (scaleDowns.length > 0) return { action: "scale-down-old", scaleDowns };
  // 2. oldPodsRunning: the ReplicaSets' own count, or any non-terminal pod outside the new one.
  const oldStatus = input.oldRSes.reduce((sum, rs) => sum + rs.statusReplicas, 0);
  if (oldStatus > 0 || input.oldPodsNotTerminated > 0) return { action: "wait" };
  // 3. Create the new ReplicaSet (Recreate's NewRSNewReplicas is simply replicas), or scale it.
  if (input.newRS === undefined) return { action: "create-new", replicas: input.replicas };
  if (input.newRS.replicas !== input.replicas) {
    return { action: "scale-new", replicas: input.replicas };
  }
  return { action: "done" };
}
// #endregion recreate-step
