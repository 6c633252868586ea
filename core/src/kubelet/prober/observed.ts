/**
 * The part of a pod's runtime state the prober reads: the pod's IP and, per container name, the
 * newest container's ID, state and start time. In Kubernetes the workers read this from the status
 * manager's cached PodStatus (containerStatuses[].containerID, state.running.startedAt, podIP);
 * here the kubelet hands it to the manager on every sync (ProberManager.updatePod), and
 * `probeStatusOf` reads it off what the kubelet already read from the runtime.
 */
import type { RuntimePod } from "../runtime-pod.ts";

export interface ProbedContainer {
  name: string;
  id: string;
  state: "created" | "running" | "exited" | "unknown";
  /** ms since the epoch; the initial delay counts from here. 0 until it runs. */
  startedAt: number;
}

export interface PodProbeStatus {
  /** "" while the pod has no ready sandbox. */
  podIP: string;
  /** The newest container of each name. */
  containers: ProbedContainer[];
}

const STATE: Record<RuntimePod["containers"][number]["state"], ProbedContainer["state"]> = {
  CONTAINER_CREATED: "created",
  CONTAINER_RUNNING: "running",
  CONTAINER_EXITED: "exited",
  CONTAINER_UNKNOWN: "unknown",
};

/** From readRuntimePod's answer (newest first): the newest sandbox's IP if it is ready. */
export function probeStatusOf(runtime: RuntimePod): PodProbeStatus {
  const sandbox = runtime.sandboxes[0];
  const seen = new Set<string>();
  const containers: ProbedContainer[] = [];
  for (const c of runtime.containers) {
    if (seen.has(c.metadata.name)) continue;
    seen.add(c.metadata.name);
    containers.push({
      name: c.metadata.name,
      id: c.id,
      state: STATE[c.state],
      startedAt: c.startedAt,
    });
  }
  return {
    podIP: sandbox?.state === "SANDBOX_READY" ? sandbox.network.ip : "",
    containers,
  };
}
