/**
 * What the Deployment arithmetic needs to know about a ReplicaSet, and the orders in which
 * Kubernetes visits ReplicaSets (kubernetes `pkg/controller/controller_utils.go`:
 * ReplicaSetsByCreationTimestamp, ReplicaSetsBySizeOlder, ReplicaSetsBySizeNewer,
 * FilterActiveReplicaSets).
 *
 * Every order is total (names are unique within a namespace), so the result never depends on
 * the order of the input.
 */

/** A ReplicaSet as the rollout arithmetic sees it: counts only, no API object. */
export interface ReplicaSetCounts {
  /** metadata.name, unique among the Deployment's ReplicaSets. */
  name: string;
  /** spec.replicas: how many pods the ReplicaSet is told to run. */
  replicas: number;
  /** status.availableReplicas: pods ready for at least minReadySeconds. */
  available: number;
  /** metadata.creationTimestamp in ms since the epoch (Date.parse of the RFC 3339 string). */
  created: number;
}

type Ordered = Pick<ReplicaSetCounts, "name" | "replicas" | "created">;

/** Oldest first; the same timestamp orders by name (timestamps have one-second precision). */
export function byCreation(a: Ordered, b: Ordered): number {
  if (a.created !== b.created) return a.created - b.created;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Largest first; equal sizes oldest first. Proportional scaling uses it to scale down. */
export function bySizeOlder(a: Ordered, b: Ordered): number {
  return b.replicas - a.replicas || byCreation(a, b);
}

/** Largest first; equal sizes newest first. Proportional scaling uses it to scale up. */
export function bySizeNewer(a: Ordered, b: Ordered): number {
  return b.replicas - a.replicas || byCreation(b, a);
}

/** ReplicaSets that have, or ought to have, pods: spec.replicas > 0. */
export function active<T extends Pick<ReplicaSetCounts, "replicas">>(rses: readonly T[]): T[] {
  return rses.filter((rs) => rs.replicas > 0);
}

/** The sum of spec.replicas: the pods the ReplicaSets are told to run. */
export function sumReplicas(rses: readonly Pick<ReplicaSetCounts, "replicas">[]): number {
  return rses.reduce((sum, rs) => sum + rs.replicas, 0);
}

/** The sum of status.availableReplicas. */
export function sumAvailable(rses: readonly Pick<ReplicaSetCounts, "available">[]): number {
  return rses.reduce((sum, rs) => sum + rs.available, 0);
}
