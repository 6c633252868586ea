/**
 * `npm run bench -- scheduler`: kube-scheduler's own benchmark, scheduler_perf, reshaped for
 * tinykube — its SchedulingBasic, NodeAffinity and PodAntiAffinity workloads at 5,000 nodes, run
 * through the API server on the embedded store and on a real etcd side by side, and the
 * algorithm alone in this process; set against the published thresholds and the target.
 *
 * Three processes per workload, as in a real control plane: the API server and the scheduler each
 * in a child of their own (scheduler-child.ts), and this one, which creates the nodes and pods as
 * admin and watches the pods to see them bound. scheduler_perf runs the API server and the
 * scheduler in one Go process with etcd beside it; its pods/s is the same quotient, measured pods
 * over the time they took to be scheduled.
 *
 * The files: scheduler-workload.ts holds the workloads, templates, thresholds and target;
 * scheduler-phases.ts runs one workload through the API server; scheduler-algorithm.ts runs one
 * in this process without it; this file runs them all and writes the report.
 *
 * Set TINYKUBE_BENCH_PROF=<dir> to write a CPU profile of each child (node --cpu-prof).
 */
import { mkdtemp } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { benchDir, onEachBackend, startBackendEtcd } from "./backends.ts";
import { type AlgorithmResult, algorithmOnly } from "./scheduler-algorithm.ts";
import { type ApiResult, type Children, runWorkload } from "./scheduler-phases.ts";
import { DEFAULT_BURST, DEFAULT_QPS, type Workload, workloadsAt } from "./scheduler-workload.ts";
import { type Cell, count, fmt, progress, table } from "./stats.ts";

export interface SchedulerBenchOptions {
  /** Scale every count down for a quick look (1 = scheduler_perf's 5000Nodes sizes). */
  scale: number;
}

export async function benchScheduler(options: SchedulerBenchOptions): Promise<string> {
  const workloads = workloadsAt(options.scale);
  const api = await onEachBackend(async (backend, root) => {
    const say = (message: string) => progress(`${backend.name}: ${message}`);
    const results = new Map<string, ApiResult | Error>();
    for (const w of workloads) {
      const etcd = await startBackendEtcd(backend, await mkdtemp(join(root, "etcd-")));
      const children: Children = {};
      try {
        const dataDir = await mkdtemp(join(root, "apiserver-"));
        results.set(w.name, await runWorkload({ w, dataDir, etcd: etcd?.endpoint, children, say }));
      } catch (error) {
        // One workload's failure (a scheduler that crashed) is a result too; the others still run.
        const e = error instanceof Error ? error : new Error(String(error));
        say(`${w.name} failed: ${e.message}`);
        results.set(w.name, e);
      } finally {
        await children.scheduler?.stop();
        await children.server?.stop();
        await etcd?.stop();
      }
    }
    return results;
  });
  const algorithm = new Map<string, AlgorithmResult>();
  for (const w of workloads) {
    progress(
      `algorithm only: ${w.name}, ${count(w.measuredPods)} pods over ${count(w.nodes)} nodes`,
    );
    algorithm.set(w.name, algorithmOnly(w));
  }
  return report({ workloads, api, algorithm, scale: options.scale });
}

// #region report
function report(r: {
  workloads: Workload[];
  api: Map<string, Map<string, ApiResult | Error>>;
  algorithm: Map<string, AlgorithmResult>;
  scale: number;
}): string {
  const backends = [...r.api.keys()];
  const header = [
    "workload (pods/s)",
    ...backends.map((b) => `API, ${b}`),
    "algorithm only",
    "scheduler_perf threshold",
    "target",
  ];
  const outcome = (b: string, w: Workload) => r.api.get(b)?.get(w.name);
  const pick = (b: string, w: Workload) => {
    const o = outcome(b, w);
    return o instanceof Error ? undefined : o;
  };
  const failures = backends.flatMap((b) =>
    r.workloads.flatMap((w) => {
      const o = outcome(b, w);
      return o instanceof Error ? [`${w.name}, ${b}: ${o.message}`] : [];
    }),
  );
  const rows: Cell[][] = r.workloads.map((w) => {
    const first = pick(backends[0] as string, w);
    const target =
      w.target === undefined
        ? ""
        : `≥ ${count(w.target)} ${first && first.podsPerSecond >= w.target ? "✓" : "✗"}`;
    return [
      w.name,
      ...backends.map((b) =>
        outcome(b, w) instanceof Error ? "failed" : pick(b, w)?.podsPerSecond,
      ),
      r.algorithm.get(w.name)?.podsPerSecond,
      String(w.threshold),
      target,
    ];
  });
  const detailHeader = ["per workload", ...backends];
  const detail: Cell[][] = [];
  for (const w of r.workloads) {
    const row = (label: string, f: (a: ApiResult) => Cell): Cell[] => [
      `${w.name}: ${label}`,
      ...backends.map((b) => {
        const a = pick(b, w);
        return a ? f(a) : undefined;
      }),
    ];
    detail.push(
      row("create → bound p50 / p99 ms", (a) => `${fmt(a.p50Ms)} / ${fmt(a.p99Ms)}`),
      row("measured phase s", (a) => a.seconds),
      row("creates answered/s (a ceiling)", (a) => a.createsPerSecond),
      row("setup s (objects, scheduler start)", (a) => a.setupSeconds),
      row("CPU s scheduler / API server", (a) => `${fmt(a.schedulerCpu)} / ${fmt(a.serverCpu)}`),
      row(
        "scheduler RSS / peak MB",
        (a) => `${fmt(a.scheduler.rssMB)} / ${fmt(a.scheduler.peakRssMB)}`,
      ),
    );
  }
  const algo: Cell[][] = r.workloads.map((w) => {
    const a = r.algorithm.get(w.name);
    return [w.name, a?.podsPerSecond, a ? `${fmt(a.p50Ms)} / ${fmt(a.p99Ms)}` : undefined];
  });
  const sizes = r.workloads
    .map(
      (w) =>
        `${w.name} ${count(w.nodes)} nodes, ${count(w.initPods)} placed, ${count(w.measuredPods)} measured`,
    )
    .join("; ");
  return [
    `scheduler, scale ${r.scale}: ${sizes}. ${availableParallelism()} CPUs, data in ${benchDir()}.`,
    "",
    table(header, rows),
    "",
    table(detailHeader, detail),
    "",
    table(["algorithm only", "pods/s", "per pod p50 / p99 ms"], algo),
    "",
    ...(failures.length > 0 ? ["Failed:", ...failures.map((f) => `  ${f}`), ""] : []),
    "API: pods/s from the first measured create sent to the last pod seen bound on a watch in the",
    "benchmark's process; the scheduler in its own process, leader election off, its client limit",
    `lifted (kube-scheduler's defaults are ${DEFAULT_QPS} qps, burst ${DEFAULT_BURST}; scheduler_perf lifts them too).`,
    "Algorithm only: schedulePod with the default profile over the scheduler's own cache and",
    "snapshot, each pod assumed before the next, in this process: no API server, queue or binding.",
    "The thresholds are scheduler_perf's CI floors, measured on larger machines; compare orders of",
    "magnitude.",
  ].join("\n");
}
// #endregion report
