/**
 * The scheduler cache's one error type, with a closed set of reasons (STYLE rule 15). Each reason
 * is an event arriving in an order the cache's state machine does not allow; Kubernetes returns
 * most of them as errors the event handlers log, and exits the process on `Corrupted`.
 */

export type CacheErrorReason =
  /** The pod has no metadata.uid, the cache's key (framework.GetPodKey). */
  | "MissingUID"
  /** assumePod on a pod without spec.nodeName. */
  | "MissingNodeName"
  /** assumePod on a pod the cache already holds (assumed or added). */
  | "AlreadyInCache"
  /** addPod from the informer for a pod that is already added. */
  | "AlreadyAdded"
  /** forgetPod on a pod that is not assumed. */
  | "NotAssumed"
  /** forgetPod naming another node than the one the pod was assumed on. */
  | "NodeMismatch"
  /** updatePod or removePod for a pod the cache does not hold. */
  | "NotInCache"
  /** updatePod on an assumed pod: the informer must add it first. */
  | "AssumedNotUpdatable"
  /** removeNode for a node whose Node object the cache does not hold. */
  | "NodeNotFound"
  /**
   * An added pod moved to another node, which the API forbids (spec.nodeName is immutable once
   * set): the cache no longer matches the cluster. kube-scheduler exits here (klog.FlushAndExit)
   * so that a restart rebuilds the cache from a fresh list.
   */
  | "Corrupted";

export class CacheError extends Error {
  override readonly name = "CacheError";

  constructor(
    readonly reason: CacheErrorReason,
    message: string,
  ) {
    super(`scheduler cache: ${message}`);
  }
}
