/**
 * The FailedScheduling message — kube-scheduler's FitError.Error() (pkg/scheduler/framework/types.go).
 * It is the text `kubectl describe pod` shows under Events and in the PodScheduled condition.
 *
 * Guarantees:
 * - The message opens "0/N nodes are available:", N being every node in the snapshot, not only
 *   the nodes the cycle looked at.
 * - When PreFilter rejected the pod, its message is the whole explanation: the per-node statuses
 *   are then all copies of it, and counting them would repeat it N times.
 * - Otherwise each reason is counted once per node that gave it, written "<count> <reason>", and
 *   the entries are sorted as plain strings (Go's sort.Strings): by their text, digits included,
 *   so "10 Insufficient memory" sorts before "2 Insufficient cpu". Kubernetes does exactly this.
 * - A PostFilter (preemption) message follows after one space, as it came: DefaultPreemption
 *   already begins it with "preemption: " and ends it with its own full stop.
 */
import type { Status } from "./types.ts";

/** What one failed scheduling cycle learnt (Kubernetes' Diagnosis, with NumAllNodes beside it). */
export interface Diagnosis {
  /** Every node in the snapshot, feasible or not. */
  numAllNodes: number;
  /** Node name → why it was rejected, for the nodes Filter actually ran on. */
  nodeToStatus: Map<string, Status>;
  /**
   * The status of nodes absent from nodeToStatus: nodes a PreFilterResult ruled out before Filter
   * ran ("node(s) didn't satisfy plugin(s) [NodeAffinity]"). Counted once per absent node.
   */
  absentNodesStatus?: Status;
  /** The PreFilter rejection's message, if PreFilter rejected the pod. */
  preFilterMsg?: string;
  /** The PostFilter plugins' message, if one ran ("preemption: 0/5 nodes are available: ..."). */
  postFilterMsg?: string;
  /** Plugins that rejected the pod somewhere: the queue retries it on events these care about. */
  unschedulablePlugins?: Set<string>;
}

/** Kubernetes' Status.Message(): the reasons joined with ", ". */
export function statusMessage(status: Status): string {
  return status.reasons.join(", ");
}

// #region fit-error-message
/**
 * Builds the FailedScheduling message, in four steps:
 *   1. Start with "0/<numAllNodes> nodes are available:".
 *   2. If PreFilter rejected the pod, append " <preFilterMsg>." and skip step 3.
 *   3. Otherwise count each reason across nodeToStatus (and absentNodesStatus once per node
 *      missing from it), render "<count> <reason>", sort as strings, append " <joined by ', '>.".
 *   4. If a PostFilter plugin left a message, append " <postFilterMsg>" unchanged.
 *
 * Worked example: 5 nodes; node-1 and node-2 say "Insufficient cpu"; node-3..5 say
 * "node(s) had untolerated taint {node-role: master}"; preemption then found no victims anywhere:
 *   "0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated taint
 *    {node-role: master}. preemption: 0/5 nodes are available: 5 No preemption victims found
 *    for incoming pod."
 */
export function fitErrorMessage(d: Diagnosis): string {
  let message = `0/${d.numAllNodes} nodes are available:`;
  if (d.preFilterMsg) {
    message += ` ${d.preFilterMsg}.`;
  } else {
    const counts = new Map<string, number>();
    for (const status of d.nodeToStatus.values()) {
      for (const reason of status.reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
    }
    const absent = d.numAllNodes - d.nodeToStatus.size;
    if (absent > 0 && d.absentNodesStatus) {
      for (const reason of d.absentNodesStatus.reasons) {
        counts.set(reason, (counts.get(reason) ?? 0) + absent);
      }
    }
    const entries = [...counts].map(([reason, count]) => `${count} ${reason}`).sort(byCodeUnits);
    if (entries.length > 0) message += ` ${entries.join(", ")}.`;
  }
  if (d.postFilterMsg) message += ` ${d.postFilterMsg}`;
  return message;
}
// #endregion fit-error-message

/**
 * Go's sort.Strings compares bytes; for the ASCII reasons the scheduler produces, UTF-16 code
 * unit order (JavaScript's default, not localeCompare) is the same order.
 */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
