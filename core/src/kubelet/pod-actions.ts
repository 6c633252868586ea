/**
 * The kubelet's sync decision for one pod: given the pod as the API wants it and what the runtime
 * reports, what to do — kube-runtime manager's computePodActions (pkg/kubelet/kuberuntime/
 * kuberuntime_manager.go), with podSandboxChanged, findNextInitContainerToRun and
 * ShouldContainerBeRestarted. The pod worker then carries the actions out (kill, create the
 * sandbox, start the next init container or the containers), and the next sync decides again
 * from the new state: the decision never remembers anything, it only compares.
 *
 * Guarantees (pure: no I/O, no clock):
 * - A new sandbox is needed when there is none, when the newest is not ready, when more than one
 *   is ready, or when the newest has no IP. Then the whole pod is killed and started again: init
 *   containers from the first, then the containers (under OnFailure, not those that succeeded).
 *   A pod that must not restart (Never) and already ran containers gets no new sandbox.
 * - Init containers run one at a time, in order; until the last has succeeded no container starts.
 *   A failed init container is retried (Always, OnFailure) or fails the pod (Never: kill it).
 * - A container that is not running is started if its restart policy says so (Always; OnFailure
 *   after a non-zero exit; never under Never once it ran); one in an unknown state is also killed
 *   first, so two copies never run.
 * - A running container is killed — and started again unless the policy is Never — when its spec
 *   changed (its hash differs), or its liveness or startup probe failed.
 * - When nothing would be left running and nothing started, the pod is killed.
 *
 * Not modelled: sidecars (restartable init containers), ephemeral containers, in-place resize, and
 * the restart backoff — CrashLoopBackOff is the pod worker's, which delays a start this decides.
 */
import type { Container, Pod } from "../api/types.ts";

/** A container as the runtime reports it (kubecontainer.Status), the newest first per name. */
export interface ObservedContainer {
  id: string;
  name: string;
  state: "created" | "running" | "exited" | "unknown";
  exitCode: number;
  reason: string;
  /** The hash of the container spec it was created from (see containerHash). */
  hash: string;
}

/** A sandbox as the runtime reports it, the newest first. */
export interface ObservedSandbox {
  id: string;
  ready: boolean;
  attempt: number;
  ip: string;
}

/** What the runtime has for the pod (kubecontainer.PodStatus). */
export interface ObservedPod {
  sandboxes: ObservedSandbox[];
  containers: ObservedContainer[];
}

/** Probe verdicts the prober reported, by container ID. */
export interface ProbeVerdicts {
  livenessFailed(containerId: string): boolean;
  startupFailed(containerId: string): boolean;
}

export interface ContainerToKill {
  name: string;
  /** Why: shown in the Killing event ("Container web failed liveness probe, will be restarted"). */
  message: string;
}

/** What to do (podActions). */
export interface PodActions {
  killPod: boolean;
  createSandbox: boolean;
  /** The sandbox to reuse, or the one being replaced. */
  sandboxId: string;
  /** The attempt number a new sandbox gets. */
  attempt: number;
  /** The init container to start next, by name. */
  nextInitContainer?: string;
  /** Containers to start, by index in spec.containers. */
  containersToStart: number[];
  /** Containers to kill, by container ID. */
  containersToKill: Map<string, ContainerToKill>;
}

const noProbeFailures: ProbeVerdicts = {
  livenessFailed: () => false,
  startupFailed: () => false,
};

/** The newest status of the container called `name` (FindContainerStatusByName). */
function latest(observed: ObservedPod, name: string): ObservedContainer | undefined {
  return observed.containers.find((c) => c.name === name);
}

const restartPolicy = (pod: Pod) => (pod.spec.restartPolicy as string | undefined) ?? "Always";
const shouldRestartOnFailure = (pod: Pod) => restartPolicy(pod) !== "Never";

// #region podSandboxChanged
/** Whether the pod needs a new sandbox, with the attempt it gets and the sandbox it replaces. */
export function podSandboxChanged(observed: ObservedPod): {
  create: boolean;
  attempt: number;
  sandboxId: string;
} {
  const newest = observed.sandboxes[0];
  if (!newest) return { create: true, attempt: 0, sandboxId: "" };
  const next = { create: true, attempt: newest.attempt + 1, sandboxId: newest.id };
  if (observed.sandboxes.filter((s) => s.ready).length > 1) return next;
  if (!newest.ready) return next;
  if (newest.ip === "") return next;
  return { create: false, attempt: newest.attempt, sandboxId: newest.id };
}
// #endregion podSandboxChanged

/** isInitContainerFailed: OOM-killed, exited non-zero, or lost track of. */
function initContainerFailed(c: ObservedContainer): boolean {
  return (
    c.reason === "OOMKilled" || (c.state === "exited" && c.exitCode !== 0) || c.state === "unknown"
  );
}

// #region findNextInitContainerToRun
/**
 * Where initialisation stands: done, or the init container to run next (and, if one failed, its
 * status). Worked example with init containers a, b, c: nothing ran → next a; a exited 0 → next
 * b; b running → not done, nothing to start; c exited 0 → done; b exited 1 → next b, failed.
 */
