/**
 * Is this node still alive? One node's part of a monitor pass — node_lifecycle_controller.go
 * tryUpdateNodeHealth, as a pure function: the controller passes in what it saw before and what
 * the caches hold now, and gets back what it sees now and, if the node has gone silent, the
 * status to write.
 *
 * The heartbeat is not a timestamp the node wrote but the moment *this controller* saw
 * something new from it: a Ready condition whose lastHeartbeatTime changed, or a Lease whose
 * renewTime moved forward. Both are compared only with their own previous values, never with
 * the controller's clock, so a kubelet whose clock is off by minutes is judged correctly
 * (Kubernetes: "to avoid the problem with time skew across the cluster").
 *
 * Guarantees:
 * - probeTimestamp moves to `now` whenever the Ready heartbeat or the Lease changed since the last
 *   pass. A node first seen with a Ready condition gets `now`; one without gets its creation time.
 * - Once `now` is past probeTimestamp + the grace period (nodeMonitorGracePeriod, or
 *   nodeStartupGracePeriod for a node that never posted Ready), Ready, MemoryPressure,
 *   DiskPressure and PIDPressure become Unknown — reason NodeStatusUnknown, "Kubelet stopped
 *   posting node status.", or for a condition never posted NodeStatusNeverUpdated, "Kubelet
 *   never posted node status." NetworkUnavailable is left alone: the network plugin owns it.
 * - The status is written only if Ready itself changed: a node already Unknown is not rewritten
 *   every pass.
 *
 * Worked example, grace 50 s, a look every 5 s: the controller sees the lease renewed at its
 * look at t=20. It keeps looking at 25, 30, ... 70 with no news; at t=70, 70 > 20 + 50 is false
 * (not past); at t=75 it is, and Ready turns Unknown — 55 s after the last news it saw.
 */
import type { Condition, Node } from "../../api/types.ts";
import type { Lease } from "../../client/leader-election.ts";
import { rfc3339 } from "../deployment/progress.ts";
import type { ResolvedNodeLifecycleOptions } from "./options.ts";

/** A node condition: a pod condition's fields plus when the kubelet last confirmed it. */
export type NodeCondition = Condition & { lastHeartbeatTime?: string };

type NodeStatus = NonNullable<Node["status"]>;

/** nodeHealthData: what the controller remembers of a node between passes. */
export interface NodeHealth {
  /** Clock ms when the controller last saw news from the node; the grace period counts from here. */
  probeTimestamp: number;
  /** Clock ms when the controller last saw Ready change. */
  readyTransitionTimestamp: number;
  /** The status as last seen. */
  status: NodeStatus;
  /** The Lease as last seen, if it was news then. */
  lease?: Lease;
}

export interface HealthAssessment {
  gracePeriodMs: number;
  /** Ready as the node had it before this pass (a stand-in Unknown one if it never posted it). */
  observedReady: NodeCondition;
  /** Ready after this pass: the same, or Unknown if the node went silent; none if never posted and still in grace. */
  currentReady?: NodeCondition;
  health: NodeHealth;
  /** The node with its conditions set Unknown, to write through the status subresource. */
  statusUpdate?: Node;
}

/** The conditions the kubelet owns, which the controller marks Unknown for it. */
const KUBELET_CONDITIONS = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

// #region assessNodeHealth
/**
 * 1. Ready missing → a stand-in Unknown Ready dated at creation, and the startup grace period.
 * 2. Decide probeTimestamp from the saved record: first sight, first Ready, or a new Ready
 *    heartbeat → now (a changed lastTransitionTime also moves readyTransitionTimestamp).
 * 3. A Lease renewed since the saved one → probeTimestamp now.
 * 4. Past probeTimestamp + grace → kubelet conditions Unknown; a status to write if Ready changed.
 */
