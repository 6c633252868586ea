/**
 * The `endpoints.kubernetes.io/last-change-trigger-time` annotation: when the change that this
 * Endpoints (or EndpointSlice) write reflects happened — Kubernetes' TriggerTimeTracker
 * (staging/src/k8s.io/endpointslice/util/trigger_time_tracker.go). kube-proxy subtracts it from
 * the moment it programs the rule to measure network programming latency.
 *
 * A trigger is a pod's Ready condition changing (its lastTransitionTime) or the Service being
 * created (its creationTimestamp). The tracker remembers, per Service, the trigger times it saw at
 * the last sync; a sync reports the earliest trigger that is newer than what it saw then.
 *
 * Trace, Service web created at 10:00:00 with pods a (ready since 10:00:05) and b (10:00:07):
 *   sync 1: web unknown                  → 10:00:00 (creation), remembers a=:05 b=:07
 *   b turns not ready at 10:01:00; sync 2 → 10:01:00 (only b's time moved), remembers b=10:01:00
 *   sync 3 with nothing changed          → none: the annotation is removed
 *
 * Like Kubernetes, it may report a later time than the true one if the same pod changes twice
 * between two syncs; an approximation accepted there, and here.
 */
import type { Pod, Service } from "../../api/types.ts";

export const LAST_CHANGE_TRIGGER_TIME_ANNOTATION =
  "endpoints.kubernetes.io/last-change-trigger-time";

interface ServiceState {
  serviceTriggerTime: number | undefined;
  /** Pod name → the Ready condition's lastTransitionTime seen at the last sync, in ms. */
  podTriggerTimes: Map<string, number>;
}

// #region TriggerTimeTracker
export class TriggerTimeTracker {
  /** "namespace/name" → what the last sync of that Service saw. */
  private readonly states = new Map<string, ServiceState>();

  /**
   * ComputeEndpointLastChangeTriggerTime: the time to publish for this sync (undefined: remove
   * the annotation), and remember the trigger times seen. Call it on every sync, also one that
   * writes nothing, so the next sync compares against the present.
   */
  compute(service: Service, pods: Pod[]): number | undefined {
    const key = `${service.metadata.namespace}/${service.metadata.name}`;
    const state = this.states.get(key);
    const podTriggerTimes = new Map<string, number>();
    let earliestChanged: number | undefined;
    const changed = (time: number) => {
      earliestChanged = earliestChanged === undefined ? time : Math.min(earliestChanged, time);
    };
    for (const pod of pods) {
      const time = podTriggerTime(pod);
      if (time === undefined) continue;
      podTriggerTimes.set(pod.metadata.name as string, time);
      const before = state?.podTriggerTimes.get(pod.metadata.name as string);
      if (before === undefined || time > before) changed(time);
    }
    const serviceTriggerTime = parseTime(service.metadata.creationTimestamp);
    if (
      serviceTriggerTime !== undefined &&
      (state?.serviceTriggerTime === undefined || serviceTriggerTime > state.serviceTriggerTime)
    )
      changed(serviceTriggerTime);
    this.states.set(key, { serviceTriggerTime, podTriggerTimes });
    // A Service seen for the first time: its creation is the trigger.
    if (!state) return serviceTriggerTime;
    return earliestChanged;
  }

  /** The Service is gone: forget it. */
  deleteService(namespace: string, name: string): void {
    this.states.delete(`${namespace}/${name}`);
  }
}
// #endregion TriggerTimeTracker

/**
 * Go's RFC3339Nano in UTC, as Kubernetes writes the annotation: no trailing zeros in the
 * fraction, and no fraction at all when it is zero ("2026-01-01T10:00:05Z").
 */
export function formatTriggerTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, "Z");
}

function podTriggerTime(pod: Pod): number | undefined {
  const ready = pod.status?.conditions?.find((c) => c.type === "Ready");
  return parseTime(ready?.lastTransitionTime);
}

function parseTime(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
