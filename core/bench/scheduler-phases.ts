/**
 * One scheduler_perf workload through the API server, in four steps, each on a fresh API server
 * and a fresh scheduler so no workload pays for another's objects:
 *   1. the nodes, then the pods already placed (spec.nodeName set, so nobody schedules them),
 *      created by CLIENTS concurrent clients;
 *   2. the scheduler child starts (leader election off, client limit lifted) and says it is ready
 *      once its cache holds every node and every placed pod;
 *   3. the measured pods, created by CLIENTS clients as fast as the API server answers, while a
 *      watch in this process stamps each pod the moment a MODIFIED event shows its spec.nodeName;
 *   4. pods/s: measured pods over the time from the first create sent to the last pod seen bound;
 *      each pod's latency: its create sent → its binding seen.
 * The time therefore holds everything a real pod waits for: the create, the scheduler's watch,
 * its queue, the algorithm, the binding write, and the watch back to a client.
 */
import type { Pod } from "../src/api/types.ts";
import { builtinType } from "../src/client/factory.ts";
import { type ClientWatch, RestClient } from "../src/client/rest.ts";
import { createNamespace } from "./controllers-phases.ts";
import { type ChildHandle, type Memory, startChild, withDeadline } from "./processes.ts";
import type { SchedulerStart } from "./scheduler-child.ts";
import {
  CLIENTS,
  PHASE_TIMEOUT_MS,
  PROGRESS_EVERY_MS,
  type Workload,
} from "./scheduler-workload.ts";
import { count, load, percentiles } from "./stats.ts";

export interface ApiResult {
  podsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** From the first measured create to the last pod seen bound. */
  seconds: number;
  /** How fast the measured pods' creates were answered: a ceiling on pods/s. */
  createsPerSecond: number;
  /** Creating the nodes and the placed pods, and the scheduler's start. */
  setupSeconds: number;
  scheduler: Memory;
  /** CPU seconds each process used over the measured phase. */
  schedulerCpu: number;
  serverCpu: number;
}

/** How often the measured phase checks that the scheduler still runs. */
const LIVENESS_EVERY_MS = 500;

/** What the API server child sends once it answers. */
interface ServerReady {
  url: string;
  caCertPem: string;
  adminToken: string;
  schedulerToken: string;
}

// #region bound-watch
/**
 * This process's view of a namespace's pods: when each was first seen with a node. Opened from
 * the resourceVersion of a LIST, so no binding after `open` is missed.
 */
class BoundWatch {
  /** When each pod's spec.nodeName was first seen, by pod name. */
  readonly boundAt = new Map<string, number>();
  private failure: Error | undefined;
  private waiter: { n: number; done: (at: number) => void } | undefined;
  /** Ends `until` early: the scheduler it waits for is gone. */
  fail: (error: Error) => void = () => {};

  private constructor(private readonly watch: ClientWatch) {}

  static async open(admin: RestClient, namespace: string): Promise<BoundWatch> {
    const client = admin.resource<Pod>(builtinType("pods"), namespace);
    const { metadata } = await client.list({ limit: 1 });
    const watch = await client.watch({
      resourceVersion: metadata.resourceVersion,
      timeoutSeconds: 3600,
    });
    const w = new BoundWatch(watch as unknown as ClientWatch);
    void w.consume();
    return w;
  }

  /** Resolves with when the `n`th pod was seen bound; rejects at once if `fail` is called. */
  until(n: number): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    return withDeadline(
      new Promise<number>((resolve, reject) => {
        this.waiter = { n, done: resolve };
        this.fail = reject;
      }),
      PHASE_TIMEOUT_MS,
      () => `${count(this.boundAt.size)} of ${count(n)} pods bound in ${PHASE_TIMEOUT_MS / 1000} s`,
    );
  }

  stop(): void {
    this.watch.stop();
  }

  private async consume(): Promise<void> {
    try {
      for await (const event of this.watch) {
        const at = performance.now();
        if (event.type === "ERROR")
          throw new Error(`watch of pods: ${JSON.stringify(event.object).slice(0, 300)}`);
        const pod = event.object as Pod;
        const name = pod.metadata.name as string;
        if (!pod.spec.nodeName || this.boundAt.has(name)) continue;
        this.boundAt.set(name, at);
        if (this.waiter && this.boundAt.size >= this.waiter.n) this.waiter.done(at);
      }
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      this.fail(this.failure);
    }
  }
}

/** Whether the process still runs: signal 0 checks without sending anything. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
// #endregion bound-watch

/** The children of one workload's run, so the caller can stop them whatever happens. */
export interface Children {
  server?: ChildHandle;
  scheduler?: ChildHandle;
}

