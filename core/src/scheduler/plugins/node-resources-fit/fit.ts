/**
 * NodeResourcesFit (kube-scheduler plugins/noderesources/fit.go): does the node have room for the
 * pod's requests, and how good a fit is it?
 *
 * - PreFilter computes the pod's requests once per cycle (podRequests: containers summed, the
 *   largest init container, sidecars, overhead) into CycleState.
 * - Filter compares them with allocatable minus what the node's pods already request and returns
 *   one reason per short resource, in Kubernetes' order: "Too many pods", "Insufficient cpu",
 *   "Insufficient memory", "Insufficient ephemeral-storage", then "Insufficient <name>" for each
 *   extended or hugepages resource (Go walks a map there, in random order; tinykube sorts by name
 *   so the message is stable). A resource the pod does not request is never short, even on a node
 *   already over-committed. Unschedulable, not Unresolvable: evicting pods frees room.
 * - PreScore/Score rate the node with the configured strategy (scorers.ts), LeastAllocated by
 *   default, over cpu and memory with weight 1 each, using non-zero requests.
 *
 * Worked filter example: allocatable cpu 2000m, pods already request 1500m; a pod asking 600m
 * fails with "Insufficient cpu" (600 > 2000 − 1500 = 500), a pod asking 500m fits exactly.
 */
import type { Pod } from "../../../api/types.ts";
import { podRequests, type Resource } from "../../framework/resources.ts";
import {
  type CycleState,
  type FilterPlugin,
  type NodeInfo,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
  SUCCESS,
  status,
} from "../../framework/types.ts";
import {
  allocatableAndRequested,
  DEFAULT_RESOURCES,
  podRequestList,
  type ResourceSpec,
} from "./resource-allocation.ts";
import { type ScoringStrategyType, weightedScore } from "./scorers.ts";

/** NodeResourcesFitArgs, the fields tinykube honours. */
export interface NodeResourcesFitArgs {
  /** Extended resources Filter ignores ("example.com/foo"): another component accounts them. */
  ignoredResources?: string[];
  /** The same by group, the part before "/" ("example.com"). */
  ignoredResourceGroups?: string[];
  scoringStrategy?: { type: ScoringStrategyType; resources?: ResourceSpec[] };
}

/** One resource the node is short of (InsufficientResource); `reason` is the status text. */
export interface InsufficientResource {
  resourceName: string;
  reason: string;
  requested: number;
  used: number;
  capacity: number;
}

const PRE_FILTER_KEY = "PreFilterNodeResourcesFit";
const PRE_SCORE_KEY = "PreScoreNodeResourcesFit";

/**
 * v1helper.IsExtendedResourceName: domain-qualified, and not in the kubernetes.io namespace
 * (native) nor the quota prefix "requests.". Only these can be ignored by args.
 */
export function isExtendedResourceName(name: string): boolean {
  return name.includes("/") && !name.includes("kubernetes.io/") && !name.startsWith("requests.");
}

const NONE: ReadonlySet<string> = new Set();

/** Adds `resourceName` to `out` when the pod wants more than the node has left. */
function checkResource(
  out: InsufficientResource[],
  resourceName: string,
  want: number,
  have: number,
  inUse: number,
): void {
  if (want > 0 && want > have - inUse) {
    out.push({
      resourceName,
      reason: `Insufficient ${resourceName}`,
      requested: want,
      used: inUse,
      capacity: have,
    });
  }
}

const byName = ([a]: [string, number], [b]: [string, number]) => (a < b ? -1 : a > b ? 1 : 0);

