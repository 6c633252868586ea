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
 *   both      ← "memory"   → { memory: { rssMB, heapMB, peakRssMB } }   after a full GC
 *   both      ← "cpu"      → { cpu: microseconds of CPU used so far, user and system }
 *   both      ← "stop"     → stops and exits
 * Either exits when the channel closes: the benchmark is gone, and nobody else would stop it.
 */
import { readFile } from "node:fs/promises";
import { startApiServer } from "../src/apiserver/start.ts";
import {
  type RunningControllerManager,
  startControllerManager,
} from "../src/controllers/manager.ts";

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
const send = (message: unknown) => process.send?.(message);
const mb = (bytes: number) => bytes / 1024 / 1024;

let stopServer: () => Promise<void> = async () => {};
let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await stopServer();
  process.exit(0);
}
process.on("disconnect", () => void stop());
process.on("message", (message) => {
  if (message === "stop") void stop();
  if (message === "memory") void sendMemory();
  if (message === "cpu") {
    const { user, system } = process.cpuUsage();
    send({ cpu: user + system });
  }
});

async function sendMemory(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  const status = await readFile("/proc/self/status", "utf8");
  const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  const usage = process.memoryUsage();
  send({ memory: { rssMB: mb(usage.rss), heapMB: mb(usage.heapUsed), peakRssMB: peakKb / 1024 } });
}

if (role === "apiserver") {
  const [dataDir, etcd] = args as [string, string | undefined];
  const running = await startApiServer({
    dataDir,
    port: 0,
    fsync: true,
    ...(etcd ? { etcd: [etcd] } : {}),
    log: (line) => {
      if (!line.includes("serving on")) process.stderr.write(`    ${line}\n`);
    },
  });
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
