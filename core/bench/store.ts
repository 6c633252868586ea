/**
 * `npm run bench -- store`: the embedded store against a real etcd on the same disk, side by side
 * in one run. The same Store calls drive both, so the etcd column includes its gRPC client — as
 * it would for an API server using it.
 *
 * Phases: writes with 1 and 100 clients; point reads with 100 clients; watch fan-out to 1,000
 * watchers; memory for 100,000 keys of 1 KB; recovery of a ~100 MB log.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { EmbeddedStore } from "../src/store/embedded.ts";
import { EtcdStore } from "../src/store/etcd.ts";
import { ETCD_NOT_FOUND, type EtcdServer, findEtcd, startEtcd } from "../src/store/etcd-server.ts";
import type { Store } from "../src/store/types.ts";
import { configMapKey } from "./keys.ts";
import { type Cell, fmt, type LatencySummary, load, percentile, progress, table } from "./stats.ts";

const here = dirname(fileURLToPath(import.meta.url));

export interface StoreBenchOptions {
  /** Scale every count down for a quick look (1 = the full benchmark). */
  scale: number;
}

interface Backend {
  name: string;
  open(): Promise<Store>;
  close(): Promise<void>;
}

interface Results {
  write1?: LatencySummary;
  write100?: LatencySummary;
  read100?: LatencySummary;
  fanout?: { p50: number; p99: number; deliveries: number };
}

const VALUE = "v".repeat(256);

