/**
 * InterPodAffinity — kube-scheduler's pkg/scheduler/framework/plugins/interpodaffinity. Places a
 * pod near (affinity) or away from (anti-affinity) pods already running, by topology domain:
 * "same node" (kubernetes.io/hostname), "same zone" (topology.kubernetes.io/zone), any node label.
 *
 * - PreFilter/Filter enforce the required terms, both the incoming pod's and the existing pods'
 *   anti-affinity against it (a rule holds in both directions). See filtering.ts for the counting,
 *   the three checks and the first-pod-of-a-group exception.
 * - AddPod/RemovePod (PreFilter extensions) update PreFilter's counts when a simulation puts a
 *   pod on a node or takes one off: preemption can then find that evicting a pod the incoming
 *   pod's anti-affinity (or an existing pod's) objects to makes room.
 * - PreScore/Score/NormalizeScore weigh the preferred terms (and, with hardPodAffinityWeight,
 *   existing pods' required affinity). See scoring.ts.
 *
 * Cost: most pods have no pod affinity, and most clusters few pods with it. So, as in Kubernetes,
 * PreFilter walks every pod only for an incoming pod with required terms, and otherwise only the
 * nodes the snapshot lists as holding a pod with required anti-affinity; PreScore walks only the
 * nodes holding a pod with any affinity unless the incoming pod has preferences. Existing pods'
 * terms are parsed once per pod object.
 *
 * Left out: matchLabelKeys and mismatchLabelKeys, which the API server folds into labelSelector
 * when the pod is created.
 */
