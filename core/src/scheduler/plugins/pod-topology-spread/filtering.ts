/**
 * PodTopologySpread's hard constraints (whenUnsatisfiable: DoNotSchedule) — kube-scheduler's
 * plugins/podtopologyspread/filtering.go.
 *
 * PreFilter counts, once per pod, the matching pods in every domain (a topology value such as
 * zone "a"), over all nodes that are eligible: the node has every constraint's topology key and
 * passes the constraint's inclusion policies. Filter then checks each node:
 *
 *   skew = pods matching in the node's domain + (1 if the incoming pod matches itself)
 *          - global minimum over the eligible domains
 *   the node fits when skew <= maxSkew, for every constraint.
 *
 * When fewer domains are eligible than minDomains, the global minimum counts as 0, so the pod
 * cannot pile into the domains that exist while it waits for more (a cluster autoscaler can add a
 * zone).
 *
 * A simulation (preemption taking victims off a node, Filter counting nominated pods) changes
 * the pods on one node at a time; the PreFilter extensions AddPod/RemovePod move the counts by one
 * for each such pod (PreFilterState.updateWithPod) on a clone of the state.
 *
 * Worked example: maxSkew 1 on zones, zone a holds 2 matching pods, zone b holds 1 (global
 * minimum 1). An incoming pod that matches the selector: on a node in zone a the skew is
 * 2 + 1 - 1 = 2 > 1, rejected; in zone b it is 1 + 1 - 1 = 1, fits. With minDomains 3 and only
 * these two zones, the minimum counts as 0 and zone b gives 1 + 1 - 0 = 2: no node fits.
 */

import { matchesLabels } from "../../../api/labels.ts";
import type { Node, Pod } from "../../../api/types.ts";
import type { NodeInfo } from "../../framework/types.ts";
import { requiredNodeAffinity } from "../node-affinity/node-selector.ts";
import {
  countPodsMatchSelector,
  hasAllTopologyKeys,
  nodeIncluded,
  type SpreadConstraint,
} from "./common.ts";

export const ERR_REASON_CONSTRAINTS_NOT_MATCH =
  "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

// #region preFilterState
/**
 * What PreFilter counted, for Filter and for the PreFilter extensions. Invariant: matchNum[i]
 * holds every domain eligible for constraints[i] (a domain with 0 matching pods too), so its size
 * is the number of eligible domains minDomains compares with; AddPod/RemovePod change counts but
 * never that set.
 */
export class PreFilterState {
  readonly constraints: SpreadConstraint[];
  /** Per constraint: matching pods per eligible domain. */
  readonly matchNum: Map<string, number>[];

  constructor(constraints: SpreadConstraint[], matchNum: Map<string, number>[]) {
    this.constraints = constraints;
    this.matchNum = matchNum;
  }

  /** A copy a simulation may change: the counts are copied, the constraints shared. */
  clone(): PreFilterState {
    return new PreFilterState(
      this.constraints,
      this.matchNum.map((counts) => new Map(counts)),
    );
  }

  /**
   * updateWithPod: `other` was put on `node` (delta 1) or taken off it (-1) in `preemptor`'s
   * simulation. It counts where PreFilter would have counted it: same namespace as the preemptor,
   * a node with every topology key that passes the constraint's inclusion policies, and the
   * constraint's selector. Like Kubernetes, it does not look at `other`'s deletionTimestamp,
   * though PreFilter skips terminating pods.
   *
   * Worked example: maxSkew 1 on zones, zone a 2 matching pods, zone b 1. A preemptor that
   * matches fits only in zone b (2 + 1 - 1 = 2 in a). Taking one victim off a node in zone a:
   * a 1, b 1, and a node in zone a gives 1 + 1 - 1 = 1 — the victim made room.
   */
  updateWithPod(other: Pod, preemptor: Pod, node: Node, delta: 1 | -1): void {
    if ((other.metadata.namespace ?? "") !== (preemptor.metadata.namespace ?? "")) return;
    if (!hasAllTopologyKeys(node, this.constraints)) return;
    const required = requiredNodeAffinity(preemptor);
    this.constraints.forEach((c, i) => {
      if (!matchesLabels(c.selector, other.metadata.labels)) return;
      if (!nodeIncluded(c, preemptor, node, required)) return;
      const domain = node.metadata.labels?.[c.topologyKey] as string;
      const counts = this.matchNum[i] as Map<string, number>;
      counts.set(domain, (counts.get(domain) ?? 0) + delta);
    });
  }
}
// #endregion preFilterState

// #region calPreFilterState
/** calPreFilterState: matching pods per domain, per hard constraint, over all nodes. */
export function preFilterState(
  pod: Pod,
  constraints: SpreadConstraint[],
  allNodes: readonly NodeInfo[],
): PreFilterState {
  const matchNum = constraints.map(() => new Map<string, number>());
  const required = requiredNodeAffinity(pod);
  const namespace = pod.metadata.namespace ?? "";
  for (const info of allNodes) {
    const node = info.node;
    if (!hasAllTopologyKeys(node, constraints)) continue;
    constraints.forEach((c, i) => {
      if (!nodeIncluded(c, pod, node, required)) return;
      const domain = node.metadata.labels?.[c.topologyKey] as string;
      const counts = matchNum[i] as Map<string, number>;
      counts.set(
        domain,
        (counts.get(domain) ?? 0) + countPodsMatchSelector(info.pods, c.selector, namespace),
      );
    });
  }
  return new PreFilterState(constraints, matchNum);
}
// #endregion calPreFilterState

/**
 * The global minimum for the skew: the emptiest eligible domain, or 0 when fewer domains than
 * minDomains are eligible. Kubernetes keeps the smallest counts per constraint (its critical
 * paths) and updates them as AddPod/RemovePod change one count; tinykube recomputes the minimum
 * from the counts on each Filter, which gives the same answer with nothing extra to keep right.
 */
export function globalMinimum(counts: Map<string, number>, minDomains: number): number {
  if (counts.size < minDomains) return 0;
  return Math.min(...counts.values());
}

export type SpreadVerdict = "fits" | "missingLabel" | "skewTooLarge";

// #region fitsSpread
/** Filter's check for one node: every hard constraint's skew stays within maxSkew. */
export function fitsSpread(state: PreFilterState, pod: Pod, info: NodeInfo): SpreadVerdict {
  const labels = info.node.metadata.labels ?? {};
  for (const [i, c] of state.constraints.entries()) {
    if (!Object.hasOwn(labels, c.topologyKey)) return "missingLabel";
    const counts = state.matchNum[i] as Map<string, number>;
    const selfMatch = matchesLabels(c.selector, pod.metadata.labels) ? 1 : 0;
    const inDomain = counts.get(labels[c.topologyKey] as string) ?? 0;
    const skew = inDomain + selfMatch - globalMinimum(counts, c.minDomains);
    if (skew > c.maxSkew) return "skewTooLarge";
  }
  return "fits";
}
// #endregion fitsSpread
