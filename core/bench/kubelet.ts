/**
 * `npm run bench -- kubelet`: how fast kubelets start pods, in two workloads, each on a cluster
 * of its own (kubelet-phases.ts says how one is brought up and measured):
 *
 * 1. Process runtime — `tinykube up`'s three nodes, real processes: 100 pods of tinykube/hello,
 *    created at 5 a second (kubelet-workload.ts says why not 20), each timed from its create to Running and to Ready on a watch in
 *    this process. Kubernetes' pod startup SLI (sig-scalability, pod_startup_latency.md) runs from
 *    creation to "all containers reported started, observed via watch", image pulls excluded: the
 *    image is pulled on every node before, so create → Running is that SLI. Ready comes after, once
 *    the readiness probe (GET /readyz, every second) has passed. Set against the SLO's p99 ≤ 5 s
 *    and the 2 s.
 * 2. Hollow nodes — kubemark's hollow nodes: 5,000 kubelets on the fake runtime in one process,
 *    sharing HTTP/2 connections, 10,000 pods created as fast as the API server answers and bound
 *    by the scheduler: the time from the first create to the last pod Running, set against kwok's
 *    CI (60 s) and the aim (30 s); and each process's peak memory, the simulation's (the
 *    kubelets' process) and the sum of all four against the 2 GB.
 *
 * The pods are created one by one, not by a ReplicaSet: the replicaset controller at its
 * default 20 qps would need 500 s for 10,000 pods, and what it costs is the controllers
 * benchmark's subject. kwok's own benchmark creates its pods directly too, already bound.
 *
 * Every process runs apart — API server, controller manager, scheduler, nodes (kubelet-child.ts)
 * — so each one's CPU and memory are its own. Only the embedded store: etcd is the apiserver and
 * store benchmarks' comparison. --scale scales the pods and the hollow nodes.
 *
 * Set TINYKUBE_BENCH_PROF=<dir> to write a CPU profile of each child (node --cpu-prof).
 */
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { killAndRemove } from "../src/runtime/process/testing.ts";
import { benchDir } from "./backends.ts";
import {
  type Children,
  hollowWorkload,
  processWorkload,
  type WorkloadResult,
} from "./kubelet-phases.ts";
import {
  type Counts,
  countsAt,
  HOLLOW_AIM_S,
  HOLLOW_MEMORY_CAP_MB,
  KWOK_NODES_READY_S,
  KWOK_RUNNING_S,
  PROCESS_CREATES_PER_SECOND,
  STARTUP_SLO_MS,
  STARTUP_TARGET_MS,
} from "./kubelet-workload.ts";
import { guard, unguard } from "./processes.ts";
import { type Cell, count, fmt, progress, table } from "./stats.ts";

export interface KubeletBenchOptions {
  /** Scale the pods and hollow nodes down for a quick look (1 = the sizes). */
  scale: number;
}

export async function benchKubelet(options: KubeletBenchOptions): Promise<string> {
  const counts = countsAt(options.scale);
  const root = await mkdtemp(join(benchDir(), "tinykube-bench-"));
  guard(root);
  try {
    const processResult = await run("process runtime", join(root, "process"), (dir, c, say) =>
      processWorkload(counts, dir, c, say),
    );
    const hollowResult = await run("hollow nodes", join(root, "hollow"), (dir, c, say) =>
      hollowWorkload(counts, dir, c, say),
    );
    return report({ counts, scale: options.scale, processResult, hollowResult });
  } finally {
    await rm(root, { recursive: true, force: true });
    unguard();
  }
}

/** One workload on its own cluster; its failure is a result too, and its children always stop. */
async function run(
  name: string,
  dir: string,
  workload: (dir: string, children: Children, say: (m: string) => void) => Promise<WorkloadResult>,
): Promise<WorkloadResult | Error> {
  const say = (message: string) => progress(`${name}: ${message}`);
  const children: Children = {};
  await mkdir(dir, { recursive: true });
  try {
    return await workload(dir, children, say);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    say(`failed: ${e.message}`);
    return e;
  } finally {
    say("stopping");
    // The nodes first: they stop their containers, and need the API server no more.
    for (const child of [children.nodes, children.scheduler, children.manager, children.server])
      await child?.stop();
    // A node child that was killed leaves its containers' processes: kill them by their records.
    const nodes = join(dir, "nodes");
    for (const node of await readdir(nodes).catch(() => [] as string[]))
      await killAndRemove(join(nodes, node, "runtime"));
  }
}

