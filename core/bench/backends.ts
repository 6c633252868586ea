/**
 * The stores a benchmark compares side by side: the embedded store, and a real etcd when one is
 * installed.
 *
 * Guarantees:
 * - `onEachBackend` runs the benchmark once per store, one after the other, each in the same fresh
 *   directory under TINYKUBE_BENCH_DIR (default: the OS's temp directory), so both stores fsync
 *   to the same disk; the directory is deleted afterwards, and also on an exit or a signal, after
 *   the processes started in it (processes.ts `guard`).
 * - Without etcd, only the embedded store runs, and a progress line says why the etcd column is
 *   empty.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ETCD_NOT_FOUND, findEtcd, startEtcd } from "../src/store/etcd-server.ts";
import { guard, track, unguard, untrack } from "./processes.ts";
import { progress } from "./stats.ts";

export interface Backend {
  /** The column's heading in the report. */
  name: string;
  etcd: boolean;
}

/** Where the benchmarks write: the disk whose fsync they measure. */
export const benchDir = (): string => process.env.TINYKUBE_BENCH_DIR ?? tmpdir();

/**
 * Runs `run` on each backend, in the order of the report's columns; resolves with each one's
 * results by backend name. `root` is the run's directory, for the data of the processes it starts.
 */
export async function onEachBackend<R>(
  run: (backend: Backend, root: string) => Promise<R>,
): Promise<Map<string, R>> {
  const root = await mkdtemp(join(benchDir(), "tinykube-bench-"));
  guard(root);
  const backends: Backend[] = [{ name: "embedded, fsync", etcd: false }];
  if (findEtcd()) backends.push({ name: "etcd 3.4, fsync", etcd: true });
  else progress(`${ETCD_NOT_FOUND} — the etcd column stays empty`);

  const results = new Map<string, R>();
  try {
    for (const backend of backends) results.set(backend.name, await run(backend, root));
    return results;
  } finally {
    await rm(root, { recursive: true, force: true });
    unguard();
  }
}

/** An etcd of a backend's own; `stop` ends it and deletes its data. */
export interface BenchEtcd {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * 4 GiB: twice etcd's default backend quota (2 GB, etcd's docs, dev-guide/limit.md). Past the
 * quota etcd raises its NOSPACE alarm and refuses every write, and a full run writes tens of
 * thousands of objects and their every revision.
 */
const QUOTA_BACKEND_BYTES = 4 * 1024 * 1024 * 1024;

/** Starts etcd in `root` when the backend uses it, tracked so an unclean exit kills it. */
export async function startBackendEtcd(
  backend: Backend,
  root: string,
): Promise<BenchEtcd | undefined> {
  if (!backend.etcd) return undefined;
  const etcd = await startEtcd({
    parentDir: root,
    extraArgs: [`--quota-backend-bytes=${QUOTA_BACKEND_BYTES}`],
  });
  const { pid } = etcd;
  track(pid);
  return {
    endpoint: etcd.endpoint,
    pid,
    async stop() {
      await etcd.stop();
      untrack(pid);
    },
  };
}
