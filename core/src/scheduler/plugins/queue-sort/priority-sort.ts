/**
 * PrioritySort, the QueueSort plugin: the active queue hands out the pod with the highest
 * spec.priority first, and among equals the one that has waited longest (queuesort/priority_sort.go).
 * A pod without a priority counts as 0, as it does before the Priority admission fills it in.
 */
import type { Pod } from "../../../api/types.ts";
import type { QueueSortPlugin } from "../../framework/types.ts";

const priorityOf = (pod: Pod) => (typeof pod.spec.priority === "number" ? pod.spec.priority : 0);

export class PrioritySort implements QueueSortPlugin {
  readonly name = "PrioritySort";

  // #region less
  less(a: { pod: Pod; timestamp: number }, b: { pod: Pod; timestamp: number }): boolean {
    const pa = priorityOf(a.pod);
    const pb = priorityOf(b.pod);
    return pa > pb || (pa === pb && a.timestamp < b.timestamp);
  }
  // #endregion less
}
