/**
 * How long a pod may stay on a node with NoExecute taints — pkg/controller/tainteviction
 * (getNoExecuteTaints, getMinTolerationTime) and pkg/apis/core/v1/helper
 * (GetMatchingTolerations). Pure functions; the controller decides when to call them.
 *
 * The rule, for the NoExecute taints of the pod's node:
 * - some taint is tolerated by none of the pod's tolerations → evict now;
 * - every taint is tolerated → the pod may stay for the smallest tolerationSeconds among the
 *   tolerations that matched (the first matching toleration of each taint), forever if none of
 *   them sets tolerationSeconds; a tolerationSeconds of 0 or less means evict now.
 *
 * Worked example: taints unreachable:NoExecute and example.com/maintenance:NoExecute; tolerations
 * [unreachable Exists 300 s, Exists NoExecute (no seconds)]. unreachable matches the first (300),
 * maintenance the second (forever): the pod may stay 300 s. Without the second toleration,
 * maintenance is not tolerated and the pod goes at once.
 */
import type { Taint, Toleration } from "../../api/types.ts";
import { toleratesTaint } from "../../scheduler/plugins/taint-toleration/tolerates.ts";

/** The taints that evict running pods; NoSchedule and PreferNoSchedule only steer the scheduler. */
export function noExecuteTaints(taints: readonly Taint[] | undefined): Taint[] {
  return (taints ?? []).filter((t) => t.effect === "NoExecute");
}

export type TolerationMatch =
  /** Some taint has no matching toleration. */
  | { allTolerated: false }
  /** Each taint's first matching toleration, in taint order (one entry per taint). */
  | { allTolerated: true; used: Toleration[] };

/** GetMatchingTolerations: for each taint, the first toleration that tolerates it. */
export function matchingTolerations(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
): TolerationMatch {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const match = tolerations.find((t) => toleratesTaint(t, taint));
    if (!match) return { allTolerated: false };
    used.push(match);
  }
  return { allTolerated: true, used };
}

// #region minTolerationMs
/**
 * getMinTolerationTime: how long (ms) the used tolerations let the pod stay; Infinity when none
 * sets tolerationSeconds. No tolerations at all means 0, as in Kubernetes (the controller never
 * asks with an empty list: an empty taint list is handled before, by cancelling).
 */
export function minTolerationMs(used: readonly Toleration[]): number {
  if (used.length === 0) return 0;
  let min = Number.POSITIVE_INFINITY;
  for (const { tolerationSeconds } of used) {
    if (tolerationSeconds === undefined || tolerationSeconds === null) continue;
    if (tolerationSeconds <= 0) return 0;
    min = Math.min(min, tolerationSeconds * 1000);
  }
  return min;
}
// #endregion minTolerationMs
