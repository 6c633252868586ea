/**
 * Lab 4: a rolling update, one sync at a time, as kube-controller-manager's Deployment
 * controller computes it (pkg/controller/deployment/rolling.go). The controller never plans a
 * whole rollout: each sync looks at the ReplicaSets as they are and moves one step.
 *
 *   1. Resolve maxSurge and maxUnavailable ("25%" or 3) against replicas.
 *   2. The new ReplicaSet (the one with the Deployment's template) grows while the total of all
 *      ReplicaSets' replicas is below replicas + maxSurge, but never past replicas. If it
 *      changed, the sync is over. (If it does not exist yet, this sync creates it and goes on.)
 *   3. Otherwise the old ReplicaSets shrink: first by their not-available pods, then by
 *      available pods above replicas − maxUnavailable, oldest ReplicaSet first; and never so
 *      far that the new ReplicaSet's unavailable pods would have to stand in for them.
 *
 * Worked example: 10 replicas, maxSurge 3, maxUnavailable 2 (at most 13 pods, at least 8
 * available). web-v1 runs 10 available pods and the template changes; every new pod becomes
 * available before the next sync.
 *
 *   sync  input                               rolloutStep returns
 *   1     no new RS; web-v1 10 (10 avail)     new RS 3 (13 − 10);  web-v1 → 8 (10 avail − 8)
 *   2     new 3 (3);  web-v1 8 (8)            new RS 5 (room 13 − 11 = 2); nothing else
 *   3     new 5 (5);  web-v1 8 (8)            new RS 5 (no room);  web-v1 → 3 (13 avail − 8 = 5)
 *   4     new 5 (5);  web-v1 3 (3)            new RS 10 (room 5, 5 wanted); nothing else
 *   5     new 10 (10); web-v1 3 (3)           new RS 10;           web-v1 → 0
 *   6     new 10 (10); web-v1 0 (0)           new RS 10;           no scale-downs: done
 *
 * Had the new pods crashlooped (new 5, 0 available, at sync 3), the old ReplicaSets could shrink
 * by at most 13 − 8 − 5 = 0: the rollout stalls instead of replacing good pods with broken ones.
 *
 * Write rolloutStep below; byCreation is done. Chapter 4's docs page explains the Deployment
 * controller next to the core's code. Check your work with `npm run lab -- check 4`; stuck?
 * `npm run lab -- hint 4`.
 */
import type {
  ReplicaSetCounts,
  RolloutInput,
  RolloutStep,
} from "@tinykube/core/controllers/deployment/rolling";

/**
 * One sync. `input.maxSurge` and `input.maxUnavailable` are raw: a number, or a string "N%";
 * throw an Error whose message starts with "invalid value for IntOrString: " for anything else.
 * Return the new ReplicaSet's spec.replicas after the sync (its size at creation when
 * `input.newRS` is absent), and the old ReplicaSets whose spec.replicas goes down: each once,
 * with its final value, oldest first.
 */
export function rolloutStep(input: RolloutInput): RolloutStep {
  const newRS = input.newRS
    ? `${input.newRS.replicas} (${input.newRS.available} available)`
    : "none yet";
  throw new Error(
    `rolloutStep is not implemented yet (asked: ${input.replicas} replicas, maxSurge ${JSON.stringify(input.maxSurge)}, ` +
      `maxUnavailable ${JSON.stringify(input.maxUnavailable)}, new ReplicaSet ${newRS}, ` +
      `${input.oldRSes.length} old ReplicaSets). Start by resolving maxSurge and maxUnavailable.`,
  );
}

// --- helpers: done ------------------------------------------------------------------------

/**
 * The order Kubernetes visits old ReplicaSets in (ReplicaSetsByCreationTimestamp): oldest
 * first; created in the same second, by name. Use it as `[...rses].sort(byCreation)`.
 */
export function byCreation(a: ReplicaSetCounts, b: ReplicaSetCounts): number {
  if (a.created !== b.created) return a.created - b.created;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
