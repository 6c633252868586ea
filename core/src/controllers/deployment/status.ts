/**
 * Revisions and status arithmetic of a Deployment (kubernetes
 * `pkg/controller/deployment/util/deployment_util.go`: MaxRevision, Revision, DeploymentComplete;
 * `pkg/controller/deployment/sync.go`: calculateStatus).
 *
 * Guarantees:
 * - Revisions come from the `deployment.kubernetes.io/revision` annotation of the ReplicaSets;
 *   a missing one counts as 0, one that is not an integer is skipped.
 * - A new ReplicaSet gets nextRevision(old ones) = highest old revision + 1: rolling back to an
 *   old ReplicaSet gives it a new, highest revision, which is why `kubectl rollout history`
 *   never shows a revision twice.
 * - deploymentStatus counts as the controller does: spec counts for unavailability, status counts
 *   for the rest; unavailableReplicas is never negative.
 */
import { type RollingUpdateSpec, rollingLimits } from "./int-or-percent.ts";

export const REVISION_ANNOTATION = "deployment.kubernetes.io/revision";

type Annotated = { annotations?: Readonly<Record<string, string>> | undefined };

/** A ReplicaSet's revision: 0 without the annotation, undefined when it is not an integer. */
export function revisionOf(rs: Annotated): number | undefined {
  const value = rs.annotations?.[REVISION_ANNOTATION];
  if (value === undefined) return 0;
  // Go's strconv.ParseInt(v, 10, 64): optional sign, decimal digits.
  return /^[+-]?[0-9]+$/.test(value) ? Number(value) : undefined;
}

/** MaxRevision: the highest revision among the ReplicaSets; 0 if none has one. */
export function maxRevision(rses: readonly Annotated[]): number {
  return rses.reduce((max, rs) => Math.max(max, revisionOf(rs) ?? 0), 0);
}

/** The revision for the new ReplicaSet, given the old ones, as the annotation's string. */
export function nextRevision(oldRSes: readonly Annotated[]): string {
  return String(maxRevision(oldRSes) + 1);
}

/** What a Deployment's status is computed from: one entry per ReplicaSet. */
export interface ReplicaSetStatusCounts {
  /** spec.replicas. */
  replicas: number;
  /** status.replicas: pods the ReplicaSet has. */
  statusReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
}

export interface DeploymentStatusCounts {
  replicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  unavailableReplicas: number;
  /** The Available condition: at least replicas − maxUnavailable pods are available. */
  minimumAvailable: boolean;
}

/**
 * calculateStatus, the counting part. Example: replicas 10, maxUnavailable 2, new ReplicaSet
 * spec 5 (5 pods, 3 available), old spec 8 (8 pods, all available): replicas 13, updated 5,
 * available 11, unavailable 13 − 11 = 2, and 11 ≥ 10 − 2, so the Deployment is Available.
 */
export function deploymentStatus(
  spec: RollingUpdateSpec & { strategy: "RollingUpdate" | "Recreate" },
  newRS: ReplicaSetStatusCounts | undefined,
  allRSes: readonly ReplicaSetStatusCounts[],
): DeploymentStatusCounts {
  const sum = (f: (rs: ReplicaSetStatusCounts) => number) =>
    allRSes.reduce((total, rs) => total + f(rs), 0);
  const availableReplicas = sum((rs) => rs.availableReplicas);
  // MaxUnavailable(deployment) is 0 for Recreate, which promises nothing about availability.
  const maxUnavailable = spec.strategy === "RollingUpdate" ? rollingLimits(spec).maxUnavailable : 0;
  return {
    replicas: sum((rs) => rs.statusReplicas),
    updatedReplicas: newRS?.statusReplicas ?? 0,
    readyReplicas: sum((rs) => rs.readyReplicas),
    availableReplicas,
    unavailableReplicas: Math.max(0, sum((rs) => rs.replicas) - availableReplicas),
    minimumAvailable: availableReplicas >= spec.replicas - maxUnavailable,
  };
}

/**
 * DeploymentComplete: every desired pod is updated and available, no old pod is left, and the
 * status describes the current generation. Only then does the controller prune old ReplicaSets
 * beyond revisionHistoryLimit and report NewReplicaSetAvailable.
 */
export function deploymentComplete(
  deployment: { replicas: number; generation: number },
  status: {
    updatedReplicas: number;
    replicas: number;
    availableReplicas: number;
    observedGeneration: number;
  },
): boolean {
  return (
    status.updatedReplicas === deployment.replicas &&
    status.replicas === deployment.replicas &&
    status.availableReplicas === deployment.replicas &&
    status.observedGeneration >= deployment.generation
  );
}
