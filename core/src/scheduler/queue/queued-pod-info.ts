/**
 * A pod as the scheduling queue holds it, and the order activeQ pops pods in — kube-scheduler's
 * framework.QueuedPodInfo (framework/types.go) and the default QueueSort plugin, PrioritySort
 * (framework/plugins/queuesort/priority_sort.go).
 *
 * Guarantee of `prioritySortLess`: a pod with a higher spec.priority comes first; between equal
 * priorities, the one whose timestamp is earlier; between equal timestamps (one fake-clock tick),
 * the one stamped first — tinykube's tie-break, so order never depends on the heap's shape.
 */
import type { Pod } from "../../api/types.ts";

export interface QueuedPodInfo {
  pod: Pod;
  /**
   * When the pod last entered the queue (ms): set by add, refreshed when a failed attempt puts it
   * back. Orders equal priorities in activeQ, and its backoff runs from here.
   */
  timestamp: number;
  /** Breaks ties between equal timestamps; a fresh number whenever `timestamp` is set. */
  seq: number;
  /** When the pod first entered the queue; kept across attempts (for latency metrics). */
  initialAttemptTimestamp: number;
  /** Scheduling attempts so far: pop adds one. Drives the backoff (1 s, 2 s, 4 s, ...). */
  attempts: number;
  /**
   * Plugins that rejected the pod in its last attempt. The scheduler sets it before
   * addUnschedulableIfNotPresent; cluster events are matched against it.
   */
  unschedulablePlugins: Set<string>;
  /**
   * A PreEnqueue plugin (SchedulingGates) keeps the pod out of activeQ: it waits in
   * unschedulablePods, never tried, until an update lets it through.
   */
  gated?: boolean;
}

/** The queue's key for a pod: namespace/name (cache.MetaNamespaceKeyFunc). */
export function podKey(pod: Pod): string {
  const { namespace, name } = pod.metadata;
  return namespace ? `${namespace}/${name}` : `${name}`;
}

/**
 * spec.priority, which admission fills in from the pod's PriorityClass; 0 when unset, as
 * corev1helpers.PodPriority returns (a pod created while no default PriorityClass existed).
 */
export function podPriority(pod: Pod): number {
  const priority = pod.spec.priority;
  return typeof priority === "number" ? priority : 0;
}

// #region prioritySortLess
export function prioritySortLess(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
  const pa = podPriority(a.pod);
  const pb = podPriority(b.pod);
  if (pa !== pb) return pa > pb;
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp;
  return a.seq < b.seq;
}
// #endregion prioritySortLess
