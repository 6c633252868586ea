/**
 * DefaultPreemption, the PostFilter plugin: when no node fits a pod, evict pods of lower priority
 * somewhere to make room — kube-scheduler's plugins/defaultpreemption and the Evaluator's Preempt
 * in pkg/scheduler/framework/preemption/preemption.go.
 *
 * One call, in five steps (Preempt's own numbering):
 *   1. Eligibility (eligible.ts): a pod with preemptionPolicy Never never preempts, nor does a
 *      pod whose nominated node still holds a lower-priority pod terminating by preemption
 *      (most likely its own victim) — it waits for that room rather than evicting more.
 *   2. Candidates: only nodes Filter rejected as Unschedulable; UnschedulableAndUnresolvable
 *      (a nodeSelector mismatch, a taint) cannot be cured by removing pods. On each, simulate
 *      (selectVictimsOnNode) on a copy of the node and of the cycle state.
 *   3. No candidate: Unschedulable with a FitError-style message over the simulation's per-node
 *      reasons, every node not simulated counted as "Preemption is not helpful for scheduling".
 *   4. Pick one node (pickOneNodeForPreemption).
 *   5. Evict its victims (each: DisruptionTarget condition, then DELETE), and return the node
 *      as the pod's nominatedNodeName. The pod itself is not bound now: it is retried once the
 *      victims' deletions reach the scheduler's cache.
 * Every message this plugin returns starts with "preemption: ", as PostFilter prefixes it.
 *
 * Not modelled: Kubernetes dry-runs only a random-offset sample of the candidate nodes (at least
 * 10% and at least 100 — DefaultPreemptionArgs' defaults) and stops early; below 100 candidate
 * nodes that sample is every node, and tinykube always simulates every node in snapshot order.
 * Also not here: PodDisruptionBudgets (tinykube has no such objects), extenders, asynchronous
 * preemption, and clearing lower-priority pods' nominations.
 */
import type { Pod } from "../../../api/types.ts";
import { messageOf } from "../../../util/errors.ts";
import { type Diagnosis, fitErrorMessage } from "../../framework/messages.ts";
import {
  type CycleState,
  type NodeInfo,
  type PostFilterPlugin,
  type Status,
  status,
} from "../../framework/types.ts";
import { podEligibleToPreemptOthers } from "./eligible.ts";
import { type Candidate, pickOneNodeForPreemption } from "./pick-node.ts";
import {
  type RunFilters,
  type RunPreFilterExtension,
  selectVictimsOnNode,
} from "./select-victims.ts";

/** What preemption needs from the scheduler (a slice of Kubernetes' framework.Handle). */
export interface PreemptionHandle {
  /** The cycle's snapshot, in its order. */
  nodeInfos(): readonly NodeInfo[];
  /** The preemptor's profile's Filter plugins, counting nominated pods. */
  runFilterPlugins: RunFilters;
  /** The preemptor's profile's PreFilter AddPod / RemovePod extensions (the Framework's methods). */
  runPreFilterExtensionAddPod: RunPreFilterExtension;
  runPreFilterExtensionRemovePod: RunPreFilterExtension;
  /** Evicts one victim for `preemptor` (Evaluator.PreemptPod); a victim already gone is fine. */
  preemptPod(victim: Pod, preemptor: Pod, nodeName: string): Promise<void>;
  /** Wall-clock milliseconds, for pods bound but not started yet. */
  now(): number;
}

/** The status Kubernetes gives nodes the simulation never looked at. */
export const NOT_HELPFUL = "Preemption is not helpful for scheduling";

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = "DefaultPreemption";

  constructor(private readonly handle: PreemptionHandle) {}

  // #region postFilter
  async postFilter(
    state: CycleState,
    pod: Pod,
    filtered: Map<string, Status>,
  ): Promise<{ nominatedNodeName?: string; status: Status }> {
    const result = await this.preempt(state, pod, filtered);
    const message = result.status.reasons.join(", ");
    if (message === "") return result;
    return { ...result, status: { ...result.status, reasons: [`preemption: ${message}`] } };
  }

  private async preempt(
    state: CycleState,
    pod: Pod,
    filtered: Map<string, Status>,
  ): Promise<{ nominatedNodeName?: string; status: Status }> {
    const allNodes = this.handle.nodeInfos();
    // 1. Not eligible: no nomination changes.
    const eligibility = podEligibleToPreemptOthers(pod, filtered, allNodes);
    if (!eligibility.eligible) return { status: status("Unschedulable", eligibility.reason) };
    // 2.
    const now = this.handle.now();
    const candidates: Candidate[] = [];
    const nodeToStatus = new Map<string, Status>();
    const errors: string[] = [];
    for (const node of allNodes) {
      const nodeName = node.node.metadata.name ?? "";
      if (filtered.get(nodeName)?.code !== "Unschedulable") continue;
      const r = selectVictimsOnNode({
        state,
        pod,
        node,
        runFilters: this.handle.runFilterPlugins,
        runPreFilterExtensionAddPod: this.handle.runPreFilterExtensionAddPod,
        runPreFilterExtensionRemovePod: this.handle.runPreFilterExtensionRemovePod,
        now,
      });
      if (r.status === undefined && r.victims.length > 0) {
        candidates.push({ nodeName, victims: r.victims });
        continue;
      }
      // No victims yet Success: the pod fits without evicting anyone, Filter's verdict is stale.
      const s =
        r.status ?? status("Error", `expected at least one victim pod on node "${nodeName}"`);
      if (s.code === "Error") errors.push(...s.reasons);
      nodeToStatus.set(nodeName, s);
    }
    // 3.
    if (candidates.length === 0 && errors.length > 0) {
      return { status: status("Error", errors.join(", ")) };
    }
    if (candidates.length === 0) {
      const diagnosis: Diagnosis = {
        numAllNodes: allNodes.length,
        nodeToStatus,
        absentNodesStatus: status("UnschedulableAndUnresolvable", NOT_HELPFUL),
      };
      // Kubernetes returns an empty nominatedNodeName here: any earlier nomination is cleared.
      return { nominatedNodeName: "", status: status("Unschedulable", fitErrorMessage(diagnosis)) };
    }
    // 4.
    const best = pickOneNodeForPreemption(candidates, now) as string;
    const victims = candidates.find((c) => c.nodeName === best)?.victims ?? [];
    // 5.
    for (const victim of victims) {
      if (victim.metadata.deletionTimestamp) continue; // already on its way out
      try {
        await this.handle.preemptPod(victim, pod, best);
      } catch (error) {
        // Not the pod's fault: retried with backoff, its nomination left as it was.
        return { status: status("Error", messageOf(error)) };
      }
    }
    return { nominatedNodeName: best, status: status("Success") };
  }
  // #endregion postFilter
}
