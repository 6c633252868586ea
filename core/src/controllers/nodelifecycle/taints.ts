/**
 * The taints the node lifecycle controller manages, and the list arithmetic it does on them —
 * node_lifecycle_controller.go (the templates, nodeConditionToTaintKeyStatusMap) and
 * pkg/util/taints (TaintExists, TaintSetDiff, AddOrUpdateTaint, DeleteTaint). Pure functions.
 *
 * Two families, with different jobs:
 * - NoSchedule taints mirror node conditions (Ready False → not-ready, Ready Unknown →
 *   unreachable, MemoryPressure True → memory-pressure, ...) and spec.unschedulable, so that the
 *   scheduler's TaintToleration plugin keeps new pods off the node.
 * - NoExecute taints — only not-ready and unreachable — evict the pods already there (the taint
 *   eviction controller acts on them). They are added at a rate-limited pace, zone by zone.
 *
 * Taints are identified by key and effect (MatchTaint): node.kubernetes.io/unreachable:NoSchedule
 * and node.kubernetes.io/unreachable:NoExecute are two taints; a value never distinguishes them.
 */
import type { Node, Taint } from "../../api/types.ts";

/** The well-known taint keys (k8s.io/api/core/v1 well_known_taints.go). */
export const TAINT_NODE_NOT_READY = "node.kubernetes.io/not-ready";
export const TAINT_NODE_UNREACHABLE = "node.kubernetes.io/unreachable";
export const TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable";
export const TAINT_NODE_MEMORY_PRESSURE = "node.kubernetes.io/memory-pressure";
export const TAINT_NODE_DISK_PRESSURE = "node.kubernetes.io/disk-pressure";
export const TAINT_NODE_NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable";
export const TAINT_NODE_PID_PRESSURE = "node.kubernetes.io/pid-pressure";

/** UnreachableTaintTemplate: the node stopped reporting (Ready Unknown). */
export const UNREACHABLE_TAINT: Readonly<Taint> = {
  key: TAINT_NODE_UNREACHABLE,
  effect: "NoExecute",
};
/** NotReadyTaintTemplate: the kubelet reports the node not ready (Ready False). */
export const NOT_READY_TAINT: Readonly<Taint> = { key: TAINT_NODE_NOT_READY, effect: "NoExecute" };

/** nodeConditionToTaintKeyStatusMap: condition type → condition status → taint key. */
const CONDITION_TAINTS: Record<string, Record<string, string>> = {
  Ready: { False: TAINT_NODE_NOT_READY, Unknown: TAINT_NODE_UNREACHABLE },
  MemoryPressure: { True: TAINT_NODE_MEMORY_PRESSURE },
  DiskPressure: { True: TAINT_NODE_DISK_PRESSURE },
  NetworkUnavailable: { True: TAINT_NODE_NETWORK_UNAVAILABLE },
  PIDPressure: { True: TAINT_NODE_PID_PRESSURE },
};

/** taintKeyToNodeConditionMap's keys: the condition taints this controller owns. */
const CONDITION_TAINT_KEYS = new Set(Object.values(CONDITION_TAINTS).flatMap(Object.values));

/** MatchTaint: same key and effect. */
export function matchTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

export function taintExists(taints: readonly Taint[] | undefined, taint: Taint): boolean {
  return (taints ?? []).some((t) => matchTaint(t, taint));
}

// #region noScheduleTaints
/** The NoSchedule taints the node's conditions and spec.unschedulable call for (doNoScheduleTaintingPass). */
export function wantedNoScheduleTaints(node: Node): Taint[] {
  const taints: Taint[] = [];
  for (const condition of node.status?.conditions ?? []) {
    const key = CONDITION_TAINTS[condition.type]?.[condition.status];
    if (key) taints.push({ key, effect: "NoSchedule" });
  }
  if (node.spec?.unschedulable)
    taints.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: "NoSchedule" });
  return taints;
}

/** The NoSchedule taints on the node that this controller owns (and so may remove). */
export function ownedNoScheduleTaints(node: Node): Taint[] {
  return (node.spec?.taints ?? []).filter(
    (t) =>
      t.effect === "NoSchedule" &&
      (t.key === TAINT_NODE_UNSCHEDULABLE || CONDITION_TAINT_KEYS.has(t.key)),
  );
}
// #endregion noScheduleTaints

/** TaintSetDiff: what to add to `have` and remove from it to match `want`, by key and effect. */
export function taintSetDiff(
  want: readonly Taint[],
  have: readonly Taint[],
): { add: Taint[]; remove: Taint[] } {
  return {
    add: want.filter((t) => !taintExists(have, t)),
    remove: have.filter((t) => !taintExists(want, t)),
  };
}

/**
 * AddOrUpdateTaint: `taint` replaces the one with its key and effect, or is appended. Unchanged
 * (`updated` false) only if an identical taint — timeAdded included — is already there.
 */
export function addOrUpdateTaint(
  taints: readonly Taint[],
  taint: Taint,
): { taints: Taint[]; updated: boolean } {
  const same = taints.find((t) => matchTaint(t, taint));
  if (same && sameTaint(same, taint)) return { taints: [...taints], updated: false };
  if (same) return { taints: taints.map((t) => (matchTaint(t, taint) ? taint : t)), updated: true };
  return { taints: [...taints, taint], updated: true };
}

/** DeleteTaint: every taint with the key and effect goes. */
export function removeTaint(
  taints: readonly Taint[],
  taint: Taint,
): { taints: Taint[]; removed: boolean } {
  const kept = taints.filter((t) => !matchTaint(t, taint));
  return { taints: kept, removed: kept.length !== taints.length };
}

function sameTaint(a: Taint, b: Taint): boolean {
  return (
    (a.value ?? "") === (b.value ?? "") &&
    (a.timeAdded === undefined) === (b.timeAdded === undefined) &&
    (a.timeAdded === undefined || Date.parse(a.timeAdded) === Date.parse(b.timeAdded ?? ""))
  );
}
