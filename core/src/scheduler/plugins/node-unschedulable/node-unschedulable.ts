/**
 * NodeUnschedulable (kube-scheduler plugins/nodeunschedulable/node_unschedulable.go): a cordoned
 * node (spec.unschedulable, set by `kubectl cordon`) takes no new pods — except pods that tolerate
 * the taint node.kubernetes.io/unschedulable:NoSchedule, which the node lifecycle controller puts
 * on cordoned nodes and DaemonSet pods tolerate, so a DaemonSet still covers a cordoned node.
 *
 * The check reads the field, not the taint itself: the taint arrives later (a controller adds
 * it), and the field is what the user set. UnschedulableAndUnresolvable: preemption cannot uncordon.
 */
import type { Pod, Taint } from "../../../api/types.ts";
import {
  type CycleState,
  type FilterPlugin,
  type NodeInfo,
  type Status,
  SUCCESS,
  status,
} from "../../framework/types.ts";
import { tolerationsTolerateTaint } from "../taint-toleration/tolerates.ts";

/** nodeunschedulable.ErrReasonUnschedulable. */
export const ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable";

/** v1.TaintNodeUnschedulable with effect NoSchedule: what a pod must tolerate to land here. */
const UNSCHEDULABLE_TAINT: Taint = {
  key: "node.kubernetes.io/unschedulable",
  effect: "NoSchedule",
};

export class NodeUnschedulable implements FilterPlugin {
  readonly name = "NodeUnschedulable";

  // #region filter
  filter(_state: CycleState, pod: Pod, node: NodeInfo): Status {
    if (!node.node.spec?.unschedulable) return SUCCESS;
    if (tolerationsTolerateTaint(pod.spec.tolerations ?? [], UNSCHEDULABLE_TAINT)) return SUCCESS;
    return status("UnschedulableAndUnresolvable", ERR_REASON_UNSCHEDULABLE);
  }
  // #endregion filter
}

export const nodeUnschedulable = new NodeUnschedulable() satisfies FilterPlugin;
