/**
 * `kubectl get pods`: NAME READY STATUS RESTARTS AGE, and with -o wide IP NODE NOMINATED NODE
 * READINESS GATES (printPod in kubernetes/pkg/printers/internalversion/printers.go).
 *
 * STATUS is not a field of the pod: it is a summary the printer computes, in four steps.
 *   1. Start from status.reason if set ("Evicted", "NodeLost"), else status.phase
 *      ("Pending", "Running", ...); a scheduling-gated pod says "SchedulingGated".
 *   2. Walk the init containers in order and stop at the first one that has not succeeded:
 *      a failed one gives "Init:<reason>" ("Init:Error", "Init:ExitCode:3"), a waiting one
 *      "Init:<reason>" ("Init:CrashLoopBackOff"), anything else "Init:<index>/<count>"
 *      ("Init:0/2"). Sidecars (init containers with restartPolicy Always) that started do not
 *      block the walk.
 *   3. Once initialization is over, walk the app containers from last to first: a waiting or
 *      terminated container's reason replaces the summary, so the FIRST container with one wins
 *      ("ContainerCreating", "CrashLoopBackOff", "Completed", "Error", "OOMKilled"). A
 *      "Completed" summary with a container still running reads "Running" (or "NotReady").
 *   4. A pod being deleted reads "Terminating" (or "Unknown" when its node was lost), unless it
 *      had already finished.
 *
 * Trace, a pod with containers [app, sidecar], app waiting in CrashLoopBackOff, sidecar running
 * and ready: phase "Running" -> no init containers -> walk sidecar (running, ready: count 1), then
 * app (waiting: summary "CrashLoopBackOff") -> READY "1/2", STATUS "CrashLoopBackOff".
 */

import type { KubeObject } from "../../../api/object.ts";
import { age, humanDuration, parseTime } from "../age.ts";
import {
  ageColumn,
  column,
  definePrinter,
  nameColumn,
  nameOf,
  type TableRowCondition,
  wideColumn,
} from "../printer.ts";

interface ContainerState {
  waiting?: { reason?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode?: number; signal?: number; reason?: string; finishedAt?: string };
}

interface ContainerStatus {
  name?: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerState;
  /** The JSON name of Go's LastTerminationState. */
  lastState?: ContainerState;
}

interface PodCondition {
  type?: string;
  status?: string;
  reason?: string;
}

interface PodFields extends KubeObject {
  spec?: {
    nodeName?: string;
    containers?: { name?: string }[];
    initContainers?: { name?: string; restartPolicy?: string }[];
    readinessGates?: { conditionType?: string }[];
  };
  status?: {
    phase?: string;
    reason?: string;
    podIP?: string;
    podIPs?: { ip?: string }[];
    nominatedNodeName?: string;
    conditions?: PodCondition[];
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
  };
}

/** Set by the node lifecycle controller on pods of a node that stopped reporting. */
const NODE_UNREACHABLE_POD_REASON = "NodeLost";

export const podColumns = [
  nameColumn(),
  column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
  column("Status", "string", "The aggregate status of the containers in this pod."),
  column(
    "Restarts",
    "string",
    "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
  ),
  ageColumn(),
  wideColumn(
    "IP",
    "string",
    "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.",
  ),
  wideColumn(
    "Node",
    "string",
    "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename",
  ),
  wideColumn(
    "Nominated Node",
    "string",
    "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.",
  ),
  wideColumn(
    "Readiness Gates",
    "string",
    'If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to "True" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates',
  ),
];

const SUCCEEDED: TableRowCondition[] = [
  {
    type: "Completed",
    status: "True",
    reason: "Succeeded",
    message: "The pod has completed successfully.",
  },
];
const FAILED: TableRowCondition[] = [
  { type: "Completed", status: "True", reason: "Failed", message: "The pod failed." },
];

/** Keeps the latest `lastState.terminated.finishedAt` seen: when the container last restarted. */
class LastRestart {
  at: number | undefined;
  see(status: ContainerStatus): void {
    const finished = parseTime(status.lastState?.terminated?.finishedAt);
    if (finished !== undefined && (this.at === undefined || finished > this.at)) this.at = finished;
  }
}

/** Whether the first condition of this type is True (how Initialized and readiness gates are read). */
function firstConditionTrue(pod: PodFields, type: string): boolean {
  return (pod.status?.conditions ?? []).find((c) => c.type === type)?.status === "True";
}

