/**
 * The latest result of one kind of probe, per container — pkg/kubelet/prober/results
 * (results_manager.go). The prober manager keeps one for liveness, one for readiness and one for
 * startup; workers write them, and the kubelet reads them (through the manager) when it decides
 * what to restart and what is ready.
 *
 * Guarantees:
 * - Keyed by container ID, not by name: a restarted container is a new key, so the old
 *   container's verdict never leaks onto the new one.
 * - `onUpdate` is called only when a container's result changes (or is set the first time), as
 *   Kubernetes sends on its Updates() channel; a Remove is silent. Kubernetes' kubelet reads that
 *   channel in its sync loop and syncs the pod; here the callback gets the pod's UID to do the same.
 *
 * Trace: set(c1, Failure) → update; set(c1, Failure) → nothing; set(c1, Success) → update;
 * remove(c1) → nothing; set(c1, Success) → update (a first set again).
 */

/** results.Result: Unknown is what a startup worker starts with, before any probe ran. */
export type ProbeResult = "Success" | "Failure" | "Unknown";

export interface ResultUpdate {
  containerId: string;
  result: ProbeResult;
  podUid: string;
}

export class ResultsManager {
  /** The latest result per container ID; an ID is here from its worker's first set to its removal. */
  private readonly cache = new Map<string, ProbeResult>();

  constructor(private readonly onUpdate: (update: ResultUpdate) => void = () => undefined) {}

  get(containerId: string): ProbeResult | undefined {
    return this.cache.get(containerId);
  }

  set(containerId: string, result: ProbeResult, podUid: string): void {
    if (this.cache.get(containerId) === result) return;
    this.cache.set(containerId, result);
    this.onUpdate({ containerId, result, podUid });
  }

  remove(containerId: string): void {
    this.cache.delete(containerId);
  }
}
