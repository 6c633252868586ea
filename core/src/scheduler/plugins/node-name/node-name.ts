/**
 * NodeName (kube-scheduler plugins/nodename/node_name.go): a pod that names its node in
 * spec.nodeName fits only that node. Usually such a pod never reaches the scheduler — the kubelet
 * runs it directly — but a pod created with nodeName and schedulerName together still passes
 * through here, and the filter keeps every other node out.
 *
 * The rejection is UnschedulableAndUnresolvable: evicting pods from another node can never make
 * its name match, so preemption does not try.
 */
import type { Pod } from "../../../api/types.ts";
import {
  type CycleState,
  type FilterPlugin,
  type NodeInfo,
  type Status,
  SUCCESS,
  status,
} from "../../framework/types.ts";

/** Kubernetes' reason text (nodename.ErrReason), shown as "N node(s) didn't match ...". */
export const ERR_REASON = "node(s) didn't match the requested node name";

export class NodeName implements FilterPlugin {
  readonly name = "NodeName";

  // #region filter
  filter(_state: CycleState, pod: Pod, node: NodeInfo): Status {
    const wanted = pod.spec.nodeName;
    if (!wanted || wanted === node.node.metadata.name) return SUCCESS;
    return status("UnschedulableAndUnresolvable", ERR_REASON);
  }
  // #endregion filter
}

export const nodeName = new NodeName() satisfies FilterPlugin;
