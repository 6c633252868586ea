/**
 * What PodTopologySpread's filter and score share — kube-scheduler's
 * plugins/podtopologyspread/common.go: a pod's constraints with defaults filled in and selectors
 * parsed, which nodes count towards a domain, and how many pods on a node a constraint counts.
 *
 * Guarantees:
 * - Defaults are Kubernetes': minDomains 1, nodeAffinityPolicy Honor, nodeTaintsPolicy Ignore.
 * - matchLabelKeys adds `key = <the incoming pod's value>` to the selector for each listed key
 *   the pod has (keys it lacks are ignored), so each rollout revision spreads on its own.
 * - A pod counts when it is in the incoming pod's namespace, is not terminating (deletionTimestamp
 *   set: it is going away, kubernetes#87621) and matches the selector. A missing labelSelector
 *   matches no pod; `{}` matches every pod.
 */
import {
  type LabelRequirement,
  type LabelSelector,
  matchesLabels,
  selectorFromLabelSelector,
} from "../../../api/labels.ts";
import type { Node, Pod, TopologySpreadConstraint } from "../../../api/types.ts";
import type { NodeMatcher } from "../node-affinity/node-selector.ts";
import { doNotSchedule, findUntoleratedTaint } from "../taint-toleration/tolerates.ts";

/** The well-known hostname label (v1.LabelHostname): one domain per node. */
export const LABEL_HOSTNAME = "kubernetes.io/hostname";

export interface SpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelSelector;
  minDomains: number;
  nodeAffinityPolicy: "Honor" | "Ignore";
  nodeTaintsPolicy: "Honor" | "Ignore";
}

function withMatchLabelKeys(
  selector: LabelSelector,
  keys: string[],
  podLabels: Record<string, string>,
): LabelSelector {
  const added: LabelRequirement[] = keys
    .filter((key) => Object.hasOwn(podLabels, key))
    .map((key) => ({ key, operator: "=", values: [podLabels[key] as string] }));
  if (added.length === 0) return selector;
  // Merging into NOTHING (no labelSelector) keeps only the added keys, as Kubernetes' merge does.
  const existing = selector.type === "requirements" ? selector.requirements : [];
  const requirements = [...added, ...existing].sort((a, b) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  );
  return { type: "requirements", requirements };
}

/**
 * The constraints with `whenUnsatisfiable === action` (filterTopologySpreadConstraints):
 * DoNotSchedule ones for Filter, ScheduleAnyway ones for Score. Throws LabelSelectorError on a
 * selector that does not parse.
 */
export function filterConstraints(
  constraints: readonly TopologySpreadConstraint[],
  podLabels: Record<string, string>,
  action: "DoNotSchedule" | "ScheduleAnyway",
): SpreadConstraint[] {
  return constraints
    .filter((c) => c.whenUnsatisfiable === action)
    .map((c) => ({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector: withMatchLabelKeys(
        selectorFromLabelSelector(c.labelSelector),
        c.matchLabelKeys ?? [],
        podLabels,
      ),
      minDomains: c.minDomains ?? 1,
      nodeAffinityPolicy: c.nodeAffinityPolicy ?? "Honor",
      nodeTaintsPolicy: c.nodeTaintsPolicy ?? "Ignore",
    }));
}

/** Whether the node has every constraint's topology key; a node missing one is left out. */
export function hasAllTopologyKeys(node: Node, constraints: SpreadConstraint[]): boolean {
  const labels = node.metadata.labels ?? {};
  return constraints.every((c) => Object.hasOwn(labels, c.topologyKey));
}

/**
 * matchNodeInclusionPolicies: whether the node's pods count for this constraint. Honor on node
 * affinity counts only nodes the pod could be placed on; Honor on taints only nodes whose
 * NoSchedule/NoExecute taints the pod tolerates.
 */
export function nodeIncluded(
  c: SpreadConstraint,
  pod: Pod,
  node: Node,
  requiredAffinity: NodeMatcher,
): boolean {
  if (c.nodeAffinityPolicy === "Honor" && !requiredAffinity(node)) return false;
  if (c.nodeTaintsPolicy === "Honor") {
    const tolerations = pod.spec.tolerations ?? [];
    if (findUntoleratedTaint(node.spec?.taints ?? [], tolerations, doNotSchedule)) return false;
  }
  return true;
}

export function countPodsMatchSelector(pods: Pod[], selector: LabelSelector, namespace: string) {
  let count = 0;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp || (p.metadata.namespace ?? "") !== namespace) continue;
    if (matchesLabels(selector, p.metadata.labels)) count++;
  }
  return count;
}
