/**
 * The controllers benchmark's report: one table with a column per store, then what each row
 * measures and why, then the targets met or missed. It only formats: every number comes from the
 * phases (controllers-phases.ts), every count and target from controllers-workload.ts.
 */
import { availableParallelism } from "node:os";
import { benchDir } from "./backends.ts";
import type { CpuShare, ManyResult, OneResult, Tail } from "./controllers-phases.ts";
import {
  CLIENTS,
  type Counts,
  DEFAULT_BURST,
  DEFAULT_QPS,
  PACED_PER_SECOND,
  SMALL_REPLICAS,
  TARGET_P99_MS,
  TARGET_PODS_PER_SECOND,
} from "./controllers-workload.ts";
import type { Memory } from "./processes.ts";
import { type Cell, count, fmt, table } from "./stats.ts";

/**
 * One store's run, filled in phase by phase; what does not apply (etcd's RSS on the embedded
 * store) stays empty and shows as —.
 */
export interface Results {
  one?: OneResult;
  many?: ManyResult;
  paced?: ManyResult;
  sequential?: ManyResult;
  throttled?: ManyResult;
  server?: Memory;
  manager?: Memory;
  serverPeakMB?: number;
  etcdRssMB?: number;
  failedSyncs?: number;
  failedSyncsThrottled?: number;
}

