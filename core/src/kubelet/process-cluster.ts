/**
 * A whole tinykube on real processes, for end-to-end tests of the kubelet: an API server that
 * can be stopped and started again on the same address and data directory, the controller
 * manager and the scheduler as `tinykube up` runs them (each leader-elected, as its own user),
 * and kubelets on the process runtime.
 *
 * Guarantees:
 * - `stopApiServer()` closes the server and its store; `startApiServer()` opens the same data
 *   directory on the same port, so every client (kubelets, controller manager, scheduler, the
 *   test's admin) finds it where it was, with the same CA and tokens.
 * - Each kubelet reaches the API server through a relay of its own (testing/tcp-relay.ts): a node's
 *   `partition()` cuts it off the API server while everything else still reaches it; `heal()`
 *   ends the partition.
 * - A node's `stopKubelet()` is a kubelet dying: watches, timers and workers end, containers keep
 *   running. `startKubelet()` starts a new kubelet on a new ProcessRuntime over the same runtime
 *   directory — a kubelet restarted on the same machine.
 * - `shutdown()` stops as `tinykube up` stops: kubelets, then every running container and
 *   sandbox, then the scheduler, the controller manager and the API server.
 * - `close()` leaves nothing behind whatever state a test failed in: it SIGKILLs, by pid, every
 *   container process group and shim any node recorded, then removes the directories.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Deployment, Pod } from "../api/types.ts";
import { type RunningApiServer, startApiServer } from "../apiserver/start.ts";
import { RestClient } from "../client/rest.ts";
import { CONTROLLERS, startControllerManager } from "../controllers/manager.ts";
import { NodeLifecycleController } from "../controllers/nodelifecycle/controller.ts";
import { NodeImageStore } from "../runtime/images/store.ts";
import { readJson } from "../runtime/process/files.ts";
import { isAlive } from "../runtime/process/proc.ts";
import type { ContainerStateRecord } from "../runtime/process/records.ts";
import { ProcessRuntime } from "../runtime/process/runtime.ts";
import { killAndRemove } from "../runtime/process/testing.ts";
import { startScheduler } from "../scheduler/start.ts";
import { TcpRelay } from "../testing/tcp-relay.ts";
import { Kubelet } from "./kubelet.ts";

export interface ProcessNodeSpec {
  name: string;
  /** The node's InternalIP (127.1.0.N in tinykube's network model). */
  address: string;
}

export interface ProcessClusterOptions {
  nodes: ProcessNodeSpec[];
  /**
   * Names from the controller manager's CONTROLLERS table; by default all but nodeipam, which
   * would hand every run the same first /24s (see podCIDRs).
   */
  controllers?: string[];
  /** KubeletConfiguration nodeLeaseDurationSeconds for every kubelet (default 40). */
  nodeLeaseDurationSeconds?: number;
  log?: (line: string) => void;
}

/** A container's process: pid and start time, so a reused pid is never taken for it. */
export interface ContainerProcess {
  pid: number;
  ticks: number | undefined;
}

export interface ProcessNode {
  readonly name: string;
  readonly podCIDR: string;
  startKubelet(): Promise<void>;
  /** Stops the kubelet only, as if it died: its containers keep running. */
  stopKubelet(): Promise<void>;
  /** Cuts the kubelet off the API server (and only it); heal() reconnects it. */
  partition(): void;
  heal(): void;
  /** The process of a container this node runs, from the runtime's record. */
  processOf(containerId: string): Promise<ContainerProcess>;
  /** IDs of the containers the runtime holds as running. */
  runningContainers(): Promise<string[]>;
}

export interface ProcessCluster {
  /** As admin, unthrottled. */
  admin: RestClient;
  nodes: ProcessNode[];
  stopApiServer(): Promise<void>;
  startApiServer(): Promise<void>;
  /** Every container process any node recorded, alive or not. */
  containerProcesses(): Promise<ContainerProcess[]>;
  shutdown(): Promise<void>;
  close(): Promise<void>;
}

