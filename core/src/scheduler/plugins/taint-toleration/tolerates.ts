/**
 * Whether a toleration matches a taint — k8s.io/api core/v1 Toleration.ToleratesTaint and
 * k8s.io/component-helpers/scheduling/corev1 FindMatchingUntoleratedTaint. Shared by
 * TaintToleration, NodeUnschedulable and (later) the kubelet's NoExecute check.
 *
 * A toleration matches when each field it sets agrees with the taint:
 * - an empty effect matches every effect; an empty key (only valid with Exists) every key;
 * - operator Exists ignores the value; Equal, or no operator, needs the same value
 *   ("" equals an absent value, as Go's zero string does).
 */
import type { Taint, Toleration } from "../../../api/types.ts";

// #region toleratesTaint
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? "Equal") {
    case "Exists":
      return true;
    case "Equal":
      return (toleration.value ?? "") === (taint.value ?? "");
    default:
      // An unknown operator tolerates nothing; validation rejects it before it gets here.
      return false;
  }
}
// #endregion toleratesTaint

export function tolerationsTolerateTaint(tolerations: Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => toleratesTaint(t, taint));
}

/** The first taint that passes `include` and no toleration matches, or undefined. */
export function findUntoleratedTaint(
  taints: Taint[],
  tolerations: Toleration[],
  include: (taint: Taint) => boolean,
): Taint | undefined {
  return taints.find((taint) => include(taint) && !tolerationsTolerateTaint(tolerations, taint));
}

/** The effects the scheduler refuses to place a pod under: DoNotScheduleTaintsFilterFunc. */
export const doNotSchedule = (taint: Taint) =>
  taint.effect === "NoSchedule" || taint.effect === "NoExecute";
