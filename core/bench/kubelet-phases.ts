/**
 * The kubelet benchmark's two workloads, each on a cluster of its own: four children (the API
 * server on the embedded store, the controller manager, the scheduler, the nodes) and this
 * process, which creates the pods as admin and watches them.
 *
 * Each workload, in order:
 * 1. the API server, holding a kubelet token for every node;
 * 2. the controller manager, every controller (the node IPAM controller hands out pod CIDRs);
 * 3. the nodes: every kubelet registers its Node, syncs its pod cache; timed until every Node
 *    has its pod CIDR, the moment a kubelet's network is ready;
 * 4. the scheduler, ready once its cache holds every node;
 * 5. the measured phase: the pods are created (paced for the process runtime, as fast as the
 *    API server answers for the hollow nodes), the scheduler binds them, the kubelets start them;
 *    each pod is timed from its create sent to its first Running (and Ready) on this process's
 *    watch.
 */
import type { Pod } from "../src/api/types.ts";
import { builtinType } from "../src/client/factory.ts";
import { isConflict, RestClient } from "../src/client/rest.ts";
import type { ComponentStart, ServerReady } from "./kubelet-child.ts";
import type { NodesStart } from "./kubelet-nodes.ts";
import { podCidrWatch, startupWatch } from "./kubelet-watch.ts";
import {
  benchPod,
  CLIENTS,
  type Counts,
  HELLO_IMAGE,
  hollowNodeName,
  NAMESPACE,
  PHASE_TIMEOUT_MS,
  PROCESS_CREATES_PER_SECOND,
  PROGRESS_EVERY_MS,
  processNodeName,
  START_CONCURRENCY,
} from "./kubelet-workload.ts";
import { type ChildHandle, type Memory, startChild } from "./processes.ts";
import { count, type LatencySummary, load, type Percentiles, paced, percentiles } from "./stats.ts";

/** The children of one workload, so the caller can stop them whatever happens. */
export interface Children {
  server?: ChildHandle;
  manager?: ChildHandle;
  scheduler?: ChildHandle;
  nodes?: ChildHandle;
}

export interface Cluster {
  ready: ServerReady;
  admin: RestClient;
  /** From the nodes child's start to every Node with a pod CIDR. */
  nodesSeconds: number;
}

/** A component's client budget: kube's default, or 0 to lift it. */
interface Limits {
  manager: { qps: number; burst: number };
  scheduler: { qps: number; burst: number };
}

export interface WorkloadResult {
  nodes: number;
  pods: number;
  nodesSeconds: number;
  /** From the first create sent to the last pod seen Running / Ready. */
  runningSeconds: number;
  readySeconds: number;
  /** Per pod, create sent → first seen bound to a node / Running / Ready. */
  toScheduled: Percentiles;
  toRunning: Percentiles;
  toReady: Percentiles;
  /** The creates: answered per second (a ceiling on pods/s), and each one's latency. */
  creates: LatencySummary;
  /** CPU seconds each process used over the measured phase. */
  cpu: { server: number; manager: number; scheduler: number; nodes: number };
  memory: { server: Memory; manager: Memory; scheduler: Memory; nodes: Memory };
}

/** The node child's address for node `i`: 127.1.0.1, …, 127.1.0.255, 127.1.1.0, … */
const addressOf = (i: number) => `127.1.${(i + 1) >> 8}.${(i + 1) & 255}`;

