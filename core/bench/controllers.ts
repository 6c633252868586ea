/**
 * `npm run bench -- controllers`: the deployment and replicaset controllers turning Deployments
 * into pods, against the API server on the embedded store and on a real etcd, side by side.
 *
 * Three processes (four with etcd), as in a real control plane: the API server and the controller
 * manager each in a child of their own (controllers-child.ts), and this one, which creates the
 * Deployments as admin and watches ReplicaSets and pods to time what the controllers do. Pods stay
 * Pending: there is no scheduler or kubelet here; the benchmark ends where the pods exist.
 *
 * For each store, each phase in a namespace of its own:
 * 1. one Deployment of 10,000 replicas: from the create's response to the 10,000th pod ADDED on
 *    this process's watch, and to the ReplicaSet's status.replicas reaching 10,000;
 * 2. a burst: 1,000 Deployments of 3 replicas, created by 20 concurrent clients as fast as the API
 *    server answers: to all 3,000 pods, and per Deployment the create's response → its ReplicaSet
 *    ADDED (the deployment controller) and that ADDED → the ReplicaSet's 3rd pod ADDED (the
 *    replicaset controller). The controllers' throughput; the latencies are mostly queueing;
 * 3. paced: 1,000 more created on a fixed schedule at 50 a second, meant to be below the
 *    controllers' throughput, whether or not earlier creates have answered: the same rows, now
 *    the controllers' reaction time under a steady load — the phase the latency target is about;
 * 4. one at a time: 100 more, each created once the previous one's pods were seen: what one event
 *    costs with nothing else going on;
 * 5. phase 2 again, smaller (100 Deployments), with a new controller manager at
 *    kube-controller-manager's default client limit, 20 qps and burst 30.
 * Phases 1 to 4 run with the limit lifted. Each phase is followed by a wait until the manager is
 * idle — its queues still and no Event being written — so the next does not pay for its tail.
 * Each process's CPU over each phase shows which one was the bottleneck. --scale scales every
 * count, not the paced phase's rate.
 *
 * Set TINYKUBE_BENCH_PROF=<dir> to write a CPU profile of each child (node --cpu-prof).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { availableParallelism, constants as osConstants, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { KubeObject } from "../src/api/object.ts";
import type { Deployment, Pod, ReplicaSet } from "../src/api/types.ts";
import { builtinType } from "../src/client/factory.ts";
import { type ClientWatch, RestClient } from "../src/client/rest.ts";
import { ETCD_NOT_FOUND, findEtcd, startEtcd } from "../src/store/etcd-server.ts";
import type { Activity, ManagerStart } from "./controllers-child.ts";
import { type Cell, fmt, type LatencySummary, load, percentile, progress, table } from "./stats.ts";

const here = dirname(fileURLToPath(import.meta.url));

export interface ControllersBenchOptions {
  /** Scale every count down for a quick look (1 = the full benchmark). */
  scale: number;
}

/** kube-controller-manager's --kube-api-qps and --kube-api-burst defaults. */
const DEFAULT_QPS = 20;
const DEFAULT_BURST = 30;
/** The targets. */
const TARGET_PODS_PER_SECOND = 500;
const TARGET_P99_MS = 100;
const CLIENTS = 20;
const SMALL_REPLICAS = 3;
/**
 * Deployments created a second in the paced phase: 150 pods a second, under a third of the
 * 500 pods/s target, so that controllers meeting it keep up and their queues stay near empty.
 * The report says when they did not.
 */
const PACED_PER_SECOND = 50;
const NS = {
  one: "bench-one",
  many: "bench-many",
  paced: "bench-paced",
  sequential: "bench-one-at-a-time",
  throttled: "bench-qps20",
};
/** A manager with no queue activity this long, and no reconcile running, counts as idle. */
const QUIET_MS = 500;
/** Far beyond what any phase takes; only a stuck controller gets near it. */
const PHASE_TIMEOUT_MS = 10 * 60_000;
const PROGRESS_EVERY_MS = 5000;

interface Memory {
  rssMB: number;
  heapMB: number;
  peakRssMB: number;
}

/** Each process's CPU over a phase, in % of one core: 100 is a core busy all the time. */
interface CpuShare {
  server: number;
  manager: number;
  etcd?: number;
  bench: number;
}

