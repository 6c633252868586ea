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
 * A simulation (preemption taking victims off a node, Filter counting nominated pods) changes
 * the pods on one node at a time; the PreFilter extensions AddPod/RemovePod keep the three counts
 * right for each such pod (PreFilterState.updateWithPod) on a clone of the state, instead of
 * counting every pod again.
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

/**
 * Adds `delta` to the count of the node's domain for `topologyKey` (nothing if the node lacks the
 * label), and deletes an entry that reaches 0, as Kubernetes' topologyToMatchedTermCount.update:
 * an empty map must mean "no pod matches anywhere", which the first-pod exception reads.
 */
function update(counts: TopologyCounts, node: Node, topologyKey: string, delta: number): void {
  const value = node.metadata.labels?.[topologyKey];
  if (value === undefined) return;
  const key = pairKey(topologyKey, value);
  const count = (counts.get(key) ?? 0) + delta;
  if (count === 0) counts.delete(key);
  else counts.set(key, count);
}

// #region preFilterState
/**
 * What PreFilter computed, for Filter and for the PreFilter extensions. Invariant: every count is
 * the number of (pod, term) matches in that domain over the pods the simulation has on the nodes
 * — never 0 (such entries are deleted).
 */
export class PreFilterState {
  /** The incoming pod and its terms, namespaceSelectors already merged into namespaces. */
  readonly pod: Pod;
  readonly terms: PodTerms;
  /** The incoming pod's namespace's labels, for existing pods' namespaceSelectors. */
  readonly namespaceLabels: Record<string, string>;
  readonly existingAntiAffinity: TopologyCounts;
  readonly affinity: TopologyCounts;
  readonly antiAffinity: TopologyCounts;

  constructor(init: {
    pod: Pod;
    terms: PodTerms;
    namespaceLabels: Record<string, string>;
    existingAntiAffinity?: TopologyCounts;
    affinity?: TopologyCounts;
    antiAffinity?: TopologyCounts;
  }) {
    this.pod = init.pod;
    this.terms = init.terms;
    this.namespaceLabels = init.namespaceLabels;
    this.existingAntiAffinity = init.existingAntiAffinity ?? new Map();
    this.affinity = init.affinity ?? new Map();
    this.antiAffinity = init.antiAffinity ?? new Map();
  }

  /** A copy whose counts a simulation may change; the pod, terms and labels never change. */
  clone(): PreFilterState {
    return new PreFilterState({
      pod: this.pod,
      terms: this.terms,
      namespaceLabels: this.namespaceLabels,
      existingAntiAffinity: new Map(this.existingAntiAffinity),
      affinity: new Map(this.affinity),
      antiAffinity: new Map(this.antiAffinity),
    });
  }

  /**
   * updateWithPod: `other` was put on `node` (multiplier 1) or taken off it (-1) — the same three
   * counts PreFilter made, for this one pod. Worked example: the incoming pod wants `app=cache`
   * in its zone and the only cache pod, on a node in zone a, is a preemption victim. Taken off:
   * affinity {zone=a: 1} becomes {} — and since the incoming pod is no cache pod, no node fits
   * any more. (Were it a cache pod itself, the empty map would let it onto any node with a zone.)
   */
  updateWithPod(other: Pod, node: Node, multiplier: 1 | -1): void {
    // 1. The other pod's anti-affinity against the incoming pod.
    for (const t of existingPodTerms(other)?.requiredAntiAffinity ?? []) {
      if (termMatches(t, this.pod, this.namespaceLabels))
        update(this.existingAntiAffinity, node, t.topologyKey, multiplier);
    }
    // 2. The incoming pod's affinity: the other pod must match every term.
    if (matchesAllTerms(this.terms.requiredAffinity, other)) {
      for (const t of this.terms.requiredAffinity)
        update(this.affinity, node, t.topologyKey, multiplier);
    }
    // 3. The incoming pod's anti-affinity, term by term.
    for (const t of this.terms.requiredAntiAffinity) {
      if (termMatches(t, other, undefined))
        update(this.antiAffinity, node, t.topologyKey, multiplier);
    }
  }
}
// #endregion preFilterState

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
  const state = new PreFilterState({ pod, terms, namespaceLabels });
  // 1. Existing pods' anti-affinity against the incoming pod.
  for (const { node, pods } of nodes.withRequiredAntiAffinity) {
    for (const existing of pods) {
      for (const t of existingPodTerms(existing)?.requiredAntiAffinity ?? []) {
        if (termMatches(t, pod, namespaceLabels))
          update(state.existingAntiAffinity, node, t.topologyKey, 1);
      }
    }
  }
  if (terms.requiredAffinity.length === 0 && terms.requiredAntiAffinity.length === 0) return state;
  for (const { node, pods } of nodes.all) {
    for (const existing of pods) {
      // 2. The incoming pod's affinity: the existing pod must match every term.
      if (matchesAllTerms(terms.requiredAffinity, existing)) {
        for (const t of terms.requiredAffinity) update(state.affinity, node, t.topologyKey, 1);
      }
      // 3. The incoming pod's anti-affinity, term by term.
      for (const t of terms.requiredAntiAffinity) {
        if (termMatches(t, existing, undefined)) update(state.antiAffinity, node, t.topologyKey, 1);
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
