/**
 * The framework runtime: runs a profile's plugins at each extension point — kube-scheduler's
 * frameworkImpl (pkg/scheduler/framework/runtime/framework.go). The scheduler calls these in
 * the order types.ts lists; this module decides how plugins at one point combine.
 *
 * Guarantees, point by point (plugins run in profile order unless stated):
 * - PreFilter: all run; Skip marks the plugin's Filter skipped for this cycle; node sets from
 *   PreFilterResults intersect; Unschedulable keeps going (preemption needs every PreFilter's
 *   state), UnschedulableAndUnresolvable and Error stop at once.
 * - Filter (one node): stops at the first non-success and names that plugin.
 * - PostFilter: stops at the first Success, UnschedulableAndUnresolvable or Error.
 * - PreScore: like PreFilter's Skip; any other non-success is an Error.
 * - Score: score every node, normalise per plugin, check 0..100, multiply by weight, sum.
 * - Reserve: stops at the first failure; Unreserve then runs every plugin in reverse order.
 * - Permit: a rejection stops; Wait is collected with each plugin's timeout (at most 15 min).
 * - PreBind stops at the first failure; Bind stops at the first plugin that does not Skip;
 *   PostBind runs all and cannot fail.
 * Every failure that is not a rejection comes back as an Error whose message names the plugin.
 */
import type { Pod } from "../../api/types.ts";
import { cloneNodeInfo } from "../cache/snapshot.ts";
import { podPriority } from "../queue/queued-pod-info.ts";
import { statusMessage } from "./messages.ts";
import { addPod } from "./node-info.ts";
import type { Profile } from "./profile.ts";
import {
  type CycleState,
  MAX_NODE_SCORE,
  MIN_NODE_SCORE,
  type NodeInfo,
  type NodeScore,
  type PreEnqueuePlugin,
  type PreFilterResult,
  type ScorePlugin,
  type Status,
  status,
} from "./types.ts";

/** Unschedulable or UnschedulableAndUnresolvable: the pod's fault, not the scheduler's. */
export const isRejected = (s: Status) =>
  s.code === "Unschedulable" || s.code === "UnschedulableAndUnresolvable";

const withPlugin = (s: Status, plugin: string): Status => ({ ...s, plugin });

const asError = (message: string, plugin?: string): Status =>
  plugin === undefined ? status("Error", message) : { ...status("Error", message), plugin };

/** One node's weighted scores (Kubernetes' NodePluginScores). */
export interface NodePluginScores {
  name: string;
  /** Per plugin, already multiplied by its weight. */
  scores: NodeScore[];
  totalScore: number;
}

/** Kubernetes' maxTimeout: a Permit plugin may hold a pod at most 15 minutes. */
export const MAX_PERMIT_TIMEOUT_MS = 15 * 60 * 1000;

/**
 * Intersects two PreFilter results (PreFilterResult.Merge). Undefined, or a result without
 * nodeNames, means "all nodes".
 * Example: {a, b, c} merged with {b, c, d} → {b, c}; {a} merged with all nodes → {a}.
 */
export function mergePreFilterResults(
  a: PreFilterResult | undefined,
  b: PreFilterResult | undefined,
): PreFilterResult | undefined {
  const left = a?.nodeNames;
  const right = b?.nodeNames;
  if (!left) return right ? { nodeNames: new Set(right) } : undefined;
  if (!right) return { nodeNames: new Set(left) };
  return { nodeNames: new Set([...left].filter((n) => right.has(n))) };
}

/** The pods nominated to a node (the queue's nominator, as the framework Handle's PodNominator). */
export interface NominatedPods {
  nominatedPodsForNode(nodeName: string): readonly Pod[];
}

export class Framework {
  constructor(
    readonly profile: Profile,
    private readonly nominator?: NominatedPods,
  ) {}

  get schedulerName(): string {
    return this.profile.schedulerName;
  }

  hasFilterPlugins(): boolean {
    return this.profile.filter.length > 0;
  }

