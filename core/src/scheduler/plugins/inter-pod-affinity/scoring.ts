/**
 * InterPodAffinity's preferences — kube-scheduler's plugins/interpodaffinity/scoring.go. Every
 * existing pod adds or takes points from its whole domain (all nodes sharing the term's
 * topologyKey value with the existing pod's node):
 *
 *   + weight   the incoming pod's preferred affinity term matches the existing pod
 *   − weight   the incoming pod's preferred anti-affinity term matches it
 *   + hardPodAffinityWeight (default 1)  an existing pod's REQUIRED affinity term matches the
 *              incoming pod: the relation is made symmetric, so pods land near those that need them
 *   + weight   an existing pod's preferred affinity term matches the incoming pod
 *   − weight   an existing pod's preferred anti-affinity term matches it
 *
 * A node's raw score is the sum over the domains it belongs to. NormalizeScore maps the lowest
 * raw score to 0 and the highest to 100, linearly, truncating: 100 × (raw − min) / (max − min);
 * all equal → 0.
 *
 * Worked example: the incoming pod prefers app=cache in its zone (weight 10) and avoids app=web
 * on its host (weight 5). n1 and n2 are in zone a, n3 in zone b; a cache pod runs on n1, a web
 * pod on n2. Domains: zone=a +10, hostname=n2 −5. Raw: n1 10, n2 5, n3 0; normalized 100, 50, 0.
 */
import type { Node, Pod } from "../../../api/types.ts";
import { podWithAffinity } from "../../cache/snapshot.ts";
import { MAX_NODE_SCORE, type NodeInfo, type NodeScore } from "../../framework/types.ts";
import {
  type AffinityTerm,
  existingPodTerms,
  type PodTerms,
  termMatches,
  type WeightedAffinityTerm,
} from "./affinity-term.ts";

/** topologyKey → value → points. */
export type TopologyScore = Map<string, Map<string, number>>;

function credit(
  scores: TopologyScore,
  term: AffinityTerm,
  weight: number,
  candidate: Pod,
  namespaceLabels: Record<string, string> | undefined,
  node: Node,
): void {
  if (!termMatches(term, candidate, namespaceLabels)) return;
  const value = node.metadata.labels?.[term.topologyKey];
  if (value === undefined) return;
  let byValue = scores.get(term.topologyKey);
  if (byValue === undefined) {
    byValue = new Map();
    scores.set(term.topologyKey, byValue);
  }
  byValue.set(value, (byValue.get(value) ?? 0) + weight);
}

function creditAll(
  scores: TopologyScore,
  terms: WeightedAffinityTerm[],
  sign: 1 | -1,
  candidate: Pod,
  namespaceLabels: Record<string, string> | undefined,
  node: Node,
): void {
  for (const t of terms) credit(scores, t, sign * t.weight, candidate, namespaceLabels, node);
}

export interface ScoreInputs {
  /** The incoming pod's terms, namespaceSelectors merged. */
  incoming: PodTerms;
  namespaceLabels: Record<string, string>;
  hardPodAffinityWeight: number;
}

/** The nodes PreScore reads: every node, and those holding a pod with any pod (anti-)affinity. */
export interface ScoreNodes {
  all: readonly NodeInfo[];
  withAffinity: readonly NodeInfo[];
}

// #region topologyScore
/**
 * PreScore: the points per domain from the existing pods. When the incoming pod has no preferred
 * terms, only existing pods with affinity terms of their own can give points, so only they are
 * walked, on the nodes the snapshot lists as holding one (Kubernetes' PreScore does the same).
 */
export function topologyScore(pod: Pod, inputs: ScoreInputs, nodes: ScoreNodes): TopologyScore {
  const scores: TopologyScore = new Map();
  const hasPreferences =
    inputs.incoming.preferredAffinity.length > 0 ||
    inputs.incoming.preferredAntiAffinity.length > 0;
  for (const { node, pods } of hasPreferences ? nodes.all : nodes.withAffinity) {
    // A node without labels is in no domain.
    if (Object.keys(node.metadata.labels ?? {}).length === 0) continue;
    for (const existing of pods) {
      if (!hasPreferences && !podWithAffinity(existing)) continue;
      creditAll(scores, inputs.incoming.preferredAffinity, 1, existing, undefined, node);
      creditAll(scores, inputs.incoming.preferredAntiAffinity, -1, existing, undefined, node);
      // An existing pod whose terms do not parse carries none.
      const theirs = existingPodTerms(existing);
      if (theirs === undefined) continue;
      const ns = inputs.namespaceLabels;
      if (inputs.hardPodAffinityWeight > 0) {
        for (const t of theirs.requiredAffinity)
          credit(scores, t, inputs.hardPodAffinityWeight, pod, ns, node);
      }
      creditAll(scores, theirs.preferredAffinity, 1, pod, ns, node);
      creditAll(scores, theirs.preferredAntiAffinity, -1, pod, ns, node);
    }
  }
  return scores;
}
// #endregion topologyScore

export function scoreNode(scores: TopologyScore, node: Node): number {
  let score = 0;
  for (const [key, byValue] of scores) {
    const value = node.metadata.labels?.[key];
    if (value !== undefined) score += byValue.get(value) ?? 0;
  }
  return score;
}

// #region normalizeAffinityScores
export function normalizeAffinityScores(scores: NodeScore[]): void {
  const min = Math.min(...scores.map((s) => s.score));
  const max = Math.max(...scores.map((s) => s.score));
  const diff = max - min;
  for (const s of scores) {
    s.score = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((s.score - min) / diff)) : 0;
  }
}
// #endregion normalizeAffinityScores
