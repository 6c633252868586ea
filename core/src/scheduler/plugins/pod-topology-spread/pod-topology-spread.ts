/**
 * PodTopologySpread — kube-scheduler's pkg/scheduler/framework/plugins/podtopologyspread. Spreads
 * the pods a selector picks across topology domains (zones, nodes, racks: the values of a node
 * label) so that no domain runs more than maxSkew ahead of the emptiest.
 *
 * - DoNotSchedule constraints are hard: PreFilter counts pods per domain, Filter rejects a node
 *   without the topology label (UnschedulableAndUnresolvable, "... (missing required label)") or
 *   whose domain would exceed maxSkew (Unschedulable: evicting pods there could help). See
 *   filtering.ts for the formula and a worked example.
 * - ScheduleAnyway constraints are soft: PreScore, Score and NormalizeScore prefer nodes in
 *   emptier domains. See scoring.ts.
 *
 * A pod without constraints of its own gets the profile's default constraints: by default
 * Kubernetes' system defaults (zone maxSkew 5, hostname maxSkew 3, ScheduleAnyway) over the
 * selector of the Services and controller that select it (default-constraints.ts).
 *
 * AddPod/RemovePod (PreFilter extensions) update the hard constraints' counts when a simulation
 * puts a pod on a node or takes one off, so preemption sees that evicting a pod in a crowded
 * domain makes room there.
 */
import { isLabelSelectorEmpty, LabelSelectorError } from "../../../api/labels.ts";
import type { Pod, TopologySpreadConstraint } from "../../../api/types.ts";
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
import { filterConstraints, type SpreadConstraint } from "./common.ts";
import {
  defaultSelector,
  type GroupListers,
  SYSTEM_DEFAULT_CONSTRAINTS,
} from "./default-constraints.ts";
import {
  ERR_REASON_CONSTRAINTS_NOT_MATCH,
  ERR_REASON_NODE_LABEL_NOT_MATCH,
  fitsSpread,
  type PreFilterState,
  preFilterState,
} from "./filtering.ts";
import { normalizeSpreadScores, type PreScoreState, preScoreState, scoreNode } from "./scoring.ts";

export const NAME = "PodTopologySpread";
const PRE_FILTER_KEY = `PreFilter${NAME}`;
const PRE_SCORE_KEY = `PreScore${NAME}`;

/** Every node in the scheduler's snapshot (the framework handle's SnapshotSharedLister). */
export interface NodeInfoLister {
  list(): readonly NodeInfo[];
}

const notFound = (key: string) => status("Error", `reading "${key}" from cycleState: not found`);

type Action = "DoNotSchedule" | "ScheduleAnyway";

export interface PodTopologySpreadOptions {
  nodeInfos: NodeInfoLister;
  /** Services and controllers, for the default constraints' selector; without them, none. */
  groups?: GroupListers;
  /**
   * PodTopologySpreadArgs.defaultingType: System (Kubernetes' default) uses
   * SYSTEM_DEFAULT_CONSTRAINTS; List uses `defaultConstraints` (none if empty).
   */
  defaultingType?: "System" | "List";
  defaultConstraints?: TopologySpreadConstraint[];
}

/** AddPod/RemovePod's body: PreFilter's state, updated in place (it is the simulation's clone). */
function updateState(
  state: CycleState,
  podToSchedule: Pod,
  other: Pod,
  node: NodeInfo,
  delta: 1 | -1,
): Status {
  const s = state.read<PreFilterState>(PRE_FILTER_KEY);
  if (s === undefined) return notFound(PRE_FILTER_KEY);
  s.updateWithPod(other, podToSchedule, node.node, delta);
  return SUCCESS;
}

export class PodTopologySpread
  implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin
{
  readonly name = NAME;
  private readonly nodeInfos: NodeInfoLister;
  private readonly groups: GroupListers | undefined;
  private readonly systemDefaulted: boolean;
  private readonly defaults: readonly TopologySpreadConstraint[];

  constructor(options: PodTopologySpreadOptions) {
    this.nodeInfos = options.nodeInfos;
    this.groups = options.groups;
    this.systemDefaulted = (options.defaultingType ?? "System") === "System";
    this.defaults = this.systemDefaulted
      ? SYSTEM_DEFAULT_CONSTRAINTS
      : (options.defaultConstraints ?? []);
  }