// #region report
function report(r: {
  counts: Counts;
  scale: number;
  processResult: WorkloadResult | Error;
  hollowResult: WorkloadResult | Error;
}): string {
  const { counts } = r;
  const p = r.processResult instanceof Error ? undefined : r.processResult;
  const h = r.hollowResult instanceof Error ? undefined : r.hollowResult;
  const mark = (ok: boolean | undefined) => (ok === undefined ? "" : ok ? " ✓" : " ✗");
  const ms = (v: number | undefined) => (v === undefined ? undefined : fmt(v));

  const startup: Cell[][] = [
    [
      "create → Running (the SLI)",
      ms(p?.toRunning.p50),
      `${ms(p?.toRunning.p99) ?? "—"}${mark(p && p.toRunning.p99 <= STARTUP_TARGET_MS)}`,
      `≤ ${count(STARTUP_SLO_MS)}${mark(p && p.toRunning.p99 <= STARTUP_SLO_MS)}`,
      `≤ ${count(STARTUP_TARGET_MS)}`,
    ],
    ["create → Ready", ms(p?.toReady.p50), ms(p?.toReady.p99), "", ""],
  ];

  const cap = (mb: number | undefined) =>
    `≤ ${count(HOLLOW_MEMORY_CAP_MB)}${mark(mb === undefined ? undefined : mb <= HOLLOW_MEMORY_CAP_MB)}`;
  const totalPeak = h
    ? h.memory.server.peakRssMB +
      h.memory.manager.peakRssMB +
      h.memory.scheduler.peakRssMB +
      h.memory.nodes.peakRssMB
    : undefined;
  const hollow: Cell[][] = [
    [
      `${count(counts.hollowPods)} pods: first create → all Running, s`,
      h?.runningSeconds,
      `< ${KWOK_RUNNING_S}${mark(h && h.runningSeconds < KWOK_RUNNING_S)}`,
      `≤ ${HOLLOW_AIM_S}${mark(h && h.runningSeconds <= HOLLOW_AIM_S)}`,
    ],
    [
      `${count(counts.hollowNodes)} nodes: start → all with a pod CIDR, s`,
      h?.nodesSeconds,
      `< ${KWOK_NODES_READY_S} (Ready)${mark(h && h.nodesSeconds < KWOK_NODES_READY_S)}`,
      "",
    ],
    [
      `${count(counts.hollowNodes)} kubelets' process: peak RSS, MB`,
      h?.memory.nodes.peakRssMB,
      "",
      cap(h?.memory.nodes.peakRssMB),
    ],
    ["all four processes: sum of peak RSS, MB", totalPeak, "", cap(totalPeak)],
  ];

  const detailHeader = ["per workload", "process runtime", "hollow nodes"];
  const both = (label: string, f: (w: WorkloadResult) => Cell): Cell[] => [
    label,
    p ? f(p) : undefined,
    h ? f(h) : undefined,
  ];
  const memory = (m: { rssMB: number; peakRssMB: number }) =>
    `${fmt(m.rssMB)} / ${fmt(m.peakRssMB)}`;
  const detail: Cell[][] = [
    both("nodes / pods", (w) => `${count(w.nodes)} / ${count(w.pods)}`),
    both(
      "create → scheduled p50 / p99 ms",
      (w) => `${fmt(w.toScheduled.p50)} / ${fmt(w.toScheduled.p99)}`,
    ),
    both(
      "create → Running p50 / p99 ms",
      (w) => `${fmt(w.toRunning.p50)} / ${fmt(w.toRunning.p99)}`,
    ),
    both("create → Ready p50 / p99 ms", (w) => `${fmt(w.toReady.p50)} / ${fmt(w.toReady.p99)}`),
    both(
      "first create → all Running / Ready s",
      (w) => `${fmt(w.runningSeconds)} / ${fmt(w.readySeconds)}`,
    ),
    both(
      "creates answered/s; create p50 / p99 ms",
      (w) => `${fmt(w.creates.perSecond)}; ${fmt(w.creates.p50)} / ${fmt(w.creates.p99)}`,
    ),
    both("nodes start → all with a pod CIDR s", (w) => w.nodesSeconds),
    both(
      "CPU s API server / manager / scheduler / nodes",
      (w) =>
        `${fmt(w.cpu.server)} / ${fmt(w.cpu.manager)} / ${fmt(w.cpu.scheduler)} / ${fmt(w.cpu.nodes)}`,
    ),
    both("API server RSS / peak MB", (w) => memory(w.memory.server)),
    both("controller manager RSS / peak MB", (w) => memory(w.memory.manager)),
    both("scheduler RSS / peak MB", (w) => memory(w.memory.scheduler)),
    both("nodes process RSS / peak MB", (w) => memory(w.memory.nodes)),
  ];
  const failures = [
    ...(r.processResult instanceof Error ? [`process runtime: ${r.processResult.message}`] : []),
    ...(r.hollowResult instanceof Error ? [`hollow nodes: ${r.hollowResult.message}`] : []),
  ];
  return [
    `kubelet, scale ${r.scale}: ${counts.processNodes} process nodes and ${count(counts.processPods)} pods; ` +
      `${count(counts.hollowNodes)} hollow nodes and ${count(counts.hollowPods)} pods. ` +
      `${availableParallelism()} CPUs, data in ${benchDir()}.`,
    "",
    table(
      [
        `process runtime, ${count(counts.processPods)} pods (ms)`,
        "p50",
        "p99",
        "SLO p99",
        "target p99",
      ],
      startup,
    ),
    "",
    table(["hollow nodes", "measured", "kwok CI", "issue"], hollow),
    "",
    table(detailHeader, detail),
    "",
    ...(failures.length > 0 ? ["Failed:", ...failures.map((f) => `  ${f}`), ""] : []),
    `Process runtime: pods created at ${PROCESS_CREATES_PER_SECOND}/s (each starts two Node.js processes; at the SLO's`,
    "20/s bound two cores fall behind), tinykube/hello pulled on every node beforehand (the SLI",
    "excludes pulls); times from the create sent to the first watch event showing the pod Running",
    "(Ready: its readiness probe, every 1 s, passed), read in the benchmark's process. Components",
    "at Kubernetes' default client budgets. Hollow nodes:",
    "FakeRuntime kubelets, each with its own identity, watches (pods, Node, services) and",
    "heartbeats (lease every 10 s, status checked every 10 s, PLEG relist every 1 s), all on shared HTTP/2",
    "connections; no probes (a fake container serves nothing). The controller manager at 100 qps",
    "(the 5,000-node scale tests' setting), the scheduler's limit lifted; the API server and the",
    "nodes with --max-semi-space-size=64 (Node's default 16: scavenges took a fifth of their CPU).",
    "Memory: each child's own peak RSS (VmHWM); their sum bounds the whole's peak from above.",
  ].join("\n");
}
// #endregion report
