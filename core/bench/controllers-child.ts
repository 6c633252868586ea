/**
 * The two processes of the controllers benchmark besides the benchmark itself: the API server,
 * and the controller manager — each in a process of its own, as kube-apiserver and
 * kube-controller-manager are, so each one's resident memory is its own and neither waits on the
 * other's (or the load generator's) event loop.
 *
 *   controllers-child.ts apiserver <dataDir> [etcd endpoint]
 *   controllers-child.ts manager
 *
 * Talks to the benchmark over the IPC channel:
 *   apiserver → { ready: { url, caCertPem, adminToken, controllerManagerToken } }
 *   manager   → { listening: true }   once it can take the next message (one sent earlier, while
 *                                    the child was still loading, could be lost)
 *             ← { start: { server, caPem, token, qps, burst } }
 *             → { ready: true }   once the informers' caches have synced and the workers run
 *   manager   ← "activity" → { activity: { msSinceLast, reconciling, failedSyncs } }
 * and both answer "memory", "cpu" and "stop" as every benchmark child does (child.ts).
 */
import {
  type RunningControllerManager,
  startControllerManager,
} from "../src/controllers/manager.ts";
import { answerTheBench, send, startBenchApiServer } from "./child.ts";

export interface ManagerStart {
  server: string;
  caPem: string;
  token: string;
  /** 0 lifts the client's limit (tinykube's convention; client-go lifts it with a negative QPS). */
  qps: number;
  burst: number;
}

export interface Activity {
  /** Since a key was last queued, taken or finished on any queue. */
  msSinceLast: number;
  /** Keys taken by a worker and not yet finished. */
  reconciling: number;
  /** Reconciles that threw and were queued again through the rate limiter. */
  failedSyncs: number;
}

/** The manager's one log line that says the controllers run (manager.ts `lead`). */
const SYNCED = "[controller-manager] caches synced";
/** Failed syncs echoed to stderr; the rest are only counted. */
const ECHOED_FAILURES = 5;

const [role, ...args] = process.argv.slice(2);

let stopServer: () => Promise<void> = async () => {};
answerTheBench(() => stopServer());

if (role === "apiserver") {
  const [dataDir, etcd] = args as [string, string | undefined];
  const running = await startBenchApiServer(dataDir, etcd);
  stopServer = () => running.stop();
  send({
    ready: {
      url: running.url,
      caCertPem: running.caCertPem,
      adminToken: running.tokenFor("admin"),
      controllerManagerToken: running.tokenFor("system:kube-controller-manager"),
    },
  });
} else if (role === "manager") {
  let manager: RunningControllerManager | undefined;
  let last = performance.now();
  let reconciling = 0;
  let failedSyncs = 0;
  stopServer = async () => manager?.stop();
  process.on("message", (message) => {
    if (message === "activity")
      send({
        activity: {
          msSinceLast: performance.now() - last,
          reconciling,
          failedSyncs,
        } satisfies Activity,
      });
    const start = (message as { start?: ManagerStart }).start;
    if (!start || manager) return;
    manager = startControllerManager({
      server: start.server,
      caPem: start.caPem,
      token: start.token,
      qps: start.qps,
      burst: start.burst,
      leaderElection: false,
      // Only these two: the benchmark measures Deployment → ReplicaSet → pods, and the others
      // (the garbage collector, the namespace controller) would watch and write besides.
      controllers: ["deployment", "replicaset"],
      onQueue: (event) => {
        last = performance.now();
        if (event.op === "reconcile") reconciling++;
        if (event.op === "done") reconciling--;
      },
      log: (line) => {
        if (line.startsWith(SYNCED)) send({ ready: true });
        else if (line.includes("failed, will retry")) {
          if (++failedSyncs <= ECHOED_FAILURES) process.stderr.write(`    ${line}\n`);
        } else process.stderr.write(`    ${line}\n`);
      },
    });
  });
  send({ listening: true });
} else {
  process.stderr.write(`controllers-child.ts: expected "apiserver" or "manager", got ${role}\n`);
  process.exit(2);
}