interface Percentiles {
  p50: number;
  p99: number;
}

/** What happens after a phase's last pod, until the manager is idle. */
interface Tail {
  /** Events the manager wrote (created or patched) from the phase's start until idle. */
  eventWrites: number;
  /** From the last pod's ADDED until the manager went idle: status writes, then events. */
  idleSeconds: number;
}

interface OneResult extends Partial<Tail> {
  /** When the last pod's ADDED, or the ReplicaSet's status, arrived, whichever came later. */
  doneAt: number;
  podsPerSecond: number;
  podsSeconds: number;
  statusSeconds: number;
  cpu: CpuShare;
}

interface ManyResult extends Partial<Tail> {
  podsPerSecond: number;
  /** perSecond: creates answered over the first request → the last response. */
  creates: LatencySummary;
  /** Deployment create's response → its ReplicaSet ADDED on this process's watch. */
  toReplicaSet: Percentiles;
  /** ReplicaSet ADDED → its last pod ADDED. */
  toPods: Percentiles;
  cpu: CpuShare;
  /** When the last pod's ADDED arrived. */
  doneAt: number;
}

interface Results {
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

interface Counts {
  replicas: number;
  deployments: number;
  paced: number;
  sequential: number;
  throttled: number;
}

/** A count as people write it: 10,000. */
const count = (n: number) => n.toLocaleString("en-US");

const deploymentOf = (name: string, replicas: number): Deployment => ({
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

export async function benchControllers(options: ControllersBenchOptions): Promise<string> {
  const n = (c: number) => Math.max(1, Math.round(c * options.scale));
  const counts: Counts = {
    replicas: n(10_000),
    deployments: n(1000),
    paced: n(1000),
    sequential: n(100),
    throttled: n(100),
  };
  const parent = process.env.TINYKUBE_BENCH_DIR ?? tmpdir();
  const root = await mkdtemp(join(parent, "tinykube-bench-"));
  guard(root);
  const backends: { name: string; etcd: boolean }[] = [{ name: "embedded, fsync", etcd: false }];
  if (findEtcd()) backends.push({ name: "etcd 3.4, fsync", etcd: true });
  else progress(`${ETCD_NOT_FOUND} — the etcd column stays empty`);

  const results = new Map<string, Results>();
  try {
    for (const backend of backends) {
      const r: Results = {};
      results.set(backend.name, r);
      await runPhases(backend, root, counts, r);
    }
    return report(results, options, counts);
  } finally {
    await rm(root, { recursive: true, force: true });
    unguard();
  }
}

async function runPhases(
  backend: { name: string; etcd: boolean },
  root: string,
  counts: Counts,
  r: Results,
): Promise<void> {
  const say = (message: string) => progress(`${backend.name}: ${message}`);
  say("starting");
  const etcd = backend.etcd
    ? await startEtcd({ parentDir: root, extraArgs: ["--quota-backend-bytes=4294967296"] })
    : undefined;
  if (etcd) leftovers.pids.add(etcd.pid);
  let server: ChildHandle | undefined;
  let manager: ChildHandle | undefined;
  let admin: RestClient | undefined;
  let events: EventWrites | undefined;
  try {
    server = startChild("apiserver", [await mkdtemp(join(root, "apiserver-")), etcd?.endpoint]);
    const ready = await server.next<ServerReady>("ready");
    const a = new RestClient({
      server: ready.url,
      caPem: ready.caCertPem,
      token: ready.adminToken,
      qps: 0,
    });
    admin = a;
    for (const ns of Object.values(NS)) await createNamespace(a, ns);
    const start = (qps: number, burst: number): ManagerStart => ({
      server: ready.url,
      caPem: ready.caCertPem,
      token: ready.controllerManagerToken,
      qps,
      burst,
    });

    const s = server;
    const e = await EventWrites.open(a);
    events = e;
    const phase = (m: ChildHandle): Phase => ({ admin: a, say, server: s, manager: m, etcd });
    /** Runs a phase, then waits for the manager to go idle and notes what it did meanwhile. */
    const measured = async <T extends { doneAt: number } & Partial<Tail>>(
      m: ChildHandle,
      run: () => Promise<T>,
    ): Promise<T> => {
      const before = e.writes;
      const result = await run();
      const idleAt = await quiet(m, e, say);
      result.eventWrites = e.writes - before;
      result.idleSeconds = Math.max(0, idleAt - result.doneAt) / 1000;
      return result;
    };

    say("controller manager, client limit lifted");
    manager = await startManager(start(0, 0));
    const m1 = manager;
    say(`phase 1: 1 Deployment of ${count(counts.replicas)} replicas`);
    r.one = await measured(m1, () => oneBig(phase(m1), counts.replicas));
    say(
      `phase 2: ${count(counts.deployments)} Deployments of ${SMALL_REPLICAS}, ${CLIENTS} clients`,
    );
    r.many = await measured(m1, () => many(phase(m1), NS.many, counts.deployments, "burst"));
    say(`phase 3: ${count(counts.paced)} Deployments at ${PACED_PER_SECOND} a second`);
    r.paced = await measured(m1, () => many(phase(m1), NS.paced, counts.paced, "paced"));
    say(`phase 4: ${count(counts.sequential)} Deployments one at a time`);
    r.sequential = await measured(m1, () =>
      many(phase(m1), NS.sequential, counts.sequential, "one at a time"),
    );
    r.failedSyncs = (await activity(manager)).failedSyncs;

    say("memory");
    r.server = await server.memory();
    r.manager = await manager.memory();
    if (etcd) r.etcdRssMB = await rssMB(etcd.pid);
    await manager.stop();

    say(`controller manager at Kubernetes' defaults: ${DEFAULT_QPS} qps, burst ${DEFAULT_BURST}`);
    manager = await startManager(start(DEFAULT_QPS, DEFAULT_BURST));
    const m2 = manager;
    await quiet(m2, e, say);
    say(`phase 5: ${count(counts.throttled)} Deployments of ${SMALL_REPLICAS}, ${CLIENTS} clients`);
    r.throttled = await measured(m2, () =>
      many(phase(m2), NS.throttled, counts.throttled, "burst"),
    );
    r.failedSyncsThrottled = (await activity(manager)).failedSyncs;
    r.serverPeakMB = (await server.memory()).peakRssMB;
  } finally {
    events?.stop();
    admin?.close();
    await manager?.stop();
    await server?.stop();
    await etcd?.stop();
    if (etcd) leftovers.pids.delete(etcd.pid);
  }
}

// #region phases
/** What a phase works with: the admin's client and the processes it measures. */
interface Phase {
  admin: RestClient;
  say: (message: string) => void;
  server: ChildHandle;
  manager: ChildHandle;
  etcd?: { pid: number };
}

/** Phase 1: one Deployment of `replicas`; the clock starts at the create's response. */
async function oneBig({ admin, say, ...processes }: Phase, replicas: number): Promise<OneResult> {
  const w = await NamespaceWatch.open(admin, NS.one, replicas);
  const ticker = setInterval(
    () => say(`${count(w.pods)} of ${count(replicas)} pods`),
    PROGRESS_EVERY_MS,
  );
  try {
    const cpu = await cpuMeter(processes);
    await admin
      .resource<Deployment>(builtinType("apps/deployments"), NS.one)
      .create(deploymentOf("big", replicas));
    const created = performance.now();
    const describe = () =>
      `${count(w.pods)} of ${count(replicas)} pods, ReplicaSet status.replicas ${w.statusReplicas()}`;
    const [podsAt, statusAt] = await Promise.all([
      w.until(() => w.pods >= replicas, describe),
      w.until(() => w.statusReplicas() >= replicas, describe),
    ]);
    return {
      podsPerSecond: replicas / ((podsAt - created) / 1000),
      podsSeconds: (podsAt - created) / 1000,
      statusSeconds: (statusAt - created) / 1000,
      cpu: await cpu(),
      doneAt: Math.max(podsAt, statusAt),
    };
  } finally {
    clearInterval(ticker);
    w.stop();
  }
}

/**
 * How a phase's Deployments arrive:
 * - "burst": CLIENTS loops, each sending its next create when its last one answered;
 * - "paced": PACED_PER_SECOND a second on a fixed schedule (see `paced`);
 * - "one at a time": one loop, which waits for each Deployment's pods before creating the next,
 *   so no Deployment waits behind another in any queue.
 */
type Arrivals = "burst" | "paced" | "one at a time";

/**
 * Phases 2 to 5: `deployments` of SMALL_REPLICAS each, arriving as `arrivals` says; the clock for
 * the pod rate starts at the first create's request, and each Deployment's own latencies at its
 * create's response.
 */
async function many(
  { admin, say, ...processes }: Phase,
  namespace: string,
  deployments: number,
  arrivals: Arrivals,
): Promise<ManyResult> {
  const pods = deployments * SMALL_REPLICAS;
  const w = await NamespaceWatch.open(admin, namespace, SMALL_REPLICAS);
  const ticker = setInterval(
    () =>
      say(
        `${count(w.replicaSets.size)} of ${count(deployments)} ReplicaSets, ${count(w.pods)} of ${count(pods)} pods`,
      ),
    PROGRESS_EVERY_MS,
  );
  try {
    const client = admin.resource<Deployment>(builtinType("apps/deployments"), namespace);
    const createdAt = new Map<string, number>();
    const cpu = await cpuMeter(processes);
    const started = performance.now();
    const create = async (i: number) => {
      const name = `d-${String(i).padStart(5, "0")}`;
      await client.create(deploymentOf(name, SMALL_REPLICAS));
      createdAt.set(name, performance.now());
      if (arrivals === "one at a time")
        await w.until(
          () => w.isFull(name),
          () => `${name}: pods not all seen`,
        );
    };
    const creates =
      arrivals === "paced"
        ? await paced(deployments, PACED_PER_SECOND, create)
        : await load(arrivals === "burst" ? CLIENTS : 1, deployments, create);
    const allAt = await w.until(
      () => w.pods >= pods,
      () => `${count(w.replicaSets.size)} ReplicaSets, ${count(w.pods)} of ${count(pods)} pods`,
    );
    const toReplicaSet: number[] = [];
    const toPods: number[] = [];
    for (const [name, rs] of w.replicaSets) {
      const created = createdAt.get(rs.owner);
      const full = w.fullAt.get(name);
      if (created === undefined || full === undefined)
        throw new Error(`ReplicaSet ${name}: owner ${rs.owner} created ${created}, full ${full}`);
      toReplicaSet.push(rs.at - created);
      toPods.push(full - rs.at);
    }
    if (w.replicaSets.size !== deployments)
      throw new Error(`expected ${deployments} ReplicaSets, saw ${w.replicaSets.size}`);
    return {
      podsPerSecond: pods / ((allAt - started) / 1000),
      creates,
      toReplicaSet: summarize(toReplicaSet),
      toPods: summarize(toPods),
      cpu: await cpu(),
      doneAt: allAt,
    };
  } finally {
    clearInterval(ticker);
    w.stop();
  }
}

/**
 * Calls `op` `total` times on a fixed schedule, call i at `started + i / perSecond`, without
 * waiting for earlier calls to answer: an open loop. A closed loop (the next call when the last
 * one answered) slows down with the server, so a slow server would lower the rate instead of
 * showing as latency ("coordinated omission"); here it shows as latency, and in perSecond, the
 * calls answered a second from the first request to the last response.
 *
 * 1,000 calls at 50 a second: call 0 at 0 ms, call 1 at 20 ms, call 999 at 19,980 ms; if call 500
 * takes 300 ms, calls 501 to 514 go out on time meanwhile, and if all take 5 ms, perSecond is
 * 1,000 / 19.985 s = 50.04. Should this process fall behind (its event loop busy parsing
 * watches), the calls overdue go out at once, so the count sent stays on schedule.
 */
async function paced(
  total: number,
  perSecond: number,
  op: (i: number) => Promise<unknown>,
): Promise<LatencySummary> {
  const latencies: number[] = [];
  const calls: Promise<void>[] = [];
  let failure: unknown;
  const started = performance.now();
  for (let i = 0; i < total && failure === undefined; i++) {
    const wait = started + (i * 1000) / perSecond - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sent = performance.now();
    // Caught at once and rethrown below: a rejection left unhandled until the last call is sent
    // would end the process.
    calls.push(
      op(i).then(
        () => void latencies.push(performance.now() - sent),
        (error: unknown) => {
          failure ??= error;
        },
      ),
    );
  }
  await Promise.all(calls);
  if (failure !== undefined) throw failure;
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    count: total,
    perSecond: total / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

function summarize(values: number[]): Percentiles {
  values.sort((a, b) => a - b);
  return { p50: percentile(values, 50), p99: percentile(values, 99) };
}

async function createNamespace(admin: RestClient, name: string): Promise<void> {
  await admin
    .resource(builtinType("namespaces"))
    .create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
  // The ServiceAccount admission refuses pods whose account does not exist, and no
  // serviceaccount controller runs here to create "default".
  await admin
    .resource(builtinType("serviceaccounts"), name)
    .create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } });
}
// #endregion phases

// #region watch
/**
 * This process's view of one namespace: a watch on its ReplicaSets and one on its pods, each from
 * the resourceVersion of a LIST, so nothing created after `open` is missed. Every event is
 * stamped with the moment it was parsed here.
 */
class NamespaceWatch {
  /** ReplicaSets by name: when their ADDED arrived, and the Deployment that owns them. */
  readonly replicaSets = new Map<string, { at: number; owner: string }>();
  /** When each ReplicaSet's `replicas`-th pod arrived, by ReplicaSet name. */
  readonly fullAt = new Map<string, number>();
  /** Pods ADDED so far. */
  pods = 0;
  /** When the latest event arrived. */
  private lastAt = 0;
  private readonly podsOf = new Map<string, number>();
  /** ReplicaSet names by owning Deployment. */
  private readonly byOwner = new Map<string, string>();
  private readonly status = new Map<string, number>();
  private readonly waiters = new Set<{ check: () => boolean; done: (at: number) => void }>();
  private readonly watches: ClientWatch[] = [];
  private failure: Error | undefined;
  private readonly failed = new Set<(error: Error) => void>();

