/**
 * Whether a pod may preempt at all — kube-scheduler's DefaultPreemption.PodEligibleToPreemptOthers
 * (plugins/defaultpreemption/default_preemption.go), step 1 of Preempt.
 *
 * Guarantees, checked in this order:
 *   1. preemptionPolicy Never: never eligible, "not eligible due to preemptionPolicy=Never.".
 *   2. A pod already nominated (status.nominatedNodeName) whose nominated node this cycle's Filter
 *      found UnschedulableAndUnresolvable (or that the cycle never filtered: Kubernetes' status
 *      for absent nodes) is eligible: waiting there can never help, it must look elsewhere.
 *   3. Otherwise a nominated pod is not eligible while that node still holds a pod of lower
 *      priority that is terminating because the scheduler preempted it: its earlier victims are
 *      still going (terminationGracePeriodSeconds, 30 by default), and preempting again now
 *      would evict more pods for room that is about to come free. "not eligible due to a
 *      terminating pod on the nominated node."
 * A pod terminating for another reason (a user's delete, a node drain) does not hold the pod back:
 * only the DisruptionTarget=True condition with reason PreemptionByScheduler, which preemption
 * writes before it deletes a victim, marks a preemption victim.
 */
import type { Pod } from "../../../api/types.ts";
import type { NodeInfo, Status } from "../../framework/types.ts";
import { podPriority } from "./select-victims.ts";

export const NOT_ELIGIBLE_NEVER = "not eligible due to preemptionPolicy=Never.";
export const NOT_ELIGIBLE_TERMINATING =
  "not eligible due to a terminating pod on the nominated node.";

export type Eligibility = { eligible: true } | { eligible: false; reason: string };

/** podTerminatingByPreemption: deleted, and the first DisruptionTarget condition says why. */
export function podTerminatingByPreemption(pod: Pod): boolean {
  if (!pod.metadata.deletionTimestamp) return false;
  const condition = pod.status?.conditions?.find((c) => c.type === "DisruptionTarget");
  return condition?.status === "True" && condition.reason === "PreemptionByScheduler";
}

// #region podEligibleToPreemptOthers
/**
 * `filtered` is this cycle's Filter status per node; `nodeInfos` the cycle's snapshot.
 * Worked example: p (priority 100) preempted v (priority 10) on n1 and was nominated there. v now
 * has a deletionTimestamp and DisruptionTarget=True/PreemptionByScheduler. p's next cycle still
 * finds n1 short of CPU (Unschedulable): p is not eligible and waits for v to go. Had n1 been
 * tainted meanwhile (UnschedulableAndUnresolvable), p would preempt elsewhere at once.
 */
export function podEligibleToPreemptOthers(
  pod: Pod,
  filtered: ReadonlyMap<string, Status>,
  nodeInfos: readonly NodeInfo[],
): Eligibility {
  // 1.
  if (pod.spec.preemptionPolicy === "Never") return { eligible: false, reason: NOT_ELIGIBLE_NEVER };
  const nominated = (pod.status as { nominatedNodeName?: string } | undefined)?.nominatedNodeName;
  if (!nominated) return { eligible: true };
  // 2. A node the cycle never filtered has Kubernetes' absent-node status, UnschedulableAndUnresolvable.
  if (
    (filtered.get(nominated)?.code ?? "UnschedulableAndUnresolvable") ===
    "UnschedulableAndUnresolvable"
  ) {
    return { eligible: true };
  }
  // 3.
  const node = nodeInfos.find((n) => n.node.metadata.name === nominated);
  const priority = podPriority(pod);
  const waiting = node?.pods.some(
    (p) => podPriority(p) < priority && podTerminatingByPreemption(p),
  );
  return waiting ? { eligible: false, reason: NOT_ELIGIBLE_TERMINATING } : { eligible: true };
}
// #endregion podEligibleToPreemptOthers