  hasPostFilterPlugins(): boolean {
    return this.profile.postFilter.length > 0;
  }

  hasScorePlugins(): boolean {
    return this.profile.score.length > 0;
  }

  /**
   * Runs PreEnqueue before a pod may enter activeQ: the first plugin that does not say Success
   * holds it back, named in the status (a scheduling gate is UnschedulableAndUnresolvable).
   */
  runPreEnqueuePlugins(pod: Pod): Status {
    for (const pl of this.profile.preEnqueue as PreEnqueuePlugin[]) {
      const s = pl.preEnqueue(pod);
      if (s.code === "Success") continue;
      if (isRejected(s)) return withPlugin(s, pl.name);
      return asError(`running PreEnqueue plugin "${pl.name}": ${statusMessage(s)}`, pl.name);
    }
    return status("Success");
  }

  // #region run-pre-filter
  /**
   * Runs PreFilter, in four steps per plugin:
   *   1. Skip: remember to skip its Filter this cycle, ignore its result.
   *   2. UnschedulableAndUnresolvable or Error: return at once (Error names the plugin).
   *      Unschedulable: remember it and go on, so preemption finds every plugin's state.
   *   3. Success: intersect its node set with the others'.
   *   4. If the intersection is empty, no node can pass: UnschedulableAndUnresolvable,
   *      "node(s) didn't satisfy plugin NodeName" (or "plugin(s) [A B] simultaneously").
   * `pluginsWithNodes` names the plugins that narrowed the node set, for the absent-node status.
   */
  runPreFilterPlugins(
    state: CycleState,
    pod: Pod,
    nodes: readonly NodeInfo[],
  ): { result?: PreFilterResult; status: Status; pluginsWithNodes: Set<string> } {
    let result: PreFilterResult | undefined;
    let returnStatus: Status = status("Success");
    const pluginsWithNodes = new Set<string>();
    for (const pl of this.profile.preFilter) {
      const { result: r, status: s } = pl.preFilter(state, pod, nodes);
      if (s.code === "Skip") {
        state.skipFilter.add(pl.name);
        continue;
      }
      if (s.code !== "Success") {
        if (s.code === "UnschedulableAndUnresolvable") {
          return { status: withPlugin(s, pl.name), pluginsWithNodes: new Set() };
        }
        if (s.code === "Unschedulable") {
          returnStatus = withPlugin(s, pl.name);
          continue;
        }
        return {
          status: asError(`running PreFilter plugin "${pl.name}": ${statusMessage(s)}`, pl.name),
          pluginsWithNodes: new Set(),
        };
      }
      if (r?.nodeNames) pluginsWithNodes.add(pl.name);
      result = mergePreFilterResults(result, r);
      if (result?.nodeNames && result.nodeNames.size === 0) {
        const names = [...pluginsWithNodes].sort();
        const message =
          names.length === 1
            ? `node(s) didn't satisfy plugin ${names[0]}`
            : `node(s) didn't satisfy plugin(s) [${names.join(" ")}] simultaneously`;
        return {
          result,
          status: status("UnschedulableAndUnresolvable", message),
          pluginsWithNodes,
        };
      }
    }
    return { ...(result ? { result } : {}), status: returnStatus, pluginsWithNodes };
  }
  // #endregion run-pre-filter

  /** Runs Filter on one node: the first non-success decides, and names its plugin. */
  runFilterPlugins(state: CycleState, pod: Pod, node: NodeInfo): Status {
    for (const pl of this.profile.filter) {
      if (state.skipFilter.has(pl.name)) continue;
      const s = pl.filter(state, pod, node);
      if (s.code === "Success") continue;
      if (!isRejected(s)) {
        // Filter may only say Success or reject; anything else is the plugin's bug.
        return asError(`running "${pl.name}" filter plugin: ${statusMessage(s)}`, pl.name);
      }
      return withPlugin(s, pl.name);
    }
    return status("Success");
  }

