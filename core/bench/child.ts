/**
 * What every child of a benchmark (apiserver-child.ts, controllers-child.ts) does on its side of
 * the IPC channel; processes.ts `startChild` is the other side.
 *
 * Once `answerTheBench(stop)` has run, the child answers:
 *   ← "memory" → { memory: { rssMB, heapMB, heapTotalMB, externalMB, peakRssMB } }   after a
 *                full GC (node --expose-gc)
 *   ← "cpu"    → { cpu: microseconds of CPU used so far, user and system }
 *   ← "stop"   → runs `stop` once, then exits
 * and does the same as on "stop" when the channel closes: the benchmark is gone, and nobody else
 * would stop it.
 */
import { readFile } from "node:fs/promises";
import {
  type RunningApiServer,
  type StartApiServerOptions,
  startApiServer,
} from "../src/apiserver/start.ts";

export const send = (message: unknown) => process.send?.(message);
const mb = (bytes: number) => bytes / 1024 / 1024;

export function answerTheBench(stop: () => Promise<void>): void {
  let stopping = false;
  const stopOnce = async () => {
    if (stopping) return;
    stopping = true;
    await stop();
    process.exit(0);
  };
  process.on("disconnect", () => void stopOnce());
  process.on("message", (message) => {
    if (message === "stop") void stopOnce();
    if (message === "memory") void sendMemory();
    if (message === "cpu") {
      const { user, system } = process.cpuUsage();
      send({ cpu: user + system });
    }
  });
}

async function sendMemory(): Promise<void> {
  (globalThis as { gc?: () => void }).gc?.();
  const status = await readFile("/proc/self/status", "utf8");
  // VmHWM, the high-water mark of the resident set, in kB.
  const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  const usage = process.memoryUsage();
  send({
    memory: {
      rssMB: mb(usage.rss),
      heapMB: mb(usage.heapUsed),
      heapTotalMB: mb(usage.heapTotal),
      externalMB: mb(usage.external),
      peakRssMB: peakKb / 1024,
    },
  });
}

/**
 * The benchmarks' API server: on `dataDir`, or on the etcd at `etcd`; any free port; fsync on,
 * as a real cluster's store; `more` options (node tokens, HTTP/2) as a benchmark needs. Its log
 * goes to stderr, indented under the benchmark's progress lines, all but its "serving on" line,
 * which would only be noise between them.
 */
export function startBenchApiServer(
  dataDir: string,
  etcd: string | undefined,
  more: Pick<StartApiServerOptions, "nodes" | "http2"> = {},
): Promise<RunningApiServer> {
  return startApiServer({
    dataDir,
    port: 0,
    fsync: true,
    ...more,
    ...(etcd ? { etcd: [etcd] } : {}),
    log: (line) => {
      if (!line.includes("serving on")) process.stderr.write(`    ${line}\n`);
    },
  });
}
