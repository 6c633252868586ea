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
 * The files: this one runs the phases in order on each store; controllers-workload.ts holds the
 * counts, rates and targets; controllers-phases.ts the phases; controllers-watch.ts what this
 * process sees of the cluster; controllers-children.ts the two children from this side, and
 * controllers-child.ts from theirs; controllers-report.ts the report.
 *
 * Set TINYKUBE_BENCH_PROF=<dir> to write a CPU profile of each child (node --cpu-prof).
 */
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { RestClient } from "../src/client/rest.ts";
import { type Backend, onEachBackend, startBackendEtcd } from "./backends.ts";
import type { ManagerStart } from "./controllers-child.ts";
import {
  activity,
  quiet,
  type ServerReady,
  startManager,
  startServerChild,
} from "./controllers-children.ts";
import { createNamespace, many, oneBig, type Phase, type Tail } from "./controllers-phases.ts";
import { type Results, report } from "./controllers-report.ts";
import { EventWrites } from "./controllers-watch.ts";
import {
  CLIENTS,
  type Counts,
  countsAt,
  DEFAULT_BURST,
  DEFAULT_QPS,
  NS,
  PACED_PER_SECOND,
  SMALL_REPLICAS,
} from "./controllers-workload.ts";
import { type ChildHandle, rssMB } from "./processes.ts";
import { count, progress } from "./stats.ts";

export interface ControllersBenchOptions {
  /** Scale every count down for a quick look (1 = the full benchmark). */
  scale: number;
}

export async function benchControllers(options: ControllersBenchOptions): Promise<string> {
  const counts = countsAt(options.scale);
  const results = await onEachBackend((backend, root) => runPhases(backend, root, counts));
  return report(results, options, counts);
}

async function runPhases(backend: Backend, root: string, counts: Counts): Promise<Results> {
  const r: Results = {};
  const say = (message: string) => progress(`${backend.name}: ${message}`);
  say("starting");
  const etcd = await startBackendEtcd(backend, root);
  let server: ChildHandle | undefined;
  let manager: ChildHandle | undefined;
  let admin: RestClient | undefined;
  let events: EventWrites | undefined;
  try {
    server = startServerChild(await mkdtemp(join(root, "apiserver-")), etcd?.endpoint);
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
  }
  return r;
}
