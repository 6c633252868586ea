/**
 * Scaling a Deployment whose replicas changed: which ReplicaSets get the new pods, or lose the
 * surplus (kubernetes `pkg/controller/deployment/sync.go` `scale`, `isScalingEvent`, and
 * `FindActiveOrLatest`, `IsSaturated`, `GetReplicaSetProportion` in `util/deployment_util.go`).
 *
 * Guarantees:
 * - With at most one ReplicaSet that has pods, that one (or, with none, the newest: the new
 *   ReplicaSet, else the newest old one) takes the Deployment's replicas, and nothing else moves.
 * - A saturated new ReplicaSet (all replicas, all available) sends the old ones to 0.
 * - Otherwise, in a rolling update, every ReplicaSet with pods keeps its share: the total
 *   becomes replicas + maxSurge (0 when replicas is 0), split in proportion to each ReplicaSet's
 *   size against the max-replicas annotation it was last scaled under. Scaling mid-rollout
 *   neither rushes the rollout (new ReplicaSet growing) nor rolls it back (old ones shrinking).
 *   Rounding leftovers go to the largest ReplicaSet, clamped at 0. A Recreate Deployment with
 *   several ReplicaSets with pods is left alone: its rollout scales the old ones to 0 anyway.
 *
 * A Kubernetes bug, reproduced on purpose: the first rule leaves a ReplicaSet that already has
 * the Deployment's replicas untouched, annotations included. If its desired-replicas is stale,
 * every later sync is again a "scaling event" that does nothing, and a new template never rolls
 * out until the Deployment is scaled (kubernetes/kubernetes PRs #138036 and #138840 propose to
 * refresh the annotations; rollout-sim.test.ts shows the deadlock).
 *
 * Worked example (the one in the Kubernetes docs, "Proportional scaling"): 10 replicas,
 * maxSurge 3; a rollout to a broken image stands at old 8, new 5, both scaled under
 * max-replicas 13. The Deployment is scaled to 15:
 *
 *   allowed = 15 + 3 = 18; running 8 + 5 = 13; toAdd = 5, largest first (newer on ties)
 *   old:  round(8 × 18 / 13) = round(11.08) = 11 → +3   (at most 5 − 0 = 5)
 *   new:  round(5 × 18 / 13) = round(6.92)  =  7 → +2   (at most 5 − 3 = 2)
 *   leftover 5 − 5 = 0  →  old 11, new 7: still 8 : 5, near enough.
 */
import { type RollingUpdateSpec, rollingLimits } from "./int-or-percent.ts";
import {
  active,
  byCreation,
  bySizeNewer,
  bySizeOlder,
  type ReplicaSetCounts,
  sumReplicas,
} from "./replica-sets.ts";
import type { ScaleTo } from "./rolling-math.ts";

/** deployment.spec.replicas when the ReplicaSet was last scaled; tells a scaling event apart. */
export const DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas";
/** deployment.spec.replicas + maxSurge when the ReplicaSet was last scaled; the proportion's base. */
export const MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas";

/** A ReplicaSet with the annotations proportional scaling reads. */
export interface ScalableReplicaSet extends ReplicaSetCounts {
  annotations?: Readonly<Record<string, string>> | undefined;
}

/** The Deployment's side. */
export interface DeploymentScaleSpec extends RollingUpdateSpec {
  strategy: "RollingUpdate" | "Recreate";
}

export interface ScaleInput extends DeploymentScaleSpec {
  /** status.replicas: the proportion's base for a ReplicaSet without max-replicas. */
  statusReplicas: number;
  newRS?: ScalableReplicaSet | undefined;
  oldRSes: readonly ScalableReplicaSet[];
}

/** MaxSurge(deployment): 0 for Recreate, which never surges. */
function maxSurgeOf(spec: DeploymentScaleSpec): number {
  return spec.strategy === "RollingUpdate" ? rollingLimits(spec).maxSurge : 0;
}

/**
 * The annotations the Deployment controller writes on every ReplicaSet it scales or creates
 * (SetReplicasAnnotations): the caller writes them with each ScaleTo of this module and of
 * rolling-math.ts, and on a new ReplicaSet.
 */
export function replicasAnnotations(spec: DeploymentScaleSpec): Record<string, string> {
  return {
    [DESIRED_REPLICAS_ANNOTATION]: String(spec.replicas),
    [MAX_REPLICAS_ANNOTATION]: String(spec.replicas + maxSurgeOf(spec)),
  };
}

/** An annotation as Go's strconv.Atoi reads it; undefined when absent or not an integer. */
function intAnnotation(rs: ScalableReplicaSet | undefined, key: string): number | undefined {
  const value = rs?.annotations?.[key];
  return value !== undefined && /^[+-]?[0-9]+$/.test(value) ? Number(value) : undefined;
}

/**
 * isScalingEvent: some ReplicaSet with pods was last scaled for a different spec.replicas.
 * Then the controller runs scaleReplicaSets instead of a rollout step. ReplicaSets without the
 * annotation (adopted ones) tell nothing and are skipped.
 */
