/**
 * The scheduling algorithm alone, in this process: `schedulePod` with kube-scheduler's default
 * profile (as the Scheduler builds it) over the scheduler's own cache and snapshot, each decision
 * assumed in the cache before the next pod, the snapshot refreshed each cycle. No API server, no
 * watch, no queue, no binding: what is left of a pod's cost is the cycle's — the snapshot update,
 * Filter on up to percentageOfNodesToScore of the nodes, Score on those that fit, selectHost,
 * assume.
 *
 * A pod that fits nowhere would throw FitError; the workloads are sized so that none does.
 */
import type { Pod } from "../src/api/types.ts";
import { SchedulerCache, Snapshot } from "../src/scheduler/cache/index.ts";
import { parseSchedulerConfig } from "../src/scheduler/framework/config.ts";
import { buildProfiles } from "../src/scheduler/framework/profile.ts";
import { Framework } from "../src/scheduler/framework/runtime.ts";
import { inTreeRegistry } from "../src/scheduler/plugins/registry.ts";
import { schedulePod } from "../src/scheduler/schedule-pod.ts";
import { FakeClock } from "../src/util/clock.ts";
import type { Workload } from "./scheduler-workload.ts";

/**
 * kube-scheduler's default profile without DefaultPreemption, as schedule-pod.test.ts builds it:
 * preemption is a PostFilter, run only when no node fits, which never happens here, and its
 * plugin needs a running scheduler's handle (preemptPod) that this process does not have.
 */
const DEFAULT_PROFILE = `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  plugins:
    multiPoint:
      disabled:
      - name: DefaultPreemption
`;

export interface AlgorithmResult {
  podsPerSecond: number;
  /** Per pod, schedulePod and addPod. */
  p50Ms: number;
  p99Ms: number;
}

/** A pod as the API server would hand it to the scheduler: namespaced, with a uid. */
function stored(template: Pod, namespace: string, name: string, nodeName?: string): Pod {
  return {
    ...template,
    metadata: { ...template.metadata, name, namespace, uid: `${namespace}-${name}` },
    spec: nodeName ? { ...template.spec, nodeName } : template.spec,
  };
}

// #region algorithm-only
export function algorithmOnly(w: Workload): AlgorithmResult {
  const cache = new SchedulerCache({ clock: new FakeClock() });
  const snapshot = new Snapshot();
  for (let i = 0; i < w.nodes; i++) cache.addNode(w.node(i));
  // The pods already placed, round-robin, as the API phase creates them.
  for (let i = 0; i < w.initPods; i++) {
    const name = w.node(i % w.nodes).metadata.name;
    cache.addPod(stored(w.pod(`init-${i}`), w.initNamespace, `init-${i}`, name));
  }
  const config = parseSchedulerConfig(DEFAULT_PROFILE);
  const profile = buildProfiles(
    config,
    inTreeRegistry({
      nodeInfos: () => snapshot.nodeInfos(),
      havePodsWithAffinityList: () => snapshot.havePodsWithAffinityList(),
      havePodsWithRequiredAntiAffinityList: () => snapshot.havePodsWithRequiredAntiAffinityList(),
      bind: async () => {},
    }),
  ).get("default-scheduler");
  if (!profile) throw new Error("DEFAULT_PROFILE has no default-scheduler profile");
  const framework = new Framework(profile);

  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  for (let i = 0; i < w.measuredPods; i++) {
    const t = performance.now();
    const pod = stored(w.pod(`pod-${i}`), w.measuredNamespace, `pod-${i}`);
    cache.updateSnapshot(snapshot);
    const { result, nextStartNodeIndex } = schedulePod({
      framework,
      pod,
      nodes: snapshot.nodeInfos(),
      nextStartNodeIndex: next,
      percentageOfNodesToScore: config.percentageOfNodesToScore,
    });
    next = nextStartNodeIndex;
    cache.assumePod({ ...pod, spec: { ...pod.spec, nodeName: result.suggestedHost } });
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    podsPerSecond: w.measuredPods / seconds,
    p50Ms: latencies[Math.floor(latencies.length / 2)] as number,
    p99Ms: latencies[
      Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)
    ] as number,
  };
}
// #endregion algorithm-only
