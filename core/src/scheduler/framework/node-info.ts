/**
 * Building a NodeInfo: the node, its pods and what they add up to — kube-scheduler's
 * framework.NewNodeInfo / AddPod / RemovePod. The cache keeps one per node and updates it as pods
 * are assumed, bound and deleted; plugins only read it.
 */
import type { Node, Pod } from "../../api/types.ts";
import {
  addResource,
  emptyResource,
  nonZeroRequests,
  podRequests,
  type Resource,
  resourceOf,
} from "./resources.ts";
import type { NodeInfo } from "./types.ts";

export function newNodeInfo(node: Node, pods: Pod[] = []): NodeInfo {
  const info: NodeInfo = {
    node,
    pods: [],
    requested: emptyResource(),
    nonZeroRequested: { milliCPU: 0, memory: 0 },
    allocatable: resourceOf(node.status?.allocatable),
    usedPorts: new Set(),
    imageSizes: new Map(),
  };
  for (const image of node.status?.images ?? []) {
    for (const name of image.names) info.imageSizes.set(name, image.sizeBytes);
  }
  for (const pod of pods) addPod(info, pod);
  return info;
}

interface ContainerPorts {
  ports?: { hostPort?: number; hostIP?: string; protocol?: string }[];
}

/** Host ports of the containers and of sidecars (restartable init containers), as GetHostPorts. */
function hostPorts(pod: Pod): string[] {
  const out: string[] = [];
  const sidecars = (
    (pod.spec.initContainers as (ContainerPorts & { restartPolicy?: string })[] | undefined) ?? []
  ).filter((c) => c.restartPolicy === "Always");
  for (const c of [...((pod.spec.containers ?? []) as ContainerPorts[]), ...sidecars]) {
    for (const p of c.ports ?? []) {
      if (p.hostPort) out.push(`${p.protocol ?? "TCP"}/${p.hostIP || "0.0.0.0"}/${p.hostPort}`);
    }
  }
  return out;
}

// #region addPod
/** Counts a pod on the node: its requests, one pod slot, its host ports. */
export function addPod(info: NodeInfo, pod: Pod): void {
  info.pods.push(pod);
  const requests: Resource = podRequests(pod);
  requests.allowedPodNumber = 1;
  addResource(info.requested, requests);
  const nonZero = nonZeroRequests(pod);
  info.nonZeroRequested.milliCPU += nonZero.milliCPU;
  info.nonZeroRequested.memory += nonZero.memory;
  for (const port of hostPorts(pod)) info.usedPorts.add(port);
}
// #endregion addPod

/** Takes a pod off the node again (deleted, or an assumed pod whose binding failed). */
export function removePod(info: NodeInfo, pod: Pod): boolean {
  const i = info.pods.findIndex((p) => p.metadata.uid === pod.metadata.uid);
  if (i < 0) return false;
  const [removed] = info.pods.splice(i, 1);
  const requests = podRequests(removed as Pod);
  info.requested.milliCPU -= requests.milliCPU;
  info.requested.memory -= requests.memory;
  info.requested.ephemeralStorage -= requests.ephemeralStorage;
  info.requested.allowedPodNumber -= 1;
  for (const [name, value] of Object.entries(requests.scalar))
    info.requested.scalar[name] = (info.requested.scalar[name] ?? 0) - value;
  const nonZero = nonZeroRequests(removed as Pod);
  info.nonZeroRequested.milliCPU -= nonZero.milliCPU;
  info.nonZeroRequested.memory -= nonZero.memory;
  info.usedPorts = new Set(info.pods.flatMap(hostPorts));
  return true;
}