export function isScalingEvent(replicas: number, rses: readonly ScalableReplicaSet[]): boolean {
  return active(rses).some((rs) => {
    const desired = intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
    return desired !== undefined && desired !== replicas;
  });
}

/** IsSaturated: the new ReplicaSet was sized for these replicas, has them, and all are available. */
export function isSaturated(replicas: number, newRS: ScalableReplicaSet | undefined): boolean {
  if (newRS === undefined) return false;
  const desired = intAnnotation(newRS, DESIRED_REPLICAS_ANNOTATION);
  return desired === replicas && newRS.replicas === replicas && newRS.available === replicas;
}

/**
 * FindActiveOrLatest: the only ReplicaSet with pods; with none, the new ReplicaSet, else the
 * newest old one; with two or more, undefined (scale proportionally).
 */
export function findActiveOrLatest<T extends ScalableReplicaSet>(
  newRS: T | undefined,
  oldRSes: readonly T[],
): T | undefined {
  const all = active(newRS === undefined ? oldRSes : [...oldRSes, newRS]);
  if (all.length === 1) return all[0];
  if (all.length > 1) return undefined;
  return newRS ?? [...oldRSes].sort(byCreation).at(-1);
}

// #region proportional-scaling
/**
 * scale(): the ReplicaSets to (re)scale after the Deployment's replicas changed, in the order
 * Kubernetes writes them. Proportional entries list every ReplicaSet with pods, changed or not,
 * because each write also refreshes replicasAnnotations; the other branches list only changes.
 */
export function scaleReplicaSets(input: ScaleInput): ScaleTo[] {
  const { replicas, newRS } = input;
  // Kubernetes' FindActiveOrLatest leaves the old ReplicaSets sorted newest first; the writes
  // below follow that order where no other applies.
  const oldRSes = [...input.oldRSes].sort((a, b) => byCreation(b, a));
  // 1. At most one ReplicaSet with pods: it takes everything.
  const only = findActiveOrLatest(newRS, oldRSes);
  if (only !== undefined) {
    return only.replicas === replicas ? [] : [{ name: only.name, replicas }];
  }
  // 2. The new ReplicaSet is done: the old ones go.
  if (isSaturated(replicas, newRS)) {
    return active(oldRSes).map((rs) => ({ name: rs.name, replicas: 0 }));
  }
  if (input.strategy !== "RollingUpdate") return [];
  // 3. Share replicas + maxSurge in proportion to current sizes.
  const all = active(newRS === undefined ? oldRSes : [...oldRSes, newRS]);
  if (all.length === 0) return [];
  const allowed = replicas > 0 ? replicas + maxSurgeOf(input) : 0;
  const toAdd = allowed - sumReplicas(all);
  if (toAdd > 0) all.sort(bySizeNewer);
  if (toAdd < 0) all.sort(bySizeOlder);
  let added = 0;
  const sizes = all.map((rs) => {
    const proportion = replicaSetProportion(rs, input, toAdd, added);
    added += proportion;
    return rs.replicas + proportion;
  });
  // 4. Rounding leftovers go to the largest ReplicaSet, which may not go below 0.
  sizes[0] = Math.max(0, (sizes[0] ?? 0) + toAdd - added);
  return all.map((rs, i) => ({ name: rs.name, replicas: sizes[i] ?? rs.replicas }));
}
// #endregion proportional-scaling

/**
 * GetReplicaSetProportion: this ReplicaSet's part of `toAdd`, never more than what is left of it
 * (`toAdd − added`). Its fraction: its size scaled from the max-replicas it was last scaled under
 * to replicas + maxSurge now, rounded like Go's math.Round (half away from zero).
 */
function replicaSetProportion(
  rs: ScalableReplicaSet,
  spec: ScaleInput,
  toAdd: number,
  added: number,
): number {
  if (rs.replicas === 0 || toAdd === 0 || toAdd === added) return 0;
  const left = toAdd - added;
  let fraction: number;
  if (spec.replicas === 0) {
    fraction = -rs.replicas; // scaling to zero: all of it goes
  } else {
    // Missing (an adopted ReplicaSet) or 0 (never written on a ReplicaSet with pods): fall back
    // to the Deployment's status.replicas. Where that is 0 too, Go divides by zero; we keep the
    // ReplicaSet's size and let the leftover step settle the difference.
    const annotated = intAnnotation(rs, MAX_REPLICAS_ANNOTATION) || spec.statusReplicas;
    if (annotated > 0) {
      const exact = (rs.replicas * (spec.replicas + maxSurgeOf(spec))) / annotated;
      fraction = Math.round(exact) - rs.replicas; // exact > 0: Go's half-away-from-zero = round
    } else {
      fraction = 0;
    }
  }
  return toAdd > 0 ? Math.min(fraction, left) : Math.max(fraction, left);
}
