/**
 * The scheduling algorithm for one pod: which node, or why none — kube-scheduler's schedulePod in
 * schedule_one.go, without the API, the queue or the cache (the scheduler loop wraps it).
 *
 * 1. No nodes at all: "no nodes available to schedule pods".
 * 2. Find the feasible nodes: PreFilter, then Filter on each node from a rotating start, stopping
 *    once enough are found (percentageOfNodesToScore).
 * 3. None feasible: a FitError, whose message is FailedScheduling's ("0/5 nodes are available:
 *    ..."); the plugins that rejected the pod decide which cluster events may requeue it.
 * 4. One feasible: it, without scoring (Kubernetes skips scoring then).
 * 5. Otherwise PreScore, Score (normalised, weighted, summed), and the highest total, ties broken
 *    at random.
 */
import type { Pod } from "../api/types.ts";
import { findNodesThatFit } from "./framework/feasible.ts";
import { type Diagnosis, fitErrorMessage, statusMessage } from "./framework/messages.ts";
import type { Framework, NodePluginScores } from "./framework/runtime.ts";
import { prioritizeNodes, type RandomInt, selectHost } from "./framework/select-host.ts";
import { CycleState, type NodeInfo, type Status } from "./framework/types.ts";

export class NoNodesAvailableError extends Error {
  constructor() {
    super("no nodes available to schedule pods");
    this.name = "NoNodesAvailableError";
  }
}

/** No node fits; `message` is the FailedScheduling event's text. */
export class FitError extends Error {
  constructor(
    readonly pod: Pod,
    readonly diagnosis: Diagnosis,
    /** The failed cycle's state: PostFilter (preemption) re-runs Filters that read PreFilter's data. */
    readonly state: CycleState,
  ) {
    super(fitErrorMessage(diagnosis));
    this.name = "FitError";
  }
}

export interface ScheduleResult {
  suggestedHost: string;
  /** How many nodes Filter looked at, and how many fit. */
  evaluatedNodes: number;
  feasibleNodes: number;
  state: CycleState;
  /** What the cycle saw, for narration: the nodes that fit, those Filter rejected and why, and
   * every feasible node's weighted score per plugin (empty when one node fit and nothing was scored). */
  trace: {
    feasible: string[];
    rejected: Map<string, Status>;
    scores: NodePluginScores[];
  };
}

export interface SchedulePodOptions {
  framework: Framework;
  pod: Pod;
  /** The snapshot's nodes, in its order. */
  nodes: readonly NodeInfo[];
  /** Carried from cycle to cycle, so every node gets its turn to be looked at first. */
  nextStartNodeIndex: number;
  percentageOfNodesToScore?: number;
  randomInt?: RandomInt;
}

// #region schedulePod
export function schedulePod(options: SchedulePodOptions): {
  result: ScheduleResult;
  nextStartNodeIndex: number;
} {
  const { framework, pod, nodes } = options;
  if (nodes.length === 0) throw new NoNodesAvailableError();
  const state = new CycleState();
  const fit = findNodesThatFit({
    framework,
    state,
    pod,
    allNodes: nodes,
    nextStartNodeIndex: options.nextStartNodeIndex,
    globalPercentageOfNodesToScore: options.percentageOfNodesToScore,
  });
  if (fit.error) throw new Error(statusMessage(fit.error));
  const feasible = fit.feasibleNodes;
  if (feasible.length === 0) throw new FitError(pod, fit.diagnosis, state);
  const evaluatedNodes = feasible.length + fit.diagnosis.nodeToStatus.size;
  const done = (suggestedHost: string, scores: NodePluginScores[]) => ({
    result: {
      suggestedHost,
      evaluatedNodes,
      feasibleNodes: feasible.length,
      state,
      trace: {
        feasible: feasible.map((n) => n.node.metadata.name ?? ""),
        rejected: fit.diagnosis.nodeToStatus,
        scores,
      },
    },
    nextStartNodeIndex: fit.nextStartNodeIndex,
  });
  if (feasible.length === 1) return done(feasible[0]?.node.metadata.name as string, []);
  const prioritized = prioritizeNodes(framework, state, pod, feasible);
  if (prioritized.status.code !== "Success") throw new Error(statusMessage(prioritized.status));
  return done(selectHost(prioritized.scores, options.randomInt), prioritized.scores);
}
// #endregion schedulePod