import { LabelSelectorError } from "../../../api/labels.ts";
import type { Pod } from "../../../api/types.ts";
import { podWithAffinity, podWithRequiredAntiAffinity } from "../../cache/snapshot.ts";
import {
  type CycleState,
  type FilterPlugin,
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
import {
  mergeNamespaces,
  type NamespaceLister,
  namespaceLabelsOf,
  type PodTerms,
  podTerms,
} from "./affinity-term.ts";
import {
  ERR_REASON_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,
  type PreFilterState,
  preFilterCounts,
  satisfiesAffinity,
  satisfiesAntiAffinity,
  satisfiesExistingAntiAffinity,
} from "./filtering.ts";
import {
  normalizeAffinityScores,
  scoreNode,
  type TopologyScore,
  topologyScore,
} from "./scoring.ts";

export const NAME = "InterPodAffinity";
const PRE_FILTER_KEY = `PreFilter${NAME}`;
const PRE_SCORE_KEY = `PreScore${NAME}`;

/**
 * InterPodAffinityArgs' default (DefaultHardPodAffinitySymmetricWeight, pkg/scheduler/apis/config
 * v1 defaults): how much an existing pod's required affinity to the incoming pod counts in Score.
 */
export const DEFAULT_HARD_POD_AFFINITY_WEIGHT = 1;

/** The scheduler's snapshot (the framework handle's SnapshotSharedLister). */
export interface NodeInfoLister {
  list(): readonly NodeInfo[];
  /** Nodes with at least one pod declaring pod affinity or anti-affinity. */
  havePodsWithAffinityList(): readonly NodeInfo[];
  /** Nodes with at least one pod declaring required pod anti-affinity. */
  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[];
}

/** A lister over a plain list of nodes, computing the affinity lists on each call (for tests). */
export function listerOf(nodes: () => readonly NodeInfo[]): NodeInfoLister {
  return {
    list: nodes,
    havePodsWithAffinityList: () => nodes().filter((n) => n.pods.some(podWithAffinity)),
    havePodsWithRequiredAntiAffinityList: () =>
      nodes().filter((n) => n.pods.some(podWithRequiredAntiAffinity)),
  };
}

export interface InterPodAffinityOptions {
  nodeInfos: NodeInfoLister;
  /** For namespaceSelector; without it no namespace has labels. */
  namespaces?: NamespaceLister;
  /** 0-100; 0 turns the symmetric credit off. */
  hardPodAffinityWeight?: number;
  /** Score only the incoming pod's preferences; Skip when it has none. */
  ignorePreferredTermsOfExistingPods?: boolean;
}

const noNamespaces: NamespaceLister = { list: () => [] };
const notFound = (key: string) => status("Error", `reading "${key}" from cycleState: not found`);

/** AddPod/RemovePod's body: PreFilter's state, updated in place (it is the simulation's clone). */
function updateState(state: CycleState, other: Pod, node: NodeInfo, multiplier: 1 | -1): Status {
  const s = state.read<PreFilterState>(PRE_FILTER_KEY);
  if (s === undefined) return notFound(PRE_FILTER_KEY);
  s.updateWithPod(other, node.node, multiplier);
  return SUCCESS;
}

export class InterPodAffinity
  implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin
{
  readonly name = NAME;
  private readonly nodeInfos: NodeInfoLister;
  private readonly namespaces: NamespaceLister;
  private readonly hardPodAffinityWeight: number;
  private readonly ignorePreferredTermsOfExistingPods: boolean;

  constructor(options: InterPodAffinityOptions) {
    this.nodeInfos = options.nodeInfos;
    this.namespaces = options.namespaces ?? noNamespaces;
    this.hardPodAffinityWeight = options.hardPodAffinityWeight ?? DEFAULT_HARD_POD_AFFINITY_WEIGHT;
    this.ignorePreferredTermsOfExistingPods = options.ignorePreferredTermsOfExistingPods ?? false;
  }

  /** The incoming pod's terms with namespaceSelectors resolved, or the parse error. */
  private incomingTerms(pod: Pod): PodTerms | Error {
    let terms: PodTerms;
    try {
      terms = podTerms(pod);
    } catch (err) {
      if (err instanceof LabelSelectorError) return err;
      throw err;
    }
    const merge = <T extends Parameters<typeof mergeNamespaces>[0]>(t: T): T => ({
      ...t,
      ...mergeNamespaces(t, this.namespaces),
    });
    return {
      requiredAffinity: terms.requiredAffinity.map(merge),
      requiredAntiAffinity: terms.requiredAntiAffinity.map(merge),
      preferredAffinity: terms.preferredAffinity.map(merge),
      preferredAntiAffinity: terms.preferredAntiAffinity.map(merge),
    };
  }

  preFilter(
    state: CycleState,
    pod: Pod,
    nodes: NodeInfo[],
  ): { result?: PreFilterResult; status: Status } {
    const terms = this.incomingTerms(pod);
    if (terms instanceof Error) {
      return { status: status("UnschedulableAndUnresolvable", `parsing pod: ${terms.message}`) };
    }
    const counts = preFilterCounts(pod, terms, namespaceLabelsOf(pod, this.namespaces), {
      all: nodes,
      withRequiredAntiAffinity: this.nodeInfos.havePodsWithRequiredAntiAffinityList(),
    });
    if (
      counts.existingAntiAffinity.size === 0 &&
      terms.requiredAffinity.length === 0 &&
      terms.requiredAntiAffinity.length === 0
    ) {
      return { status: status("Skip") };
    }
    state.write(PRE_FILTER_KEY, counts);
    return { status: SUCCESS };
  }

  /** AddPod: a simulation put `other` on `node`. Without PreFilter's state, an Error. */
  addPod(state: CycleState, _podToSchedule: Pod, other: Pod, node: NodeInfo): Status {
    return updateState(state, other, node, 1);
  }

  /** RemovePod: a simulation took `other` off `node` (a preemption victim). */
  removePod(state: CycleState, _podToSchedule: Pod, other: Pod, node: NodeInfo): Status {
    return updateState(state, other, node, -1);
  }

  // #region filter
  filter(state: CycleState, _pod: Pod, node: NodeInfo): Status {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (s === undefined) return notFound(PRE_FILTER_KEY);
    if (!satisfiesAffinity(s, node.node)) {
      return status("UnschedulableAndUnresolvable", ERR_REASON_AFFINITY_RULES_NOT_MATCH);
    }
    if (!satisfiesAntiAffinity(s, node.node)) {
      return status("Unschedulable", ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH);
    }
    if (!satisfiesExistingAntiAffinity(s, node.node)) {
      return status("Unschedulable", ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH);
    }
    return SUCCESS;
  }
  // #endregion filter

  preScore(state: CycleState, pod: Pod, nodes: NodeInfo[]): Status {
    if (nodes.length === 0) return status("Skip");
    const terms = this.incomingTerms(pod);
    if (terms instanceof Error) return status("Error", `parsing pod: ${terms.message}`);
    const hasPreferences =
      terms.preferredAffinity.length > 0 || terms.preferredAntiAffinity.length > 0;
    if (this.ignorePreferredTermsOfExistingPods && !hasPreferences) return status("Skip");
    const scores = topologyScore(
      pod,
      {
        incoming: terms,
        namespaceLabels: namespaceLabelsOf(pod, this.namespaces),
        hardPodAffinityWeight: this.hardPodAffinityWeight,
      },
      { all: this.nodeInfos.list(), withAffinity: this.nodeInfos.havePodsWithAffinityList() },
    );
    if (scores.size === 0) return status("Skip");
    state.write(PRE_SCORE_KEY, scores);
    return SUCCESS;
  }

  // #region score
  score(state: CycleState, _pod: Pod, node: NodeInfo): { score: number; status: Status } {
    const scores = state.read<TopologyScore>(PRE_SCORE_KEY);
    if (scores === undefined) return { score: 0, status: notFound(PRE_SCORE_KEY) };
    return { score: scoreNode(scores, node.node), status: SUCCESS };
  }

  normalizeScore(state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    const s = state.read<TopologyScore>(PRE_SCORE_KEY);
    if (s === undefined) return notFound(PRE_SCORE_KEY);
    normalizeAffinityScores(scores);
    return SUCCESS;
  }
  // #endregion score
}

export function newInterPodAffinity(options: InterPodAffinityOptions) {
  return new InterPodAffinity(options) satisfies PreFilterPlugin &
    FilterPlugin &
    PreScorePlugin &
    ScorePlugin;
}
