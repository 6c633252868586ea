/**
 * NodeName (kube-scheduler plugins/nodename/node_name.go): a pod that names its node in
 * spec.nodeName fits only that node. In the scheduler itself no such pod is ever filtered: a pod
 * with a node is an assigned pod, and the event handlers put it in the cache, never in the queue
 * (the kubelet runs it as it is). The filter matters where the framework is run on pods as they
 * are — simulators such as the cluster autoscaler's ask "would this pod fit there?" of pods that
 * already name a node.
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
