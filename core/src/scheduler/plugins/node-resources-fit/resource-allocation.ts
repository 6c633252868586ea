/**
 * What the resource-scoring plugins compare: for each configured resource, the node's allocatable
 * and what would be requested on it with this pod added — kube-scheduler
 * plugins/noderesources/resource_allocation.go (resourceAllocationScorer). NodeResourcesFit's
 * strategies and NodeResourcesBalancedAllocation share it and differ in one switch:
 *
 * - NodeResourcesFit counts CPU and memory with non-zero defaults (useRequested false): a
 *   container asking for nothing counts as 100m and 200 MiB, on the node and for the pod, so
 *   best-effort pods still spread instead of all landing on the emptiest-looking node.
 * - BalancedAllocation counts what is really requested (useRequested true).
 *
 * A resource whose allocatable is 0 drops out of the score (its entry stays 0/0), as does an
 * extended resource the pod does not ask for: a GPU node must not look emptier to a CPU-only pod
 * just because its GPUs are idle.
 */
import type { Pod } from "../../../api/types.ts";
import { nonZeroRequests, podRequests } from "../../framework/resources.ts";
import type { NodeInfo } from "../../framework/types.ts";

/** A resource to score and its weight (config.ResourceSpec). */
export interface ResourceSpec {
  name: string;
  weight: number;
}

/** The default scored resources of NodeResourcesFit and BalancedAllocation: cpu and memory, 1 each. */
export const DEFAULT_RESOURCES: readonly ResourceSpec[] = Object.freeze([
  { name: "cpu", weight: 1 },
  { name: "memory", weight: 1 },
]);

/** The pod's request for each resource, in `resources` order (calculatePodResourceRequestList). */
export function podRequestList(
  pod: Pod,
  resources: readonly ResourceSpec[],
  useRequested: boolean,
): number[] {
  const actual = podRequests(pod);
  const nonZero = useRequested
    ? { milliCPU: actual.milliCPU, memory: actual.memory }
    : nonZeroRequests(pod);
  return resources.map(({ name }) => {
    switch (name) {
      case "cpu":
        return nonZero.milliCPU;
      case "memory":
        return nonZero.memory;
      case "ephemeral-storage":
        return actual.ephemeralStorage;
      default:
        return actual.scalar[name] ?? 0;
    }
  });
}

// #region allocatableAndRequested
/**
 * Per resource: [allocatable, node's requests + the pod's], or [0, 0] when the resource takes no
 * part (allocatable 0, or an extended resource the pod does not request).
 */
export function allocatableAndRequested(
  node: NodeInfo,
  resources: readonly ResourceSpec[],
  podRequestsList: readonly number[],
  useRequested: boolean,
): { allocatable: number[]; requested: number[] } {
  const onNode = useRequested ? node.requested : node.nonZeroRequested;
  const allocatable: number[] = [];
  const requested: number[] = [];
  // A plain loop, not forEach: this runs for every scored node of every cycle.
  for (let i = 0; i < resources.length; i++) {
    const name = (resources[i] as ResourceSpec).name;
    const pod = podRequestsList[i] ?? 0;
    let alloc = 0;
    let req = 0;
    switch (name) {
      case "cpu":
        [alloc, req] = [node.allocatable.milliCPU, onNode.milliCPU + pod];
        break;
      case "memory":
        [alloc, req] = [node.allocatable.memory, onNode.memory + pod];
        break;
      case "ephemeral-storage":
        [alloc, req] = [node.allocatable.ephemeralStorage, node.requested.ephemeralStorage + pod];
        break;
      default:
        if (pod !== 0 && name in node.allocatable.scalar) {
          alloc = node.allocatable.scalar[name] ?? 0;
          req = (node.requested.scalar[name] ?? 0) + pod;
        }
    }
    // Only a resource the node has takes part (score: "Only fill ... when it's non-zero").
    allocatable.push(alloc);
    requested.push(alloc === 0 ? 0 : req);
  }
  return { allocatable, requested };
}
// #endregion allocatableAndRequested
