/**
 * Facts about pods and owners that several controllers need, worded as Kubernetes words them
 * (pkg/api/v1/pod/util.go and pkg/controller/controller_utils.go).
 */
import type { KubeObject, OwnerReference } from "../api/object.ts";
import type { Pod } from "../api/types.ts";

/** Not finished and not being deleted: it counts towards a ReplicaSet's replicas (FilterActivePods). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== "Succeeded" && phase !== "Failed" && !pod.metadata.deletionTimestamp;
}

/** The Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** When the pod last became Ready, in ms, or undefined if it is not ready. */
export function readySince(pod: Pod): number | undefined {
  const ready = pod.status?.conditions?.find((c) => c.type === "Ready" && c.status === "True");
  if (!ready) return undefined;
  return ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : 0;
}

// #region isPodAvailable
/**
 * Ready for at least minReadySeconds by `now` (IsPodAvailable). With minReadySeconds 0, ready is
 * available; otherwise a pod must stay ready that long before it counts, so a pod that crashes
 * seconds after starting does not let a rollout move on.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const since = readySince(pod);
  if (since === undefined) return false;
  return minReadySeconds === 0 || since + minReadySeconds * 1000 <= now;
}
// #endregion isPodAvailable

/** The owner reference with controller: true, if any (metav1.GetControllerOf). */
export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return object.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** The owner reference a controller puts on what it creates (metav1.NewControllerRef). */
export function controllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name as string,
    uid: owner.metadata.uid as string,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function namespacedKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}