  private constructor(private readonly replicas: number) {}

  static async open(admin: RestClient, namespace: string, replicas: number) {
    const w = new NamespaceWatch(replicas);
    for (const type of ["apps/replicasets", "pods"]) {
      const client = admin.resource(builtinType(type), namespace);
      const { metadata } = await client.list({ limit: 1 });
      const watch = await client.watch({
        resourceVersion: metadata.resourceVersion,
        timeoutSeconds: 3600,
      });
      w.watches.push(watch);
      void w.consume(type, watch);
    }
    return w;
  }

  /** Resolves with the arrival time of the event after which `check` first held. */
  until(check: () => boolean, describe: () => string): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    if (check()) return Promise.resolve(this.lastAt);
    let waiter: { check: () => boolean; done: (at: number) => void } | undefined;
    let onFailure: ((error: Error) => void) | undefined;
    const reached = new Promise<number>((resolve, reject) => {
      waiter = { check, done: resolve };
      onFailure = reject;
      this.waiters.add(waiter);
      this.failed.add(reject);
    });
    return withDeadline(
      reached,
      PHASE_TIMEOUT_MS,
      () => `not done within ${PHASE_TIMEOUT_MS / 1000} s: ${describe()}`,
    ).finally(() => {
      if (waiter) this.waiters.delete(waiter);
      if (onFailure) this.failed.delete(onFailure);
    });
  }

