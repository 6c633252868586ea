/**
 * Refreshing a Snapshot from the cache at the start of a scheduling cycle — the UpdateSnapshot half
 * of kube-scheduler's cache.go. It reads the cache only through SnapshotSource, the few things it
 * needs (STYLE rule 7).
 *
 * Guarantees:
 * - After it returns, the snapshot holds one NodeInfo per node in the cache's node tree, equal in
 *   content to the cache's, in node-tree order; imaginary and ghost entries are left out.
 * - The work is proportional to the nodes changed since the last update (plus the node count when
 *   nodes came or went): the walk stops at the first node the snapshot is already up to date with.
 *
 * Why a recency list and not a per-node comparison: comparing every node's generation with the
 * snapshot's would also copy only what changed, but it visits all 5,000 nodes of a large cluster on
 * every cycle to find the handful that did. Kubernetes walks a list ordered by most recent change
 * and stops early; so does this.
 */
import type { Node } from "../../api/types.ts";
import type { NodeInfo } from "../framework/types.ts";
import {
  cloneNodeInfo,
  podWithAffinity,
  podWithRequiredAntiAffinity,
  type Snapshot,
} from "./snapshot.ts";

/** One node as the cache holds it. */
export interface CachedNode {
  readonly name: string;
  /**
   * The Node object; undefined while the node is imaginary (its pods came first) or a ghost (it
   * was deleted before its pods). Such an entry exists only while it has pods.
   */
  node: Node | undefined;
  /** The pods on the node and their sums. Its `node` is a name-only stand-in while `node` is unset. */
  info: NodeInfo;
  /** The cache generation of this entry's last change. */
  generation: number;
}

/** What updateSnapshot reads from the cache. */
export interface SnapshotSource {
  /** Every entry, the most recently changed first: generations strictly decrease along it. */
  byRecency(): Iterable<CachedNode>;
  /** Whether the cache holds a Node object named `name`. */
  hasNode(name: string): boolean;
  /** The names of the nodes with a Node object, in scheduling order, and how many there are. */
  nodeOrder(): string[];
  nodeCount(): number;
  /** Entries in the cache, imaginary and ghost ones included (for the error message). */
  entryCount(): number;
}

// #region updateSnapshot
/**
 * Brings `snapshot` up to date, copying only the NodeInfos that changed since its last update.
 *
 * 1. Walk the entries from the most recently changed; stop at the first whose generation the
 *    snapshot already has. Copy each entry with a Node over the snapshot's NodeInfo for it, in
 *    place, noting a new node or a node whose "has pods with (required anti-)affinity" flag flipped.
 * 2. Record the newest generation.
 * 3. If the snapshot holds more nodes than the cache, drop the deleted ones.
 * 4. Rebuild the node list in node-tree order if nodes came or went; else rebuild only the
 *    affinity lists if a flag flipped.
 * 5. Check the list has one NodeInfo per node; if not, rebuild it and throw, so this cycle fails
 *    rather than schedule on a wrong picture (the next cycle gets a good one).
 *
 * Worked example: nodes a, b, c with generations 1, 2, 3 and a snapshot at generation 3. A pod is
 * assumed on a: a gets generation 4 and moves to the front, [a4 c3 b2]. The walk copies a, meets
 * c3 <= 3 and stops; the snapshot is now at generation 4, b and c untouched.
 */
export function updateSnapshot(source: SnapshotSource, snapshot: Snapshot): void {
  let updateAllLists = false;
  let updateAffinityLists = false;
  let newest: number | undefined;
  // 1.
  for (const entry of source.byRecency()) {
    newest ??= entry.generation;
    if (entry.generation <= snapshot.generation) break;
    if (!entry.node) continue;
    const clone = cloneNodeInfo(entry.info);
    const existing = snapshot.nodeInfoMap.get(entry.name);
    if (!existing) {
      updateAllLists = true;
      snapshot.nodeInfoMap.set(entry.name, clone);
      continue;
    }
    if (
      existing.pods.some(podWithAffinity) !== clone.pods.some(podWithAffinity) ||
      existing.pods.some(podWithRequiredAntiAffinity) !==
        clone.pods.some(podWithRequiredAntiAffinity)
    ) {
      updateAffinityLists = true;
    }
    // In place: the snapshot's lists hold this object and may not be rebuilt.
    Object.assign(existing, clone);
  }
  // 2.
  if (newest !== undefined) snapshot.generation = newest;
  // 3.
  if (snapshot.nodeInfoMap.size > source.nodeCount()) {
    for (const name of snapshot.nodeInfoMap.keys()) {
      if (!source.hasNode(name)) snapshot.nodeInfoMap.delete(name);
    }
    updateAllLists = true;
  }
  // 4.
  if (updateAllLists || updateAffinityLists) rebuildLists(source, snapshot, updateAllLists);
  // 5.
  if (snapshot.nodeInfoList.length !== source.nodeCount()) {
    const message =
      `snapshot state is not consistent: ${snapshot.nodeInfoList.length} NodeInfos listed, ` +
      `${source.nodeCount()} nodes in the tree, ${snapshot.nodeInfoMap.size} in the snapshot's ` +
      `map, ${source.entryCount()} in the cache; rebuilt for the next cycle`;
    rebuildLists(source, snapshot, true);
    throw new Error(`scheduler cache: ${message}`);
  }
}
// #endregion updateSnapshot

function rebuildLists(source: SnapshotSource, snapshot: Snapshot, all: boolean): void {
  if (all) {
    snapshot.nodeInfoList = [];
    for (const name of source.nodeOrder()) {
      const info = snapshot.nodeInfoMap.get(name);
      if (info) snapshot.nodeInfoList.push(info);
    }
  }
  snapshot.havePodsWithAffinityNodeInfoList = snapshot.nodeInfoList.filter((info) =>
    info.pods.some(podWithAffinity),
  );
  snapshot.havePodsWithRequiredAntiAffinityNodeInfoList = snapshot.nodeInfoList.filter((info) =>
    info.pods.some(podWithRequiredAntiAffinity),
  );
}
