/**
 * The Summary API (GET /stats/summary): CPU and memory of the node, its pods and their
 * containers, in the kubelet's JSON (k8s.io/kubelet/pkg/apis/stats/v1alpha1), built from the CRI
 * as the kubelet's CRI stats provider does (pkg/kubelet/stats/cri_stats_provider.go,
 * listPodStatsPartiallyFromCRI). metrics-server and `kubectl top` read these numbers.
 *
 * Guarantees:
 * - Only running containers count, in the newest live sandbox of each pod (removeTerminatedPods,
 *   removeTerminatedContainers); a pod with no running container is not listed.
 * - A container's startTime is its creation time, a pod's its sandbox's, as the kubelet reports.
 * - usageCoreNanoSeconds is the runtime's cumulative figure. usageNanoCores, the rate, needs two
 *   samples: each summary takes one and compares it with the previous one of that container
 *   (getAndUpdateContainerUsageNanoCores), so a container's first summary has no usageNanoCores.
 *   The kubelet takes that sample every 10 s from its eviction manager and /stats/summary only
 *   reads it; containerd since 1.7 computes the rate itself at every ListContainerStats call.
 *   tinykube has no eviction manager: the summary request is the sample, as in containerd.
 *
 * Simplifications, stated: no filesystem, network, volume or swap stats. A pod's CPU and memory
 * are the sums of its containers' (the kubelet reads the pod's cgroup), and the node's are the
 * sums over its pods — every tinykube node shares one machine, whose total would say nothing
 * about one node. The node's startTime is when this kubelet started (the kubelet: its root
 * cgroup's, about the machine's boot).
 */
import { metaTime } from "../api/time.ts";
import type { ContainerStats, PodSandbox, RuntimeService } from "../runtime/cri.ts";
import type { Clock } from "../util/clock.ts";

export interface CpuStats {
  time: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds: number;
}

export interface MemoryStats {
  time: string;
  workingSetBytes: number;
}