export function report(
  results: Map<string, Results>,
  options: { scale: number },
  c: Counts,
): string {
  const names = [...results.keys()];
  const row = (label: string, pick: (r: Results) => Cell, target?: string): Cell[] => [
    label,
    ...names.map((name) => pick(results.get(name) as Results)),
    target ?? "",
  ];
  const heading = (label: string): Cell[] => [label, ...names.map(() => ""), ""];
  const small = count(SMALL_REPLICAS);
  const main = table(
    ["", ...names, "target"],
    [
      heading(`1 Deployment × ${count(c.replicas)} replicas, no client limit`),
      row(
        `  pods/s, create → ${count(c.replicas)}th pod ADDED`,
        (r) => r.one?.podsPerSecond,
        `≥ ${TARGET_PODS_PER_SECOND}`,
      ),
      row("  s to all pods", (r) => r.one?.podsSeconds),
      row(`  s to ReplicaSet status.replicas = ${count(c.replicas)}`, (r) => r.one?.statusSeconds),
      row(`  ${CPU_LABEL}`, (r) => cpuCell(r.one?.cpu)),
      ...tailRows(row, (r) => r.one),
      heading(
        `${count(c.deployments)} Deployments × ${small}, a burst by ${CLIENTS} clients, no client limit`,
      ),
      ...manyRows(row, (r) => r.many, c.deployments, { rateTarget: true }),
      heading(
        `${count(c.paced)} Deployments × ${small} at ${PACED_PER_SECOND} Deployments/s, no client limit`,
      ),
      ...manyRows(row, (r) => r.paced, c.paced, { latencyTarget: true }),
      heading(`${count(c.sequential)} Deployments × ${small}, one at a time, no client limit`),
      ...manyRows(row, (r) => r.sequential, c.sequential, { rates: false }),
      heading(
        `${count(c.throttled)} Deployments × ${small}, qps ${DEFAULT_QPS} burst ${DEFAULT_BURST} (Kubernetes' default)`,
      ),
      ...manyRows(row, (r) => r.throttled, c.throttled),
      heading(
        `memory after phases 1-4 (${count(c.replicas + (c.deployments + c.paced + c.sequential) * SMALL_REPLICAS)} pods)`,
      ),
      row("  API server RSS (MB)", (r) => r.server?.rssMB),
      row("    peak over the run (MB)", (r) => r.serverPeakMB),
      row("  controller manager RSS (MB)", (r) => r.manager?.rssMB),
      row("    of which JS heap (MB)", (r) => r.manager?.heapMB),
      row("    peak (MB)", (r) => r.manager?.peakRssMB),
      row("  etcd RSS (MB)", (r) => r.etcdRssMB),
      row("failed syncs, retried: phases 1-4", (r) => whole(r.failedSyncs)),
      row(`  phase 5 (${DEFAULT_QPS} qps)`, (r) => whole(r.failedSyncsThrottled)),
    ],
  );
  const scaleNote =
    options.scale === 1 ? "" : ` (scaled by ${options.scale}: targets are for the full run)`;
  const mark = (ok: boolean | undefined) => (ok === undefined ? "?" : ok ? "✓" : "✗");
  const each = (
    pick: (r: Results) => number | undefined,
    ok: (v: number) => boolean,
    unit: string,
  ) =>
    names
      .map((name) => {
        const v = pick(results.get(name) as Results);
        return `${mark(v === undefined ? undefined : ok(v))} ${name.split(",")[0]} ${fmt(v ?? Number.NaN)}${unit}`;
      })
      .join(", ");
  const rate = (v: number) => v >= TARGET_PODS_PER_SECOND;
  /**
   * Paced phases whose pods came slower than the schedule: the controllers fell behind. 5 % slack,
   * as the last Deployment's pods arrive some milliseconds after its create: 3,000 pods over
   * 19.98 s of creates + 30 ms is 149.9 pods/s.
   */
  const behind = names.flatMap((name) => {
    const podsPerSecond = results.get(name)?.paced?.podsPerSecond;
    return podsPerSecond !== undefined && podsPerSecond < 0.95 * PACED_PER_SECOND * SMALL_REPLICAS
      ? [{ name: name.split(",")[0], podsPerSecond }]
      : [];
  });
  const info = (pick: (r: Results) => number | undefined, unit: string) =>
    names
      .map(
        (name) =>
          `${name.split(",")[0]} ${fmt(pick(results.get(name) as Results) ?? Number.NaN)}${unit}`,
      )
      .join(", ");
  return [
    `Controllers benchmark${scaleNote} — deployment and replicaset controllers, API server over HTTPS, same disk (${benchDir()}), store fsync on`,
    "",
    main,
    "",
    "Processes: the API server and the controller manager (deployment + replicaset controllers, 5",
    "workers each, leader election off, as system:kube-controller-manager) each run in a child of",
    "their own, as kube-apiserver and kube-controller-manager do: each RSS is its own, and this",
    "process's creates and watch parsing never wait on the controllers' event loop. They share this",
    "machine's cores, etcd included.",
    `Client limit: kube-controller-manager talks to the API server at ${DEFAULT_QPS} qps, burst ${DEFAULT_BURST}, by default`,
    "(--kube-api-qps, --kube-api-burst). Phases 1 to 4 lift it (qps 0 here means no limit), to",
    "measure the controllers and not the limit; phase 5 keeps it, to show what it costs.",
    "Pods/s: phase 1 from the Deployment create's response, the others from the first create's",
    "request, to the last pod's ADDED event read by this process's own watch of the namespace.",
    "Event-to-reconcile: from a Deployment create's response to its ReplicaSet's ADDED read here.",
    "It includes the watch delivery of the Deployment to the manager's informer, the wait in the",
    "work queue, the reconcile, the ReplicaSet create (admission, store write) and the watch",
    "delivery of the ReplicaSet back to this process — an upper bound of the deployment",
    "controller's reaction time. ReplicaSet → pods: from that ADDED to its 3rd pod's ADDED here,",
    "the same chain for the replicaset controller, its 3 creates included.",
    "The three phases of small Deployments differ only in how the creates arrive:",
    `- Burst: ${CLIENTS} clients create ${count(c.deployments)} as fast as the API server answers. Its pods/s is the`,
    "  controllers' throughput; its latencies are queueing. All the events reach the informer",
    "  within the burst and the workers drain the keys in order, so a Deployment waits for every",
    "  key queued before it. E.g. 1,000 creates in 1 s, drained at 500 a second: at 0.99 s, 990",
    "  keys have arrived and about 495 are done, so the 990th — the p99 — waits behind about 495",
    "  others, ~1 s, however fast one reconcile is. The p99 measures the burst's size over the",
    "  drain rate, not the reaction time.",
    `- At ${PACED_PER_SECOND} Deployments/s: ${count(c.paced)} created on a fixed schedule, create i sent at start + i/${PACED_PER_SECOND} s`,
    "  whether or not earlier ones have answered, so a slow server shows as latency instead of a",
    `  lower rate. ${PACED_PER_SECOND}/s (${PACED_PER_SECOND * SMALL_REPLICAS} pods/s) is meant to be under the controllers' throughput (the`,
    "  burst's pods/s), so the queues stay near empty and the latencies are the reaction time under",
    "  a steady load, the CPU shared with the reconciles, pod creates and Events in flight. The",
    `  latency target is about this phase. Its pods/s is the schedule's ${PACED_PER_SECOND * SMALL_REPLICAS} when the controllers keep`,
    `  up; creates/s achieved is the creates answered over the first request → the last response,`,
    `  ${PACED_PER_SECOND} when the schedule was kept.`,
    ...behind.map(
      (b) =>
        `  Here ${b.name} fell behind: ${fmt(b.podsPerSecond)} pods/s, not ${PACED_PER_SECOND * SMALL_REPLICAS}, so its latencies include queueing.`,
    ),
    "- One at a time: each Deployment created only once the previous one's pods were seen: what",
    "  one event costs with nothing else going on.",
    `CPU: each process's CPU time over the phase's wall time; 100 is one core busy throughout (more:`,
    `Node's helper threads), and this machine has ${availableParallelism()}. At ${PACED_PER_SECOND} Deployments/s it is a cost per`,
    `Deployment: 25 % of a core is ${(0.25 * 1000) / PACED_PER_SECOND} ms of CPU each.`,
    "Event writes: Events created or patched, as a watch here sees them. The recorder writes them",
    "one at a time after the reconciles that record them, so they go on after the last pod; the",
    "row below is how long, and the next phase waits for them.",
    "Failed syncs: reconciles that threw (mostly 409 Conflicts on a status write from a stale",
    "cached copy) and were queued again through the rate limiter. client-go's default controller",
    "rate limiter lets retries through at 10 a second once a burst of 100 is spent, so a thousand",
    "failed syncs keep the manager busy ~90 s, and the phase's 's until idle' row shows it.",
    "",
    "Targets:",
    `  ${TARGET_PODS_PER_SECOND} pods/s, 1 × ${count(c.replicas)}: ${each((r) => r.one?.podsPerSecond, rate, "/s")}`,
    `  ${TARGET_PODS_PER_SECOND} pods/s, ${count(c.deployments)} × ${small} in a burst: ${each((r) => r.many?.podsPerSecond, rate, "/s")}`,
    `  event-to-reconcile p99 under ${TARGET_P99_MS} ms at ${PACED_PER_SECOND} Deployments/s: ${each(
      (r) => r.paced?.toReplicaSet.p99,
      (v) => v < TARGET_P99_MS,
      " ms",
    )}`,
    "For comparison, not targets: event-to-reconcile p99",
    `  in the burst (queueing): ${info((r) => r.many?.toReplicaSet.p99, " ms")}`,
    `  one at a time: ${info((r) => r.sequential?.toReplicaSet.p99, " ms")}`,
  ].join("\n");
}

