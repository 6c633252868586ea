/**
 * PodTopologySpread's soft constraints (whenUnsatisfiable: ScheduleAnyway) — kube-scheduler's
 * plugins/podtopologyspread/scoring.go. Fewer matching pods in a node's domains is better.
 *
 * Steps:
 * 1. PreScore: the candidate (feasible) nodes missing any constraint's topology key are ignored
 *    (they score 0 at the end) — unless the constraints are the system defaults, so that nodes
 *    without a zone label are still spread by hostname (a node without the key then sits in the
 *    domain "", which counts towards the weight but is never scored). Each constraint gets a weight ln(domains + 2), where domains is
 *    the number of distinct values among the candidates (for the hostname key: the number of
 *    candidates), so a constraint over many small domains is not drowned by one over few large
 *    ones.
 * 2. PreScore: count matching pods per candidate domain over ALL nodes (a node outside the
 *    candidates still holds pods in a candidate's zone), honouring the inclusion policies.
 *    Hostname domains are counted per node in Score instead.
 * 3. Score: raw = round(sum over constraints of count × weight + (maxSkew − 1)). The maxSkew − 1
 *    term waters differences down: a larger maxSkew tolerates more imbalance.
 * 4. NormalizeScore: score = 100 × (max + min − raw) / max (integer division), over the
 *    non-ignored nodes; the fullest node gets the lowest score. All raw 0 → everyone 100.
 *
 * Worked example: one constraint, zone, maxSkew 1; candidates n1 (zone a) and n2 (zone b); zone a
 * holds 3 matching pods, zone b 1. weight = ln(2 + 2) = 1.386. raw n1 = round(3 × 1.386) = 4,
 * n2 = round(1.386) = 1. Normalized: n1 = 100 × (4 + 1 − 4) / 4 = 25, n2 = 100 × 4 / 4 = 100.
 */
import type { Pod } from "../../../api/types.ts";
import { MAX_NODE_SCORE, type NodeInfo, type NodeScore } from "../../framework/types.ts";
import { requiredNodeAffinity } from "../node-affinity/node-selector.ts";
import {
  countPodsMatchSelector,
  hasAllTopologyKeys,
  LABEL_HOSTNAME,
  nodeIncluded,
  type SpreadConstraint,
} from "./common.ts";

export interface PreScoreState {
  constraints: SpreadConstraint[];
  /** Candidates missing a topology key: scored 0 after normalisation. */
  ignoredNodes: Set<string>;
  /** Per constraint: matching pods per candidate domain (hostname constraints stay empty). */
  counts: Map<string, number>[];
  /** Per constraint: ln(number of candidate domains + 2). */
  weights: number[];
}

// #region preScoreState
export function preScoreState(
  pod: Pod,
  constraints: SpreadConstraint[],
  candidates: NodeInfo[],
  allNodes: readonly NodeInfo[],
  requireAllTopologies: boolean,
): PreScoreState {
  const ignoredNodes = new Set<string>();
  const counts = constraints.map(() => new Map<string, number>());
  // Step 1: the candidate domains, and each constraint's weight.
  for (const { node } of candidates) {
    if (requireAllTopologies && !hasAllTopologyKeys(node, constraints)) {
      ignoredNodes.add(node.metadata.name ?? "");
      continue;
    }
    constraints.forEach((c, i) => {
      if (c.topologyKey !== LABEL_HOSTNAME)
        counts[i]?.set(node.metadata.labels?.[c.topologyKey] ?? "", 0);
    });
  }
  const weights = constraints.map((c, i) => {
    const domains =
      c.topologyKey === LABEL_HOSTNAME
        ? candidates.length - ignoredNodes.size
        : (counts[i]?.size ?? 0);
    return Math.log(domains + 2);
  });
  // Step 2: matching pods in those domains, over every node.
  const required = requiredNodeAffinity(pod);
  const namespace = pod.metadata.namespace ?? "";
  for (const info of allNodes) {
    if (requireAllTopologies && !hasAllTopologyKeys(info.node, constraints)) continue;
    constraints.forEach((c, i) => {
      if (!nodeIncluded(c, pod, info.node, required)) return;
      const domain = info.node.metadata.labels?.[c.topologyKey] ?? "";
      const domainCounts = counts[i] as Map<string, number>;
      const sofar = domainCounts.get(domain);
      if (sofar === undefined) return; // not a candidate's domain, or a hostname constraint
      domainCounts.set(domain, sofar + countPodsMatchSelector(info.pods, c.selector, namespace));
    });
  }
  return { constraints, ignoredNodes, counts, weights };
}
// #endregion preScoreState

// #region scoreNode
/** Step 3: the node's raw score; more matching pods in its domains, higher (worse). */
export function scoreNode(state: PreScoreState, pod: Pod, info: NodeInfo): number {
  if (state.ignoredNodes.has(info.node.metadata.name ?? "")) return 0;
  const labels = info.node.metadata.labels ?? {};
  let score = 0;
  state.constraints.forEach((c, i) => {
    const domain = labels[c.topologyKey];
    if (domain === undefined) return;
    const count =
      c.topologyKey === LABEL_HOSTNAME
        ? countPodsMatchSelector(info.pods, c.selector, pod.metadata.namespace ?? "")
        : (state.counts[i]?.get(domain) ?? 0);
    score += count * (state.weights[i] as number) + (c.maxSkew - 1);
  });
  return Math.round(score);
}
// #endregion scoreNode

// #region normalizeSpreadScores
/** Step 4: reverse and scale; ignored nodes get 0. */
export function normalizeSpreadScores(state: PreScoreState, scores: NodeScore[]): void {
  const counted = scores.filter((s) => !state.ignoredNodes.has(s.name));
  const min = Math.min(...counted.map((s) => s.score));
  const max = Math.max(0, ...counted.map((s) => s.score));
  for (const s of scores) {
    if (state.ignoredNodes.has(s.name)) s.score = 0;
    else if (max === 0) s.score = MAX_NODE_SCORE;
    else s.score = Math.floor((MAX_NODE_SCORE * (max + min - s.score)) / max);
  }
}
// #endregion normalizeSpreadScores