  // #region prefilter-extensions
  /**
   * RunPreFilterExtensionAddPod / RemovePod: tell every PreFilter plugin with extensions (and not
   * skipped this cycle) that a simulation added or removed `other` on `node`. The first failure
   * stops, as an Error naming the plugin.
   */
  runPreFilterExtensionAddPod(state: CycleState, pod: Pod, other: Pod, node: NodeInfo): Status {
    for (const pl of this.profile.preFilter) {
      if (!pl.addPod || state.skipFilter.has(pl.name)) continue;
      const s = pl.addPod(state, pod, other, node);
      if (s.code !== "Success") {
        return asError(
          `running AddPod on PreFilter plugin "${pl.name}": ${statusMessage(s)}`,
          pl.name,
        );
      }
    }
    return status("Success");
  }

  runPreFilterExtensionRemovePod(state: CycleState, pod: Pod, other: Pod, node: NodeInfo): Status {
    for (const pl of this.profile.preFilter) {
      if (!pl.removePod || state.skipFilter.has(pl.name)) continue;
      const s = pl.removePod(state, pod, other, node);
      if (s.code !== "Success") {
        return asError(
          `running RemovePod on PreFilter plugin "${pl.name}": ${statusMessage(s)}`,
          pl.name,
        );
      }
    }
    return status("Success");
  }
  // #endregion prefilter-extensions

