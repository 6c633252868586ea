/**
 * NodeResourcesFit's two scoring strategies, pure integer arithmetic — kube-scheduler
 * plugins/noderesources/least_allocated.go and most_allocated.go. Each resource scores 0..100,
 * and the node's score is their weighted mean; every division truncates, as Go's int64 does.
 *
 * Worked example, weights cpu 1 and memory 1, on a node with 4000m CPU and 10000 bytes of memory
 * where 3000m and 5000 bytes would be requested with the pod placed:
 *   LeastAllocated: cpu (4000−3000)·100/4000 = 25, memory (10000−5000)·100/10000 = 50,
 *                   node (25·1 + 50·1)/2 = 37   (37.5 truncated)
 *   MostAllocated:  cpu 3000·100/4000 = 75, memory 5000·100/10000 = 50, node (75 + 50)/2 = 62
 * LeastAllocated spreads pods over nodes; MostAllocated packs them (bin packing, so an autoscaler
 * can remove the emptied nodes).
 */
import { MAX_NODE_SCORE } from "../../framework/types.ts";
import type { ResourceSpec } from "./resource-allocation.ts";

/** The scoring strategies tinykube implements (config.ScoringStrategyType). */
export type ScoringStrategyType = "LeastAllocated" | "MostAllocated";

// #region requested-scores
/** Unused share of capacity, 0..100; over-committed counts as 0 (leastRequestedScore). */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.floor(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

/**
 * Used share of capacity, 0..100 (mostRequestedScore). Non-zero defaults can push requested past
 * capacity; it is capped, so the fullest node scores 100 rather than 0.
 */
export function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  return Math.floor((Math.min(requested, capacity) * MAX_NODE_SCORE) / capacity);
}
// #endregion requested-scores

// #region weightedScore
/** The weighted mean over the resources that take part (allocatable > 0); 0 if none do. */
export function weightedScore(
  strategy: ScoringStrategyType,
  resources: readonly ResourceSpec[],
  requested: readonly number[],
  allocatable: readonly number[],
): number {
  const perResource = strategy === "LeastAllocated" ? leastRequestedScore : mostRequestedScore;
  let nodeScore = 0;
  let weightSum = 0;
  for (let i = 0; i < resources.length; i++) {
    const capacity = allocatable[i] ?? 0;
    if (capacity === 0) continue;
    const weight = (resources[i] as ResourceSpec).weight;
    nodeScore += perResource(requested[i] ?? 0, capacity) * weight;
    weightSum += weight;
  }
  return weightSum === 0 ? 0 : Math.floor(nodeScore / weightSum);
}
// #endregion weightedScore
