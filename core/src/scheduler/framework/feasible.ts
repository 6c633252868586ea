/**
 * Finding the nodes a pod fits — kube-scheduler's findNodesThatFitPod, findNodesThatPassFilters
 * and numFeasibleNodesToFind (pkg/scheduler/schedule_one.go).
 *
 * Guarantees:
 * - Filter stops once numFeasibleNodesToFind nodes fit: in a big cluster a good-enough node now
 *   beats the best node later. Only those nodes are scored.
 * - The search starts where the previous cycle stopped (nextStartNodeIndex), so over many pods
 *   every node gets looked at, not only the first few in the snapshot.
 * - Every node Filter rejected is in diagnosis.nodeToStatus with the rejecting plugin named;
 *   nodes a PreFilterResult ruled out share diagnosis.absentNodesStatus.
 * - Filter on each node counts the pods nominated there of equal or higher priority
 *   (runFilterPluginsWithNominatedPods), so room freed by preemption is kept for its preemptor.
 * - Kubernetes filters nodes in parallel (16 goroutines) and may examine a few nodes past the
 *   target; tinykube filters one node at a time, which is the order Kubernetes approximates.
 */
import type { Pod } from "../../api/types.ts";
import { type Diagnosis, statusMessage } from "./messages.ts";
import type { Framework } from "./runtime.ts";
import { type CycleState, type NodeInfo, type Status, status } from "./types.ts";

/**
 * Below this many nodes Filter checks them all; above it, never fewer than this many
 * (schedule_one.go's minFeasibleNodesToFind: enough feasible nodes for scoring to spread pods).
 */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** The adaptive percentage never drops below 5% (minFeasibleNodesPercentageToFind). */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

// #region num-feasible-nodes-to-find
/**
 * How many feasible nodes to find before Filter stops, in three steps:
 *   1. Fewer than 100 nodes: all of them.
 *   2. The percentage is the profile's percentageOfNodesToScore, else the top-level one; 0 (the
 *      default) means adaptive: 50 − nodes/125 (integer division), at least 5.
 *   3. nodes × percentage / 100 (integer division), at least 100.
 *
 * | nodes | adaptive % | nodes to find                      |
 * |------:|-----------:|------------------------------------|
 * |    99 |          — | 99 (all: step 1)                   |
 * |   100 |         50 | 50 → raised to 100 (all)           |
 * |   500 |         46 | 230                                |
 * | 1,000 |         42 | 420                                |
 * | 5,000 |         10 | 500                                |
 * | 6,000 |   2 → 5    | 300                                |
 */
export function numFeasibleNodesToFind(args: {
  numAllNodes: number;
  /** The profile's value; undefined defers to `globalPercentage`. */
  profilePercentage?: number | undefined;
  globalPercentage?: number;
}): number {
  const { numAllNodes } = args;
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let percentage = args.profilePercentage ?? args.globalPercentage ?? 0;
  if (percentage === 0) {
    percentage = 50 - Math.trunc(numAllNodes / 125);
    if (percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) {
      percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
    }
  }
  const numNodes = Math.trunc((numAllNodes * percentage) / 100);
  return Math.max(numNodes, MIN_FEASIBLE_NODES_TO_FIND);
}
// #endregion num-feasible-nodes-to-find

export interface FitResult {
  feasibleNodes: NodeInfo[];
  diagnosis: Diagnosis;
  /** Where the next cycle's search starts. */
  nextStartNodeIndex: number;
  /** Set when a plugin failed (not a rejection): the cycle is an error, not a FitError. */
  error?: Status;
}

// #region find-nodes-that-fit
/**
 * Runs PreFilter and Filter for one pod, in five steps:
 *   1. PreFilter. A rejection ends the search: every node gets its status and its message
 *      becomes diagnosis.preFilterMsg. An Error ends the cycle. Then, for a pod an earlier
 *      preemption nominated a node for (status.nominatedNodeName), try that node first: it is
 *      likely the only one that fits, and if it does, it is the answer, unscored
 *      (evaluateNominatedNode).
 *   2. If PreFilter named nodes, search only those (names not in the snapshot are ignored);
 *      the others share "node(s) didn't satisfy plugin(s) [...]".
 *   3. Decide how many to find: numFeasibleNodesToFind, or 1 when nothing scores (any fitting
 *      node is then as good as another).
 *   4. Visit nodes from nextStartNodeIndex round the list, running Filter, until enough fit.
 *      With no Filter plugins, the next `toFind` nodes all fit.
 *   5. Advance nextStartNodeIndex by the nodes examined, modulo the whole snapshot.
 *
 * Trace, 6 nodes n0..n5, 100-node minimum not reached so toFind = 6, n1 and n4 rejected,
 * nextStartNodeIndex 4: visit n4 ✗, n5 ✓, n0 ✓, n1 ✗, n2 ✓, n3 ✓ → feasible [n5, n0, n2, n3],
 * examined 6, next start (4 + 6) % 6 = 4.
 */
