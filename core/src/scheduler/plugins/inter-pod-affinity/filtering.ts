/**
 * InterPodAffinity's required rules — kube-scheduler's plugins/interpodaffinity/filtering.go.
 *
 * PreFilter counts, per topology pair (topologyKey=value, a domain), three things over all nodes:
 * 1. existing: existing pods whose required anti-affinity terms match the incoming pod, counted in
 *    the existing pod's domain for each such term;
 * 2. affinity: existing pods that match ALL the incoming pod's required affinity terms, counted in
 *    their node's domain for each term;
 * 3. antiAffinity: existing pods matching each of the incoming pod's required anti-affinity
 *    terms, counted per term in their node's domain.
 *
 * Filter then asks of each node, in this order:
 * - affinity: the node has every term's topology key, and each term's domain holds a matching
 *   pod. Exception, so that a group whose pods attract each other can start: when no pod in the
 *   cluster matches at all and the incoming pod matches all its own terms, any node with the keys
 *   fits. → UnschedulableAndUnresolvable "node(s) didn't match pod affinity rules".
 * - anti-affinity: no term's domain (on this node) holds a matching pod.
 *   → Unschedulable "node(s) didn't match pod anti-affinity rules" (preemption can evict them).
 * - existing pods' anti-affinity: none of the node's label pairs is a domain an existing pod
 *   forbids to the incoming pod. → Unschedulable "node(s) didn't satisfy existing pods
 *   anti-affinity rules".
 *
 * Worked example: web pods want `app=cache` in the same zone. Zone a holds a cache pod, zone b
 * none: affinity counts {zone=a: 1}; nodes in zone a fit, nodes in zone b do not, nodes without a
 * zone label do not. The first cache pod with anti-affinity to `app=cache` per hostname: it may
 * go anywhere; the second is kept off that node by its own term, and a third pod without any
 * affinity labelled app=cache is kept off it by the first pod's term (existing anti-affinity).
 */
import type { Node, Pod } from "../../../api/types.ts";
import type { NodeInfo } from "../../framework/types.ts";
import {
  type AffinityTerm,
  existingPodTerms,
  matchesAllTerms,
  type PodTerms,
  termMatches,
} from "./affinity-term.ts";

export const ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH =
  "node(s) didn't match pod anti-affinity rules";
export const ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH =
  "node(s) didn't satisfy existing pods anti-affinity rules";

/** Counts keyed by "topologyKey=value" (a label key cannot contain "=", so the key is unique). */
export type TopologyCounts = Map<string, number>;

const pairKey = (key: string, value: string) => `${key}=${value}`;

function add(counts: TopologyCounts, node: Node, topologyKey: string): void {
  const value = node.metadata.labels?.[topologyKey];
  if (value === undefined) return;
  const key = pairKey(topologyKey, value);
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

export interface PreFilterState {
  /** The incoming pod and its terms, namespaceSelectors already merged into namespaces. */
  pod: Pod;
  terms: PodTerms;
  existingAntiAffinity: TopologyCounts;
  affinity: TopologyCounts;
  antiAffinity: TopologyCounts;
}

/** The nodes PreFilter reads: every node, and those the snapshot lists as holding a pod with
 * required anti-affinity (most clusters have few: walking only them keeps PreFilter cheap). */
export interface PreFilterNodes {
  all: readonly NodeInfo[];
  withRequiredAntiAffinity: readonly NodeInfo[];
}

// #region preFilterCounts
/**
 * The three counts. Count 1 walks only the nodes holding a pod with required anti-affinity, and
 * only those pods; counts 2 and 3 walk every pod, but only when the incoming pod has required
 * terms at all — as Kubernetes' getExistingAntiAffinityCounts and
 * getIncomingAffinityAntiAffinityCounts do.
 */
export function preFilterCounts(
  pod: Pod,
  terms: PodTerms,
  namespaceLabels: Record<string, string>,
  nodes: PreFilterNodes,
): PreFilterState {
  const state: PreFilterState = {
    pod,
    terms,
    existingAntiAffinity: new Map(),
    affinity: new Map(),
    antiAffinity: new Map(),
  };
  // 1. Existing pods' anti-affinity against the incoming pod.
  for (const { node, pods } of nodes.withRequiredAntiAffinity) {
    for (const existing of pods) {
      for (const t of existingPodTerms(existing)?.requiredAntiAffinity ?? []) {
        if (termMatches(t, pod, namespaceLabels))
          add(state.existingAntiAffinity, node, t.topologyKey);
      }
    }
  }
  if (terms.requiredAffinity.length === 0 && terms.requiredAntiAffinity.length === 0) return state;
  for (const { node, pods } of nodes.all) {
    for (const existing of pods) {
      // 2. The incoming pod's affinity: the existing pod must match every term.
      if (matchesAllTerms(terms.requiredAffinity, existing)) {
        for (const t of terms.requiredAffinity) add(state.affinity, node, t.topologyKey);
      }
      // 3. The incoming pod's anti-affinity, term by term.
      for (const t of terms.requiredAntiAffinity) {
        if (termMatches(t, existing, undefined)) add(state.antiAffinity, node, t.topologyKey);
      }
    }
  }
  return state;
}
// #endregion preFilterCounts

const domainOf = (node: Node, term: AffinityTerm) => {
  const value = node.metadata.labels?.[term.topologyKey];
  return value === undefined ? undefined : pairKey(term.topologyKey, value);
};

// #region satisfyPodAffinity
export function satisfiesAffinity(state: PreFilterState, node: Node): boolean {
  let podsExist = true;
  for (const term of state.terms.requiredAffinity) {
    const domain = domainOf(node, term);
    if (domain === undefined) return false; // every topology key must be on the node
    if ((state.affinity.get(domain) ?? 0) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a self-attracting group: nothing matches anywhere yet, and it matches itself.
  return state.affinity.size === 0 && matchesAllTerms(state.terms.requiredAffinity, state.pod);
}
// #endregion satisfyPodAffinity

export function satisfiesAntiAffinity(state: PreFilterState, node: Node): boolean {
  return state.terms.requiredAntiAffinity.every((term) => {
    const domain = domainOf(node, term);
    return domain === undefined || (state.antiAffinity.get(domain) ?? 0) <= 0;
  });
}

export function satisfiesExistingAntiAffinity(state: PreFilterState, node: Node): boolean {
  if (state.existingAntiAffinity.size === 0) return true;
  return Object.entries(node.metadata.labels ?? {}).every(
    ([key, value]) => (state.existingAntiAffinity.get(pairKey(key, value)) ?? 0) <= 0,
  );
}
