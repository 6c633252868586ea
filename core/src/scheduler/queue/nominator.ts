/**
 * Nominated pods: which pending pod has been promised which node — kube-scheduler's nominator
 * (pkg/scheduler/backend/queue/nominator.go). Preemption evicts pods from a node for a preemptor
 * and nominates the node (status.nominatedNodeName), but the preemptor is only bound in a later
 * cycle, after its victims are gone. Meanwhile the room it was promised must not go to someone
 * less important: every Filter on that node counts the nominated pods of equal or higher
 * priority as if they were already there (Framework.runFilterPluginsWithNominatedPods).
 *
 * Guarantees:
 * - A pod is nominated to at most one node, and listed once under it.
 * - A pod with a node (bound, or assumed by a cycle) is never listed: assume removes it.
 * - An update that carries no nominatedNodeName, for a pod nominated only in memory, keeps the
 *   nomination: the scheduler writes the field after nominating, so the watch can bring an older
 *   copy of the pod first (Kubernetes' updateNominatedPod keeps it for the same reason).
 */
import type { Pod } from "../../api/types.ts";

const nominatedNodeName = (pod: Pod) =>
  (pod.status as { nominatedNodeName?: string } | undefined)?.nominatedNodeName ?? "";

const NONE: readonly Pod[] = Object.freeze([]);

export class Nominator {
  /** Node name → the pods nominated to it, in nomination order. */
  private readonly byNode = new Map<string, Pod[]>();
  /** Pod uid → its nominated node. */
  private readonly nodeOf = new Map<string, string>();

  // #region addNominatedPod
  /**
   * Records a nomination: to `override` when given ("" clears it, as preemption's empty
   * NominatingInfo does), else to the pod's own status.nominatedNodeName, if any. Any earlier
   * nomination of the pod is dropped first.
   */
  addNominatedPod(pod: Pod, override?: string): void {
    this.deleteNominatedPodIfExists(pod);
    if (pod.spec.nodeName) return; // already has a node
    const node = override ?? nominatedNodeName(pod);
    if (node === "") return;
    const uid = pod.metadata.uid ?? "";
    this.nodeOf.set(uid, node);
    const list = this.byNode.get(node) ?? [];
    list.push(pod);
    this.byNode.set(node, list);
  }
  // #endregion addNominatedPod

  deleteNominatedPodIfExists(pod: Pod): void {
    const uid = pod.metadata.uid ?? "";
    const node = this.nodeOf.get(uid);
    if (node === undefined) return;
    this.nodeOf.delete(uid);
    const rest = (this.byNode.get(node) ?? []).filter((p) => p.metadata.uid !== uid);
    if (rest.length > 0) this.byNode.set(node, rest);
    else this.byNode.delete(node);
  }

  /** The pod changed: keep its nomination current, and the stored copy the newest. */
  updateNominatedPod(oldPod: Pod, newPod: Pod): void {
    let keep: string | undefined;
    if (nominatedNodeName(oldPod) === "" && nominatedNodeName(newPod) === "") {
      keep = this.nodeOf.get(oldPod.metadata.uid ?? "");
    }
    this.deleteNominatedPodIfExists(oldPod);
    this.addNominatedPod(newPod, keep);
  }

  /** The pods nominated to `nodeName`; empty for most nodes. */
  nominatedPodsForNode(nodeName: string): readonly Pod[] {
    if (this.byNode.size === 0) return NONE; // the usual case: nobody is nominated
    return this.byNode.get(nodeName) ?? NONE;
  }

  /** The node the pod is nominated to, if any. */
  nominatedNodeFor(pod: Pod): string | undefined {
    return this.nodeOf.get(pod.metadata.uid ?? "");
  }
}