/** A count, not a measure: no decimals. */
const whole = (n: number | undefined): Cell => (n === undefined ? undefined : count(n));

/** Each process's CPU in a phase, in the order of CPU_LABEL. */
const CPU_LABEL = "CPU % of a core: API server/manager/etcd/bench";
const cpuCell = (cpu: CpuShare | undefined): Cell =>
  cpu
    ? [cpu.server, cpu.manager, cpu.etcd, cpu.bench]
        .map((x) => (x === undefined ? "—" : Math.round(x)))
        .join("/")
    : undefined;

function manyRows(
  row: (label: string, pick: (r: Results) => Cell, target?: string) => Cell[],
  pick: (r: Results) => ManyResult | undefined,
  deployments: number,
  {
    rateTarget = false,
    latencyTarget = false,
    rates = true,
  }: { rateTarget?: boolean; latencyTarget?: boolean; rates?: boolean } = {},
): Cell[][] {
  const pods = count(deployments * SMALL_REPLICAS);
  return [
    ...(rates
      ? [
          row(
            `  pods/s, first create → ${pods}th pod ADDED`,
            (r) => pick(r)?.podsPerSecond,
            rateTarget ? `≥ ${TARGET_PODS_PER_SECOND}` : undefined,
          ),
          row("  Deployment creates/s achieved", (r) => pick(r)?.creates.perSecond),
          row("  Deployment create, request → response, p99 ms", (r) => pick(r)?.creates.p99),
        ]
      : []),
    row("  event-to-reconcile: created → RS ADDED, p50 ms", (r) => pick(r)?.toReplicaSet.p50),
    row(
      "    p99 ms",
      (r) => pick(r)?.toReplicaSet.p99,
      latencyTarget ? `< ${TARGET_P99_MS}` : undefined,
    ),
    row("  RS ADDED → its 3rd pod ADDED, p50 ms", (r) => pick(r)?.toPods.p50),
    row("    p99 ms", (r) => pick(r)?.toPods.p99),
    row(`  ${CPU_LABEL}`, (r) => cpuCell(pick(r)?.cpu)),
    ...tailRows(row, pick),
  ];
}

function tailRows(
  row: (label: string, pick: (r: Results) => Cell) => Cell[],
  pick: (r: Results) => Partial<Tail> | undefined,
): Cell[][] {
  return [
    row("  Event writes by the manager, until idle", (r) => whole(pick(r)?.eventWrites)),
    row("  s from the last pod until the manager is idle", (r) => pick(r)?.idleSeconds),
  ];
}
