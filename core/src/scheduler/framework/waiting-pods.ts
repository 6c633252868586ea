/**
 * Pods a Permit plugin holds back — kube-scheduler's waitingPod and waitingPodsMap
 * (pkg/scheduler/framework/runtime/waiting_pods_map.go). Permit is how a plugin delays a binding
 * it cannot yet decide: gang scheduling waits until every pod of a group has a node, a quota
 * plugin until budget frees up. The pod is already assumed on its node (its resources are
 * counted), so the wait happens in the binding cycle, off the scheduling loop: other pods go on
 * being scheduled meanwhile.
 *
 * Guarantees:
 * - A waiting pod resolves exactly once. It is allowed when every plugin that asked it to wait has
 *   called allow; it is rejected by the first reject, or by the first plugin whose timeout runs
 *   out ("rejected due to timeout after waiting 10s at plugin Gang"). Later calls change nothing.
 * - A rejection is Unschedulable and names the plugin, so the pod returns to the queue to wait for
 *   the events that plugin cares about.
 * - Timers run on the injected clock and are cleared once the pod resolves.
 */
import type { Pod } from "../../api/types.ts";
import { type Clock, realClock } from "../../util/clock.ts";
import { formatGoDuration } from "../../util/go-duration.ts";
import { type Status, status } from "./types.ts";

/** The pod's status once resolved: Success, or Unschedulable with the rejecting plugin. */
export type PermitOutcome = Status;

// #region waitingPod
export class WaitingPod {
  /** Plugins that asked the pod to wait and have not allowed it yet. */
  private readonly pending: Set<string>;
  private readonly timers: { cancel(): void }[] = [];
  private outcome: PermitOutcome | undefined;
  private readonly settled: Promise<PermitOutcome>;
  private resolve: (s: PermitOutcome) => void = () => {};

  /** `timeoutsMs`: plugin → how long it lets the pod wait (already capped at 15 minutes). */
  constructor(
    readonly uid: string,
    readonly pod: Pod,
    readonly nodeName: string,
    timeoutsMs: ReadonlyMap<string, number>,
    clock: Clock = realClock,
  ) {
    this.pending = new Set(timeoutsMs.keys());
    this.settled = new Promise((resolve) => {
      this.resolve = resolve;
    });
    for (const [plugin, ms] of timeoutsMs) {
      this.timers.push(
        clock.setTimeout(
          () =>
            this.reject(
              plugin,
              `rejected due to timeout after waiting ${formatGoDuration(ms)} at plugin ${plugin}`,
            ),
          ms,
        ),
      );
    }
  }

  pendingPlugins(): string[] {
    return [...this.pending];
  }

  /** One plugin lets the pod go; when none is left waiting, the binding proceeds. */
  allow(plugin: string): void {
    if (this.outcome) return;
    this.pending.delete(plugin);
    if (this.pending.size === 0) this.settle(status("Success"));
  }

  /** Refuses the pod: it is unreserved, forgotten and goes back to the queue. */
  reject(plugin: string, message: string): void {
    if (this.outcome) return;
    this.settle({ ...status("Unschedulable", message), ...(plugin ? { plugin } : {}) });
  }

  /** Resolves with the outcome (WaitOnPermit). */
  wait(): Promise<PermitOutcome> {
    return this.settled;
  }

  private settle(outcome: PermitOutcome): void {
    this.outcome = outcome;
    for (const t of this.timers) t.cancel();
    this.resolve(outcome);
  }
}
// #endregion waitingPod

/** Every waiting pod by uid; one map per scheduler, shared by its profiles, as in Kubernetes. */
export class WaitingPods {
  private readonly pods = new Map<string, WaitingPod>();

  add(wp: WaitingPod): void {
    this.pods.set(wp.uid, wp);
  }

  remove(uid: string): void {
    this.pods.delete(uid);
  }

  get(uid: string): WaitingPod | undefined {
    return this.pods.get(uid);
  }

  /** For plugins that decide for a group (gang scheduling): visit each waiting pod. */
  iterate(visit: (wp: WaitingPod) => void): void {
    for (const wp of [...this.pods.values()]) visit(wp);
  }

  /** RejectWaitingPod: Kubernetes uses it when a waiting pod is deleted. False if none waits. */
  reject(uid: string, plugin: string, message: string): boolean {
    const wp = this.pods.get(uid);
    wp?.reject(plugin, message);
    return wp !== undefined;
  }

  get size(): number {
    return this.pods.size;
  }
}