  /** Whether the Deployment's ReplicaSet and all its pods have been seen. */
  isFull(deployment: string): boolean {
    const rs = this.byOwner.get(deployment);
    return rs !== undefined && this.fullAt.has(rs);
  }

  statusReplicas(): number {
    return Math.max(0, ...this.status.values());
  }

  stop(): void {
    for (const watch of this.watches) watch.stop();
  }

  private async consume(type: string, watch: ClientWatch): Promise<void> {
    try {
      for await (const event of watch) {
        const at = performance.now();
        this.lastAt = at;
        if (event.type === "ERROR")
          throw new Error(`watch of ${type}: ${JSON.stringify(event.object).slice(0, 300)}`);
        if (type === "pods") this.onPod(event.type, event.object as Pod, at);
        else this.onReplicaSet(event.type, event.object as ReplicaSet, at);
        for (const waiter of this.waiters) {
          if (!waiter.check()) continue;
          this.waiters.delete(waiter);
          waiter.done(at);
        }
      }
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      for (const fail of this.failed) fail(this.failure);
    }
  }

  private onPod(type: string, pod: Pod, at: number): void {
    if (type !== "ADDED") return;
    this.pods++;
    const rs = ownerName(pod);
    const seen = (this.podsOf.get(rs) ?? 0) + 1;
    this.podsOf.set(rs, seen);
    if (seen === this.replicas) this.fullAt.set(rs, at);
  }

