/**
 * Each zone's state and its NoExecute tainting queue, and the switch into and out of "master
 * disruption mode" — node_lifecycle_controller.go handleDisruption, addPodEvictorForNewZone,
 * setLimiterInZone.
 *
 * Guarantees:
 * - Every zone seen has a state (Initial at first) and a tainting queue running at the rate its
 *   state calls for (zones.ts). A zone whose last node is gone is forgotten.
 * - When every zone is FullDisruption — no Ready node anywhere — the cluster enters master
 *   disruption: every queue's rate drops to 0, and `update` answers "entered" so that the
 *   controller removes the NoExecute taints it had added. A control plane cut off from every
 *   node cannot tell a dead cluster from its own broken network, and guessing "dead" would
 *   delete every pod.
 * - When some node is Ready again, `update` answers "exited": the controller restarts every
 *   node's grace period from now (it had no news during the partition through no fault of the
 *   nodes), and each zone gets the rate of its new state.
 */
import type { Condition } from "../../api/types.ts";
import type { Clock } from "../../util/clock.ts";
import type { ResolvedNodeLifecycleOptions } from "./options.ts";
import { RateLimitedTimedQueue } from "./rate-limited-queue.ts";
import { computeZoneState, taintingRateFor, type ZoneState } from "./zones.ts";

export type DisruptionChange = "entered" | "exited" | undefined;

export class ZoneEvictors {
  /** Invariant: every zone here has a tainter. */
  private readonly states = new Map<string, ZoneState>();
  /** Outlive their zones: Kubernetes never deletes a zone's queue, and a zone may come back. */
  private readonly tainters = new Map<string, RateLimitedTimedQueue>();

  constructor(
    private readonly options: ResolvedNodeLifecycleOptions,
    private readonly clock: Clock,
    private readonly log: (line: string) => void,
  ) {}

  hasZone(zone: string): boolean {
    return this.states.has(zone);
  }

  /** addPodEvictorForNewZone: a zone seen for the first time starts Initial, tainting at the normal rate. */
  addZone(zone: string): void {
    if (this.states.has(zone)) return;
    this.states.set(zone, "Initial");
    if (!this.tainters.has(zone))
      this.tainters.set(zone, new RateLimitedTimedQueue(this.options.nodeEvictionRate, this.clock));
  }

  /** The zone's tainting queue; created if need be, since a zone is never without one once seen. */
  tainter(zone: string): RateLimitedTimedQueue {
    let queue = this.tainters.get(zone);
    if (!queue) {
      queue = new RateLimitedTimedQueue(this.options.nodeEvictionRate, this.clock);
      this.tainters.set(zone, queue);
    }
    return queue;
  }

  allTainters(): RateLimitedTimedQueue[] {
    return [...this.tainters.values()];
  }

  state(zone: string): ZoneState | undefined {
    return this.states.get(zone);
  }

  // #region handleDisruption
  /**
   * handleDisruption, given the Ready conditions of each zone's nodes after this pass:
   * 1. Compute each zone's new state; note whether all are FullDisruption now, and whether all
   *    were before (forgetting zones with no nodes left).
   * 2. All are and all were, or neither changed the picture → only zones whose state changed
   *    get their new rate.
   * 3. All are now, not all were → enter: every rate 0, every zone FullDisruption.
   * 4. All were, not all are now → exit: every zone its new state and rate.
   */
  update(zoneConditions: Map<string, (Condition | undefined)[]>): DisruptionChange {
    const next = new Map<string, ZoneState>();
    let allAreFullyDisrupted = true;
    for (const [zone, conditions] of zoneConditions) {
      const { state } = computeZoneState(conditions, this.options.unhealthyZoneThreshold);
      if (state !== "FullDisruption") allAreFullyDisrupted = false;
      next.set(zone, state);
      if (!this.states.has(zone)) {
        this.log(`[node-controller] setting initial state for unseen zone ${printable(zone)}`);
        this.states.set(zone, "Initial");
      }
    }
    let allWasFullyDisrupted = true;
    for (const [zone, state] of this.states) {
      if (!zoneConditions.has(zone)) {
        this.states.delete(zone);
        continue;
      }
      if (state !== "FullDisruption") {
        allWasFullyDisrupted = false;
        break;
      }
    }
    if (allAreFullyDisrupted && allWasFullyDisrupted) return undefined;
    if (allAreFullyDisrupted) {
      this.log("[node-controller] all nodes are not Ready: entering master disruption mode");
      for (const zone of this.states.keys()) {
        this.tainter(zone).swapLimiter(0);
        this.states.set(zone, "FullDisruption");
      }
      return "entered";
    }
    if (allWasFullyDisrupted) {
      this.log("[node-controller] some nodes are Ready: exiting master disruption mode");
      for (const zone of this.states.keys()) {
        const state = next.get(zone) as ZoneState;
        this.setRate(zone, zoneConditions.get(zone)?.length ?? 0, state);
        this.states.set(zone, state);
      }
      return "exited";
    }
    for (const [zone, state] of this.states) {
      const nextState = next.get(zone);
      // undefined: a zone with no nodes left that step 1 did not reach before its early stop.
      if (nextState === undefined || state === nextState) continue;
      this.log(`[node-controller] zone ${printable(zone)} is now ${nextState}`);
      this.setRate(zone, zoneConditions.get(zone)?.length ?? 0, nextState);
      this.states.set(zone, nextState);
    }
    return undefined;
  }
  // #endregion handleDisruption

  private setRate(zone: string, size: number, state: ZoneState): void {
    if (state === "Initial") return;
    this.tainter(zone).swapLimiter(taintingRateFor(state, size, this.options));
  }
}

/** A zone key for a log line: the NUL shown, "" named. */
function printable(zone: string): string {
  return zone === "" ? '""' : zone.replace("\u0000", "\\0");
}
