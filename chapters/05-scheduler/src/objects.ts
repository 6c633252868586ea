/**
 * The Nodes and Pods the chapter creates, built as a kubelet and a user would send them.
 *
 * A Node carries what a kubelet registers: the hostname label (= its name), capacity and
 * allocatable (equal here: no system reservations), labels and taints. It has no Ready
 * condition: the scheduler never reads conditions, only the taints the node lifecycle controller
 * derives from them (node.kubernetes.io/not-ready:NoExecute and the like), as the core's own
 * end-to-end tests do (core/src/scheduler/e2e-testing.ts).
 */
import type { Affinity, Node, Pod, Taint, Toleration } from "@tinykube/core/api/types";

/** Kubernetes' well-known labels (k8s.io/api/core/v1 well_known_labels.go). */
export const HOSTNAME = "kubernetes.io/hostname";
export const ZONE = "topology.kubernetes.io/zone";

export interface NodeShape {
  name: string;
  cpu: string;
  memory: string;
  /** Omitted: the node has no zone label at all. */
  zone?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
}

export function node(n: NodeShape): Node {
  // The kubelet's default --max-pods.
  const resources = { cpu: n.cpu, memory: n.memory, pods: "110" };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: n.name,
      labels: {
        [HOSTNAME]: n.name,
        ...(n.zone === undefined ? {} : { [ZONE]: n.zone }),
        ...n.labels,
      },
    },
    spec: n.taints ? { taints: n.taints } : {},
    status: { capacity: resources, allocatable: resources },
  };
}

/** One line per node, for the narration: "a1     cpu 4   memory 8Gi   zone a". */
export function nodeLine(n: NodeShape): string {
  const extra = Object.entries(n.labels ?? {}).map(([k, v]) => `${k}=${v}`);
  const taints = (n.taints ?? []).map((t) => `taint ${t.key}=${t.value}:${t.effect}`);
  return [
    n.name.padEnd(6),
    `cpu ${n.cpu}`.padEnd(7),
    `memory ${n.memory}`.padEnd(12),
    n.zone === undefined ? "no zone label" : `zone ${n.zone}`,
    ...extra,
    ...taints,
  ].join("  ");
}

export interface PodShape {
  name: string;
  cpu: string;
  memory: string;
  labels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  priorityClassName?: string;
}

/** A one-container pod of the hello image; scheduling reads only its requests and constraints. */
export function pod(p: PodShape): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: p.name, ...(p.labels ? { labels: p.labels } : {}) },
    spec: {
      containers: [
        {
          name: "hello",
          image: "tinykube/hello:1.0",
          resources: { requests: { cpu: p.cpu, memory: p.memory } },
        },
      ],
      ...(p.nodeSelector ? { nodeSelector: p.nodeSelector } : {}),
      ...(p.affinity ? { affinity: p.affinity } : {}),
      ...(p.tolerations ? { tolerations: p.tolerations } : {}),
      ...(p.priorityClassName ? { priorityClassName: p.priorityClassName } : {}),
    },
  };
}