  private onReplicaSet(type: string, rs: ReplicaSet, at: number): void {
    const name = rs.metadata.name as string;
    if (type === "ADDED") {
      this.replicaSets.set(name, { at, owner: ownerName(rs) });
      this.byOwner.set(ownerName(rs), name);
    }
    if (rs.status) this.status.set(name, rs.status.replicas);
  }
}

/**
 * Every Event written in the cluster, as a watch from this process sees them: the count of
 * creates and patches, and when the last one arrived.
 */
class EventWrites {
  writes = 0;
  lastAt = performance.now();
  private failure: Error | undefined;

  private constructor(private readonly watch: ClientWatch) {}

  static async open(admin: RestClient): Promise<EventWrites> {
    const client = admin.resource(builtinType("events"));
    const { metadata } = await client.list({ limit: 1 });
    const watch = await client.watch({
      resourceVersion: metadata.resourceVersion,
      timeoutSeconds: 3600,
    });
    const e = new EventWrites(watch);
    void e.consume();
    return e;
  }

  /** Throws if the watch broke: its silence would look like idleness. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  stop(): void {
    this.watch.stop();
  }

  private async consume(): Promise<void> {
    try {
      for await (const event of this.watch) {
        if (event.type === "ERROR")
          throw new Error(`watch of events: ${JSON.stringify(event.object).slice(0, 300)}`);
        this.writes++;
        this.lastAt = performance.now();
      }
      this.failure = new Error("the watch of events ended");
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
    }
  }
}

const ownerName = (object: KubeObject) =>
  object.metadata.ownerReferences?.find((ref) => ref.controller)?.name ?? "";
// #endregion watch

// #region children
interface ServerReady {
  url: string;
  caCertPem: string;
  adminToken: string;
  controllerManagerToken: string;
}

interface ChildHandle {
  pid: number;
  send(message: unknown): void;
  /** The next message carrying `key`, within a minute. */
  next<T>(key: string): Promise<T>;
  /** RSS and heap after a full GC, and the peak RSS so far. */
  memory(): Promise<Memory>;
  /** CPU time used so far, user and system, in microseconds. */
  cpu(): Promise<number>;
  /** Asks the child to stop; kills it by PID if it has not exited within 10 s. */
  stop(): Promise<void>;
}

