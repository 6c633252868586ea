/**
 * The in-tree plugins by name — kube-scheduler's plugins/registry.go. A factory gets its
 * pluginConfig args; plugins that read the cluster beyond the node being filtered (the snapshot's
 * node list, namespaces, Services for default spreading) or write to it (binding) get it from the
 * handle the scheduler passes in, as Kubernetes passes a framework.Handle.
 */
import { Registry } from "../framework/registry.ts";
import type { NodeInfo } from "../framework/types.ts";
import type { WaitingPods } from "../framework/waiting-pods.ts";
import { type BindingClient, DefaultBinder } from "./default-binder/default-binder.ts";
import {
  DefaultPreemption,
  type PreemptionHandle,
} from "./default-preemption/default-preemption.ts";
import { ImageLocality } from "./image-locality/image-locality.ts";
import type { NamespaceLister } from "./inter-pod-affinity/affinity-term.ts";
import {
  InterPodAffinity,
  type InterPodAffinityOptions,
  listerOf,
} from "./inter-pod-affinity/inter-pod-affinity.ts";
import { NodeAffinity } from "./node-affinity/node-affinity.ts";
import { NodeName } from "./node-name/node-name.ts";
import { NodePorts } from "./node-ports/node-ports.ts";
import {
  NodeResourcesBalancedAllocation,
  type NodeResourcesBalancedAllocationArgs,
} from "./node-resources-balanced-allocation/balanced-allocation.ts";
import { NodeResourcesFit, type NodeResourcesFitArgs } from "./node-resources-fit/fit.ts";
import { NodeUnschedulable } from "./node-unschedulable/node-unschedulable.ts";
import type { GroupListers } from "./pod-topology-spread/default-constraints.ts";
import {
  PodTopologySpread,
  type PodTopologySpreadOptions,
} from "./pod-topology-spread/pod-topology-spread.ts";
import { PrioritySort } from "./queue-sort/priority-sort.ts";
import { SchedulingGates } from "./scheduling-gates/scheduling-gates.ts";
import { TaintToleration } from "./taint-toleration/taint-toleration.ts";

/** What plugins may ask of the scheduler (a slice of Kubernetes' framework.Handle). */
export interface PluginHandle {
  /** The current cycle's snapshot of every node. Read-only: the snapshot's own list. */
  nodeInfos(): readonly NodeInfo[];
  /**
   * The snapshot's lists of nodes holding a pod with pod (anti-)affinity, and with required
   * anti-affinity. Without them InterPodAffinity filters nodeInfos() itself, every cycle.
   */
  havePodsWithAffinityList?(): readonly NodeInfo[];
  havePodsWithRequiredAntiAffinityList?(): readonly NodeInfo[];
  bind: BindingClient;
  namespaces?: NamespaceLister;
  groups?: GroupListers;
  /**
   * For DefaultPreemption: the preemptor's profile's Filter plugins, the eviction, the clock.
   * Optional so that tests of other plugins need not wire it; a profile enabling DefaultPreemption
   * without it fails to build.
   */
  preemption?: Omit<PreemptionHandle, "nodeInfos">;
  /**
   * Pods Permit plugins hold (the Handle's IterateOverWaitingPods / GetWaitingPod /
   * RejectWaitingPod): a gang plugin allows the whole group from here once it is complete.
   */
  waitingPods?: WaitingPods;
}

type Args<T> = Partial<T> | undefined;

// #region inTreeRegistry
export function inTreeRegistry(handle: PluginHandle): Registry {
  const nodeInfos = { list: () => handle.nodeInfos() };
  const fallback = listerOf(() => handle.nodeInfos());
  const affinityLister = {
    list: () => handle.nodeInfos(),
    havePodsWithAffinityList: () =>
      handle.havePodsWithAffinityList?.() ?? fallback.havePodsWithAffinityList(),
    havePodsWithRequiredAntiAffinityList: () =>
      handle.havePodsWithRequiredAntiAffinityList?.() ??
      fallback.havePodsWithRequiredAntiAffinityList(),
  };
  return new Registry([
    ["PrioritySort", () => new PrioritySort()],
    ["SchedulingGates", () => new SchedulingGates()],
    ["NodeName", () => new NodeName()],
    ["NodeUnschedulable", () => new NodeUnschedulable()],
    ["NodePorts", () => new NodePorts()],
    ["NodeResourcesFit", (args) => new NodeResourcesFit(args as NodeResourcesFitArgs | undefined)],
    [
      "NodeResourcesBalancedAllocation",
      (args) =>
        new NodeResourcesBalancedAllocation(
          args as NodeResourcesBalancedAllocationArgs | undefined,
        ),
    ],
    ["TaintToleration", () => new TaintToleration()],
    ["NodeAffinity", () => new NodeAffinity()],
    ["ImageLocality", () => new ImageLocality({ nodeInfos: () => handle.nodeInfos() })],
    [
      "PodTopologySpread",
      (args) =>
        new PodTopologySpread({
          ...(args as Args<PodTopologySpreadOptions>),
          nodeInfos,
          groups: handle.groups,
        }),
    ],
    [
      "InterPodAffinity",
      (args) =>
        new InterPodAffinity({
          ...(args as Args<InterPodAffinityOptions>),
          nodeInfos: affinityLister,
          namespaces: handle.namespaces,
        }),
    ],
    [
      "DefaultPreemption",
      () => {
        if (!handle.preemption) {
          throw new Error(
            "DefaultPreemption needs the plugin handle's preemption (runFilterPlugins, runPreFilterExtensionAddPod/RemovePod, preemptPod, now); got none",
          );
        }
        return new DefaultPreemption({ ...handle.preemption, nodeInfos: () => handle.nodeInfos() });
      },
    ],
    ["DefaultBinder", () => new DefaultBinder(handle.bind)],
  ]);
}
// #endregion inTreeRegistry
