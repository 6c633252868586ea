/**
 * The node lifecycle controller's writes: taints on nodes, Ready=False on pods, Events —
 * pkg/controller/controller_utils.go (AddOrUpdateTaintOnNode, RemoveTaintOffNode,
 * PatchNodeTaints) and pkg/controller/util/node/controller_utils.go (SwapNodeControllerTaint,
 * MarkPodsNotReady, RecordNodeEvent, RecordNodeStatusChange).
 *
 * Guarantees:
 * - A taint write is a patch of spec.taints carrying the resourceVersion the new list was computed
 *   from: if someone else changed the node meanwhile (an administrator's taint, the other half of
 *   this controller), the patch conflicts instead of dropping their change, and it is recomputed
 *   from a fresh read, 5 tries in all (client-go's RetryOnConflict; it also pauses 100 ms plus
 *   jitter between tries, which tinykube leaves out).
 * - Taints added by this controller carry timeAdded: when the controller added them.
 * - Nothing is written when the list would not change; removing a taint the cached node does not
 *   have costs no request at all.
 */
import type { KubeObject } from "../../api/object.ts";
import type { Node, Pod, Taint } from "../../api/types.ts";
import type { EventRecorder, EventType } from "../../client/events.ts";
import { isNotFound, type ResourceClient, retryOnConflict } from "../../client/rest.ts";
import { messageOf } from "../../util/errors.ts";
import { rfc3339 } from "../deployment/progress.ts";
import { updatePodCondition } from "../tainteviction/pod-condition.ts";
import { addOrUpdateTaint, removeTaint, taintExists } from "./taints.ts";

/** Where the writes go and how they are reported. */
export interface Writer {
  nodes: ResourceClient<Node>;
  pods: ResourceClient<Pod>;
  recorder: EventRecorder;
  log(line: string): void;
  now(): number;
}

// #region swapNodeControllerTaint
/**
 * SwapNodeControllerTaint: add `add` (stamped with timeAdded now), then remove `remove`; false
 * (and a log line) if either write failed. Two writes, not one: between them the node briefly
 * has both — for not-ready/unreachable that is two NoExecute taints, harmless to the eviction
 * rule, which needs a pod to tolerate each.
 */
export async function swapNodeControllerTaint(
  w: Writer,
  node: Node,
  add: readonly Taint[],
  remove: readonly Taint[],
): Promise<boolean> {
  const name = node.metadata.name ?? "";
  const stamped = add.map((t) => ({ ...t, timeAdded: rfc3339(w.now()) }));
  try {
    await addOrUpdateTaintsOnNode(w, name, stamped);
  } catch (error) {
    w.log(
      `[node-controller] unable to taint ${describe(stamped)} on unresponsive node ${name}: ${messageOf(error)}`,
    );
    return false;
  }
  try {
    await removeTaintsOffNode(w, name, node, remove);
  } catch (error) {
    w.log(
      `[node-controller] unable to remove ${describe(remove)} from unresponsive node ${name}: ${messageOf(error)}`,
    );
    return false;
  }
  return true;
}
// #endregion swapNodeControllerTaint

/** AddOrUpdateTaintOnNode: each taint replaces its key and effect's, or is appended. */
export async function addOrUpdateTaintsOnNode(
  w: Writer,
  name: string,
  taints: readonly Taint[],
): Promise<void> {
  if (taints.length === 0) return;
  await retryOnConflict(async () => {
    const old = await w.nodes.get(name);
    let list = old.spec?.taints ?? [];
    let updated = false;
    for (const taint of taints) {
      const result = addOrUpdateTaint(list, taint);
      list = result.taints;
      updated ||= result.updated;
    }
    if (updated) await patchNodeTaints(w, old, list);
  });
}

/**
 * RemoveTaintOffNode: every taint with a given key and effect goes. `cached`, if given, is
 * checked first: when it has none of them, nothing is read or written.
 */
export async function removeTaintsOffNode(
  w: Writer,
  name: string,
  cached: Node | undefined,
  taints: readonly Taint[],
): Promise<void> {
  if (taints.length === 0) return;
  if (cached && !taints.some((t) => taintExists(cached.spec?.taints, t))) return;
  await retryOnConflict(async () => {
    const old = await w.nodes.get(name);
    let list = old.spec?.taints ?? [];
    let removed = false;
    for (const taint of taints) {
      const result = removeTaint(list, taint);
      list = result.taints;
      removed ||= result.removed;
    }
    if (removed) await patchNodeTaints(w, old, list);
  });
}

/** PatchNodeTaints: the whole list, conditional on the resourceVersion it was computed from. */
async function patchNodeTaints(w: Writer, old: Node, taints: Taint[]): Promise<void> {
  await w.nodes.patch(
    old.metadata.name ?? "",
    {
      metadata: { resourceVersion: old.metadata.resourceVersion },
      spec: { taints: taints.length > 0 ? taints : null },
    },
    "merge",
  );
}

// #region markPodsNotReady
/**
 * MarkPodsNotReady: each pod on the node whose Ready condition is not yet False gets it False
 * (through the status subresource), so that Services stop sending it traffic — the endpoints
 * controllers drop not-ready pods — long before it is evicted. An Event "NodeNotReady" (Warning,
 * "Node is not ready") on each. A pod already gone is skipped; other failures are returned
 * together, and the node is retried on the next pass.
 */
export async function markPodsNotReady(
  w: Writer,
  pods: readonly Pod[],
  nodeName: string,
): Promise<void> {
  const failures: string[] = [];
  for (const pod of pods) {
    if (pod.spec.nodeName !== nodeName) continue;
    const ready = pod.status?.conditions?.find((c) => c.type === "Ready");
    if (!ready) continue;
    const { lastTransitionTime: _, ...rest } = ready;
    const { conditions, changed } = updatePodCondition(
      pod.status?.conditions ?? [],
      { ...rest, status: "False" },
      w.now(),
    );
    if (!changed) continue;
    const updated: Pod = { ...pod, status: { ...pod.status, conditions } };
    try {
      await w.pods.in(pod.metadata.namespace).updateStatus(updated);
    } catch (error) {
      if (isNotFound(error)) continue;
      failures.push(`${pod.metadata.namespace}/${pod.metadata.name}: ${messageOf(error)}`);
    }
    // After the write, so that the pod the Event names still exists.
    w.recorder.event(pod, "Warning", "NodeNotReady", "Node is not ready");
  }
  if (failures.length > 0)
    throw new Error(`marking pods on node ${nodeName} not ready: ${failures.join("; ")}`);
}
// #endregion markPodsNotReady

/** RecordNodeEvent: "Node <name> event: <message>", on the Node (Events of cluster objects live in "default"). */
export function recordNodeEvent(
  w: Writer,
  node: Node,
  type: EventType,
  reason: string,
  message: string,
): void {
  w.recorder.event(nodeRef(node), type, reason, `Node ${node.metadata.name} event: ${message}`);
}

/** RecordNodeStatusChange: "Node <name> status is now: <status>". */
export function recordNodeStatusChange(w: Writer, node: Node, status: string): void {
  w.recorder.event(
    nodeRef(node),
    "Normal",
    status,
    `Node ${node.metadata.name} status is now: ${status}`,
  );
}

function nodeRef(node: Node): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: node.metadata.name, uid: node.metadata.uid },
  };
}

function describe(taints: readonly Taint[]): string {
  return taints.map((t) => `${t.key}:${t.effect}`).join(", ");
}
