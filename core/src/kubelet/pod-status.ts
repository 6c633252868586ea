/**
 * The pod's status as the kubelet reports it, computed from the pod and what the runtime holds —
 * generateAPIPodStatus, convertToAPIContainerStatuses and getPhase (pkg/kubelet/kubelet_pods.go)
 * and the condition generators (pkg/kubelet/status/generate.go). Pure: no I/O, time is given.
 *
 * Guarantees:
 * - A container's status comes from its newest runtime container; lastState from the one before.
 *   restartCount is the count the kubelet stored on the newest one when it created it.
 * - A container the sync meant to start but did not (in CrashLoopBackOff, image not pulled) is
 *   waiting with that reason, its last run as lastState — convertToAPIContainerStatuses' "failed
 *   to start" case.
 * - A phase once Succeeded or Failed never changes (a terminal pod stays terminal).
 * - A condition keeps its lastTransitionTime while its status stays the same.
 * - containerStatuses are sorted by name, as the kubelet sorts them (SortedContainerStatuses).
 *
 * - A running container is started and ready as the prober says (prober_manager.go
 *   UpdatePodStatus): started once its startup probe succeeded (or it has none), ready once
 *   started and its readiness probe succeeded (or it has none). Without a prober, a container
 *   with a readiness probe is never ready.
 *
 * Not modelled: readiness gates, sidecars, ephemeral containers, resources.
 */
import { metaTime } from "../api/time.ts";
import type { Condition, Container, Pod, PodStatus } from "../api/types.ts";
import type { ContainerStatus as CriContainerStatus } from "../runtime/cri.ts";
import { type RuntimePod, restartCountOf } from "./runtime-pod.ts";

/** Why a container the sync did not start waits, by container name. */
export type WaitingReasons = Map<string, { reason: string; message: string }>;

export interface PodStatusInput {
  pod: Pod;
  runtime: RuntimePod;
  /** The node's InternalIP. */
  hostIP: string;
  now: number;
  waiting: WaitingReasons;
  /** The prober's view of running containers, by container ID. */
  probes?: { isStarted(containerId: string): boolean; isReady(containerId: string): boolean };
}

/** The container ID as the API shows it: <runtime>://<id> ("containerd://…" in Kubernetes). */
export const CONTAINER_ID_SCHEME = "tinykube";

/** Times in the API are RFC 3339 in whole seconds (metav1.Time). */
export const apiTime = metaTime;

type State = Record<string, Record<string, unknown>>;
type ApiContainerStatus = {
  name: string;
  state: State;
  lastState: State;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started: boolean;
};

const TERMINAL = new Set(["Succeeded", "Failed"]);

function terminated(c: CriContainerStatus): State {
  return {
    terminated: {
      exitCode: c.exitCode,
      reason: c.reason,
      ...(c.message ? { message: c.message } : {}),
      startedAt: c.startedAt ? apiTime(c.startedAt) : null,
      finishedAt: apiTime(c.finishedAt),
      containerID: `${CONTAINER_ID_SCHEME}://${c.id}`,
    },
  };
}

// #region containerStatus
function containerStatus(
  spec: Container,
  input: PodStatusInput,
  defaultWaiting: string,
): ApiContainerStatus {
  const [latest, previous] = input.runtime.containers.filter((c) => c.metadata.name === spec.name);
  const image = spec.image ?? "";
  if (!latest) {
    // Never created: waiting for its first start, or for what stopped it (ErrImagePull, ...).
    const why = input.waiting.get(spec.name);
    return {
      name: spec.name,
      state: {
        waiting: why ? { reason: why.reason, message: why.message } : { reason: defaultWaiting },
      },
      lastState: {},
      ready: false,
      restartCount: 0,
      image,
      imageID: "",
      started: false,
    };
  }
  const base = {
    name: spec.name,
    restartCount: restartCountOf(latest),
    image: latest.image.image,
    imageID: latest.imageRef,
    containerID: `${CONTAINER_ID_SCHEME}://${latest.id}`,
  };
  const notStarted = input.waiting.get(spec.name);
  if (notStarted && latest.state === "CONTAINER_EXITED") {
    const { reason, message } = notStarted;
    return {
      ...base,
      state: { waiting: { reason, message } },
      lastState: terminated(latest),
      ready: false,
      started: false,
    };
  }
  const lastState = previous?.state === "CONTAINER_EXITED" ? terminated(previous) : {};
  switch (latest.state) {
    case "CONTAINER_RUNNING":
      return {
        ...base,
        state: { running: { startedAt: apiTime(latest.startedAt) } },
        lastState,
        ready: input.probes
          ? input.probes.isStarted(latest.id) && input.probes.isReady(latest.id)
          : spec.readinessProbe === undefined,
        started: input.probes ? input.probes.isStarted(latest.id) : true,
      };
    case "CONTAINER_EXITED":
      return { ...base, state: terminated(latest), lastState, ready: false, started: false };
    default:
      return {
        ...base,
        state: { waiting: { reason: "ContainerCreating" } },
        lastState,
        ready: false,
        started: false,
      };
  }
}
// #endregion containerStatus

