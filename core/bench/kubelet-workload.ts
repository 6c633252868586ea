/**
 * What the kubelet benchmark asks of the kubelet: the two workloads' sizes, the pods they create,
 * the published figures they are set against (anchors.md) and the targets. The phases and
 * the report read them from here.
 *
 * - Process runtime: `tinykube up`'s three nodes, 100 pods of tinykube/hello created at a steady
 *   rate, each timed from its create to Running and to Ready — the pod startup SLI.
 * - Hollow nodes: kubemark's hollow nodes, 5,000 kubelets on the fake runtime in one process,
 *   and 10,000 pods created and scheduled by the scheduler, timed until all are Running — kwok's
 *   CI figure.
 */
import type { Pod } from "../src/api/types.ts";

/** sig-scalability's pod startup SLO: p99 ≤ 5 s for stateless pods with pre-pulled images. */
export const STARTUP_SLO_MS = 5000;
/** The target for the process runtime's startup p99. */
export const STARTUP_TARGET_MS = 2000;
/** kwok's CI: 10,000 pods Running on its fake nodes in under 60 s, on one CI runner. */
export const KWOK_RUNNING_S = 60;
/** kwok's CI: 5,000 nodes Ready in under 60 s. */
export const KWOK_NODES_READY_S = 60;
/** The aim for 10,000 pods on 5,000 hollow nodes. */
export const HOLLOW_AIM_S = 30;
/** The cap on the whole hollow simulation's memory. */
export const HOLLOW_MEMORY_CAP_MB = 2048;

/**
 * The process workload creates its pods at 5 a second. The pod startup SLO holds "with churn
 * ≤ 20 objects/s" (sig-scalability's slos/pod_startup_latency.md), a bound for a whole cluster of
 * real machines; here three nodes share two cores, and every pod starts two Node.js processes
 * (its shim and its server), about 0.1 CPU-second each pod: at 20 a second they would need more
 * than two cores, and the latency measured would be the backlog of process starts (measured on
 * this machine: p99 about 6 s at 20/s, 0.6 s at 5/s).
 */
export const PROCESS_CREATES_PER_SECOND = 5;
/** Concurrent clients creating the hollow workload's pods, as the other benchmarks use. */
export const CLIENTS = 20;
/**
 * How many hollow kubelets start at once. All 5,000 at the same instant would open 10,000 TLS
 * connections in one burst; kubemark's hollow nodes come up as their pods are scheduled, a few
 * hundred at a time.
 */
export const START_CONCURRENCY = 200;
/**
 * Far beyond what a phase takes at scale 1 on an idle machine (about a minute); a machine shared
 * with other work can take a few times that, and only a stuck cluster gets near it.
 */
export const PHASE_TIMEOUT_MS = 10 * 60_000;
export const PROGRESS_EVERY_MS = 5000;

/** The image the process workload runs, pulled on every node before the measured phase. */
export const HELLO_IMAGE = "tinykube/hello:1.0";
export const NAMESPACE = "kubelet-bench";

export interface Counts {
  processNodes: number;
  processPods: number;
  hollowNodes: number;
  hollowPods: number;
}

/**
 * The sizes at `scale` (1 = the issue's: 3 nodes and 100 pods on the process runtime; 5,000 hollow
 * nodes and 10,000 pods), each at least 1. The process workload's node count stays 3 — it is
 * `tinykube up`'s cluster — and only its pods scale.
 */
export function countsAt(scale: number): Counts {
  const n = (c: number) => Math.max(1, Math.round(c * scale));
  return { processNodes: 3, processPods: n(100), hollowNodes: n(5000), hollowPods: n(10_000) };
}

/** The name of hollow node `i` (from 0), as kubemark names its hollow nodes. */
export const hollowNodeName = (i: number): string => `hollow-node-${i}`;
/** `tinykube up`'s node names: node-1 … node-N. */
export const processNodeName = (i: number): string => `node-${i + 1}`;

/**
 * A readiness probe of tinykube/hello's /readyz every second: Ready follows the server's first
 * answer by at most a second (the default period, 10 s, would measure the period instead).
 */
export const READINESS_PROBE = {
  httpGet: { path: "/readyz", port: 8080 },
  periodSeconds: 1,
};

/**
 * A pod for the benchmark: one container asking for 10m CPU and 16Mi, so 110 of them fit a node
 * of 4 CPUs and 8Gi (the kubelet's default capacity) and only the pods limit caps a node.
 * tinykube/hello is a server: it runs until stopped, on either runtime. The readiness probe only
 * where a process answers it: a fake container has no server to probe.
 */
export function benchPod(name: string, image: string, probe: boolean): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NAMESPACE, labels: { app: "kubelet-bench" } },
    spec: {
      containers: [
        {
          name: "hello",
          image,
          resources: { requests: { cpu: "10m", memory: "16Mi" } },
          ...(probe ? { readinessProbe: READINESS_PROBE } : {}),
        },
      ],
    },
  };
}