export function findNextInitContainerToRun(
  pod: Pod,
  observed: ObservedPod,
): { done: boolean; next?: Container; failed?: ObservedContainer } {
  const inits = pod.spec.initContainers ?? [];
  if (inits.length === 0) return { done: true };
  // A running main container means initialisation finished once, even if its containers are gone.
  if (pod.spec.containers.some((c) => latest(observed, c.name)?.state === "running")) {
    return { done: true };
  }
  for (let i = inits.length - 1; i >= 0; i--) {
    const status = latest(observed, (inits[i] as Container).name);
    if (status && initContainerFailed(status)) {
      return { done: false, next: inits[i], failed: status };
    }
  }
  for (let i = inits.length - 1; i >= 0; i--) {
    const status = latest(observed, (inits[i] as Container).name);
    if (!status) continue;
    if (status.state === "running") return { done: false };
    if (status.state === "exited") {
      return i === inits.length - 1 ? { done: true } : { done: false, next: inits[i + 1] };
    }
  }
  return { done: false, next: inits[0] };
}
// #endregion findNextInitContainerToRun

// #region shouldContainerBeRestarted
/** Whether a container that is not running should be (re)started, by the pod's restartPolicy. */
export function shouldContainerBeRestarted(
  container: Container,
  pod: Pod,
  observed: ObservedPod,
): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  const status = latest(observed, container.name);
  if (!status) return true; // never started
  if (status.state === "running") return false;
  if (status.state === "unknown" || status.state === "created") return true;
  const policy = restartPolicy(pod);
  if (policy === "Never") return false;
  if (policy === "OnFailure" && status.exitCode === 0) return false;
  return true;
}
// #endregion shouldContainerBeRestarted

// #region computePodActions
export function computePodActions(
  pod: Pod,
  observed: ObservedPod,
  containerHash: (c: Container) => string,
  probes: ProbeVerdicts = noProbeFailures,
): PodActions {
  const sandbox = podSandboxChanged(observed);
  const actions: PodActions = {
    killPod: sandbox.create,
    createSandbox: sandbox.create,
    sandboxId: sandbox.sandboxId,
    attempt: sandbox.attempt,
    containersToStart: [],
    containersToKill: new Map(),
  };
  const containers = pod.spec.containers;

  // 1. A new sandbox: kill everything, start again from the first init container.
  if (sandbox.create) {
    if (!shouldRestartOnFailure(pod) && sandbox.attempt !== 0 && observed.containers.length > 0) {
      // Never restarts and has already run: do not recreate it only to find nothing to run.
      actions.createSandbox = false;
      return actions;
    }
    const toStart = containers
      .map((_, i) => i)
      .filter((i) => {
        const c = containers[i] as Container;
        const status = latest(observed, c.name);
        const succeeded = status?.state === "exited" && status.exitCode === 0;
        return !(restartPolicy(pod) === "OnFailure" && succeeded);
      });
    if (toStart.length === 0 && findNextInitContainerToRun(pod, observed).done) {
      actions.createSandbox = false;
      return actions;
    }
    const firstInit = pod.spec.initContainers?.[0];
    if (firstInit) {
      actions.nextInitContainer = firstInit.name;
      return actions;
    }
    actions.containersToStart = toStart;
    return actions;
  }

  // 2. Initialisation still in progress: nothing else is looked at.
  const init = findNextInitContainerToRun(pod, observed);
  if (!init.done) {
    if (init.next) {
      if (init.failed && !shouldRestartOnFailure(pod)) actions.killPod = true;
      else {
        if (init.failed?.state === "unknown") {
          actions.containersToKill.set(init.failed.id, {
            name: init.next.name,
            message: `Init container is in "unknown" state, try killing it before restart`,
          });
        }
        actions.nextInitContainer = init.next.name;
      }
    }
    return actions;
  }

  // 3. The containers: start what should run, kill what must go, keep the rest.
  let keep = 0;
  containers.forEach((container, i) => {
    const status = latest(observed, container.name);
    if (status?.state !== "running") {
      if (shouldContainerBeRestarted(container, pod, observed)) {
        actions.containersToStart.push(i);
        if (status?.state === "unknown") {
          actions.containersToKill.set(status.id, {
            name: container.name,
            message: `Container is in "unknown" state, try killing it before restart`,
          });
        }
      }
      return;
    }
    let message: string;
    let restart = shouldRestartOnFailure(pod);
    if (status.hash !== containerHash(container)) {
      message = `Container ${container.name} definition changed`;
      restart = true; // a changed spec restarts whatever the policy
    } else if (probes.livenessFailed(status.id)) {
      message = `Container ${container.name} failed liveness probe`;
    } else if (probes.startupFailed(status.id)) {
      message = `Container ${container.name} failed startup probe`;
    } else {
      keep++;
      return;
    }
    if (restart) {
      message = `${message}, will be restarted`;
      actions.containersToStart.push(i);
    }
    actions.containersToKill.set(status.id, { name: container.name, message });
  });
  if (keep === 0 && actions.containersToStart.length === 0) actions.killPod = true;
  return actions;
}
// #endregion computePodActions