// #region fitsRequest
/** Every resource the node lacks for `pod`, in Kubernetes' order; empty when it fits. */
export function fitsRequest(
  pod: Resource,
  node: NodeInfo,
  ignored: ReadonlySet<string> = NONE,
  ignoredGroups: ReadonlySet<string> = NONE,
): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const { allocatable: alloc, requested: used } = node;
  if (node.pods.length + 1 > alloc.allowedPodNumber) {
    out.push({
      resourceName: "pods",
      reason: "Too many pods",
      requested: 1,
      used: node.pods.length,
      capacity: alloc.allowedPodNumber,
    });
  }
  checkResource(out, "cpu", pod.milliCPU, alloc.milliCPU, used.milliCPU);
  checkResource(out, "memory", pod.memory, alloc.memory, used.memory);
  checkResource(
    out,
    "ephemeral-storage",
    pod.ephemeralStorage,
    alloc.ephemeralStorage,
    used.ephemeralStorage,
  );
  // Sorted, so the message is stable (Go walks a map here, in random order).
  for (const [name, want] of Object.entries(pod.scalar).sort(byName)) {
    if (isExtendedResourceName(name)) {
      const group = name.split("/")[0] ?? "";
      if (ignored.has(name) || ignoredGroups.has(group)) continue;
    }
    checkResource(out, name, want, alloc.scalar[name] ?? 0, used.scalar[name] ?? 0);
  }
  return out;
}
// #endregion fitsRequest

export class NodeResourcesFit
  implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin
{
  readonly name = "NodeResourcesFit";
  private readonly ignored: ReadonlySet<string>;
  private readonly ignoredGroups: ReadonlySet<string>;
  private readonly strategy: ScoringStrategyType;
  /** Scored resources in order; podRequestList and allocatableAndRequested index by it. */
  private readonly resources: readonly ResourceSpec[];

  constructor(args: NodeResourcesFitArgs = {}) {
    this.ignored = new Set(args.ignoredResources);
    this.ignoredGroups = new Set(args.ignoredResourceGroups);
    this.strategy = args.scoringStrategy?.type ?? "LeastAllocated";
    if (this.strategy !== "LeastAllocated" && this.strategy !== "MostAllocated") {
      throw new Error(`scoring strategy ${String(this.strategy)} is not supported`);
    }
    this.resources = args.scoringStrategy?.resources ?? DEFAULT_RESOURCES;
    for (const r of this.resources) {
      // The API validates weights into 1..100 (ValidateNodeResourcesFitArgs).
      if (!Number.isInteger(r.weight) || r.weight < 1 || r.weight > 100) {
        throw new Error(
          `resource weight of ${r.name} must be an integer in [1, 100], got ${r.weight}`,
        );
      }
    }
  }

  preFilter(state: CycleState, pod: Pod): { result?: PreFilterResult; status: Status } {
    state.write(PRE_FILTER_KEY, podRequests(pod));
    return { status: SUCCESS };
  }

  // #region filter
  filter(state: CycleState, _pod: Pod, node: NodeInfo): Status {
    const requests = state.read<Resource>(PRE_FILTER_KEY);
    if (requests === undefined) {
      return status("Error", `error reading "${PRE_FILTER_KEY}" from cycleState: not found`);
    }
    const insufficient = fitsRequest(requests, node, this.ignored, this.ignoredGroups);
    if (insufficient.length === 0) return SUCCESS;
    return status("Unschedulable", ...insufficient.map((r) => r.reason));
  }
  // #endregion filter

  preScore(state: CycleState, pod: Pod): Status {
    state.write(PRE_SCORE_KEY, podRequestList(pod, this.resources, false));
    return SUCCESS;
  }

  // #region score
  score(state: CycleState, pod: Pod, node: NodeInfo): { score: number; status: Status } {
    const requests =
      state.read<number[]>(PRE_SCORE_KEY) ?? podRequestList(pod, this.resources, false);
    const { allocatable, requested } = allocatableAndRequested(
      node,
      this.resources,
      requests,
      false,
    );
    return {
      score: weightedScore(this.strategy, this.resources, requested, allocatable),
      status: SUCCESS,
    };
  }
  // #endregion score
}

export const nodeResourcesFit = new NodeResourcesFit() satisfies PreFilterPlugin &
  FilterPlugin &
  PreScorePlugin &
  ScorePlugin;