export async function startProcessCluster(options: ProcessClusterOptions): Promise<ProcessCluster> {
  const log = options.log ?? (() => {});
  const root = await mkdtemp(join(tmpdir(), "tinykube-process-cluster-"));
  const dataDir = join(root, "control-plane");
  const nodeNames = options.nodes.map((n) => n.name);
  let api: RunningApiServer | undefined = await startApiServer({
    dataDir,
    port: 0,
    nodes: nodeNames,
    fsync: false,
    log,
  });
  const first = api;
  const port = Number(new URL(first.url).port);
  const connect = (
    user: string,
    extra: { qps?: number; burst?: number; userAgent?: string },
    server = first.url,
  ) =>
    new RestClient({
      server,
      caPem: first.caCertPem,
      token: first.tokenFor(user) as string,
      ...extra,
    });
  const admin = connect("admin", { qps: 0 });
  const clients: RestClient[] = [admin];
  const controllerManager = startControllerManager({
    server: first.url,
    caPem: first.caCertPem,
    token: first.tokenFor("system:kube-controller-manager") as string,
    controllers: options.controllers ?? Object.keys(CONTROLLERS).filter((n) => n !== "nodeipam"),
    log,
  });
  const scheduler = startScheduler({
    server: first.url,
    caPem: first.caCertPem,
    token: first.tokenFor("system:kube-scheduler") as string,
    log,
  });

  const cidrs = podCIDRs(options.nodes.length);
  const relays = await Promise.all(
    options.nodes.map(() => TcpRelay.start({ host: "127.0.0.1", port })),
  );
  const nodes = options.nodes.map((spec, i): ProcessNode & { runtimeRoot: string } => {
    const podCIDR = cidrs[i] as string;
    const relay = relays[i] as TcpRelay;
    const nodeRoot = join(root, "nodes", spec.name);
    const runtimeRoot = join(nodeRoot, "runtime");
    const client = connect(
      `system:node:${spec.name}`,
      {
        userAgent: `kubelet/${spec.name}`,
        // KubeletConfiguration's kubeAPIQPS 50 and kubeAPIBurst 100, as tinykube up.
        qps: 50,
        burst: 100,
      },
      `https://127.0.0.1:${relay.port}`,
    );
    clients.push(client);
    let kubelet: Kubelet | undefined;
    let runtime: ProcessRuntime | undefined;
    return {
      name: spec.name,
      podCIDR,
      runtimeRoot,
      async startKubelet() {
        if (kubelet) throw new Error(`the kubelet of ${spec.name} is already running`);
        runtime = new ProcessRuntime({
          root: runtimeRoot,
          images: new NodeImageStore({ root: join(nodeRoot, "images") }),
        });
        kubelet = new Kubelet({
          client,
          nodeName: spec.name,
          address: spec.address,
          runtime,
          rootDir: nodeRoot,
          podCIDR,
          ...(options.nodeLeaseDurationSeconds !== undefined
            ? { nodeLeaseDurationSeconds: options.nodeLeaseDurationSeconds }
            : {}),
          log,
        });
        await kubelet.start();
      },
      partition: () => relay.cut(),
      heal: () => relay.heal(),
      async stopKubelet() {
        await kubelet?.stop();
        await runtime?.close();
        kubelet = undefined;
        runtime = undefined;
      },
      async processOf(containerId) {
        const state = await readJson<ContainerStateRecord>(
          join(runtimeRoot, "containers", containerId, "state.json"),
        );
        if (state?.pid === undefined)
          throw new Error(`container ${containerId} on ${spec.name} has no recorded pid`);
        return { pid: state.pid, ticks: state.pidStartTicks };
      },
      async runningContainers() {
        const ids = await readdir(join(runtimeRoot, "containers")).catch(() => [] as string[]);
        const running: string[] = [];
        for (const id of ids) {
          const state = await readJson<ContainerStateRecord>(
            join(runtimeRoot, "containers", id, "state.json"),
          ).catch(() => undefined);
          if (state?.pid !== undefined && isAlive(state.pid, state.pidStartTicks)) running.push(id);
        }
        return running.sort();
      },
    };
  });
  for (const node of nodes) await node.startKubelet();

  const containerProcesses = async () => {
    const all: ContainerProcess[] = [];
    for (const node of nodes) {
      const containers = join(node.runtimeRoot, "containers");
      for (const id of await readdir(containers).catch(() => [] as string[])) {
        const state = await readJson<ContainerStateRecord>(
          join(containers, id, "state.json"),
        ).catch(() => undefined);
        if (state?.pid !== undefined) all.push({ pid: state.pid, ticks: state.pidStartTicks });
      }
    }
    return all;
  };

  let closed = false;
  let controlPlaneStopping: Promise<void> | undefined;
  const stopControlPlane = () => {
    controlPlaneStopping ??= (async () => {
      await scheduler.stop();
      await controllerManager.stop();
      await api?.stop();
      api = undefined;
    })();
    return controlPlaneStopping;
  };
  return {
    admin,
    nodes,
    async stopApiServer() {
      await api?.stop();
      api = undefined;
    },
    async startApiServer() {
      if (api) throw new Error("the API server is already running");
      api = await startApiServer({ dataDir, port, nodes: nodeNames, fsync: false, log });
    },
    containerProcesses,
    async shutdown() {
      for (const node of nodes) await node.stopKubelet();
      // As tinykube up's stop: the containers, then the sandboxes, through a runtime of each node.
      for (const node of nodes) {
        const runtime = new ProcessRuntime({
          root: node.runtimeRoot,
          images: new NodeImageStore({ root: join(node.runtimeRoot, "..", "images") }),
        });
        for (const c of await runtime.listContainers({ state: "CONTAINER_RUNNING" }))
          await runtime.stopContainer(c.id, 2);
        for (const s of await runtime.listPodSandbox()) await runtime.stopPodSandbox(s.id);
        await runtime.close();
      }
      await stopControlPlane();
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const node of nodes) await node.stopKubelet().catch(() => undefined);
      for (const node of nodes) await killAndRemove(node.runtimeRoot);
      await stopControlPlane().catch(() => undefined);
      for (const c of clients) c.close();
      for (const r of relays) await r.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * Consecutive /24s for `count` nodes, from a random place in 127.200.0.0 – 127.254.255.255, and
 * given to the kubelets directly (their --pod-cidr). Pod IPs are real loopback addresses every
 * test process shares: test files running side by side — or the same file run by two people at
 * once — must not hand out the same one, which the node IPAM controller would (it starts at
 * 127.128.0.0/24 in every cluster). 14,080 /24s to pick from make a clash unlikely.
 */
/** The controller name registerShortNodeLifecycle adds to the manager's table. */
export const SHORT_NODE_LIFECYCLE = "nodelifecycle-short";

/**
 * Adds SHORT_NODE_LIFECYCLE to the controller manager's table: the node lifecycle controller
 * checking every second and declaring a silent node lost after `gracePeriodMs`, so a test sees a
 * node go Unknown in seconds (Kubernetes: every 5 s, after 40 s). The manager builds controllers
 * from its table only. Returns the removal, for the test's afterEach.
 */
export function registerShortNodeLifecycle(gracePeriodMs: number): () => void {
  CONTROLLERS[SHORT_NODE_LIFECYCLE] = {
    make: (ctx) =>
      new NodeLifecycleController(ctx, {
        nodeMonitorPeriodMs: 1_000,
        nodeMonitorGracePeriodMs: gracePeriodMs,
      }),
    workers: 8,
  };
  return () => {
    delete CONTROLLERS[SHORT_NODE_LIFECYCLE];
  };
}

export function podCIDRs(count: number): string[] {
  const second = 200 + Math.floor(Math.random() * 55);
  const third = Math.floor(Math.random() * (257 - count));
  return Array.from({ length: count }, (_, i) => `127.${second}.${third + i}.0/24`);
}

/** A Deployment of tinykube/hello, labelled app=<name>; `podSpec` adds to its pods' spec. */
export function helloDeployment(
  name: string,
  replicas: number,
  podSpec: Partial<Pod["spec"]> = {},
): Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "hello", image: "tinykube/hello:1.0" }], ...podSpec },
      },
    },
  };
}

/**
 * GET http://<podIP>:8080/ on a connection of its own (no keep-alive, so the server's graceful
 * shutdown never waits for us); the body, or the error's message.
 */
export function askPod(podIP: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve) => {
    const req = get(
      { host: podIP, port: 8080, path: "/", agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (error) => resolve(error.message));
  });
}

/** The container ID without its runtime prefix ("tinykube://..."). */
export function containerIdOf(pod: Pod): string {
  return String(pod.status?.containerStatuses?.[0]?.containerID ?? "").replace(/^\w+:\/\//, "");
}

/** Running, its container ready, with a pod IP, and not being deleted. */
export function isServing(pod: Pod): boolean {
  return (
    !pod.metadata.deletionTimestamp &&
    pod.status?.phase === "Running" &&
    pod.status.containerStatuses?.[0]?.ready === true &&
    Boolean(pod.status.podIP)
  );
}
