/**
 * What the scheduler benchmark asks of the scheduler: scheduler_perf's workloads
 * (kubernetes test/integration/scheduler_perf, performance-config.yaml and config/templates/),
 * their node and pod templates, the published thresholds and the target. The phases, the
 * algorithm-only run and the report all read them from here.
 *
 * Each workload, as scheduler_perf runs it: create `nodes` Nodes, then `initPods` pods already
 * placed (here created with spec.nodeName set, spread round-robin over the nodes, rather than
 * scheduled first, so the measured phase starts from the same cluster), then `measuredPods`
 * pods for the scheduler, timed from the first create to the last one bound.
 */
import type { Node, Pod } from "../src/api/types.ts";

/**
 * kube-scheduler's --kube-api-qps 50 / --kube-api-burst 100 (the ClientConnection defaults of
 * KubeSchedulerConfiguration v1; start.ts uses them too). The benchmark lifts the limit, as
 * scheduler_perf does (it runs the scheduler with QPS 5000, burst 5000): at 50 binds a second
 * the client, not the algorithm, would be what is measured.
 */
export const DEFAULT_QPS = 50;
export const DEFAULT_BURST = 100;
/** The target for SchedulingBasic through the API server. */
export const TARGET_PODS_PER_SECOND = 1000;
/** Concurrent clients creating nodes and pods, as the controllers benchmark uses. */
export const CLIENTS = 20;
/** Far beyond what a workload takes at scale 1; only a stuck scheduler gets near it. */
export const PHASE_TIMEOUT_MS = 5 * 60_000;
export const PROGRESS_EVERY_MS = 5000;
export const ZONE_LABEL = "topology.kubernetes.io/zone";
export const HOSTNAME_LABEL = "kubernetes.io/hostname";

export type WorkloadName = "SchedulingBasic" | "NodeAffinity" | "PodAntiAffinity";

export interface Workload {
  name: WorkloadName;
  nodes: number;
  initPods: number;
  measuredPods: number;
  /** The namespace of the pods already placed, and of the measured ones. */
  initNamespace: string;
  measuredNamespace: string;
  /** The published threshold (anchors.md), pods/s. */
  threshold: number;
  /** The target, where it sets one. */
  target?: number;
  node(i: number): Node;
  pod(name: string): Pod;
}

/**
 * scheduler_perf's node-default.yaml: 4 CPUs, 32Gi, 110 pods (the kubelet's --max-pods default),
 * and the hostname label the kubelet sets.
 */
function node(i: number, labels: Record<string, string> = {}): Node {
  const name = `node-${i}`;
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { [HOSTNAME_LABEL]: name, ...labels } },
    status: {
      capacity: { cpu: "4", memory: "32Gi", pods: "110" },
      allocatable: { cpu: "4", memory: "32Gi", pods: "110" },
    },
  };
}

/** scheduler_perf's pod-default.yaml: one pause container asking for 100m CPU and 500Mi. */
function pod(name: string, spec: Partial<Pod["spec"]> = {}, labels?: Record<string, string>): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, ...(labels ? { labels } : {}) },
    spec: {
      containers: [
        {
          name: "pause",
          image: "registry.k8s.io/pause:3.10",
          resources: { requests: { cpu: "100m", memory: "500Mi" } },
        },
      ],
      ...spec,
    },
  };
}

/**
 * The three workloads at `scale` (1 = scheduler_perf's 5000Nodes sizes), each count at least 1.
 *
 * - SchedulingBasic: 5,000 nodes, 1,000 pods placed, 10,000 measured (the 5000Nodes_10000Pods
 *   workload; older releases measured 1,000).
 * - NodeAffinity (SchedulingNodeAffinity): every node labelled zone=zone1 (its
 *   labelNodePrepareStrategy), pods requiring zone In [zone1, zone2]; 5,000 placed, 10,000
 *   measured.
 * - PodAntiAffinity (SchedulingPodAntiAffinity): pods labelled color=green that refuse any node
 *   already running a color=green pod of their namespace (topologyKey hostname); 1,000 placed in
 *   sched-0, 1,000 measured in sched-1: 2,000 pods.
 */
export function workloadsAt(scale: number): Workload[] {
  const n = (c: number) => Math.max(1, Math.round(c * scale));
  const nodes = n(5000);
  return [
    {
      name: "SchedulingBasic",
      nodes,
      initPods: n(1000),
      measuredPods: n(10_000),
      initNamespace: "sched-basic",
      measuredNamespace: "sched-basic",
      threshold: 270,
      target: TARGET_PODS_PER_SECOND,
      node: (i) => node(i),
      pod: (name) => pod(name),
    },
    {
      name: "NodeAffinity",
      nodes,
      initPods: n(5000),
      measuredPods: n(10_000),
      initNamespace: "sched-affinity",
      measuredNamespace: "sched-affinity",
      threshold: 220,
      node: (i) => node(i, { [ZONE_LABEL]: "zone1" }),
      pod: (name) =>
        pod(name, {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  {
                    matchExpressions: [
                      { key: ZONE_LABEL, operator: "In", values: ["zone1", "zone2"] },
                    ],
                  },
                ],
              },
            },
          },
        }),
    },
    {
      name: "PodAntiAffinity",
      nodes,
      initPods: n(1000),
      measuredPods: n(1000),
      initNamespace: "sched-0",
      measuredNamespace: "sched-1",
      threshold: 60,
      node: (i) => node(i),
      pod: (name) =>
        pod(
          name,
          {
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                  {
                    labelSelector: { matchLabels: { color: "green" } },
                    topologyKey: HOSTNAME_LABEL,
                  },
                ],
              },
            },
          },
          { color: "green" },
        ),
    },
  ];
}
