/**
 * The processes of the kubelet benchmark besides the benchmark itself, one role each, as a real
 * cluster runs them: the API server, the controller manager, the scheduler, and the nodes — all
 * the kubelets of one workload in one process, as kubemark packs hollow nodes.
 *
 *   kubelet-child.ts apiserver <dataDir> <node names, comma-separated>
 *   kubelet-child.ts manager | scheduler | nodes
 *
 * Talks to the benchmark over the IPC channel:
 *   apiserver → { ready: ServerReady }   once it answers; it holds a token for every node
 *   manager   → { listening: true } ← { start: ComponentStart } → { ready: true } (caches synced)
 *   scheduler → { listening: true } ← { start: ComponentStart & { nodes } }
 *             → { ready: true }   once its cache holds `nodes` nodes
 *   nodes     → { listening: true } ← { start: NodesStart }
 *             → { ready: { seconds } }   once every kubelet has registered and synced its pods
 * and every role answers "memory", "cpu" and "stop" as every benchmark child does (child.ts).
 * A node process asked to stop stops its kubelets, then every container of its runtimes.
 */
import { startControllerManager } from "../src/controllers/manager.ts";
import { startScheduler } from "../src/scheduler/start.ts";
import { answerTheBench, send, startBenchApiServer } from "./child.ts";
import { type NodesStart, startNodes } from "./kubelet-nodes.ts";

export interface ServerReady {
  url: string;
  caCertPem: string;
  adminToken: string;
  controllerManagerToken: string;
  schedulerToken: string;
  /** system:node:<name>'s token, by node name. */
  nodeTokens: Record<string, string>;
}

export interface ComponentStart {
  server: string;
  caPem: string;
  token: string;
  /** 0 lifts the client's limit (tinykube's convention; client-go lifts it with a negative QPS). */
  qps: number;
  burst: number;
}

/** The manager's one log line that says the controllers run (manager.ts `lead`). */
const SYNCED = "[controller-manager] caches synced";
/** How often the scheduler child looks at its cache while waiting for the nodes. */
const POLL_MS = 50;
/** Lines of a component's log echoed to stderr; the rest are only counted. */
const ECHOED = 20;

const [role, ...args] = process.argv.slice(2);

let stopRole: () => Promise<void> = async () => {};
answerTheBench(() => stopRole());

/** A log that echoes the first lines that look like trouble and drops the routine ones. */
function quietLog(): (line: string) => void {
  let echoed = 0;
  return (line) => {
    if (!/fail|error|refused|timed out/i.test(line)) return;
    if (++echoed <= ECHOED) process.stderr.write(`    ${line}\n`);
    if (echoed === ECHOED) process.stderr.write(`    (${role}: more such lines are not shown)\n`);
  };
}

/** Runs `start` on the first { start } message; tells the bench it is listening first. */
function onStart<T>(start: (message: T) => void): void {
  let started = false;
  process.on("message", (message) => {
    const m = (message as { start?: T }).start;
    if (m === undefined || started) return;
    started = true;
    start(m);
  });
  send({ listening: true });
}

if (role === "apiserver") {
  const [dataDir, names] = args as [string, string];
  const nodes = names ? names.split(",") : [];
  // HTTP/2 for the hollow kubelets' shared connections (kubelet-nodes.ts); every other client
  // here speaks HTTP/1.1, as before.
  const running = await startBenchApiServer(dataDir, undefined, { nodes, http2: true });
  stopRole = () => running.stop();
  const token = (user: string) => running.tokenFor(user) as string;
  send({
    ready: {
      url: running.url,
      caCertPem: running.caCertPem,
      adminToken: token("admin"),
      controllerManagerToken: token("system:kube-controller-manager"),
      schedulerToken: token("system:kube-scheduler"),
      nodeTokens: Object.fromEntries(nodes.map((n) => [n, token(`system:node:${n}`)])),
    } satisfies ServerReady,
  });
} else if (role === "manager") {
  onStart<ComponentStart>((start) => {
    const log = quietLog();
    const manager = startControllerManager({
      ...start,
      // Every controller, as `tinykube up` runs them: the node IPAM controller gives each node
      // its pod CIDR, the node lifecycle controller reads every lease, the others watch too.
      leaderElection: false,
      log: (line) => {
        if (line.startsWith(SYNCED)) send({ ready: true });
        else log(line);
      },
    });
    stopRole = () => manager.stop();
  });
} else if (role === "scheduler") {
  onStart<ComponentStart & { nodes: number }>((start) => {
    const scheduler = startScheduler({ ...start, leaderElection: false, log: quietLog() });
    stopRole = () => scheduler.stop();
    const poll = setInterval(() => {
      if ((scheduler.scheduler()?.cache.nodeCount() ?? 0) < start.nodes) return;
      clearInterval(poll);
      send({ ready: true });
    }, POLL_MS);
  });
} else if (role === "nodes") {
  onStart<NodesStart>((start) => {
    const started = performance.now();
    const running = startNodes(start, quietLog());
    stopRole = () => running.stop();
    void running.ready.then(
      () => send({ ready: { seconds: (performance.now() - started) / 1000 } }),
      (error: unknown) => {
        process.stderr.write(`    nodes: ${error instanceof Error ? error.message : error}\n`);
        process.exit(1);
      },
    );
  });
} else {
  process.stderr.write(
    `kubelet-child.ts: expected "apiserver", "manager", "scheduler" or "nodes", got ${role}\n`,
  );
  process.exit(2);
}