function startChild(role: string, args: (string | undefined)[]): ChildHandle {
  const prof = process.env.TINYKUBE_BENCH_PROF;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // Node names each profile CPU.<date>.<time>.<pid>.<thread>...: the pid says whose it is.
      ...(prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : []),
      "--expose-gc",
      "--import",
      "tsx",
      join(here, "controllers-child.ts"),
      role,
      ...args.filter((a): a is string => a !== undefined),
    ],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  const pid = child.pid as number;
  if (prof) progress(`${role} child is pid ${pid} (its CPU profile goes to ${prof})`);
  leftovers.pids.add(pid);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  void exited.then(() => leftovers.pids.delete(pid));
  child.on("error", (error) => progress(`${role} child: ${error.message}`));
  const next = <T>(key: string): Promise<T> =>
    withDeadline(
      new Promise<T>((resolve, reject) => {
        const onMessage = (message: Record<string, unknown>) => {
          if (typeof message !== "object" || !(key in message)) return;
          child.off("message", onMessage);
          resolve(message[key] as T);
        };
        child.on("message", onMessage);
        void exited.then((code) => reject(new Error(`the ${role} child exited with ${code}`)));
      }),
      60_000,
      `the ${role} child sent no ${key} within 60 s`,
    );
  return {
    pid,
    send: (message) => child.send(message as object),
    next,
    memory: () => {
      child.send("memory");
      return next<Memory>("memory");
    },
    cpu: () => {
      child.send("cpu");
      return next<number>("cpu");
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send("stop");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A controller manager child, resolved once its caches have synced and its workers run. */
async function startManager(start: ManagerStart): Promise<ChildHandle> {
  const manager = startChild("manager", []);
  try {
    await manager.next<true>("listening");
    manager.send({ start });
    await manager.next<true>("ready");
    return manager;
  } catch (error) {
    await manager.stop();
    throw error;
  }
}

function activity(manager: ChildHandle): Promise<Activity> {
  manager.send("activity");
  return manager.next<Activity>("activity");
}

/**
 * Waits until the manager has been idle QUIET_MS — no queue activity, no reconcile running, no
 * Event written — so a phase does not pay for the last one; resolves with when it went idle.
 * The Events matter: the recorder writes them one at a time in the background, and after 10,000
 * pod creates it is still writing long after the last pod.
 */
async function quiet(
  manager: ChildHandle,
  events: EventWrites,
  say: (message: string) => void,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    const a = await activity(manager);
    events.check();
    const now = performance.now();
    const idleFor = Math.min(a.msSinceLast, now - events.lastAt);
    if (a.reconciling === 0 && idleFor >= QUIET_MS) return now - idleFor;
    if (now - started > PHASE_TIMEOUT_MS)
      throw new Error(
        `the controller manager never went idle: ${JSON.stringify(a)}, last Event ${Math.round(now - events.lastAt)} ms ago`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (performance.now() - started > PROGRESS_EVERY_MS && a.msSinceLast < 100)
      say("waiting for the controller manager to go idle");
  }
}

/**
 * Starts measuring each process's CPU time; the function it returns ends the measurement. The
 * children report their own (process.cpuUsage); etcd's is read from /proc, in clock ticks of
 * 10 ms (USER_HZ, 100 on Linux whatever the kernel's own tick rate).
 */
async function cpuMeter(p: Omit<Phase, "admin" | "say">): Promise<() => Promise<CpuShare>> {
  const read = async () => ({
    at: performance.now(),
    server: await p.server.cpu(),
    manager: await p.manager.cpu(),
    etcd: p.etcd ? await ticksOf(p.etcd.pid) : 0,
    bench: process.cpuUsage().user + process.cpuUsage().system,
  });
  const before = await read();
  return async () => {
    const after = await read();
    const share = (micros: number) => (100 * micros) / ((after.at - before.at) * 1000);
    return {
      server: share(after.server - before.server),
      manager: share(after.manager - before.manager),
      ...(p.etcd ? { etcd: share((after.etcd - before.etcd) * 10_000) } : {}),
      bench: share(after.bench - before.bench),
    };
  };
}

/** utime + stime of a process, fields 14 and 15 of /proc/<pid>/stat (after the command name). */
async function ticksOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

async function rssMB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

async function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  message: string | (() => string),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    const text = () => (typeof message === "function" ? message() : message);
    timer = setTimeout(() => reject(new Error(text())), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
// #endregion children

// #region leftovers
/**
 * What the benchmark has started and not yet cleaned up. If it exits without its own cleanup
 * running — an uncaught error, Ctrl-C — the exit handler kills these processes by PID, then
 * deletes the directory.
 */
const leftovers = { pids: new Set<number>(), dir: undefined as string | undefined };
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const onExit = () => {
  for (const pid of leftovers.pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
  if (leftovers.dir) rmSync(leftovers.dir, { recursive: true, force: true });
};
/** A signal ends the process with the usual code, through the exit handler. */
const onSignal = (signal: NodeJS.Signals) => process.exit(128 + osConstants.signals[signal]);

function guard(dir: string): void {
  leftovers.dir = dir;
  process.on("exit", onExit);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function unguard(): void {
  leftovers.dir = undefined;
  process.off("exit", onExit);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}
// #endregion leftovers

function report(
  results: Map<string, Results>,
  options: ControllersBenchOptions,
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
    `Controllers benchmark${scaleNote} — deployment and replicaset controllers, API server over HTTPS, same disk (${process.env.TINYKUBE_BENCH_DIR ?? tmpdir()}), store fsync on`,
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
