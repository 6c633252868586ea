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
 * Worked example: maxSkew 1 on zones, zone a holds 2 matching pods, zone b holds 1 (global
 * minimum 1). An incoming pod that matches the selector: on a node in zone a the skew is
 * 2 + 1 - 1 = 2 > 1, rejected; in zone b it is 1 + 1 - 1 = 1, fits. With minDomains 3 and only
 * these two zones, the minimum counts as 0 and zone b gives 1 + 1 - 0 = 2: no node fits.
 */

import { matchesLabels } from "../../../api/labels.ts";
import type { Pod } from "../../../api/types.ts";
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

export interface PreFilterState {
  constraints: SpreadConstraint[];
  /** Per constraint: matching pods per eligible domain (a domain with 0 pods is still listed). */
  matchNum: Map<string, number>[];
}

// #region preFilterState
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
  return { constraints, matchNum };
}
// #endregion preFilterState

/**
 * The global minimum for the skew: the emptiest eligible domain, or 0 when fewer domains than
 * minDomains are eligible. (Kubernetes keeps the two smallest domains so preemption can update
 * the state pod by pod; tinykube recomputes.)
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
