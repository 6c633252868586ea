/**
 * Which pods on one node must go for the preemptor to fit there — kube-scheduler's
 * DefaultPreemption.SelectVictimsOnNode (plugins/defaultpreemption/default_preemption.go).
 *
 * Guarantees:
 * - Only pods of strictly lower priority than the preemptor are ever victims; equal priority
 *   never preempts.
 * - Neither the NodeInfo nor the CycleState given is changed: the simulation runs on a clone of
 *   each, one pair per node, so every node starts from what PreFilter computed.
 * - Every pod taken off or put back is reported to the PreFilter extensions (RemovePod, AddPod),
 *   so plugins whose PreFilter counted pods — InterPodAffinity, PodTopologySpread — filter the
 *   node as it is in the simulation. An extension's failure ends the node with that Error.
 * - The victims are the fewest the greedy reprieve finds, most important first: every potential
 *   victim is taken off, then each is put back, most important first, and kept if the preemptor
 *   still passes every Filter plugin.
 * - The answer is a closed union: victims (at least one), or a status saying why not
 *   ("No preemption victims found for incoming pod", the Filter rejection that remains once
 *   every lower-priority pod is gone, or an extension's Error).
 *
 * Not modelled: PodDisruptionBudgets (tinykube has none, so no victim ever violates one and the
 * PDB-violating-first reprieve pass is empty).
 */
import type { Pod } from "../../../api/types.ts";
import { cloneNodeInfo } from "../../cache/snapshot.ts";
import { statusMessage } from "../../framework/messages.ts";
import { addPod, removePod } from "../../framework/node-info.ts";
import { type CycleState, type NodeInfo, type Status, status } from "../../framework/types.ts";

/** corev1helpers.PodPriority: spec.priority, or 0 before the Priority admission has set it. */
export const podPriority = (pod: Pod): number =>
  typeof pod.spec.priority === "number" ? pod.spec.priority : 0;

/**
 * util.GetPodStartTime: status.startTime, or now for a pod bound but not yet started — so such a
 * pod counts as the youngest, the cheapest to preempt among equals.
 */
export function podStartTime(pod: Pod, now: number): number {
  const start = pod.status?.startTime;
  return typeof start === "string" ? Date.parse(start) : now;
}

/** util.MoreImportantPod: higher priority first; among equals, the one running longer. */
export function moreImportantPod(a: Pod, b: Pod, now: number): boolean {
  const pa = podPriority(a);
  const pb = podPriority(b);
  if (pa !== pb) return pa > pb;
  return podStartTime(a, now) < podStartTime(b, now);
}

/**
 * Runs the profile's Filter plugins for the preemptor on one (simulated) node, counting the pods
 * nominated there (the framework's RunFilterPluginsWithNominatedPods).
 */
export type RunFilters = (state: CycleState, pod: Pod, node: NodeInfo) => Status;

/**
 * Runs the profile's PreFilter AddPod or RemovePod extensions: `other` was just put on or taken
 * off `node` in the preemptor's (`pod`'s) simulation. Success, or an Error naming the plugin.
 */
export type RunPreFilterExtension = (
  state: CycleState,
  pod: Pod,
  other: Pod,
  node: NodeInfo,
) => Status;

export type VictimsOnNode = { victims: Pod[]; status?: undefined } | { status: Status };

/** Kubernetes' reason for a node without a single lower-priority pod. */
export const NO_VICTIMS = "No preemption victims found for incoming pod";

// #region selectVictimsOnNode
/**
 * In four steps, on clones of the node and the cycle state:
 *   1. Take every pod of lower priority than `pod` off the node, telling RemovePod of each.
 *   2. None: UnschedulableAndUnresolvable "No preemption victims found for incoming pod".
 *   3. Run the Filters: if the pod still does not fit, that rejection is the answer.
 *   4. Reprieve: put the potential victims back (AddPod), most important first; one that makes
 *      the pod no longer fit comes off again (RemovePod) and is a victim.
 *
 * Worked example: a 4-CPU node runs a (priority 10, 2 CPUs), b (5, 1 CPU), c (1, 1 CPU); the
 * preemptor (priority 100) asks 2 CPUs. Step 1 frees all 4. Step 4: a back → 2 used, fits, a is
 * spared; b back → 3 used, 2 more do not fit → b is a victim; c back → 3 used → c is a victim.
 * Victims [b, c]: two pods go so the most important one stays.
 */
export function selectVictimsOnNode(options: {
  state: CycleState;
  pod: Pod;
  node: NodeInfo;
  runFilters: RunFilters;
  runPreFilterExtensionAddPod: RunPreFilterExtension;
  runPreFilterExtensionRemovePod: RunPreFilterExtension;
  now: number;
}): VictimsOnNode {
  const { pod, runFilters, now } = options;
  const state = options.state.clone();
  const node = cloneNodeInfo(options.node);
  // Each returns undefined on success, else the extension's failure as an Error.
  const takeOff = (victim: Pod) => {
    removePod(node, victim);
    return asError(options.runPreFilterExtensionRemovePod(state, pod, victim, node));
  };
  const putBack = (victim: Pod) => {
    addPod(node, victim);
    return asError(options.runPreFilterExtensionAddPod(state, pod, victim, node));
  };
  // 1.
  const preemptorPriority = podPriority(pod);
  const potential = node.pods.filter((p) => podPriority(p) < preemptorPriority);
  for (const victim of potential) {
    const failed = takeOff(victim);
    if (failed) return { status: failed };
  }
  // 2.
  if (potential.length === 0) return { status: status("UnschedulableAndUnresolvable", NO_VICTIMS) };
  // 3.
  const fits = runFilters(state, pod, node);
  if (fits.code !== "Success") return { status: fits };
  // 4.
  potential.sort((a, b) =>
    moreImportantPod(a, b, now) ? -1 : moreImportantPod(b, a, now) ? 1 : 0,
  );
  const victims: Pod[] = [];
  for (const candidate of potential) {
    const failedBack = putBack(candidate);
    if (failedBack) return { status: failedBack };
    if (runFilters(state, pod, node).code === "Success") continue;
    const failedOff = takeOff(candidate);
    if (failedOff) return { status: failedOff };
    victims.push(candidate);
  }
  return { victims };
}
// #endregion selectVictimsOnNode

/** Kubernetes turns an extension's failure into an error and back (AsStatus): always an Error. */
function asError(s: Status): Status | undefined {
  if (s.code === "Success") return undefined;
  return s.code === "Error" ? s : status("Error", statusMessage(s));
}
