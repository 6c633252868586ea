/**
 * Cluster events, and which of them could make a rejected pod schedulable — kube-scheduler's
 * framework.ClusterEvent (framework/types.go), the named events of
 * pkg/scheduler/internal/queue/events.go and the queue's podMatchesEvent.
 *
 * A pod in the unschedulable pool remembers which plugins rejected it. When the cluster changes,
 * the queue moves it back only if one of those plugins registered interest in that kind of change:
 * a pod rejected by NodeResourcesFit ("Insufficient cpu") may fit after a node is added or an
 * assigned pod is deleted, but a node's new label cannot help it.
 *
 * Kubernetes asks each plugin (its EventsToRegister, the EnqueueExtensions interface) when the
 * framework is built. tinykube keeps one static table instead, PLUGIN_EVENTS, with the events the
 * in-tree plugins registered before QueueingHints refined them (each plugin's EventsToRegister in
 * pkg/scheduler/framework/plugins/). Guarantees of `podMatchesEvent`:
 * - A wildcard event (UnschedulableTimeout, WildCardEvent) moves every pod.
 * - A pod with no recorded rejector (it failed for another reason) moves on any event.
 * - A plugin missing from the table is interested in every event, as Kubernetes registers all
 *   events for a plugin that does not implement EnqueueExtensions.
 * - Otherwise the pod moves when some rejector registered the event's resource with an action
 *   that overlaps the event's (a bitwise AND, so Node/Update matches Node/UpdateNodeTaint).
 */

/** framework.ActionType: bit flags, so one registration can name several actions. */
export const ActionType = {
  Add: 1 << 0,
  Delete: 1 << 1,
  // The Update kinds below only apply to Nodes; the queue derives them from old vs new object.
  UpdateNodeAllocatable: 1 << 2,
  UpdateNodeLabel: 1 << 3,
  UpdateNodeTaint: 1 << 4,
  UpdateNodeCondition: 1 << 5,
  /** Any update; the four Update bits together (0b111100). */
  Update: (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5),
  /** Every action (0b111111). */
  All: (1 << 6) - 1,
} as const;

/** framework.GVK: the kind of object that changed; "*" is Kubernetes' WildCard. */
export type EventResource = "Pod" | "Node" | "*";

export interface ClusterEvent {
  resource: EventResource;
  /** One or more ActionType bits. */
  actionType: number;
  /** For logs and metrics: "NodeAdd", "AssignedPodDelete", ... */
  label: string;
}

const event = (resource: EventResource, actionType: number, label: string): ClusterEvent =>
  Object.freeze({ resource, actionType, label });

// #region cluster-events
/** The events the scheduler's informer handlers raise (Kubernetes' names and labels). */
export const NodeAdd = event("Node", ActionType.Add, "NodeAdd");
export const NodeDelete = event("Node", ActionType.Delete, "NodeDelete");
export const NodeAllocatableChange = event(
  "Node",
  ActionType.UpdateNodeAllocatable,
  "NodeAllocatableChange",
);
export const NodeLabelChange = event("Node", ActionType.UpdateNodeLabel, "NodeLabelChange");
export const NodeTaintChange = event("Node", ActionType.UpdateNodeTaint, "NodeTaintChange");
/** Raised only when spec.unschedulable turns false; Kubernetes files it under the taint bit. */
export const NodeSpecUnschedulableChange = event(
  "Node",
  ActionType.UpdateNodeTaint,
  "NodeSpecUnschedulableChange",
);
export const NodeConditionChange = event(
  "Node",
  ActionType.UpdateNodeCondition,
  "NodeConditionChange",
);
export const AssignedPodAdd = event("Pod", ActionType.Add, "AssignedPodAdd");
export const AssignedPodUpdate = event("Pod", ActionType.Update, "AssignedPodUpdate");
export const AssignedPodDelete = event("Pod", ActionType.Delete, "AssignedPodDelete");
/** Raised by the queue's own periodic flush: a pod stayed unschedulable too long. */
export const UnschedulableTimeout = event("*", ActionType.All, "UnschedulableTimeout");
export const WildCardEvent = event("*", ActionType.All, "WildCardEvent");
// #endregion cluster-events

/** What a plugin registers: a resource and the actions on it that might help. */
export interface EventRegistration {
  resource: EventResource;
  actionType: number;
}

const { Add, Delete, Update, All, UpdateNodeLabel, UpdateNodeTaint } = ActionType;

// #region plugin-events
/**
 * Plugin → the events that may make a pod it rejected schedulable. Score-only plugins
 * (ImageLocality, BalancedAllocation) never reject a pod, so they need no entry.
 */
export const PLUGIN_EVENTS: Readonly<Record<string, readonly EventRegistration[]>> = {
  // Freed resources: an assigned pod goes away, or a node appears or grows.
  NodeResourcesFit: [
    { resource: "Pod", actionType: Delete },
    { resource: "Node", actionType: Add | Update },
  ],
  // Pod ports are immutable, so only a deleted pod frees a host port.
  NodePorts: [
    { resource: "Pod", actionType: Delete },
    { resource: "Node", actionType: Add | Update },
  ],
  NodeName: [{ resource: "Node", actionType: Add | Update }],
  NodeAffinity: [{ resource: "Node", actionType: Add | Update }],
  TaintToleration: [{ resource: "Node", actionType: Add | Update }],
  // spec.unschedulable turning false is reported as a taint change (NodeSpecUnschedulableChange).
  NodeUnschedulable: [{ resource: "Node", actionType: Add | UpdateNodeTaint }],
  // Any pod change can satisfy affinity or lift anti-affinity; a node label can add a topology.
  InterPodAffinity: [
    { resource: "Pod", actionType: All },
    { resource: "Node", actionType: Add | UpdateNodeLabel },
  ],
  PodTopologySpread: [
    { resource: "Pod", actionType: All },
    { resource: "Node", actionType: Add | Delete | UpdateNodeLabel },
  ],
  // Only the gated pod's own update can lift a gate (Kubernetes registers
  // UpdatePodSchedulingGatesEliminated); the queue's update() handles that, no cluster event does.
  SchedulingGates: [],
};
// #endregion plugin-events

/** True when `registered` covers `event`: Kubernetes' ClusterEvent.Match. */
export function eventMatches(registered: EventRegistration, event: ClusterEvent): boolean {
  if (registered.resource === "*") return true;
  return registered.resource === event.resource && (registered.actionType & event.actionType) !== 0;
}

// #region podMatchesEvent
/** Whether `event` could make a pod rejected by `unschedulablePlugins` schedulable. */
export function podMatchesEvent(
  unschedulablePlugins: ReadonlySet<string>,
  event: ClusterEvent,
  table: Readonly<Record<string, readonly EventRegistration[]>> = PLUGIN_EVENTS,
): boolean {
  if (event.resource === "*") return true;
  if (unschedulablePlugins.size === 0) return true;
  for (const plugin of unschedulablePlugins) {
    const registrations = table[plugin];
    if (registrations === undefined) return true;
    if (registrations.some((r) => eventMatches(r, event))) return true;
  }
  return false;
}
// #endregion podMatchesEvent