export interface ContainerSummary {
  name: string;
  startTime: string;
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface PodSummary {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerSummary[];
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface Summary {
  node: { nodeName: string; startTime: string; cpu: CpuStats; memory: MemoryStats };
  pods: PodSummary[];
}

/** cri_stats_provider.go's defaultCachePeriod: a container's last sample is forgotten after this. */
const CPU_CACHE_PERIOD_MS = 10 * 60_000;
const NS_PER_MS = 1_000_000;

/** One container's last CPU sample and the rate computed with it. */
interface CpuRecord {
  timestamp: number;
  usageCoreNanoSeconds: number;
  usageNanoCores: number | undefined;
}

// #region usageNanoCores
/**
 * The CPU rate from the last sample to this one, in nanocores (1,000,000,000 = one core busy),
 * caching this sample for the next call. 3,000,000,000 core-ns more after 10 s is 300,000,000
 * nanocores (300m). None when there is no earlier sample, or the counter went down (a new
 * container under the same ID), or no time passed.
 */
export function updateUsageNanoCores(
  cache: Map<string, CpuRecord>,
  id: string,
  sample: { timestamp: number; usageCoreNanoSeconds: number },
): number | undefined {
  const cached = cache.get(id);
  if (cached === undefined || sample.usageCoreNanoSeconds < cached.usageCoreNanoSeconds) {
    cache.set(id, { ...sample, usageNanoCores: undefined });
    return undefined;
  }
  const intervalNs = (sample.timestamp - cached.timestamp) * NS_PER_MS;
  if (intervalNs <= 0) return undefined; // the kubelet logs "zero or negative interval" and keeps the old sample
  const usageNanoCores = Math.floor(
    ((sample.usageCoreNanoSeconds - cached.usageCoreNanoSeconds) / intervalNs) * 1e9,
  );
  cache.set(id, { ...sample, usageNanoCores });
  return usageNanoCores;
}
// #endregion usageNanoCores

export interface SummaryProviderOptions {
  nodeName: string;
  runtime: Pick<RuntimeService, "listPodSandbox" | "listContainers" | "listContainerStats">;
  clock: Clock;
  /** When the kubelet started (ms since the epoch): the node's startTime. */
  startTime: number;
}

export class SummaryProvider {
  /** Per container ID, its last CPU sample (cpuUsageCache). */
  private readonly cpuCache = new Map<string, CpuRecord>();

  constructor(private readonly options: SummaryProviderOptions) {}

  // #region summary
  /**
   * 1. List sandboxes and containers; keep each pod's newest live sandbox and running containers.
   * 2. List container stats; give each kept container an entry in its sandbox's pod.
   * 3. Add up pods and the node; forget CPU samples older than the cache period.
   */
  async summary(): Promise<Summary> {
    const { runtime, clock } = this.options;
    const sandboxes = new Map(
      liveSandboxes(await runtime.listPodSandbox()).map((s) => [s.id, s] as const),
    );
    const containers = new Map(
      (await runtime.listContainers({ state: "CONTAINER_RUNNING" })).map((c) => [c.id, c]),
    );
    const pods = new Map<string, Omit<PodSummary, "cpu" | "memory">>();
    for (const stats of await runtime.listContainerStats()) {
      const container = containers.get(stats.attributes.id);
      const sandbox = container && sandboxes.get(container.podSandboxId);
      if (!container || !sandbox) continue;
      let pod = pods.get(sandbox.id);
      if (pod === undefined) {
        const { name, namespace, uid } = sandbox.metadata;
        pod = {
          podRef: { name, namespace, uid },
          startTime: metaTime(sandbox.createdAt),
          containers: [],
        };
        pods.set(sandbox.id, pod);
      }
      pod.containers.push({
        name: stats.attributes.metadata.name,
        startTime: metaTime(container.createdAt),
        ...this.usage(stats),
      });
    }
    const now = clock.now();
    for (const [id, record] of this.cpuCache) {
      if (now - record.timestamp > CPU_CACHE_PERIOD_MS) this.cpuCache.delete(id);
    }
    const podList = [...pods.values()].map((pod) => ({ ...pod, ...total(pod.containers, now) }));
    return {
      node: {
        nodeName: this.options.nodeName,
        startTime: metaTime(this.options.startTime),
        ...total(podList, now),
      },
      pods: podList,
    };
  }
  // #endregion summary

  /** makeContainerStats: the runtime's numbers; zeros stamped now where it gave none. */
  private usage(stats: ContainerStats): Pick<ContainerSummary, "cpu" | "memory"> {
    const now = metaTime(this.options.clock.now());
    const cpu: CpuStats = stats.cpu
      ? {
          time: metaTime(stats.cpu.timestamp),
          usageCoreNanoSeconds: stats.cpu.usageCoreNanoSeconds,
        }
      : { time: now, usageNanoCores: 0, usageCoreNanoSeconds: 0 };
    if (stats.cpu) {
      const rate = updateUsageNanoCores(this.cpuCache, stats.attributes.id, stats.cpu);
      if (rate !== undefined) cpu.usageNanoCores = rate;
    }
    const memory: MemoryStats = stats.memory
      ? { time: metaTime(stats.memory.timestamp), workingSetBytes: stats.memory.workingSetBytes }
      : { time: now, workingSetBytes: 0 };
    return { cpu, memory };
  }
}

/**
 * removeTerminatedPods: per pod name and namespace, the ready sandboxes — or, if none is ready,
 * the newest one.
 */
function liveSandboxes(sandboxes: PodSandbox[]): PodSandbox[] {
  const byPod = new Map<string, PodSandbox[]>();
  for (const s of [...sandboxes].sort((a, b) => a.createdAt - b.createdAt)) {
    const key = `${s.metadata.namespace}/${s.metadata.name}`;
    byPod.set(key, [...(byPod.get(key) ?? []), s]);
  }
  return [...byPod.values()].flatMap((group) => {
    const ready = group.filter((s) => s.state === "SANDBOX_READY");
    return ready.length > 0 ? ready : group.slice(-1);
  });
}

/**
 * The sum of some entries' CPU and memory, at the latest of their times (`now` for none); a rate
 * only if every entry has one.
 */
function total(
  parts: Pick<ContainerSummary, "cpu" | "memory">[],
  now: number,
): Pick<ContainerSummary, "cpu" | "memory"> {
  // metav1.Time strings in UTC compare as their instants.
  const latest = (times: string[]) => [...times].sort().at(-1) ?? metaTime(now);
  const cpu: CpuStats = {
    time: latest(parts.map((p) => p.cpu.time)),
    usageCoreNanoSeconds: parts.reduce((sum, p) => sum + p.cpu.usageCoreNanoSeconds, 0),
  };
  if (parts.length > 0 && parts.every((p) => p.cpu.usageNanoCores !== undefined)) {
    cpu.usageNanoCores = parts.reduce((sum, p) => sum + (p.cpu.usageNanoCores ?? 0), 0);
  }
  return {
    cpu,
    memory: {
      time: latest(parts.map((p) => p.memory.time)),
      workingSetBytes: parts.reduce((sum, p) => sum + p.memory.workingSetBytes, 0),
    },
  };
}