// #region getPhase
/**
 * Worked example, restartPolicy OnFailure, containers a and b: a running, b exited 0 → Running;
 * both exited 0 → Succeeded; a exited 1 and waiting in CrashLoopBackOff, b exited 0 → Running
 * (a will restart); the same under Never → Failed.
 */
export function getPhase(pod: Pod, inits: ApiContainerStatus[], containers: ApiContainerStatus[]) {
  const policy = (pod.spec.restartPolicy as string | undefined) ?? "Always";
  let pendingInit = 0;
  let failedInit = 0;
  for (const s of inits) {
    const t = (s.state.terminated ?? s.lastState.terminated) as { exitCode: number } | undefined;
    if (s.state.running || (!s.state.terminated && !s.lastState.terminated)) pendingInit++;
    else if (t && t.exitCode !== 0) failedInit++;
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of containers) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState.terminated) stopped++;
    else waiting++;
  }
  if (failedInit > 0 && policy === "Never") return "Failed";
  if (pendingInit > 0 || waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped > 0) {
    if (policy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (policy === "Never") return "Failed";
    return "Running";
  }
  return "Pending";
}
// #endregion getPhase

// #region generatePodStatus
export function generatePodStatus(input: PodStatusInput): PodStatus {
  const { pod, runtime, hostIP, now } = input;
  const old = pod.status ?? {};
  const initSpecs = pod.spec.initContainers ?? [];
  const inits = initSpecs.map((c) => containerStatus(c, input, "PodInitializing"));
  const initialized = inits.every((s) => {
    const t = s.state.terminated as { exitCode: number } | undefined;
    return t?.exitCode === 0;
  });
  const containers = pod.spec.containers.map((c) =>
    containerStatus(c, input, initialized ? "ContainerCreating" : "PodInitializing"),
  );
  const phase = old.phase && TERMINAL.has(old.phase) ? old.phase : getPhase(pod, inits, containers);
  const sandbox = runtime.sandboxes[0];
  const podIP = sandbox?.state === "SANDBOX_READY" ? sandbox.network.ip : "";
  const done = TERMINAL.has(phase);

  const incomplete = inits.filter((s) => !(s.state.terminated?.exitCode === 0)).map((s) => s.name);
  const unready = containers.filter((s) => !s.ready).map((s) => s.name);
  const condition = (type: string, ok: boolean, reason?: string, message?: string): Condition => {
    const status = ok ? "True" : "False";
    const before = old.conditions?.find((c) => c.type === type);
    return {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime:
        before?.status === status && before.lastTransitionTime
          ? before.lastTransitionTime
          : apiTime(now),
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    };
  };
  const notReady = (): [string, string | undefined] =>
    done
      ? ["PodCompleted", undefined]
      : ["ContainersNotReady", `containers with unready status: [${unready.join(" ")}]`];
  const ready = !done && unready.length === 0;
  const conditions: Condition[] = [
    condition("PodReadyToStartContainers", podIP !== ""),
    initialized
      ? condition("Initialized", true, phase === "Succeeded" ? "PodCompleted" : undefined)
      : condition(
          "Initialized",
          false,
          "ContainersNotInitialized",
          `containers with incomplete status: [${incomplete.join(" ")}]`,
        ),
    ready ? condition("Ready", true) : condition("Ready", false, ...notReady()),
    ready ? condition("ContainersReady", true) : condition("ContainersReady", false, ...notReady()),
    old.conditions?.find((c) => c.type === "PodScheduled") ?? condition("PodScheduled", true),
  ];
  const byName = (a: ApiContainerStatus, b: ApiContainerStatus) => (a.name < b.name ? -1 : 1);
  return {
    phase,
    conditions,
    hostIP,
    hostIPs: [{ ip: hostIP }],
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    // A finished pod's sandbox is gone, and with it the address: the status keeps the one it
    // had, so `kubectl get pod -o wide` still shows where a Completed pod ran.
    ...(!podIP && done && old.podIP ? { podIP: old.podIP, podIPs: old.podIPs } : {}),
    startTime: (old.startTime as string | undefined) ?? apiTime(now),
    ...(inits.length > 0 ? { initContainerStatuses: inits } : {}),
    containerStatuses: containers.sort(byName),
  };
}
// #endregion generatePodStatus
