/**
 * The phases of the controllers benchmark, each in a namespace of its own (controllers.ts says
 * which and why), and what each one measures: how fast the pods come, how long each Deployment
 * waits for its ReplicaSet and that for its pods, and each process's CPU meanwhile.
 *
 * Every time here is taken in this process: a create's response, or an ADDED read by this
 * process's own watch (controllers-watch.ts), never a controller's own account.
 */
import type { Deployment } from "../src/api/types.ts";
import { builtinType } from "../src/client/factory.ts";
import type { RestClient } from "../src/client/rest.ts";
import { NamespaceWatch } from "./controllers-watch.ts";
import {
  CLIENTS,
  deploymentOf,
  NS,
  PACED_PER_SECOND,
  PROGRESS_EVERY_MS,
  SMALL_REPLICAS,
} from "./controllers-workload.ts";
import { type ChildHandle, cpuTicks } from "./processes.ts";
import { count, type LatencySummary, load, type Percentiles, paced, percentiles } from "./stats.ts";

/** Each process's CPU over a phase, in % of one core: 100 is a core busy all the time. */
export interface CpuShare {
  server: number;
  manager: number;
  etcd?: number;
  bench: number;
}

/** What happens after a phase's last pod, until the manager is idle. */
export interface Tail {
  /** Events the manager wrote (created or patched) from the phase's start until idle. */
  eventWrites: number;
  /** From the last pod's ADDED until the manager went idle: status writes, then events. */
  idleSeconds: number;
}

export interface OneResult extends Partial<Tail> {
  /** When the last pod's ADDED, or the ReplicaSet's status, arrived, whichever came later. */
  doneAt: number;
  podsPerSecond: number;
  podsSeconds: number;
  statusSeconds: number;
  cpu: CpuShare;
}

export interface ManyResult extends Partial<Tail> {
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

// #region phases
/** What a phase works with: the admin's client and the processes it measures. */
export interface Phase {
  admin: RestClient;
  say: (message: string) => void;
  server: ChildHandle;
  manager: ChildHandle;
  etcd?: { pid: number };
}

/** Phase 1: one Deployment of `replicas`; the clock starts at the create's response. */
export async function oneBig(
  { admin, say, ...processes }: Phase,
  replicas: number,
): Promise<OneResult> {
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
 * - "paced": PACED_PER_SECOND a second on a fixed schedule (stats.ts `paced`);
 * - "one at a time": one loop, which waits for each Deployment's pods before creating the next,
 *   so no Deployment waits behind another in any queue.
 */
export type Arrivals = "burst" | "paced" | "one at a time";

/**
 * Phases 2 to 5: `deployments` of SMALL_REPLICAS each, arriving as `arrivals` says; the clock for
 * the pod rate starts at the first create's request, and each Deployment's own latencies at its
 * create's response.
 */
export async function many(
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
      toReplicaSet: percentiles(toReplicaSet),
      toPods: percentiles(toPods),
      cpu: await cpu(),
      doneAt: allAt,
    };
  } finally {
    clearInterval(ticker);
    w.stop();
  }
}

export async function createNamespace(admin: RestClient, name: string): Promise<void> {
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

/**
 * Starts measuring each process's CPU time; the function it returns ends the measurement. The
 * children report their own (process.cpuUsage, in µs); etcd's is read from /proc, in clock ticks
 * of 10 ms, 10,000 µs each (processes.ts `cpuTicks`).
 */
async function cpuMeter(p: Omit<Phase, "admin" | "say">): Promise<() => Promise<CpuShare>> {
  const read = async () => ({
    at: performance.now(),
    server: await p.server.cpu(),
    manager: await p.manager.cpu(),
    etcd: p.etcd ? await cpuTicks(p.etcd.pid) : 0,
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
