/**
 * What the controllers benchmark asks of the cluster and what it holds the controllers to: the
 * counts of each phase, the paced phase's rate, the namespaces, kube-controller-manager's client
 * limit and the targets. The phases, the waits and the report all read them from here.
 */
import type { Deployment } from "../src/api/types.ts";

/** kube-controller-manager's --kube-api-qps and --kube-api-burst defaults. */
export const DEFAULT_QPS = 20;
export const DEFAULT_BURST = 30;
/** The targets. */
export const TARGET_PODS_PER_SECOND = 500;
export const TARGET_P99_MS = 100;
export const CLIENTS = 20;
export const SMALL_REPLICAS = 3;
/**
 * Deployments created a second in the paced phase: 150 pods a second, under a third of the
 * 500 pods/s target, so that controllers meeting it keep up and their queues stay near empty.
 * The report says when they did not.
 */
export const PACED_PER_SECOND = 50;
export const NS = {
  one: "bench-one",
  many: "bench-many",
  paced: "bench-paced",
  sequential: "bench-one-at-a-time",
  throttled: "bench-qps20",
};
/** A manager with no queue activity this long, and no reconcile running, counts as idle. */
export const QUIET_MS = 500;
/** Far beyond what any phase takes; only a stuck controller gets near it. */
export const PHASE_TIMEOUT_MS = 10 * 60_000;
export const PROGRESS_EVERY_MS = 5000;

/** How many of each a run creates. */
export interface Counts {
  /** Phase 1's one Deployment's replicas. */
  replicas: number;
  /** Phase 2's Deployments, and each later phase's below. */
  deployments: number;
  paced: number;
  sequential: number;
  throttled: number;
}

/** The counts of a run scaled by `scale` (1 = the full benchmark), at least 1 each. */
export function countsAt(scale: number): Counts {
  const n = (c: number) => Math.max(1, Math.round(c * scale));
  return {
    replicas: n(10_000),
    deployments: n(1000),
    paced: n(1000),
    sequential: n(100),
    throttled: n(100),
  };
}

export const deploymentOf = (name: string, replicas: number): Deployment => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }] },
    },
  },
});
