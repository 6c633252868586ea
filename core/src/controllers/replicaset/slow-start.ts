/**
 * How many pods a ReplicaSet creates or deletes in one sync, and in which batches it creates them
 * (kubernetes `pkg/controller/replicaset/replica_set.go` manageReplicas, slowStartBatch,
 * BurstReplicas; `pkg/controller/controller_utils.go` SlowStartInitialBatchSize).
 *
 * Guarantees:
 * - One sync creates or deletes at most burstReplicas (500) pods; the rest waits for the next
 *   sync, after the informer has seen these.
 * - Creations go in batches 1, 2, 4, 8, ... (the last one cut to what remains); a batch runs in
 *   parallel, and if any call in it fails, no later batch starts. A quota that allows no pods
 *   then costs one failed request, not hundreds.
 *
 * Trace, 10 pods to create:   batch 1 → 1   batch 2 → 2   batch 3 → 4   batch 4 → 3 (10 − 7)
 * Had a call of batch 3 failed, batches 1 to 3 would have sent 7 requests and 3 pods would
 * never have been tried; the sync lowers its expectations by those 3 and reports the error.
 */

/** Realistic value of the burst for the replica set manager, from Kubernetes 1.0 measurements. */
export const BURST_REPLICAS = 500;
/** The first batch of a slow start: a single call, to find out whether calls work at all. */
export const SLOW_START_INITIAL_BATCH_SIZE = 1;

// #region slow-start
/**
 * The batch sizes of slowStartBatch(count, initialBatchSize): each batch doubles the last, cut
 * to what remains. The caller runs a batch, and stops iterating at the first failure.
 */
export function* slowStartBatches(
  count: number,
  initialBatchSize: number = SLOW_START_INITIAL_BATCH_SIZE,
): Generator<number, void, undefined> {
  let remaining = count;
  for (
    let batch = Math.min(remaining, initialBatchSize);
    batch > 0;
    batch = Math.min(2 * batch, remaining)
  ) {
    yield batch;
    remaining -= batch;
  }
}
// #endregion slow-start

/** What one sync of a ReplicaSet does about its pod count. */
export type ReplicaDiff =
  | { action: "create"; count: number }
  | { action: "delete"; count: number }
  | { action: "none" };

/**
 * manageReplicas' arithmetic: compare active pods with spec.replicas, and cap the difference at
 * the burst. Example: 1200 wanted, 100 running → create 500 this sync (then 500, then 100).
 */
export function replicaDiff(
  activePods: number,
  replicas: number,
  burstReplicas: number = BURST_REPLICAS,
): ReplicaDiff {
  const diff = activePods - replicas;
  if (diff < 0) return { action: "create", count: Math.min(-diff, burstReplicas) };
  if (diff > 0) return { action: "delete", count: Math.min(diff, burstReplicas) };
  return { action: "none" };
}