export function assessNodeHealth(input: {
  node: Node;
  saved: NodeHealth | undefined;
  lease: Lease | undefined;
  now: number;
  options: ResolvedNodeLifecycleOptions;
}): HealthAssessment {
  const { node, lease, now, options } = input;
  let health = input.saved;
  const status = node.status ?? {};
  const created = Date.parse(node.metadata.creationTimestamp ?? "") || now;
  // 1.
  const ready = findCondition(status, "Ready");
  let observedReady: NodeCondition;
  let gracePeriodMs: number;
  if (!ready) {
    observedReady = {
      type: "Ready",
      status: "Unknown",
      lastHeartbeatTime: node.metadata.creationTimestamp,
      lastTransitionTime: node.metadata.creationTimestamp,
    };
    gracePeriodMs = options.nodeStartupGracePeriodMs;
    health = health
      ? { ...health, status }
      : { status, probeTimestamp: created, readyTransitionTimestamp: created };
  } else {
    observedReady = { ...ready };
    gracePeriodMs = options.nodeMonitorGracePeriodMs;
  }
  // 2. (Kubernetes builds the new records below without the saved lease, so after a new Ready
  // heartbeat the next pass takes the unchanged lease for news once more; kept as it is.)
  const savedReady = health ? findCondition(health.status, "Ready") : undefined;
  const savedLease = health?.lease;
  if (!health || (!savedReady && ready)) {
    health = { status, probeTimestamp: now, readyTransitionTimestamp: now };
  } else if (
    savedReady &&
    ready &&
    !sameTime(savedReady.lastHeartbeatTime, ready.lastHeartbeatTime)
  ) {
    const transitioned = !sameTime(savedReady.lastTransitionTime, ready.lastTransitionTime);
    health = {
      status,
      probeTimestamp: now,
      readyTransitionTimestamp: transitioned ? now : health.readyTransitionTimestamp,
    };
  }
  // 3.
  if (lease && (!savedLease || renewedAfter(lease, savedLease))) {
    health = { ...health, lease, probeTimestamp: now };
  }
  // 4.
  if (!(now > health.probeTimestamp + gracePeriodMs))
    return { gracePeriodMs, observedReady, currentReady: ready, health };
  const silent = markKubeletConditionsUnknown(node, now);
  const currentReady = findCondition(silent.status ?? {}, "Ready");
  const changed = !sameCondition(currentReady, observedReady);
  return {
    gracePeriodMs,
    observedReady,
    currentReady,
    health,
    ...(changed ? { statusUpdate: silent } : {}),
  };
}
// #endregion assessNodeHealth

/** The record after the Unknown status was written: Ready's transition is now. */
export function healthAfterStatusWrite(
  assessment: HealthAssessment,
  lease: Lease | undefined,
  now: number,
): NodeHealth {
  return {
    status: assessment.statusUpdate?.status ?? assessment.health.status,
    probeTimestamp: assessment.health.probeTimestamp,
    readyTransitionTimestamp: now,
    ...(lease ? { lease } : {}),
  };
}

export function findCondition(
  status: { conditions?: Condition[] },
  type: string,
): NodeCondition | undefined {
  return status.conditions?.find((c) => c.type === type);
}

/** A copy of the node with the kubelet's conditions Unknown (those missing added). */
function markKubeletConditionsUnknown(node: Node, now: number): Node {
  const copy = structuredClone(node) as Node;
  const conditions: NodeCondition[] = [...(copy.status?.conditions ?? [])];
  copy.status = { ...copy.status, conditions };
  for (const type of KUBELET_CONDITIONS) {
    const condition = conditions.find((c) => c.type === type);
    if (!condition) {
      conditions.push({
        type,
        status: "Unknown",
        reason: "NodeStatusNeverUpdated",
        message: "Kubelet never posted node status.",
        lastHeartbeatTime: node.metadata.creationTimestamp,
        lastTransitionTime: rfc3339(now),
      });
    } else if (condition.status !== "Unknown") {
      condition.status = "Unknown";
      condition.reason = "NodeStatusUnknown";
      condition.message = "Kubelet stopped posting node status.";
      condition.lastTransitionTime = rfc3339(now);
    }
  }
  return copy;
}

/** Two metav1.Time values are equal (both absent counts as equal). */
function sameTime(a: string | undefined, b: string | undefined): boolean {
  if (a === b) return true;
  return a !== undefined && b !== undefined && Date.parse(a) === Date.parse(b);
}

/**
 * The Lease's renewTime is later than the saved one's; false if either has none (MicroTime.Before).
 * Compared in milliseconds, not microseconds: a kubelet renews seconds apart.
 */
function renewedAfter(lease: Lease, saved: Lease): boolean {
  return Date.parse(lease.spec?.renewTime ?? "") > Date.parse(saved.spec?.renewTime ?? "");
}

function sameCondition(a: NodeCondition | undefined, b: NodeCondition): boolean {
  return (
    a !== undefined &&
    a.status === b.status &&
    (a.reason ?? "") === (b.reason ?? "") &&
    (a.message ?? "") === (b.message ?? "") &&
    sameTime(a.lastHeartbeatTime, b.lastHeartbeatTime) &&
    sameTime(a.lastTransitionTime, b.lastTransitionTime)
  );
}
