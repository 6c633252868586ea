/**
 * NodeResourcesBalancedAllocation (kube-scheduler plugins/noderesources/balanced_allocation.go):
 * prefer the node whose CPU and memory would be used in the most equal proportions once the pod
 * is placed, so neither runs out while the other sits idle.
 *
 * For each resource the fraction requested/allocatable (capped at 1) is taken, with the pod added
 * and counting real requests (not the 100m/200Mi defaults NodeResourcesFit scores with). The
 * score is (1 − standard deviation of the fractions) × 100, truncated. With two resources the
 * deviation is |f₁ − f₂| / 2; with more, the population formula √(Σ(fᵢ − mean)² / n); with fewer
 * it is 0.
 *
 * Worked example: allocatable 4000m CPU and 10000 bytes of memory; with the pod, 3000m and 5000
 * bytes requested. Fractions 0.75 and 0.5, deviation 0.125, score (1 − 0.125) × 100 = 87.5 → 87.
 *
 * PreScore answers Skip for a best-effort pod (it requests none of the scored resources): every
 * node would look equally balanced to it, and scoring it only piles such pods onto one node
 * (kubernetes/kubernetes#129138).
 */
import type { Pod } from "../../../api/types.ts";
import {
  type CycleState,
  MAX_NODE_SCORE,
  type NodeInfo,
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
} from "../node-resources-fit/resource-allocation.ts";

/** NodeResourcesBalancedAllocationArgs; weights are accepted but the formula ignores them. */
export interface NodeResourcesBalancedAllocationArgs {
  resources?: ResourceSpec[];
}

const PRE_SCORE_KEY = "PreScoreNodeResourcesBalancedAllocation";

// #region balancedResourceScore
/** (1 − std of requested/allocatable) × 100, over the resources the node has. */
export function balancedResourceScore(
  requested: readonly number[],
  allocatable: readonly number[],
): number {
  const fractions: number[] = [];
  for (let i = 0; i < allocatable.length; i++) {
    const alloc = allocatable[i] as number;
    if (alloc !== 0) fractions.push(Math.min((requested[i] ?? 0) / alloc, 1));
  }
  let std = 0;
  if (fractions.length === 2) {
    std = Math.abs(((fractions[0] ?? 0) - (fractions[1] ?? 0)) / 2);
  } else if (fractions.length > 2) {
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    const squares = fractions.reduce((sum, f) => sum + (f - mean) * (f - mean), 0);
    std = Math.sqrt(squares / fractions.length);
  }
  // Go's int64(float64) truncates toward zero; the value is never negative here.
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}
// #endregion balancedResourceScore

export class NodeResourcesBalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = "NodeResourcesBalancedAllocation";
  private readonly resources: readonly ResourceSpec[];

  constructor(args: NodeResourcesBalancedAllocationArgs = {}) {
    this.resources = args.resources ?? DEFAULT_RESOURCES;
  }

  preScore(state: CycleState, pod: Pod): Status {
    const requests = podRequestList(pod, this.resources, true);
    if (requests.every((r) => r === 0)) return status("Skip");
    state.write(PRE_SCORE_KEY, requests);
    return SUCCESS;
  }

  // #region score
  score(state: CycleState, pod: Pod, node: NodeInfo): { score: number; status: Status } {
    const requests =
      state.read<number[]>(PRE_SCORE_KEY) ?? podRequestList(pod, this.resources, true);
    if (requests.every((r) => r === 0)) return { score: 0, status: SUCCESS };
    const { allocatable, requested } = allocatableAndRequested(
      node,
      this.resources,
      requests,
      true,
    );
    return { score: balancedResourceScore(requested, allocatable), status: SUCCESS };
  }
  // #endregion score
}

export const nodeResourcesBalancedAllocation =
  new NodeResourcesBalancedAllocation() satisfies PreScorePlugin & ScorePlugin;