// #region bring-up
/** Steps 1 to 4: a cluster with `names` nodes running `runtime`, ready for pods. */
async function bringUp(args: {
  names: string[];
  runtime: NodesStart["runtime"];
  root: string;
  limits: Limits;
  prePull?: string;
  /** Node.js options for the API server's and the nodes' processes. */
  nodeFlags?: string[];
  children: Children;
  say: (message: string) => void;
}): Promise<Cluster> {
  const { names, children, say } = args;
  say(`API server with ${count(names.length)} node tokens`);
  const server = startChild({
    script: "kubelet-child.ts",
    args: ["apiserver", `${args.root}/apiserver`, names.join(",")],
    name: "apiserver",
    ...(args.nodeFlags ? { nodeFlags: args.nodeFlags } : {}),
  });
  children.server = server;
  const ready = await server.next<ServerReady>("ready");
  const admin = new RestClient({
    server: ready.url,
    caPem: ready.caCertPem,
    token: ready.adminToken,
    qps: 0,
  });
  await ensureNamespace(admin, NAMESPACE);
  const component = (token: string, limits: { qps: number; burst: number }): ComponentStart => ({
    server: ready.url,
    caPem: ready.caCertPem,
    token,
    ...limits,
  });

  say("controller manager, every controller");
  const manager = startChild({ script: "kubelet-child.ts", args: ["manager"], name: "manager" });
  children.manager = manager;
  await manager.next("listening");
  manager.send({ start: component(ready.controllerManagerToken, args.limits.manager) });
  await manager.next("ready");

  say(`${count(names.length)} kubelets on the ${args.runtime} runtime`);
  const cidrs = await podCidrWatch(admin);
  const nodes = startChild({
    script: "kubelet-child.ts",
    args: ["nodes"],
    name: "nodes",
    ...(args.nodeFlags ? { nodeFlags: args.nodeFlags } : {}),
  });
  children.nodes = nodes;
  await nodes.next("listening");
  const started = performance.now();
  nodes.send({
    start: {
      server: ready.url,
      caPem: ready.caCertPem,
      runtime: args.runtime,
      nodes: names.map((name, i) => ({
        name,
        token: ready.nodeTokens[name] as string,
        address: addressOf(i),
      })),
      root: `${args.root}/nodes`,
      ...(args.prePull ? { prePull: args.prePull } : {}),
      concurrency: START_CONCURRENCY,
    } satisfies NodesStart,
  });
  const ticker = setInterval(
    () => say(`${count(cidrs.of.cidr.seen.size)} of ${count(names.length)} nodes have a pod CIDR`),
    PROGRESS_EVERY_MS,
  );
  let nodesAt: number;
  try {
    // Which comes last, the kubelets' start or the last pod CIDR, depends on who is slower.
    const [, cidrAt] = await Promise.all([
      withNextDeadline(nodes),
      cidrs.of.cidr.until(names.length, PHASE_TIMEOUT_MS),
    ]);
    nodesAt = Math.max(cidrAt, performance.now());
  } finally {
    clearInterval(ticker);
    cidrs.stop();
  }

  say("scheduler");
  const scheduler = startChild({
    script: "kubelet-child.ts",
    args: ["scheduler"],
    name: "scheduler",
  });
  children.scheduler = scheduler;
  await scheduler.next("listening");
  scheduler.send({
    start: { ...component(ready.schedulerToken, args.limits.scheduler), nodes: names.length },
  });
  await scheduler.next("ready");
  return { ready, admin, nodesSeconds: (nodesAt - started) / 1000 };
}
// #endregion bring-up

/** The nodes child's "ready", which may take longer than a child's usual minute to answer. */
async function withNextDeadline(nodes: ChildHandle): Promise<void> {
  for (;;) {
    try {
      await nodes.next("ready");
      return;
    } catch (error) {
      // next() gives up after a minute; 5,000 kubelets may take longer to start. Only a child
      // that exited is a failure.
      if ((error as Error).message.includes("exited")) throw error;
    }
  }
}

async function ensureNamespace(admin: RestClient, name: string): Promise<void> {
  await admin
    .resource(builtinType("namespaces"))
    .create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
  // The ServiceAccount admission refuses pods whose account does not exist; the serviceaccount
  // controller creates "default" too, and whichever is second gets a conflict.
  await admin
    .resource(builtinType("serviceaccounts"), name)
    .create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } })
    .catch((error: unknown) => {
      if (!isConflict(error) && (error as { code?: number }).code !== 409) throw error;
    });
}

