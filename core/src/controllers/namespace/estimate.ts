/**
 * How long a terminating namespace should expect its content to take to go, and so when the
 * namespace controller looks again — Kubernetes' estimateGracefulTermination
 * (namespaced_resources_deleter.go) and the worker's requeue (namespace_controller.go).
 *
 * Worked example: a namespace deleted at t = 0 s holds two running pods with
 * terminationGracePeriodSeconds 30 and 10. At t = 4 s the estimate is max(30, 10) = 30 s (4 s
 * have passed, fewer than 30), so the controller looks again after 30/2 + 1 = 16 s. At t = 30 s
 * the pods have had their whole grace period: the estimate is 0, and whatever is left counts as
 * stuck rather than still terminating. Content held only by finalizers is given 15 s, so
 * 15/2 + 1 = 8 s between looks.
 */
import type { Pod } from "../../api/types.ts";

/** Kubernetes' finalizerEstimateSeconds: time assumed for finalizers (the GC's, say) to finish. */
export const FINALIZER_ESTIMATE_SECONDS = 15;

// #region estimatePods
/** Seconds the namespace's pods may still take to terminate gracefully, 0 if none. */
export function estimateForPods(pods: Pod[], namespaceDeletedAtMs: number, nowMs: number): number {
  let estimate = 0;
  for (const pod of pods) {
    const phase = pod.status?.phase;
    // A finished pod has nothing left to stop.
    if (phase === "Succeeded" || phase === "Failed") continue;
    const grace = pod.spec.terminationGracePeriodSeconds as number | undefined;
    if (grace !== undefined && grace > estimate) estimate = grace;
  }
  return nowMs - namespaceDeletedAtMs >= estimate * 1000 ? 0 : estimate;
}
// #endregion estimatePods

/** Seconds until the next look at a namespace with content remaining: estimate/2 + 1, whole seconds (Go's int64 division). */
export function requeueDelaySeconds(estimateSeconds: number): number {
  return Math.floor(estimateSeconds / 2) + 1;
}
