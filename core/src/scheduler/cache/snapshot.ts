/**
 * What one scheduling cycle sees: a frozen copy of the cache's NodeInfos — kube-scheduler's
 * Snapshot (pkg/scheduler/backend/cache/snapshot.go). The scheduler refreshes it with
 * SchedulerCache.updateSnapshot at the start of every cycle; plugins only read it.
 *
 * Guarantees:
 * - Between two updateSnapshot calls nothing in a snapshot changes: cache events (a pod bound, a
 *   node added) reach plugins only at the next cycle, so every plugin in a cycle sees one
 *   consistent cluster.
 * - Every NodeInfo in it has a real Node: pods whose node is not (or no longer) known to the
 *   cache are not listed.
 * - A node's NodeInfo keeps its object identity for as long as the node exists; an update
 *   overwrites a changed node's fields in place and leaves unchanged nodes untouched (their
 *   `pods` arrays too), as Kubernetes' `*existing = *clone` does.
 */
import type { Pod } from "../../api/types.ts";
import type { NodeInfo } from "../framework/types.ts";

export class Snapshot {
  /**
   * Node name → its NodeInfo copy. Written only by SchedulerCache.updateSnapshot; every entry has
   * its node in the cache's node tree once an update has returned.
   */
  readonly nodeInfoMap = new Map<string, NodeInfo>();
  /** The same NodeInfos in the cache's zone-interleaved node-tree order. */
  nodeInfoList: NodeInfo[] = [];
  /** Nodes with at least one pod declaring pod affinity or anti-affinity (any kind). */
  havePodsWithAffinityNodeInfoList: NodeInfo[] = [];
  /** Nodes with at least one pod declaring required pod anti-affinity. */
  havePodsWithRequiredAntiAffinityNodeInfoList: NodeInfo[] = [];
  /** The cache generation this snapshot reflects: every node changed after it is re-copied. */
  generation = 0;

  /** All nodes, in the order the scheduler should search them. Read-only. */
  nodeInfos(): readonly NodeInfo[] {
    return this.nodeInfoList;
  }

  numNodes(): number {
    return this.nodeInfoList.length;
  }

  /** The node's NodeInfo, or undefined for a node the snapshot does not hold. */
  get(nodeName: string): NodeInfo | undefined {
    return this.nodeInfoMap.get(nodeName);
  }

  havePodsWithAffinityList(): readonly NodeInfo[] {
    return this.havePodsWithAffinityNodeInfoList;
  }

  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[] {
    return this.havePodsWithRequiredAntiAffinityNodeInfoList;
  }
}

/** podWithAffinity in framework/types.go: any pod affinity or anti-affinity, required or not. */
export function podWithAffinity(pod: Pod): boolean {
  const affinity = pod.spec.affinity;
  return affinity?.podAffinity !== undefined || affinity?.podAntiAffinity !== undefined;
}

/** podWithRequiredAntiAffinity in framework/types.go. */
export function podWithRequiredAntiAffinity(pod: Pod): boolean {
  return (
    (pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ??
      0) > 0
  );
}

/**
 * A copy the cache can go on changing without the snapshot noticing (NodeInfo.SnapshotConcrete):
 * new containers for everything the cache mutates; the Node and Pod objects themselves are shared,
 * since cached objects are read-only (STYLE rule 3).
 */
export function cloneNodeInfo(info: NodeInfo): NodeInfo {
  return {
    node: info.node,
    pods: [...info.pods],
    requested: { ...info.requested, scalar: { ...info.requested.scalar } },
    nonZeroRequested: { ...info.nonZeroRequested },
    allocatable: { ...info.allocatable, scalar: { ...info.allocatable.scalar } },
    usedPorts: new Set(info.usedPorts),
    imageSizes: new Map(info.imageSizes),
  };
}
