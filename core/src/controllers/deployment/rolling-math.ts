/**
 * One sync of a RollingUpdate rollout, as arithmetic: how big the new ReplicaSet may grow, and
 * which old ReplicaSets shrink by how much. Pure: the caller reads the ReplicaSets, calls
 * rolloutStep, and writes the spec.replicas it returns. (kubernetes
 * `pkg/controller/deployment/rolling.go`, and `NewRSNewReplicas` in `util/deployment_util.go`.)
 *
 * Guarantees, with maxSurge and maxUnavailable resolved by rollingLimits:
 * - The new ReplicaSet grows only while the sum of every ReplicaSet's spec.replicas is below
 *   replicas + maxSurge, never past that sum, and never past replicas.
 * - Old ReplicaSets shrink by (1) pods that are not available, but no more than would let
 *   available pods fall below replicas − maxUnavailable once the new ReplicaSet's unavailable
 *   pods are counted, and then (2) available pods in excess of replicas − maxUnavailable.
 *   Old ReplicaSets are visited oldest first, ties by name.
 * - A step scales the new ReplicaSet or the old ones, not both; the step that creates the new
 *   ReplicaSet is the exception, as in Kubernetes, where the creation happens while listing.
 *
 * Worked example (the one in rolling.go): 10 replicas, maxSurge 3, maxUnavailable 2, so at most
 * 13 pods and at least 8 available. Old ReplicaSet v1 runs 10 available pods; the template
 * changes; every new pod becomes available before the next sync.
 *
 *   sync  new RS v2            old RS v1                               total
 *   1     created at 3         maxScaledDown 13−8−3 = 2; 10 available      11
 *         (13 − 10 = 3 room)   − 8 = 2 too many: 10 → 8
 *   2     3 → 5 (13 − 11 = 2)  —  (this sync scaled up)                    13
 *   3     at 13: no room       13 − 8 − 0 = 5; 13 available − 8 = 5: 8 → 3   8
 *   4     5 → 10 (room 5, but never past 10)                               13
 *   5     at 10 = replicas     13 available − 8 = 5: 3 → 0                 10
 *   6     nothing to do: the rollout is complete
 *
 * Had v2's pods crashlooped, sync 3 would find maxScaledDown = 13 − 8 − 5 = 0 and stop: the
 * unavailable new pods use up the whole budget, and v1 keeps its 8 pods.
 */
import { type RollingUpdateSpec, rollingLimits } from "./int-or-percent.ts";
import {
  active,
  byCreation,
  type ReplicaSetCounts,
  sumAvailable,
  sumReplicas,
} from "./replica-sets.ts";

// The types a caller (and Lab 4) needs to build a RolloutInput, from one module.
export type { IntOrString } from "./int-or-percent.ts";
export type { ReplicaSetCounts } from "./replica-sets.ts";

/** The new ReplicaSet: the one whose pod template is the Deployment's. */
export interface NewReplicaSetCounts {
  /** spec.replicas. */
  replicas: number;
  /** status.availableReplicas. */
  available: number;
}

/** What one rollout sync looks at. maxSurge and maxUnavailable are raw ("25%" or 3). */
export interface RolloutInput extends RollingUpdateSpec {
  /** Absent when no ReplicaSet has the Deployment's template yet: this sync creates it. */
  newRS?: NewReplicaSetCounts | undefined;
  /** Every other ReplicaSet of the Deployment, those scaled to 0 included. */
  oldRSes: readonly ReplicaSetCounts[];
}

/** "Set spec.replicas of ReplicaSet `name` to `replicas`." */
export interface ScaleTo {
  name: string;
  replicas: number;
}

/** The outcome of one sync. */
export interface RolloutStep {
  /** The new ReplicaSet's spec.replicas after the sync (its size at creation, if created). */
  newReplicas: number;
  /** Old ReplicaSets whose spec.replicas goes down, oldest first; each named once. */
  scaleDowns: ScaleTo[];
}

// #region rollout-step
/**
 * One sync of rolloutRolling: first the new ReplicaSet (reconcileNewReplicaSet); only if it did
 * not change, the old ones (reconcileOldReplicaSets). Throws IntOrStringError for a maxSurge or
 * maxUnavailable that is not an integer or a percentage.
 */
export function rolloutStep(input: RolloutInput): RolloutStep {
  const { replicas, oldRSes } = input;
  const { maxSurge, maxUnavailable } = rollingLimits(input);
  const oldReplicas = sumReplicas(oldRSes);
  let newRS = input.newRS;
  if (newRS === undefined) {
    // 0. Create the new ReplicaSet already at the size a scale-up from 0 would give it.
    const size = newRSScaleUp({ replicas, maxSurge, newRSReplicas: 0, allReplicas: oldReplicas });
    newRS = { replicas: size, available: 0 };
  } else {
    // 1. Scale the new ReplicaSet: down to replicas if above, else up as far as maxSurge allows.
    const target =
      newRS.replicas > replicas
        ? replicas
        : newRSScaleUp({
            replicas,
            maxSurge,
            newRSReplicas: newRS.replicas,
            allReplicas: oldReplicas + newRS.replicas,
          });
    if (target !== newRS.replicas) return { newReplicas: target, scaleDowns: [] };
  }
  // 2. The new ReplicaSet is as big as it may be for now: shrink the old ones.
  const { scaleDowns } = oldRSScaleDown({ replicas, maxUnavailable, newRS, oldRSes });
  return { newReplicas: newRS.replicas, scaleDowns };
}
// #endregion rollout-step