/** Whether any Ready condition is True (hasPodReadyCondition). */
function hasReadyCondition(pod: PodFields): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

export const podPrinter = definePrinter<PodFields>(podColumns, (pod, { now, wide }) => {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const initContainers = spec.initContainers ?? [];
  const isSidecar = (name: string | undefined) =>
    initContainers.find((c) => c.name === name)?.restartPolicy === "Always";

  let restarts = 0;
  let sidecarRestarts = 0;
  let totalContainers = (spec.containers ?? []).length;
  let readyContainers = 0;
  const lastRestart = new LastRestart();
  const lastSidecarRestart = new LastRestart();

  // Step 1: the phase, or the reason the kubelet or a controller gave.
  const phase = status.phase ?? "";
  let reason = status.reason ? status.reason : phase;
  for (const condition of status.conditions ?? []) {
    if (condition.type === "PodScheduled" && condition.reason === "SchedulingGated") {
      reason = "SchedulingGated";
    }
  }

  for (const c of initContainers) if (c.restartPolicy === "Always") totalContainers++;

  // Step 2: init containers, in order, up to the first that has not succeeded.
  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (const [i, container] of initStatuses.entries()) {
    restarts += container.restartCount ?? 0;
    lastRestart.see(container);
    const sidecar = isSidecar(container.name);
    if (sidecar) {
      sidecarRestarts += container.restartCount ?? 0;
      lastSidecarRestart.see(container);
    }
    const terminated = container.state?.terminated;
    const waiting = container.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (sidecar && container.started) {
      if (container.ready) readyContainers++;
      continue;
    }
    if (terminated) {
      if (terminated.reason) reason = `Init:${terminated.reason}`;
      else if (terminated.signal) reason = `Init:Signal:${terminated.signal}`;
      else reason = `Init:ExitCode:${terminated.exitCode ?? 0}`;
    } else if (waiting?.reason && waiting.reason !== "PodInitializing") {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  // Step 3: app containers, last to first, so the first one with a reason has the final word.
  if (!initializing || firstConditionTrue(pod, "Initialized")) {
    restarts = sidecarRestarts;
    lastRestart.at = lastSidecarRestart.at;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i] as ContainerStatus;
      restarts += container.restartCount ?? 0;
      lastRestart.see(container);
      const { waiting, terminated, running } = container.state ?? {};
      if (waiting?.reason) {
        reason = waiting.reason;
      } else if (terminated?.reason) {
        reason = terminated.reason;
      } else if (terminated) {
        reason = terminated.signal
          ? `Signal:${terminated.signal}`
          : `ExitCode:${terminated.exitCode ?? 0}`;
      } else if (container.ready && running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      reason = hasReadyCondition(pod) ? "Running" : "NotReady";
    }
  }

  // Step 4: deletion.
  if (pod.metadata.deletionTimestamp) {
    if (status.reason === NODE_UNREACHABLE_POD_REASON) reason = "Unknown";
    else if (phase !== "Succeeded" && phase !== "Failed") reason = "Terminating";
  }

  const restartsCell =
    restarts !== 0 && lastRestart.at !== undefined
      ? `${restarts} (${humanDuration(now - lastRestart.at)} ago)`
      : String(restarts);

  const cells = [
    nameOf(pod),
    `${readyContainers}/${totalContainers}`,
    reason,
    restartsCell,
    age(pod.metadata.creationTimestamp, now),
  ];
  if (wide) cells.push(...wideCells(pod));

  const conditions = phase === "Succeeded" ? SUCCEEDED : phase === "Failed" ? FAILED : undefined;
  return conditions ? { cells, conditions } : { cells };
});

function wideCells(pod: PodFields): string[] {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  // Kubernetes reads podIPs[0]; its v1 conversion fills podIPs from podIP, so either may be set.
  const podIP = status.podIPs?.[0]?.ip || status.podIP || "<none>";
  const gates = spec.readinessGates ?? [];
  let readinessGates = "<none>";
  if (gates.length > 0) {
    const trueGates = gates.filter((gate) =>
      firstConditionTrue(pod, gate.conditionType ?? ""),
    ).length;
    readinessGates = `${trueGates}/${gates.length}`;
  }
  return [podIP, spec.nodeName || "<none>", status.nominatedNodeName || "<none>", readinessGates];
}