  /** The pod's own constraints, else the defaults over its group's selector (getConstraints). */
  private constraints(pod: Pod, action: Action): SpreadConstraint[] {
    const labels = pod.metadata.labels ?? {};
    const own = pod.spec.topologySpreadConstraints ?? [];
    if (own.length > 0) return filterConstraints(own, labels, action);
    const defaults = filterConstraints(this.defaults, labels, action);
    if (defaults.length === 0 || this.groups === undefined) return [];
    const selector = defaultSelector(pod, this.groups);
    if (isLabelSelectorEmpty(selector)) return [];
    return defaults.map((c) => ({ ...c, selector }));
  }

  /** The constraints, or an Error status naming the selector that does not parse. */
  private constraintsOrError(pod: Pod, action: Action): SpreadConstraint[] | Status {
    try {
      return this.constraints(pod, action);
    } catch (err) {
      if (err instanceof LabelSelectorError) return status("Error", err.message);
      throw err;
    }
  }

  preFilter(
    state: CycleState,
    pod: Pod,
    nodes: NodeInfo[],
  ): { result?: PreFilterResult; status: Status } {
    const constraints = this.constraintsOrError(pod, "DoNotSchedule");
    if (!Array.isArray(constraints)) return { status: constraints };
    if (constraints.length === 0) return { status: status("Skip") };
    state.write(PRE_FILTER_KEY, preFilterState(pod, constraints, nodes));
    return { status: SUCCESS };
  }

  /** AddPod: a simulation put `other` on `node`. Without PreFilter's state, an Error. */
  addPod(state: CycleState, podToSchedule: Pod, other: Pod, node: NodeInfo): Status {
    return updateState(state, podToSchedule, other, node, 1);
  }

  /** RemovePod: a simulation took `other` off `node` (a preemption victim). */
  removePod(state: CycleState, podToSchedule: Pod, other: Pod, node: NodeInfo): Status {
    return updateState(state, podToSchedule, other, node, -1);
  }

  // #region filter
  filter(state: CycleState, pod: Pod, node: NodeInfo): Status {
    const s = state.read<PreFilterState>(PRE_FILTER_KEY);
    if (s === undefined) return notFound(PRE_FILTER_KEY);
    switch (fitsSpread(s, pod, node)) {
      case "fits":
        return SUCCESS;
      case "missingLabel":
        return status("UnschedulableAndUnresolvable", ERR_REASON_NODE_LABEL_NOT_MATCH);
      case "skewTooLarge":
        return status("Unschedulable", ERR_REASON_CONSTRAINTS_NOT_MATCH);
    }
  }
  // #endregion filter

  preScore(state: CycleState, pod: Pod, nodes: NodeInfo[]): Status {
    const allNodes = this.nodeInfos.list();
    if (allNodes.length === 0) return status("Skip");
    const constraints = this.constraintsOrError(pod, "ScheduleAnyway");
    if (!Array.isArray(constraints)) return constraints;
    if (constraints.length === 0) return status("Skip");
    // System defaults spare nodes without a zone label from being ignored: they still spread
    // by hostname.
    const requireAllTopologies =
      (pod.spec.topologySpreadConstraints ?? []).length > 0 || !this.systemDefaulted;
    state.write(
      PRE_SCORE_KEY,
      preScoreState(pod, constraints, nodes, allNodes, requireAllTopologies),
    );
    return SUCCESS;
  }

  // #region score
  score(state: CycleState, pod: Pod, node: NodeInfo): { score: number; status: Status } {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (s === undefined) return { score: 0, status: notFound(PRE_SCORE_KEY) };
    return { score: scoreNode(s, pod, node), status: SUCCESS };
  }

  normalizeScore(state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    const s = state.read<PreScoreState>(PRE_SCORE_KEY);
    if (s === undefined) return notFound(PRE_SCORE_KEY);
    normalizeSpreadScores(s, scores);
    return SUCCESS;
  }
  // #endregion score
}

/** A plugin reading its nodes from the snapshot, checked against the points it implements. */
export function newPodTopologySpread(options: PodTopologySpreadOptions) {
  return new PodTopologySpread(options) satisfies PreFilterPlugin &
    FilterPlugin &
    PreScorePlugin &
    ScorePlugin;
}