// #region new-rs-scale-up
/**
 * NewRSNewReplicas for RollingUpdate: the new ReplicaSet's spec.replicas after scaling up.
 * `allReplicas` is the sum of spec.replicas over every ReplicaSet, the new one included;
 * `maxSurge` is resolved (rollingLimits). Example: 10 replicas, maxSurge 3, new at 3, old at 8:
 * maxTotal 13, 11 running, room 2, and 10 − 3 = 7 still wanted, so 3 + min(2, 7) = 5.
 */
export function newRSScaleUp(args: {
  replicas: number;
  maxSurge: number;
  newRSReplicas: number;
  allReplicas: number;
}): number {
  const maxTotal = args.replicas + args.maxSurge;
  if (args.allReplicas >= maxTotal) return args.newRSReplicas;
  const scaleUp = Math.min(maxTotal - args.allReplicas, args.replicas - args.newRSReplicas);
  return args.newRSReplicas + scaleUp;
}
// #endregion new-rs-scale-up

/** The old ReplicaSets' side of a sync, with how many pods each phase removed. */
export interface OldScaleDown {
  scaleDowns: ScaleTo[];
  /** Not-available pods removed by the cleanup phase. */
  cleanedUp: number;
  /** Pods removed because more than replicas − maxUnavailable were available. */
  scaledDown: number;
  /**
   * The old ReplicaSet that stopped the cleanup: it reports more available pods than its
   * spec.replicas (a status not yet caught up with a scale-down), and Kubernetes refuses a
   * "scale down" to a larger number. Its error is swallowed; the next sync tries again.
   */
  blockedBy?: string;
}

// #region old-rs-scale-down
/**
 * reconcileOldReplicaSets: how far the old ReplicaSets may shrink. `maxUnavailable` is resolved
 * (rollingLimits).
 *
 *   maxScaledDown = allPods − minAvailable − newRSUnavailable
 *
 * counts the surge pods, and subtracts the new ReplicaSet's unavailable pods. Were they ignored,
 * unhealthy old pods (which may recover: a node comes back) would make room for more new pods
 * that do not come up, and a later sync would have fewer pods that can serve. Then:
 *   1. cleanupUnhealthyReplicas: oldest first, remove not-available pods, up to maxScaledDown
 *      in total. Safe: the ReplicaSet controller deletes not-ready pods first (rank.ts).
 *   2. scaleDownOldReplicaSetsForRollingUpdate: available pods (new ReplicaSet and active old
 *      ones) above minAvailable may go, oldest ReplicaSet first, each by at most its size.
 */
export function oldRSScaleDown(args: {
  replicas: number;
  maxUnavailable: number;
  newRS: NewReplicaSetCounts;
  oldRSes: readonly ReplicaSetCounts[];
}): OldScaleDown {
  const { newRS } = args;
  const olds = active(args.oldRSes).sort(byCreation);
  const nothing: OldScaleDown = { scaleDowns: [], cleanedUp: 0, scaledDown: 0 };
  const oldPods = sumReplicas(olds);
  if (oldPods === 0) return nothing;
  const minAvailable = args.replicas - args.maxUnavailable;
  const maxScaledDown =
    oldPods + newRS.replicas - minAvailable - (newRS.replicas - newRS.available);
  if (maxScaledDown <= 0) return nothing;

  const size = new Map(olds.map((rs) => [rs.name, rs.replicas]));
  const result = (extra: Partial<OldScaleDown>): OldScaleDown => ({
    ...nothing,
    ...extra,
    scaleDowns: olds
      .filter((rs) => size.get(rs.name) !== rs.replicas)
      .map((rs) => ({ name: rs.name, replicas: size.get(rs.name) ?? rs.replicas })),
  });

  // 1. Clean up unhealthy replicas.
  let cleanedUp = 0;
  for (const rs of olds) {
    if (cleanedUp >= maxScaledDown) break;
    const current = size.get(rs.name) ?? 0;
    if (current === 0 || current === rs.available) continue;
    const remove = Math.min(maxScaledDown - cleanedUp, current - rs.available);
    if (remove < 0) return result({ cleanedUp, blockedBy: rs.name });
    size.set(rs.name, current - remove);
    cleanedUp += remove;
  }

  // 2. Scale down available replicas above minAvailable.
  const availablePods = newRS.available + sumAvailable(olds);
  let scaledDown = 0;
  const toScaleDown = availablePods - minAvailable;
  for (const rs of olds) {
    if (scaledDown >= toScaleDown) break;
    const current = size.get(rs.name) ?? 0;
    if (current === 0) continue;
    const remove = Math.min(current, toScaleDown - scaledDown);
    size.set(rs.name, current - remove);
    scaledDown += remove;
  }
  return result({ cleanedUp, scaledDown });
}
// #endregion old-rs-scale-down