export function findNodesThatFit(args: {
  framework: Framework;
  state: CycleState;
  pod: Pod;
  /** The snapshot's nodes, in the snapshot's order. */
  allNodes: readonly NodeInfo[];
  nextStartNodeIndex: number;
  /** KubeSchedulerConfiguration.percentageOfNodesToScore (the profile's value wins when set). */
  globalPercentageOfNodesToScore?: number;
}): FitResult {
  const { framework, state, pod, allNodes } = args;
  const diagnosis: Diagnosis = {
    numAllNodes: allNodes.length,
    nodeToStatus: new Map(),
    unschedulablePlugins: new Set(),
  };
  const unchanged = (error?: Status): FitResult => ({
    feasibleNodes: [],
    diagnosis,
    nextStartNodeIndex: args.nextStartNodeIndex,
    ...(error ? { error } : {}),
  });

  // 1.
  const pre = framework.runPreFilterPlugins(state, pod, allNodes);
  for (const name of pre.pluginsWithNodes) diagnosis.unschedulablePlugins?.add(name);
  if (pre.status.code !== "Success") {
    if (pre.status.code === "Error") return unchanged(pre.status);
    diagnosis.absentNodesStatus = pre.status;
    diagnosis.preFilterMsg = statusMessage(pre.status);
    if (pre.status.plugin) diagnosis.unschedulablePlugins?.add(pre.status.plugin);
    return unchanged();
  }
  const nominated = (pod.status as { nominatedNodeName?: string } | undefined)?.nominatedNodeName;
  if (nominated) {
    const node = allNodes.find((n) => n.node.metadata.name === nominated);
    if (node && framework.runFilterPluginsWithNominatedPods(state, pod, node).code === "Success") {
      return { feasibleNodes: [node], diagnosis, nextStartNodeIndex: args.nextStartNodeIndex };
    }
  }

  // 2.
  let nodes = allNodes;
  if (pre.result?.nodeNames) {
    const wanted = pre.result.nodeNames;
    nodes = allNodes.filter((n) => wanted.has(n.node.metadata.name ?? ""));
    diagnosis.absentNodesStatus = status(
      "UnschedulableAndUnresolvable",
      `node(s) didn't satisfy plugin(s) [${[...pre.pluginsWithNodes].sort().join(" ")}]`,
    );
  }
  if (nodes.length === 0) return unchanged();

  // 3.
  const toFind = framework.hasScorePlugins()
    ? numFeasibleNodesToFind({
        numAllNodes: nodes.length,
        profilePercentage: framework.profile.percentageOfNodesToScore,
        globalPercentage: args.globalPercentageOfNodesToScore ?? 0,
      })
    : 1;

  // 4.
  const feasibleNodes: NodeInfo[] = [];
  let error: Status | undefined;
  if (!framework.hasFilterPlugins()) {
    for (let i = 0; i < toFind; i++) {
      feasibleNodes.push(nodes[(args.nextStartNodeIndex + i) % nodes.length] as NodeInfo);
    }
  } else {
    for (let i = 0; i < nodes.length && feasibleNodes.length < toFind; i++) {
      const node = nodes[(args.nextStartNodeIndex + i) % nodes.length] as NodeInfo;
      const s = framework.runFilterPluginsWithNominatedPods(state, pod, node);
      if (s.code === "Error") {
        error = s;
        break;
      }
      if (s.code === "Success") {
        feasibleNodes.push(node);
      } else {
        diagnosis.nodeToStatus.set(node.node.metadata.name ?? "", s);
        if (s.plugin) diagnosis.unschedulablePlugins?.add(s.plugin);
      }
    }
  }

  // 5. Advance even after an error (as Kubernetes does), so every node keeps its turn.
  const examined = feasibleNodes.length + diagnosis.nodeToStatus.size;
  const nextStartNodeIndex = (args.nextStartNodeIndex + examined) % allNodes.length;
  return error
    ? { feasibleNodes: [], diagnosis, nextStartNodeIndex, error }
    : { feasibleNodes, diagnosis, nextStartNodeIndex };
}
// #endregion find-nodes-that-fit
