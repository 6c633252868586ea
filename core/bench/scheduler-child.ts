/**
 * The two processes of the scheduler benchmark besides the benchmark itself: the API server, and
 * the scheduler — each in a process of its own, as kube-apiserver and kube-scheduler are, so the
 * scheduler's resident memory is its own and its loop waits on nobody else's.
 *
 *   scheduler-child.ts apiserver <dataDir> [etcd endpoint]
 *   scheduler-child.ts scheduler
 *
 * Talks to the benchmark over the IPC channel:
 *   apiserver → { ready: { url, caCertPem, adminToken, schedulerToken } }
 *   scheduler → { listening: true }   once it can take the next message
 *             ← { start: { server, caPem, token, qps, burst, nodes, pods } }
 *             → { ready: true }   once its cache holds `nodes` nodes and `pods` pods: the
 *                                 informers have synced and the cluster is as the bench made it
 * and both answer "memory", "cpu" and "stop" as every benchmark child does (child.ts).
 */
import { type RunningScheduler, startScheduler } from "../src/scheduler/start.ts";
import { answerTheBench, send, startBenchApiServer } from "./child.ts";

export interface SchedulerStart {
  server: string;
  caPem: string;
  token: string;
  /** 0 lifts the client's limit (tinykube's convention; client-go lifts it with a negative QPS). */
  qps: number;
  burst: number;
  /** What the cache must hold before the scheduler counts as ready. */
  nodes: number;
  pods: number;
}

/** How often the child looks at its cache while waiting for it to fill. */
const POLL_MS = 20;

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
      schedulerToken: running.tokenFor("system:kube-scheduler"),
    },
  });
} else if (role === "scheduler") {
  let running: RunningScheduler | undefined;
  stopServer = async () => running?.stop();
  process.on("message", (message) => {
    const start = (message as { start?: SchedulerStart }).start;
    if (!start || running) return;
    const r = startScheduler({
      server: start.server,
      caPem: start.caPem,
      token: start.token,
      qps: start.qps,
      burst: start.burst,
      leaderElection: false,
      log: (line) => process.stderr.write(`    ${line}\n`),
    });
    running = r;
    const poll = setInterval(() => {
      const cache = r.scheduler()?.cache;
      if (!cache || cache.nodeCount() < start.nodes || cache.podCount() < start.pods) return;
      clearInterval(poll);
      send({ ready: true });
    }, POLL_MS);
  });
  send({ listening: true });
} else {
  process.stderr.write(`scheduler-child.ts: expected "apiserver" or "scheduler", got ${role}\n`);
  process.exit(2);
}