  // #region filter-with-nominated-pods
  /**
   * Filter on one node, counting the pods nominated to it (RunFilterPluginsWithNominatedPods).
   * Room that preemption freed for a pod must not go to a less important one, so:
   *   1. Add to a copy of the node (and of the cycle state, through the AddPod extensions) every
   *      pod nominated there with priority ≥ this pod's, other than the pod itself.
   *   2. If any were added, run Filter on the copy: a rejection there is the answer.
   *   3. Run Filter on the node as it is. Both must pass: a pod that fits only beside the
   *      nominated pods (pod affinity to one of them) must not count on a pod not yet there.
   * Worked example: n1 has 2 CPUs free, and a preemptor of priority 100 asking 2 CPUs is
   * nominated to it. A pod of priority 10 asking 1 CPU: step 2 sees 0 free → Insufficient cpu.
   * A pod of priority 200: the nominated pod does not count (lower priority), it fits.
   */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: Pod, node: NodeInfo): Status {
    const nominated = this.nominator?.nominatedPodsForNode(node.node.metadata.name ?? "") ?? [];
    // 1.
    let withNominated: { state: CycleState; node: NodeInfo } | undefined;
    const priority = podPriority(pod);
    for (const other of nominated) {
      if (podPriority(other) < priority || other.metadata.uid === pod.metadata.uid) continue;
      withNominated ??= { state: state.clone(), node: cloneNodeInfo(node) };
      addPod(withNominated.node, other);
      const s = this.runPreFilterExtensionAddPod(
        withNominated.state,
        pod,
        other,
        withNominated.node,
      );
      if (s.code !== "Success") return s;
    }
    // 2.
    if (withNominated) {
      const s = this.runFilterPlugins(withNominated.state, pod, withNominated.node);
      if (s.code !== "Success") return s;
    }
    // 3.
    return this.runFilterPlugins(state, pod, node);
  }
  // #endregion filter-with-nominated-pods

  /**
   * Runs PostFilter (preemption) after no node fitted. The first plugin that succeeds, or says
   * nothing can help (UnschedulableAndUnresolvable), or fails, decides; otherwise the reasons of
   * all are joined and the first rejecting plugin is named.
   */
  async runPostFilterPlugins(
    state: CycleState,
    pod: Pod,
    filtered: Map<string, Status>,
  ): Promise<{ nominatedNodeName?: string; status: Status }> {
    const reasons: string[] = [];
    let rejector: string | undefined;
    let nominated: string | undefined;
    for (const pl of this.profile.postFilter) {
      const r = await pl.postFilter(state, pod, filtered);
      const s = r.status;
      if (s.code === "Success") return r;
      if (s.code === "UnschedulableAndUnresolvable")
        return { ...r, status: withPlugin(s, pl.name) };
      if (!isRejected(s)) return { status: asError(statusMessage(s), pl.name) };
      if (r.nominatedNodeName !== undefined) nominated = r.nominatedNodeName;
      reasons.push(...s.reasons);
      rejector ??= pl.name;
    }
    const out: Status = {
      ...status("Unschedulable", ...reasons),
      ...(rejector ? { plugin: rejector } : {}),
    };
    return nominated === undefined
      ? { status: out }
      : { nominatedNodeName: nominated, status: out };
  }

  /** Runs PreScore over the feasible nodes; Skip marks the plugin's Score skipped. */
  runPreScorePlugins(state: CycleState, pod: Pod, nodes: NodeInfo[]): Status {
    for (const pl of this.profile.preScore) {
      const s = pl.preScore(state, pod, nodes);
      if (s.code === "Skip") {
        state.skipScore.add(pl.name);
        continue;
      }
      if (s.code !== "Success") {
        return asError(`running PreScore plugin "${pl.name}": ${statusMessage(s)}`);
      }
    }
    return status("Success");
  }

  // #region run-score-plugins
  /**
   * Scores the feasible nodes, in four steps:
   *   1. Each plugin not skipped by PreScore scores every node.
   *   2. Each plugin with normalizeScore maps its own scores onto 0..100 (NormalizeScore).
   *   3. Every score must now lie in 0..100: a plugin that skipped normalising must already
   *      return that range; anything else is an Error, never clamped.
   *   4. Multiply by the plugin's weight and sum per node.
   *
   * Worked example, default weights, two nodes:
   *   TaintToleration (weight 3) normalised: a 100, b 0      → a 300, b 0
   *   NodeResourcesFit (weight 1):           a 40,  b 90     → a 40,  b 90
   *   ImageLocality (weight 1):              a 0,   b 100    → a 0,   b 100
   *   totals: a 340, b 190 → a wins, though b won two of three plugins: the weight of 3 is why
   *   an intolerable PreferNoSchedule taint outweighs most preferences.
   */
  runScorePlugins(
    state: CycleState,
    pod: Pod,
    nodes: NodeInfo[],
  ): { scores: NodePluginScores[]; status: Status } {
    const plugins = this.profile.score.filter((pl) => !state.skipScore.has(pl.name));
    const perPlugin = new Map<string, NodeScore[]>();
    // 1.
    for (const pl of plugins) {
      const list: NodeScore[] = [];
      for (const node of nodes) {
        const { score, status: s } = pl.score(state, pod, node);
        if (s.code !== "Success") {
          return fail(
            `running Score plugins: plugin "${pl.name}" failed with: ${statusMessage(s)}`,
          );
        }
        list.push({ name: node.node.metadata.name ?? "", score });
      }
      perPlugin.set(pl.name, list);
    }
    // 2.
    for (const pl of plugins) {
      if (!pl.normalizeScore) continue;
      const s = pl.normalizeScore(state, pod, perPlugin.get(pl.name) as NodeScore[]);
      if (s.code !== "Success") {
        return fail(
          `running Normalize on Score plugins: plugin "${pl.name}" failed with: ${statusMessage(s)}`,
        );
      }
    }
    // 3. and 4.
    const lists = plugins.map((pl) => perPlugin.get(pl.name) as NodeScore[]);
    const weights = plugins.map((pl) => this.profile.scoreWeights.get(pl.name) ?? 1);
    const scores: NodePluginScores[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const entry: NodePluginScores = {
        name: nodes[i]?.node.metadata.name ?? "",
        scores: [],
        totalScore: 0,
      };
      for (let p = 0; p < plugins.length; p++) {
        const name = (plugins[p] as ScorePlugin).name;
        const score = lists[p]?.[i]?.score as number;
        if (score > MAX_NODE_SCORE || score < MIN_NODE_SCORE) {
          return fail(
            `applying score defaultWeights on Score plugins: plugin "${name}" returns an invalid score ${score}, it should in the range of [${MIN_NODE_SCORE}, ${MAX_NODE_SCORE}] after normalizing`,
          );
        }
        const weighted = score * (weights[p] as number);
        entry.scores.push({ name, score: weighted });
        entry.totalScore += weighted;
      }
      scores.push(entry);
    }
    return { scores, status: status("Success") };
  }
  // #endregion run-score-plugins

  /** Runs Reserve; on failure the caller must run Unreserve (every plugin, reverse order). */
  runReservePluginsReserve(state: CycleState, pod: Pod, nodeName: string): Status {
    for (const pl of this.profile.reserve) {
      const s = pl.reserve(state, pod, nodeName);
      if (s.code === "Success") continue;
      if (isRejected(s)) return withPlugin(s, pl.name);
      return asError(`running Reserve plugin "${pl.name}": ${statusMessage(s)}`);
    }
    return status("Success");
  }

  /**
   * Undoes Reserve in reverse order: the last plugin to reserve releases first, as with nested
   * locks. Every plugin runs, also those whose Reserve never ran: Unreserve must be idempotent.
   */
  runReservePluginsUnreserve(state: CycleState, pod: Pod, nodeName: string): void {
    for (const pl of [...this.profile.reserve].reverse()) pl.unreserve(state, pod, nodeName);
  }

  /**
   * Runs Permit. A rejection or error stops at once; Wait is collected per plugin (timeouts
   * capped at 15 minutes) and reported once all have run. The caller parks the pod until each
   * waiting plugin allows it or its timeout rejects it.
   */
  runPermitPlugins(
    state: CycleState,
    pod: Pod,
    nodeName: string,
  ): { status: Status; waitTimeoutsMs: Map<string, number> } {
    const waitTimeoutsMs = new Map<string, number>();
    for (const pl of this.profile.permit) {
      const { status: s, timeoutMs } = pl.permit(state, pod, nodeName);
      if (s.code === "Success") continue;
      if (isRejected(s)) return { status: withPlugin(s, pl.name), waitTimeoutsMs: new Map() };
      if (s.code === "Wait") {
        waitTimeoutsMs.set(pl.name, Math.min(timeoutMs, MAX_PERMIT_TIMEOUT_MS));
        continue;
      }
      return {
        status: asError(`running Permit plugin "${pl.name}": ${statusMessage(s)}`, pl.name),
        waitTimeoutsMs: new Map(),
      };
    }
    if (waitTimeoutsMs.size > 0) {
      const message = `one or more plugins asked to wait and no plugin rejected pod "${pod.metadata.name}"`;
      return { status: status("Wait", message), waitTimeoutsMs };
    }
    return { status: status("Success"), waitTimeoutsMs };
  }

  /** Runs PreBind (attach volumes, ...), stopping at the first failure. */
  async runPreBindPlugins(state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    for (const pl of this.profile.preBind) {
      const s = await pl.preBind(state, pod, nodeName);
      if (s.code === "Success") continue;
      if (isRejected(s)) return withPlugin(s, pl.name);
      return asError(`running PreBind plugin "${pl.name}": ${statusMessage(s)}`);
    }
    return status("Success");
  }

  /** Runs Bind plugins until one does not Skip; that one's answer is the binding's. */
  async runBindPlugins(state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    let last: Status = status("Skip");
    for (const pl of this.profile.bind) {
      last = await pl.bind(state, pod, nodeName);
      if (last.code === "Skip") continue;
      if (last.code === "Success") return last;
      if (isRejected(last)) return withPlugin(last, pl.name);
      return asError(`running Bind plugin "${pl.name}": ${statusMessage(last)}`);
    }
    return last;
  }

  /** Runs PostBind: informational only, after the pod is bound. */
  runPostBindPlugins(state: CycleState, pod: Pod, nodeName: string): void {
    for (const pl of this.profile.postBind) pl.postBind(state, pod, nodeName);
  }
}

function fail(message: string): { scores: NodePluginScores[]; status: Status } {
  return { scores: [], status: status("Error", message) };
}
