/**
 * NodeAffinity — kube-scheduler's pkg/scheduler/framework/plugins/nodeaffinity. Keeps a pod off
 * nodes its spec.nodeSelector and required node affinity rule out, and prefers nodes that match
 * its preferred terms.
 *
 * - PreFilter: Skip when the pod has neither a nodeSelector nor required node affinity. When every
 *   required term names nodes (matchFields metadata.name In), only those nodes can fit, so the
 *   search narrows to them: terms ORed → union; In requirements inside a term ANDed → intersection.
 *   An empty result means the terms contradict themselves: "pod affinity terms conflict".
 * - Filter: a node that does not match is UnschedulableAndUnresolvable ("node(s) didn't match
 *   Pod's node affinity/selector"): evicting pods cannot change a node's labels, so preemption
 *   skips it.
 * - Score: the sum of the weights of the preferred terms the node matches, then scaled so the best
 *   node gets 100 (DefaultNormalizeScore).
 *
 * Worked example: preferred terms {weight 2: zone In (a)} and {weight 8: disk In (ssd)}. Node x
 * (zone a, ssd) scores 10, node y (zone a) 2, node z 0; normalized: 100, 20, 0.
 *
 * Left out: the scheduler profile's addedAffinity argument (NodeAffinityArgs).
 */
import type { Pod } from "../../../api/types.ts";
import {
  type CycleState,
  type FilterPlugin,
  MAX_NODE_SCORE,
  type NodeInfo,
  type NodeScore,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
  SUCCESS,
  status,
} from "../../framework/types.ts";
import { defaultNormalizeScore } from "../helper/normalize-score.ts";
import {
  type NodeMatcher,
  OBJECT_NAME_FIELD,
  preferredSchedulingTerms,
  requiredNodeAffinity,
} from "./node-selector.ts";

export const NAME = "NodeAffinity";
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_CONFLICT = "pod affinity terms conflict";

const PRE_FILTER_KEY = `PreFilter${NAME}`;
const PRE_SCORE_KEY = `PreScore${NAME}`;

/** The node names the required terms pin the pod to, or undefined if some term names none. */
function namedNodes(pod: Pod): Set<string> | undefined {
  const terms =
    pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
      ?.nodeSelectorTerms ?? [];
  if (terms.length === 0) return undefined;
  const union = new Set<string>();
  for (const term of terms) {
    let names: Set<string> | undefined;
    for (const r of term.matchFields ?? []) {
      if (r.key !== OBJECT_NAME_FIELD || r.operator !== "In") continue;
      const values = new Set(r.values ?? []);
      names = names === undefined ? values : new Set([...names].filter((n) => values.has(n)));
    }
    // A term that names no node allows every node, and the terms are ORed.
    if (names === undefined) return undefined;
    for (const n of names) union.add(n);
  }
  return union;
}

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NAME;

  preFilter(
    state: CycleState,
    pod: Pod,
    _nodes: NodeInfo[],
  ): { result?: PreFilterResult; status: Status } {
    const required =
      pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (required === undefined && pod.spec.nodeSelector === undefined) {
      return { status: status("Skip") };
    }
    state.write(PRE_FILTER_KEY, requiredNodeAffinity(pod));
    const names = namedNodes(pod);
    if (names === undefined) return { status: SUCCESS };
    if (names.size === 0) {
      return { status: status("UnschedulableAndUnresolvable", ERR_REASON_CONFLICT) };
    }
    return { result: { nodeNames: names }, status: SUCCESS };
  }

  // #region filter
  filter(state: CycleState, pod: Pod, node: NodeInfo): Status {
    // Without PreFilter (disabled in a profile) Kubernetes computes the matcher here.
    const matches = state.read<NodeMatcher>(PRE_FILTER_KEY) ?? requiredNodeAffinity(pod);
    if (!matches(node.node)) return status("UnschedulableAndUnresolvable", ERR_REASON_POD);
    return SUCCESS;
  }
  // #endregion filter

  preScore(state: CycleState, pod: Pod, _nodes: NodeInfo[]): Status {
    const preferred =
      pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    if (preferred === undefined) return status("Skip");
    try {
      state.write(PRE_SCORE_KEY, preferredSchedulingTerms(preferred));
    } catch (err) {
      return status("Error", (err as Error).message);
    }
    return SUCCESS;
  }

  // #region score
  score(state: CycleState, pod: Pod, node: NodeInfo): { score: number; status: Status } {
    let scoreOf = state.read<(n: NodeInfo["node"]) => number>(PRE_SCORE_KEY);
    if (scoreOf === undefined) {
      try {
        const preferred =
          pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
        scoreOf = preferredSchedulingTerms(preferred);
      } catch (err) {
        return { score: 0, status: status("Error", (err as Error).message) };
      }
    }
    return { score: scoreOf(node.node), status: SUCCESS };
  }

  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
    return SUCCESS;
  }
  // #endregion score
}

export const nodeAffinity = new NodeAffinity() satisfies PreFilterPlugin &
  FilterPlugin &
  PreScorePlugin &
  ScorePlugin;
