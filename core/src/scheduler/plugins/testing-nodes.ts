/**
 * Test builders for the node and resource plugins: a Node, a Pod and the NodeInfo the scheduler's
 * snapshot would hold for them, in as few words as a table row allows. Test-only; nothing in the
 * scheduler imports it.
 */
import type { Container, Node, Pod, Taint, Toleration } from "../../api/types.ts";
import { addPod, newNodeInfo } from "../framework/node-info.ts";
import type { NodeInfo } from "../framework/types.ts";

export interface NodeOptions {
  /** status.allocatable, e.g. {cpu: "4", memory: "8Gi", pods: "110"}. */
  allocatable?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  images?: { names: string[]; sizeBytes: number }[];
}

export function makeNode(name: string, options: NodeOptions = {}): Node {
  const spec: NonNullable<Node["spec"]> = {};
  if (options.taints) spec.taints = options.taints;
  if (options.unschedulable !== undefined) spec.unschedulable = options.unschedulable;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, uid: `node-${name}` },
    spec,
    status: { allocatable: options.allocatable ?? {}, images: options.images ?? [] },
  };
}

let nextUid = 0;

export interface PodOptions {
  /** One container per entry, each with these requests. */
  requests?: Record<string, string>[];
  images?: string[];
  initImages?: string[];
  hostPorts?: { hostPort: number; hostIP?: string; protocol?: string }[];
  tolerations?: Toleration[];
  nodeName?: string;
  initContainers?: Container[];
}

export function makePod(name: string, options: PodOptions = {}): Pod {
  const containers: Container[] = (options.requests ?? [{}]).map((requests, i) => ({
    name: `c${i}`,
    resources: { requests },
  }));
  options.images?.forEach((image, i) => {
    containers[i] ??= { name: `c${i}` };
    (containers[i] as Container).image = image;
  });
  if (options.hostPorts) {
    (containers[0] as Container).ports = options.hostPorts.map((p) => ({
      containerPort: p.hostPort,
      ...p,
    }));
  }
  const initContainers: Container[] = [
    ...(options.initContainers ?? []),
    ...(options.initImages ?? []).map((image, i) => ({ name: `init${i}`, image })),
  ];
  nextUid += 1;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: `pod-${nextUid}` },
    spec: {
      containers,
      ...(initContainers.length > 0 ? { initContainers } : {}),
      ...(options.tolerations ? { tolerations: options.tolerations } : {}),
      ...(options.nodeName ? { nodeName: options.nodeName } : {}),
    },
  };
}

/** The NodeInfo for `node` with `pods` already bound to it. */
export function makeNodeInfo(node: Node, pods: Pod[] = []): NodeInfo {
  const info = newNodeInfo(node);
  for (const pod of pods) addPod(info, pod);
  return info;
}