// #region run-workload
export async function runWorkload(args: {
  w: Workload;
  dataDir: string;
  etcd: string | undefined;
  children: Children;
  say: (message: string) => void;
}): Promise<ApiResult> {
  const { w, children, say } = args;
  const setupStarted = performance.now();
  const server = startChild({
    script: "scheduler-child.ts",
    args: ["apiserver", args.dataDir, args.etcd],
    name: "apiserver",
  });
  children.server = server;
  const ready = await server.next<ServerReady>("ready");
  const admin = new RestClient({
    server: ready.url,
    caPem: ready.caCertPem,
    token: ready.adminToken,
    qps: 0,
  });
  let watch: BoundWatch | undefined;
  try {
    for (const ns of new Set([w.initNamespace, w.measuredNamespace]))
      await createNamespace(admin, ns);
    const nodes = admin.resource(builtinType("nodes"));
    say(`${w.name}: ${count(w.nodes)} nodes`);
    await load(CLIENTS, w.nodes, (i) => nodes.create(w.node(i)));
    say(`${w.name}: ${count(w.initPods)} pods already placed`);
    const initPods = admin.resource<Pod>(builtinType("pods"), w.initNamespace);
    await load(CLIENTS, w.initPods, (i) => {
      const p = w.pod(`init-${i}`);
      return initPods.create({ ...p, spec: { ...p.spec, nodeName: `node-${i % w.nodes}` } });
    });

    say(`${w.name}: scheduler, leader election off, client limit lifted`);
    const scheduler = startChild({
      script: "scheduler-child.ts",
      args: ["scheduler"],
      name: "scheduler",
    });
    children.scheduler = scheduler;
    await scheduler.next<true>("listening");
    scheduler.send({
      start: {
        server: ready.url,
        caPem: ready.caCertPem,
        token: ready.schedulerToken,
        qps: 0,
        burst: 0,
        nodes: w.nodes,
        pods: w.initPods,
      } satisfies SchedulerStart,
    });
    await scheduler.next<true>("ready");
    const setupSeconds = (performance.now() - setupStarted) / 1000;

    const bound = await BoundWatch.open(admin, w.measuredNamespace);
    watch = bound;
    const cpu0 = [await scheduler.cpu(), await server.cpu()];
    say(`${w.name}: ${count(w.measuredPods)} pods to schedule, ${CLIENTS} clients`);
    const pods = admin.resource<Pod>(builtinType("pods"), w.measuredNamespace);
    const sentAt = new Map<string, number>();
    const progress = setInterval(
      () => say(`${w.name}: ${count(bound.boundAt.size)} of ${count(w.measuredPods)} bound`),
      PROGRESS_EVERY_MS,
    );
    // A scheduler that crashed binds nothing more: say so at once rather than at the timeout.
    const liveness = setInterval(() => {
      if (!alive(scheduler.pid))
        bound.fail(
          new Error(
            `the scheduler exited with ${count(bound.boundAt.size)} of ${count(w.measuredPods)} pods bound`,
          ),
        );
    }, LIVENESS_EVERY_MS);
    const started = performance.now();
    let lastAt: number;
    let createsPerSecond: number;
    try {
      const all = bound.until(w.measuredPods);
      // Awaited once the creates are done; a rejection before then is not unhandled.
      all.catch(() => {});
      ({ perSecond: createsPerSecond } = await load(CLIENTS, w.measuredPods, (i) => {
        const name = `pod-${i}`;
        sentAt.set(name, performance.now());
        return pods.create(w.pod(name));
      }));
      lastAt = await all;
    } finally {
      clearInterval(progress);
      clearInterval(liveness);
    }
    const seconds = (lastAt - started) / 1000;
    const cpu1 = [await scheduler.cpu(), await server.cpu()];
    const latencies = [...bound.boundAt].map(([name, at]) => at - (sentAt.get(name) as number));
    const { p50, p99 } = percentiles(latencies);
    return {
      podsPerSecond: w.measuredPods / seconds,
      p50Ms: p50,
      p99Ms: p99,
      seconds,
      createsPerSecond,
      setupSeconds,
      scheduler: await scheduler.memory(),
      schedulerCpu: ((cpu1[0] as number) - (cpu0[0] as number)) / 1e6,
      serverCpu: ((cpu1[1] as number) - (cpu0[1] as number)) / 1e6,
    };
  } finally {
    watch?.stop();
    admin.close();
  }
}
// #endregion run-workload
