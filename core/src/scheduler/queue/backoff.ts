/**
 * How long a pod that failed to schedule waits before it is tried again — kube-scheduler's
 * PriorityQueue.calculateBackoffDuration (pkg/scheduler/internal/queue/scheduling_queue.go).
 *
 * Guarantee: the wait is `initial` after the first attempt and doubles with each further attempt,
 * never exceeding `max`. With kube-scheduler's defaults (podInitialBackoffSeconds 1,
 * podMaxBackoffSeconds 10):
 *
 *   attempts  1    2    3    4    5     6 ...
 *   backoff   1 s  2 s  4 s  8 s  10 s  10 s   (16 s would pass the cap)
 *
 * The pod's backoff ends at its QueuedPodInfo timestamp (the moment it was last put back into the
 * queue) plus this duration.
 */

/** kube-scheduler's DefaultPodInitialBackoffDuration (podInitialBackoffSeconds: 1). */
export const DEFAULT_POD_INITIAL_BACKOFF_MS = 1_000;
/** kube-scheduler's DefaultPodMaxBackoffDuration (podMaxBackoffSeconds: 10). */
export const DEFAULT_POD_MAX_BACKOFF_MS = 10_000;

// #region backoffDuration
/**
 * Doubles `initialMs` once per attempt after the first. The cap is checked before each doubling
 * as "would doubling pass max?" (`d > max - d`), as Kubernetes does to avoid overflowing a
 * duration. Worked example, 5 attempts, 1 s / 10 s: 1 → 2 → 4 → 8, then 8 > 10 - 8, so 10 s.
 */
export function backoffDuration(attempts: number, initialMs: number, maxMs: number): number {
  let duration = initialMs;
  for (let i = 1; i < attempts; i++) {
    if (duration > maxMs - duration) return maxMs;
    duration += duration;
  }
  return duration;
}
// #endregion backoffDuration