// #region measure
/** Step 5: create the pods with `create`, wait for all Running and Ready, read the children. */
async function measure(args: {
  cluster: Cluster;
  children: Required<Children>;
  pods: number;
  nodes: number;
  create: (create: (i: number) => Promise<unknown>) => Promise<LatencySummary>;
  image: string;
  /** Whether the pods have a readiness probe. */
  probe: boolean;
  say: (message: string) => void;
}): Promise<WorkloadResult> {
  const { cluster, children, say } = args;
  const watch = await startupWatch(cluster.admin, NAMESPACE);
  const { running, ready } = watch.of;
  const sentAt = new Map<string, number>();
  const processes = [children.server, children.manager, children.scheduler, children.nodes];
  try {
    const cpu0 = await Promise.all(processes.map((c) => c.cpu()));
    const client = cluster.admin.resource<Pod>(builtinType("pods"), NAMESPACE);
    const ticker = setInterval(
      () =>
        say(
          `${count(running.seen.size)} of ${count(args.pods)} Running, ${count(ready.seen.size)} Ready`,
        ),
      PROGRESS_EVERY_MS,
    );
    const started = performance.now();
    let runningAt: number;
    let readyAt: number;
    let creates: LatencySummary;
    try {
      const allRunning = running.until(args.pods, PHASE_TIMEOUT_MS);
      const allReady = ready.until(args.pods, PHASE_TIMEOUT_MS);
      // Awaited once the creates are done; a rejection before then is not unhandled.
      allRunning.catch(() => {});
      allReady.catch(() => {});
      creates = await args.create((i) => {
        const name = `pod-${i}`;
        sentAt.set(name, performance.now());
        return client.create(benchPod(name, args.image, args.probe));
      });
      [runningAt, readyAt] = await Promise.all([allRunning, allReady]);
    } finally {
      clearInterval(ticker);
    }
    const cpu1 = await Promise.all(processes.map((c) => c.cpu()));
    const cpu = cpu1.map((c, i) => (c - (cpu0[i] as number)) / 1e6);
    const latencies = (seen: Map<string, number>) =>
      percentiles([...seen].map(([name, at]) => at - (sentAt.get(name) as number)));
    const [server, manager, scheduler, nodes] = await Promise.all(processes.map((c) => c.memory()));
    return {
      nodes: args.nodes,
      pods: args.pods,
      nodesSeconds: cluster.nodesSeconds,
      runningSeconds: (runningAt - started) / 1000,
      readySeconds: (readyAt - started) / 1000,
      toScheduled: latencies(watch.of.scheduled.seen),
      toRunning: latencies(running.seen),
      toReady: latencies(ready.seen),
      creates,
      cpu: {
        server: cpu[0] as number,
        manager: cpu[1] as number,
        scheduler: cpu[2] as number,
        nodes: cpu[3] as number,
      },
      memory: {
        server: server as Memory,
        manager: manager as Memory,
        scheduler: scheduler as Memory,
        nodes: nodes as Memory,
      },
    };
  } finally {
    watch.stop();
  }
}
// #endregion measure

/**
 * The process runtime: `tinykube up`'s three nodes and its components' client budgets (the
 * defaults), tinykube/hello pre-pulled on each node, pods created at the SLO's churn.
 */
export async function processWorkload(
  counts: Counts,
  root: string,
  children: Children,
  say: (message: string) => void,
): Promise<WorkloadResult> {
  const cluster = await bringUp({
    names: Array.from({ length: counts.processNodes }, (_, i) => processNodeName(i)),
    runtime: "process",
    root,
    // kube-controller-manager's --kube-api-qps 20 / burst 30; kube-scheduler's 50 / 100.
    limits: { manager: { qps: 20, burst: 30 }, scheduler: { qps: 50, burst: 100 } },
    prePull: HELLO_IMAGE,
    children,
    say,
  });
  try {
    say(`${count(counts.processPods)} pods at ${PROCESS_CREATES_PER_SECOND}/s`);
    return await measure({
      cluster,
      children: children as Required<Children>,
      pods: counts.processPods,
      nodes: counts.processNodes,
      create: (create) => paced(counts.processPods, PROCESS_CREATES_PER_SECOND, create),
      image: HELLO_IMAGE,
      probe: true,
      say,
    });
  } finally {
    cluster.admin.close();
  }
}

/**
 * The hollow nodes: the controller manager at the client budget Kubernetes' 5,000-node scale
 * tests give it (--kube-api-qps 100, burst 100), the scheduler's lifted as scheduler_perf lifts
 * it — at 100 binds a second the scheduler's client alone would need 100 s for 10,000 pods.
 * The API server and the nodes run with a larger young generation, HOLLOW_NODE_FLAGS: both
 * allocate for every request, and with Node's default the scavenges alone took about a fifth
 * of their CPU (as a Go server at this scale is given a larger GOGC).
 */
/** V8's semi-space (half the young generation's copying space) at 64 MB; Node 20 uses 16 MB. */
export const HOLLOW_NODE_FLAGS = ["--max-semi-space-size=64"];

export async function hollowWorkload(
  counts: Counts,
  root: string,
  children: Children,
  say: (message: string) => void,
): Promise<WorkloadResult> {
  const cluster = await bringUp({
    names: Array.from({ length: counts.hollowNodes }, (_, i) => hollowNodeName(i)),
    runtime: "fake",
    root,
    limits: { manager: { qps: 100, burst: 100 }, scheduler: { qps: 0, burst: 0 } },
    nodeFlags: HOLLOW_NODE_FLAGS,
    children,
    say,
  });
  try {
    say(`${count(counts.hollowPods)} pods, ${CLIENTS} clients`);
    return await measure({
      cluster,
      children: children as Required<Children>,
      pods: counts.hollowPods,
      nodes: counts.hollowNodes,
      create: (create) => load(CLIENTS, counts.hollowPods, create),
      image: HELLO_IMAGE,
      probe: false,
      say,
    });
  } finally {
    cluster.admin.close();
  }
}
