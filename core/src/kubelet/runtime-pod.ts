/**
 * What the runtime holds for one pod, read back through the CRI by the labels the kubelet put on
 * it — kuberuntime's GetPodStatus (kuberuntime_manager.go) and labels.go. The runtime keeps no
 * notion of a "pod": the kubelet finds a pod's sandboxes and containers by io.kubernetes.pod.uid,
 * and everything else it needs later (the spec hash, the restart count) rides along as
 * annotations, so a restarted kubelet recovers it from the runtime alone.
 *
 * Guarantees:
 * - Sandboxes and containers come newest first (ties on the creation time, which a fake clock
 *   makes common, go to the higher attempt), as computePodActions expects.
 * - containerHash is stable for equal specs and differs when any field of the container changes.
 */
import type { Container as ContainerSpec, Pod } from "../api/types.ts";
import type { ContainerStatus, PodSandboxStatus, RuntimeService } from "../runtime/cri.ts";
import { isCriNotFound } from "../runtime/cri.ts";
import type { ObservedContainer, ObservedPod } from "./pod-actions.ts";

// #region labels
/** Label and annotation keys as Kubernetes writes them (pkg/kubelet/types/labels.go, kuberuntime/labels.go). */
export const POD_UID_LABEL = "io.kubernetes.pod.uid";
export const POD_NAME_LABEL = "io.kubernetes.pod.name";
export const POD_NAMESPACE_LABEL = "io.kubernetes.pod.namespace";
export const CONTAINER_NAME_LABEL = "io.kubernetes.container.name";
export const CONTAINER_HASH_ANNOTATION = "io.kubernetes.container.hash";
export const CONTAINER_RESTART_COUNT_ANNOTATION = "io.kubernetes.container.restartCount";
export const TERMINATION_GRACE_ANNOTATION = "io.kubernetes.pod.terminationGracePeriod";
// #endregion labels

/** A pod's sandboxes and containers in the runtime, newest first. */
export interface RuntimePod {
  sandboxes: PodSandboxStatus[];
  containers: ContainerStatus[];
}

/** The restart count the kubelet stored on a container when it created it. */
export const restartCountOf = (c: { annotations: Record<string, string> }): number =>
  Number(c.annotations[CONTAINER_RESTART_COUNT_ANNOTATION] ?? 0);

// #region containerHash
/**
 * HashContainer (pkg/kubelet/container/helpers.go): FNV-1a 32 over the container's JSON, in hex.
 * Keys are sorted first, as Go's encoding of a struct has a fixed field order.
 */
export function containerHash(container: ContainerSpec): string {
  const json = JSON.stringify(container, (_, value: unknown) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)))
      : value,
  );
  let hash = 0x811c9dc5; // FNV-1a 32-bit offset basis
  for (const byte of Buffer.from(json, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0; // FNV 32-bit prime
  }
  return hash.toString(16);
}
// #endregion containerHash

const newestFirst =
  <T extends { createdAt: number }>(attempt: (x: T) => number) =>
  (a: T, b: T) =>
    b.createdAt - a.createdAt || attempt(b) - attempt(a);

// #region readRuntimePod
/** Reads the pod's sandboxes and containers; one removed between list and status is skipped. */
export async function readRuntimePod(runtime: RuntimeService, uid: string): Promise<RuntimePod> {
  const labelSelector = { [POD_UID_LABEL]: uid };
  const gone = (error: unknown) => {
    if (isCriNotFound(error)) return undefined;
    throw error;
  };
  const sandboxes = (
    await Promise.all(
      (
        await runtime.listPodSandbox({ labelSelector })
      ).map((s) => runtime.podSandboxStatus(s.id).catch(gone)),
    )
  ).filter((s) => s !== undefined);
  const containers = (
    await Promise.all(
      (
        await runtime.listContainers({ labelSelector })
      ).map((c) => runtime.containerStatus(c.id).catch(gone)),
    )
  ).filter((c) => c !== undefined);
  sandboxes.sort(newestFirst<PodSandboxStatus>((s) => s.metadata.attempt));
  containers.sort(newestFirst<ContainerStatus>(restartCountOf));
  return { sandboxes, containers };
}
// #endregion readRuntimePod

const STATE: Record<ContainerStatus["state"], ObservedContainer["state"]> = {
  CONTAINER_CREATED: "created",
  CONTAINER_RUNNING: "running",
  CONTAINER_EXITED: "exited",
  CONTAINER_UNKNOWN: "unknown",
};

/** The runtime's view in the terms computePodActions compares (kubecontainer.PodStatus). */
export function observe(state: RuntimePod): ObservedPod {
  return {
    sandboxes: state.sandboxes.map((s) => ({
      id: s.id,
      ready: s.state === "SANDBOX_READY",
      attempt: s.metadata.attempt,
      ip: s.network.ip,
    })),
    containers: state.containers.map((c) => ({
      id: c.id,
      name: c.metadata.name,
      state: STATE[c.state],
      exitCode: c.exitCode,
      reason: c.reason,
      hash: c.annotations[CONTAINER_HASH_ANNOTATION] ?? "",
    })),
  };
}

/** The pod's labels on its sandbox and containers (newPodLabels). */
export function podLabels(pod: Pod): Record<string, string> {
  return {
    [POD_UID_LABEL]: pod.metadata.uid as string,
    [POD_NAME_LABEL]: pod.metadata.name as string,
    [POD_NAMESPACE_LABEL]: (pod.metadata.namespace as string | undefined) ?? "default",
  };
}