export async function benchStore(options: StoreBenchOptions): Promise<string> {
  const n = (count: number) => Math.max(1, Math.round(count * options.scale));
  const parent = process.env.TINYKUBE_BENCH_DIR ?? tmpdir();
  const root = await mkdtemp(join(parent, "tinykube-bench-"));
  const etcdBin = findEtcd();
  const backends: Backend[] = [
    embedded("embedded, fsync", root, true),
    embedded("embedded, no fsync", root, false),
  ];
  let etcd: EtcdServer | undefined;
  if (etcdBin) {
    backends.push({
      name: "etcd 3.4, fsync",
      async open() {
        etcd = await startEtcd({
          parentDir: root,
          extraArgs: ["--quota-backend-bytes=4294967296"],
        });
        return EtcdStore.connect({ endpoints: [etcd.endpoint] });
      },
      async close() {
        await etcd?.stop();
      },
    });
  } else {
    progress(`${ETCD_NOT_FOUND} — the etcd column stays empty`);
  }

  const results = new Map<string, Results>();
  try {
    for (const backend of backends) {
      const r: Results = {};
      results.set(backend.name, r);
      progress(`${backend.name}: starting`);
      const store = await backend.open();
      try {
        progress(`${backend.name}: ${n(1000)} writes, 1 client`);
        r.write1 = await load(1, n(1000), (i) => store.put(`/bench/one/${i}`, VALUE));
        progress(`${backend.name}: ${n(20_000)} writes, 100 clients`);
        r.write100 = await load(100, n(20_000), (i) =>
          store.put(`/bench/many/${i % 10_000}`, VALUE),
        );
        progress(`${backend.name}: ${n(50_000)} point reads, 100 clients`);
        const keys = Math.min(10_000, n(20_000));
        r.read100 = await load(100, n(50_000), (i) =>
          store.get(`/bench/many/${(i * 7919) % keys}`),
        );
        progress(`${backend.name}: watch fan-out, ${n(1000)} watchers x ${n(50)} events`);
        r.fanout = await fanout(store, n(1000), n(50));
      } finally {
        await store.close();
        await backend.close();
      }
    }
    progress(`memory: ${fmt(n(100_000))} keys of 1 KB (each store in its own process)`);
    const memory = await measureMemory(root, n(100_000), etcdBin);
    progress(`recovery: a log of ${fmt(n(100_000))} puts of 1 KB`);
    const recovery = await measureRecovery(root, n(100_000), etcdBin);
    return report(results, memory, recovery, { ...options, watchers: n(1000), keys: n(100_000) });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function embedded(name: string, root: string, fsync: boolean): Backend {
  let dir: string | undefined;
  return {
    name,
    async open() {
      dir = await mkdtemp(join(root, "embedded-"));
      return EmbeddedStore.open({ dataDir: dir, fsync });
    },
    async close() {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Each event goes to every watcher before the next is written, so the latency is one delivery,
 * not a queue: from the put's call to the moment the watcher's loop receives it (this includes
 * the commit itself, so it is an upper bound of commit-to-delivery).
 */
async function fanout(
  store: Store,
  watchers: number,
  events: number,
): Promise<{ p50: number; p99: number; deliveries: number }> {
  const latencies: number[] = [];
  let sentAt = 0;
  let pending = 0;
  let allDelivered: () => void = () => {};
  const watches = await Promise.all(
    Array.from({ length: watchers }, () => store.watch({ key: "/bench/fan/", prefix: true })),
  );
  const loops = watches.map(async (watch) => {
    for await (const _ of watch) {
      latencies.push(performance.now() - sentAt);
      if (--pending === 0) allDelivered();
    }
  });
  for (let i = 0; i < events; i++) {
    const delivered = new Promise<void>((resolve) => {
      allDelivered = resolve;
    });
    pending = watchers;
    sentAt = performance.now();
    await store.put(`/bench/fan/${i}`, VALUE);
    await delivered;
  }
  for (const w of watches) w.cancel();
  await Promise.allSettled(loops);
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    deliveries: latencies.length,
  };
}

function child(args: string[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      ["--expose-gc", "--import", "tsx", join(here, "store-child.ts"), ...args],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    proc.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    proc.on("exit", (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split("\n").at(-1) as string))
        : reject(new Error(`store-child ${args[0]} exited ${code}`)),
    );
  });
}

async function rssMB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

interface Memory {
  embeddedHeapMB: number;
  embeddedRssMB: number;
  etcdRssMB?: number;
}

async function measureMemory(
  root: string,
  keys: number,
  etcdBin: string | undefined,
): Promise<Memory> {
  const e = await child(["memory", String(keys), "1024"]);
  const memory: Memory = { embeddedHeapMB: e.heapMB as number, embeddedRssMB: e.rssMB as number };
  if (findEtcd() || etcdBin) {
    const server = await startEtcd({
      parentDir: root,
      extraArgs: ["--quota-backend-bytes=4294967296"],
    });
    const store = await EtcdStore.connect({ endpoints: [server.endpoint] });
    try {
      await load(100, keys, (i) => store.put(configMapKey(i), `${i}:`.padEnd(1024, "x")));
      memory.etcdRssMB = await rssMB(server.pid);
    } finally {
      await store.close();
      await server.stop();
    }
  }
  return memory;
}

interface Recovery {
  logMB: number;
  embeddedMs: number;
  etcdMs?: number;
}

async function measureRecovery(
  root: string,
  keys: number,
  etcdBin: string | undefined,
): Promise<Recovery> {
  const dir = await mkdtemp(join(root, "recovery-"));
  const written = await child(["write-log", dir, String(keys), "1024"]);
  const recovered = await child(["recover", dir]);
  const result: Recovery = {
    logMB: written.logMB as number,
    embeddedMs: recovered.millis as number,
  };
  if (etcdBin) {
    const server = await startEtcd({
      parentDir: root,
      extraArgs: ["--quota-backend-bytes=4294967296"],
    });
    try {
      const store = await EtcdStore.connect({ endpoints: [server.endpoint] });
      await load(100, keys, (i) => store.put(configMapKey(i), `${i}:`.padEnd(1024, "x")));
      await store.close();
      result.etcdMs = await server.restart();
    } finally {
      await server.stop();
    }
  }
  return result;
}

function report(
  results: Map<string, Results>,
  memory: Memory,
  recovery: Recovery,
  options: StoreBenchOptions & { watchers: number; keys: number },
): string {
  const names = [...results.keys()];
  const get = (name: string) => results.get(name) as Results;
  const etcdName = names.find((x) => x.startsWith("etcd"));
  const ratio = (pick: (r: Results) => number | undefined): Cell => {
    if (!etcdName) return undefined;
    const a = pick(get("embedded, fsync"));
    const b = pick(get(etcdName));
    return a !== undefined && b !== undefined ? `${fmt(a / b)}x` : undefined;
  };
  const row = (
    label: string,
    pick: (r: Results) => number | undefined,
    withRatio = true,
  ): Cell[] => [label, ...names.map((x) => pick(get(x))), withRatio ? ratio(pick) : undefined];
  const header = ["", ...names, "embedded/etcd"];
  const throughput = table(header, [
    row("writes/s, 1 client", (r) => r.write1?.perSecond),
    row("  p50 ms", (r) => r.write1?.p50, false),
    row("  p99 ms", (r) => r.write1?.p99, false),
    row("writes/s, 100 clients", (r) => r.write100?.perSecond),
    row("  p50 ms", (r) => r.write100?.p50, false),
    row("  p99 ms", (r) => r.write100?.p99, false),
    row("point reads/s, 100 clients", (r) => r.read100?.perSecond),
    row("  p99 ms", (r) => r.read100?.p99, false),
    row(`watch fan-out to ${fmt(options.watchers)}, p50 ms`, (r) => r.fanout?.p50, false),
    row(`watch fan-out to ${fmt(options.watchers)}, p99 ms`, (r) => r.fanout?.p99, false),
  ]);
  const footprint = table(
    ["", "embedded", "etcd 3.4"],
    [
      [
        "memory, 100,000 keys x 1 KB (MB)",
        `${fmt(memory.embeddedHeapMB)} heap / ${fmt(memory.embeddedRssMB)} RSS`,
        memory.etcdRssMB === undefined ? undefined : `${fmt(memory.etcdRssMB)} RSS`,
      ],
      [`recovery of ${fmt(recovery.logMB)} MB of log (ms)`, recovery.embeddedMs, recovery.etcdMs],
    ],
  );
  const e = get("embedded, fsync");
  const etcd = etcdName ? get(etcdName) : undefined;
  const scaleNote =
    options.scale === 1 ? "" : ` (scaled by ${options.scale}: targets are for the full run)`;
  const check = (ok: boolean | undefined, text: string) =>
    `${ok === undefined ? "?" : ok ? "✓" : "✗"} ${text}`;
  const targets = [
    check(
      etcd?.write100 && e.write100
        ? e.write100.perSecond >= 2 * etcd.write100.perSecond
        : undefined,
      `durable writes/s with 100 clients at least 2x etcd's: ${fmt(e.write100?.perSecond ?? Number.NaN)} vs ${fmt(etcd?.write100?.perSecond ?? Number.NaN)}`,
    ),
    check(
      e.fanout ? e.fanout.p99 < 50 : undefined,
      `watch fan-out p99 under 50 ms for 1,000 watchers: ${fmt(e.fanout?.p99 ?? Number.NaN)} ms`,
    ),
    check(
      memory.embeddedRssMB < 300,
      `100,000 keys of 1 KB in under 300 MB: ${fmt(memory.embeddedRssMB)} MB RSS (whole process)`,
    ),
    check(
      recovery.embeddedMs < 5000,
      `recovery of a ~100 MB log in under 5 s: ${fmt(recovery.embeddedMs)} ms for ${fmt(recovery.logMB)} MB`,
    ),
  ];
  return [
    `Store benchmark${scaleNote} — same disk (${process.env.TINYKUBE_BENCH_DIR ?? tmpdir()}), values of 256 B unless stated`,
    "",
    throughput,
    "Fan-out latency runs from the put's call to each watcher's receipt, so it includes the commit:",
    "an upper bound of commit-to-delivery. Memory is the whole process (an idle Node.js is about 40 MB).",
    "",
    footprint,
    "",
    "Targets:",
    ...targets.map((t) => `  ${t}`),
  ].join("\n");
}
