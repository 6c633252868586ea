/**
 * The scheduling framework's vocabulary — kube-scheduler's pkg/scheduler/framework/interface.go
 * and types.go, cut to what tinykube's plugins use. An extension point is a tiny interface plus a
 * name (STYLE rule 6): a plugin implements only the points it needs.
 *
 * One pod's scheduling cycle visits the points in this order:
 *   PreFilter → Filter (each node) → PostFilter (only if no node fits: preemption)
 *   → PreScore → Score (each feasible node) → NormalizeScore → Reserve → Permit
 * and then, asynchronously, its binding cycle:
 *   PreBind → Bind → PostBind   (Unreserve undoes Reserve if anything after it fails)
 */
import type { Node, Pod } from "../../api/types.ts";
import type { Resource } from "./resources.ts";

// #region status
/**
 * A plugin's verdict, with Kubernetes' codes and their consequences:
 * - Success: go on.
 * - Error: something broke (not the pod's fault); the pod is retried with backoff.
 * - Unschedulable: this node does not fit now; preemption may help, and the pod waits in the
 *   unschedulable pool until a cluster event might change the answer.
 * - UnschedulableAndUnresolvable: no preemption can help on this node (a nodeSelector mismatch).
 * - Wait: a Permit plugin holds the pod (gang scheduling); Skip: the plugin does not apply.
 */
export type Code =
  | "Success"
  | "Error"
  | "Unschedulable"
  | "UnschedulableAndUnresolvable"
  | "Wait"
  | "Skip";

export interface Status {
  code: Code;
  /** Human reasons, aggregated into "0/5 nodes are available: 2 Insufficient cpu, ...". */
  reasons: string[];
  /** The plugin that decided it. */
  plugin?: string;
}
// #endregion status

export const SUCCESS: Status = Object.freeze({ code: "Success", reasons: [] }) as Status;

export function status(code: Code, ...reasons: string[]): Status {
  return { code, reasons };
}

export const isSuccess = (s: Status | undefined) => s === undefined || s.code === "Success";

/** Scores are integers from MIN to MAX after normalisation; weights multiply them. */
export const MIN_NODE_SCORE = 0;
export const MAX_NODE_SCORE = 100;

/** A node as the scheduler's cache and snapshot know it: the Node and the pods on it. */
export interface NodeInfo {
  node: Node;
  /** Pods bound (or assumed) to the node. */
  pods: Pod[];
  /** Sum of the pods' requests (podRequests), pods counted in allowedPodNumber. */
  requested: Resource;
  /** The same with the non-zero defaults for CPU and memory, for scoring. */
  nonZeroRequested: { milliCPU: number; memory: number };
  /** status.allocatable. */
  allocatable: Resource;
  /** Host ports in use: "TCP/0.0.0.0/8080". */
  usedPorts: Set<string>;
  /** Image name → size in bytes, from status.images. */
  imageSizes: Map<string, number>;
}

/** Per-cycle scratch space plugins share between their own extension points (CycleState). */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Skip Filter/Score for plugins whose PreFilter/PreScore said Skip. */
  readonly skipFilter = new Set<string>();
  readonly skipScore = new Set<string>();

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  /**
   * A copy a simulation may change (CycleState.Clone): values with a clone() method are cloned,
   * others are shared — they must then be read-only after PreFilter/PreScore wrote them.
   */
  clone(): CycleState {
    const copy = new CycleState();
    for (const [key, value] of this.data) {
      const cloneable = value as { clone?: () => unknown } | null;
      copy.data.set(key, typeof cloneable?.clone === "function" ? cloneable.clone() : value);
    }
    for (const name of this.skipFilter) copy.skipFilter.add(name);
    for (const name of this.skipScore) copy.skipScore.add(name);
    return copy;
  }
}

export interface Plugin {
  readonly name: string;
}

/** What PreFilter may narrow the search to (e.g. NodeName: just one node). */
export interface PreFilterResult {
  nodeNames?: Set<string>;
}

// #region extension-points
/** Orders the active queue (PrioritySort: higher priority first, then earlier arrival). */
export interface QueueSortPlugin extends Plugin {
  less(a: { pod: Pod; timestamp: number }, b: { pod: Pod; timestamp: number }): boolean;
}

/** May keep a pod out of the active queue until it is ready to be scheduled (scheduling gates). */
export interface PreEnqueuePlugin extends Plugin {
  preEnqueue(pod: Pod): Status;
}

export interface PreFilterPlugin extends Plugin {
  preFilter(
    state: CycleState,
    pod: Pod,
    nodes: readonly NodeInfo[],
  ): { result?: PreFilterResult; status: Status };
  /**
   * PreFilterExtensions, for plugins whose PreFilter state counts other pods: keep that state
   * right when a simulation puts `other` on `node` (a nominated pod) or takes it off (a
   * preemption victim). `state` is the simulation's clone; `node` already reflects the change.
   */
  addPod?(state: CycleState, podToSchedule: Pod, other: Pod, node: NodeInfo): Status;
  removePod?(state: CycleState, podToSchedule: Pod, other: Pod, node: NodeInfo): Status;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: Pod, node: NodeInfo): Status;
}

export interface PostFilterPlugin extends Plugin {
  /** Only called when no node fits; `filtered` holds each node's rejection. */
  postFilter(
    state: CycleState,
    pod: Pod,
    filtered: Map<string, Status>,
  ): Promise<{ nominatedNodeName?: string; status: Status }>;
}

export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: Pod, nodes: NodeInfo[]): Status;
}

export interface NodeScore {
  name: string;
  score: number;
}

export interface ScorePlugin extends Plugin {
  score(state: CycleState, pod: Pod, node: NodeInfo): { score: number; status: Status };
  /** Maps this plugin's raw scores onto MIN..MAX in place (ScoreExtensions). */
  normalizeScore?(state: CycleState, pod: Pod, scores: NodeScore[]): Status;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: Pod, nodeName: string): Status;
  unreserve(state: CycleState, pod: Pod, nodeName: string): void;
}

export interface PermitPlugin extends Plugin {
  permit(state: CycleState, pod: Pod, nodeName: string): { status: Status; timeoutMs: number };
}

export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: Pod, nodeName: string): Promise<Status>;
}

export interface BindPlugin extends Plugin {
  /** Skip: let the next bind plugin do it. */
  bind(state: CycleState, pod: Pod, nodeName: string): Promise<Status>;
}

export interface PostBindPlugin extends Plugin {
  postBind(state: CycleState, pod: Pod, nodeName: string): void;
}
// #endregion extension-points
