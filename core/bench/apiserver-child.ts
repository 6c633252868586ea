/**
 * The API server of the apiserver benchmark, in a process of its own: its resident memory is
 * then the server's alone, and the load generator does not share its event loop (as clients of
 * a real kube-apiserver do not).
 *
 *   apiserver-child.ts <dataDir> [etcd endpoint]
 *
 * Talks to the benchmark over the IPC channel:
 *   → { ready: { url, token, caCertPem } }   once the server answers
 *   ← "memory"  → { memory: { rssMB, heapMB, peakRssMB } }   after a full garbage collection
 *   ← "stop"    → stops the server and exits
 * It also exits when the channel closes: the benchmark is gone, and nobody else would stop it.
 */
import { readFile } from "node:fs/promises";
import { startApiServer } from "../src/apiserver/start.ts";

const [dataDir, etcd] = process.argv.slice(2) as [string, string | undefined];
const send = (message: unknown) => process.send?.(message);
const mb = (bytes: number) => bytes / 1024 / 1024;

const running = await startApiServer({
  dataDir,
  port: 0,
  fsync: true,
  ...(etcd ? { etcd: [etcd] } : {}),
  log: (line) => {
    if (!line.includes("serving on")) process.stderr.write(`    ${line}\n`);
  },
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await running.stop();
  process.exit(0);
}

process.on("disconnect", () => void stop());
process.on("message", (message) => {
  if (message === "stop") void stop();
  if (message === "memory") {
    (globalThis as { gc?: () => void }).gc?.();
    void readFile("/proc/self/status", "utf8").then((status) => {
      const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
      const usage = process.memoryUsage();
      send({
        memory: { rssMB: mb(usage.rss), heapMB: mb(usage.heapUsed), peakRssMB: peakKb / 1024 },
      });
    });
  }
});

send({
  ready: {
    url: running.url,
    token: running.tokenFor("admin") as string,
    caCertPem: running.caCertPem,
  },
});
