/**
 * `npm run bench -- apiserver`: the API server on the embedded store and on a real etcd on the
 * same disk, side by side in one run, driven through real HTTPS requests with the admin token.
 * The server runs in a child process (apiserver-child.ts), so its memory is its own and the load
 * generator does not share its event loop; etcd, when used, is a third process.
 *
 * Phases, for each store:
 * 1. creates of 10,000 pods by 50 concurrent clients (the first part of the fill);
 * 2. more creates, up to 50,000 pods; then the server's RSS (and etcd's), after a full GC;
 * 3. 20 LISTs of the 50,000 pods from the watch cache (?resourceVersion=0), then 20 consistent
 *    LISTs (no resourceVersion), one at a time;
 * 4. 1,000 watch streams on the namespace's pods from the list's resourceVersion, and creates one
 *    at a time, each waited for until every watcher has it.
 *
 * Set TINYKUBE_BENCH_PROF=<dir> to write a CPU profile of each server child (node --cpu-prof).
 */
import { mkdtemp } from "node:fs/promises";
import type { ClientRequest } from "node:http";
import { Agent, request as httpsRequest } from "node:https";
import { join } from "node:path";
import { type Backend, benchDir, onEachBackend, startBackendEtcd } from "./backends.ts";
import { type ChildHandle, type Memory, rssMB, startChild, withDeadline } from "./processes.ts";
import {
  type Cell,
  count,
  fmt,
  type LatencySummary,
  load,
  percentiles,
  progress,
  table,
} from "./stats.ts";

export interface ApiServerBenchOptions {
  /** Scale every count down for a quick look (1 = the full benchmark). */
  scale: number;
}

interface Results {
  creates?: LatencySummary;
  fill?: LatencySummary;
  listCached?: ListSummary;
  listConsistent?: ListSummary;
  watch?: WatchSummary;
  server?: Memory;
  etcdRssMB?: number;
}

interface ListSummary {
  p50: number;
  p99: number;
  count: number;
  bytes: number;
  items: number;
  resourceVersion: string;
}

interface WatchSummary {
  p50: number;
  p99: number;
  deliveries: number;
  /** The creates' own latency, for comparison: delivery cannot be faster than the write. */
  createP50: number;
  /** The slowest delivery of the first event of all, sent while the code was cold. */
  firstEventMs: number;
}

const NAMESPACE = "default";
const PODS = `/api/v1/namespaces/${NAMESPACE}/pods`;
const LISTS = 20;
/** Events sent to new watch streams before any is counted (see fanout). */
const WARMUP_EVENTS = 5;
/** Far beyond any answer the targets allow; only a stuck server gets near it. */
const REQUEST_TIMEOUT_MS = 60_000;

/** A minimal valid pod: a name and one container (the ServiceAccount admission adds "default"). */
const pod = (name: string) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NAMESPACE },
    spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.10" }] },
  });

const podName = (prefix: string, i: number) => `${prefix}-${String(i).padStart(6, "0")}`;

interface Counts {
  creates: number;
  pods: number;
  watchers: number;
  events: number;
}

export async function benchApiServer(options: ApiServerBenchOptions): Promise<string> {
  const n = (c: number) => Math.max(1, Math.round(c * options.scale));
  const counts: Counts = { creates: n(10_000), pods: n(50_000), watchers: n(1000), events: n(100) };
  const results = await onEachBackend((backend, root) => runPhases(backend, root, counts));
  return report(results, { ...options, ...counts });
}

async function runPhases(backend: Backend, root: string, counts: Counts): Promise<Results> {
  const r: Results = {};
  const say = (message: string) => progress(`${backend.name}: ${message}`);
  say("starting");
  const etcd = await startBackendEtcd(backend, root);
  let server: ServerChild | undefined;
  let client: Client | undefined;
  try {
    server = await startServerChild(await mkdtemp(join(root, "apiserver-")), etcd?.endpoint);
    const c = new Client(server.url, server.token, server.caCertPem);
    client = c;

    say(`${count(counts.creates)} pod creates, 50 clients`);
    r.creates = await load(50, counts.creates, (i) => c.create(podName("pod", i)));
    const more = counts.pods - counts.creates;
    say(`${count(more)} more creates, up to ${count(counts.pods)} pods`);
    r.fill = await load(50, more, (i) => c.create(podName("pod", counts.creates + i)));

    say(`memory with ${count(counts.pods)} pods`);
    r.server = await server.memory();
    if (etcd) r.etcdRssMB = await rssMB(etcd.pid);

    say(`${LISTS} LISTs of ${count(counts.pods)} pods from the watch cache (resourceVersion=0)`);
    r.listCached = await lists(c, `${PODS}?resourceVersion=0`, counts.pods);
    say(`${LISTS} consistent LISTs of ${count(counts.pods)} pods (no resourceVersion)`);
    r.listConsistent = await lists(c, PODS, counts.pods);

    say(
      `${count(counts.watchers)} watchers x ${counts.events} events (after ${WARMUP_EVENTS} warm-up)`,
    );
    r.watch = await fanout(c, r.listCached.resourceVersion, counts.watchers, counts.events);
    // The peak covers the whole run: 50,000 pods, 50 MB list bodies and 1,000 watch streams.
    r.server.peakRssMB = (await server.memory()).peakRssMB;
  } finally {
    client?.close();
    await server?.stop();
    await etcd?.stop();
  }
  return r;
}

// #region client
/** HTTPS as the admin, on keep-alive connections: enough sockets for 50 clients at once. */
class Client {
  private readonly agent: Agent;
  private readonly watchAgent: Agent;
  private readonly port: number;

  constructor(
    url: string,
    private readonly token: string,
    caCertPem: string,
  ) {
    this.port = Number(new URL(url).port);
    this.agent = new Agent({ keepAlive: true, maxSockets: 64, ca: caCertPem });
    // A watch holds its connection for as long as it runs: one socket each, never pooled.
    this.watchAgent = new Agent({
      keepAlive: false,
      maxSockets: Number.POSITIVE_INFINITY,
      ca: caCertPem,
    });
  }

  send(method: string, path: string, agent: Agent, body?: string): ClientRequest {
    const req = httpsRequest({
      host: "127.0.0.1",
      port: this.port,
      method,
      path,
      agent,
      headers: {
        Authorization: `Bearer ${this.token}`,
        Accept: "application/json",
        ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      },
    });
    req.end(body);
    return req;
  }

  /** A request whose body is counted, and kept only when `keep` (a 50 MB list is not kept). */
  request(
    method: string,
    path: string,
    options: { body?: string; keep?: boolean } = {},
  ): Promise<{ status: number; bytes: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = this.send(method, path, this.agent, options.body);
      // A server that stops answering fails the benchmark instead of hanging it.
      req.setTimeout(REQUEST_TIMEOUT_MS, () =>
        req.destroy(new Error(`${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS} ms`)),
      );
      req.on("error", reject);
      req.on("response", (res) => {
        let bytes = 0;
        let head = "";
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          if (options.keep || res.statusCode !== 200) chunks.push(chunk);
          else if (head.length < 200) head += chunk.toString("utf8", 0, 200);
        });
        res.on("error", reject);
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            bytes,
            text: chunks.length > 0 ? Buffer.concat(chunks).toString("utf8") : head,
          }),
        );
      });
    });
  }

  async create(name: string): Promise<void> {
    const res = await this.request("POST", PODS, { body: pod(name), keep: true });
    if (res.status !== 201) throw new Error(`create ${name}: HTTP ${res.status}: ${res.text}`);
  }

  close(): void {
    this.agent.destroy();
    this.watchAgent.destroy();
  }

  /** Opens a watch; resolves once the server sent its headers, which it does at once. */
  watch(path: string, onLine: (line: string, at: number) => void): Promise<() => void> {
    return new Promise((resolve, reject) => {
      const req = this.send("GET", path, this.watchAgent);
      req.on("error", reject);
      req.on("response", (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`watch ${path}: HTTP ${res.statusCode}`));
          return;
        }
        res.setEncoding("utf8");
        let partial = "";
        res.on("data", (chunk: string) => {
          const at = performance.now();
          partial += chunk;
          for (let nl = partial.indexOf("\n"); nl >= 0; nl = partial.indexOf("\n")) {
            const line = partial.slice(0, nl);
            partial = partial.slice(nl + 1);
            if (line.trim() !== "") onLine(line, at);
          }
        });
        resolve(() => req.destroy());
      });
    });
  }
}
// #endregion client

// #region phases
/**
 * LISTs one after another. The latency runs from the request to the last byte of the body; the
 * client counts the bytes but does not parse them, except once to check the item count.
 */
async function lists(client: Client, path: string, pods: number): Promise<ListSummary> {
  const first = await client.request("GET", path, { keep: true });
  if (first.status !== 200) throw new Error(`list ${path}: HTTP ${first.status}: ${first.text}`);
  const list = JSON.parse(first.text) as {
    metadata: { resourceVersion: string };
    items: unknown[];
  };
  if (list.items.length !== pods)
    throw new Error(`list ${path}: expected ${pods} pods, got ${list.items.length}`);
  const latencies: number[] = [];
  let bytes = 0;
  for (let i = 0; i < LISTS; i++) {
    const started = performance.now();
    const res = await client.request("GET", path);
    latencies.push(performance.now() - started);
    if (res.status !== 200) throw new Error(`list ${path}: HTTP ${res.status}: ${res.text}`);
    bytes = res.bytes;
  }
  return {
    ...percentiles(latencies),
    count: LISTS,
    bytes,
    items: list.items.length,
    resourceVersion: list.metadata.resourceVersion,
  };
}

/**
 * `watchers` HTTP watch streams from `resourceVersion`, then creates one at a time: each create
 * is waited for until every watcher has received its event. The latency of one delivery runs from
 * the start of the create request to the moment the watcher's line is read in this process, so it
 * includes the whole write (admission, store commit, fsync) and the client's own TLS and parsing
 * work; it is an upper bound of write-to-delivery.
 *
 * The first events to new streams run cold code on both sides (the JIT has not compiled the
 * delivery path yet): `WARMUP_EVENTS` are sent and waited for but not counted, and the slowest
 * delivery of the very first is reported on its own.
 */
async function fanout(
  client: Client,
  resourceVersion: string,
  watchers: number,
  events: number,
): Promise<WatchSummary> {
  const latencies: number[] = [];
  const creates: number[] = [];
  let firstEventMs = 0;
  let current: number[] = [];
  let expected = "";
  let sentAt = 0;
  let delivered: () => void = () => {};
  let failed: (error: Error) => void = () => {};
  const onLine = (line: string, at: number) => {
    if (!line.includes(`"name":"${expected}"`)) {
      failed(new Error(`watcher got an unexpected event: ${line.slice(0, 300)}`));
      return;
    }
    current.push(at - sentAt);
    if (current.length === watchers) delivered();
  };
  const path = `${PODS}?watch=true&resourceVersion=${resourceVersion}&timeoutSeconds=3600`;
  const closers: (() => void)[] = [];
  try {
    // Opened 50 at a time, as a TLS handshake each costs the server a few milliseconds.
    await load(50, watchers, async () => {
      closers.push(await client.watch(path, onLine));
    });
    for (let i = 0; i < WARMUP_EVENTS + events; i++) {
      expected = podName("watch", i);
      current = [];
      const all = new Promise<void>((resolve, reject) => {
        delivered = resolve;
        failed = reject;
      });
      all.catch(() => {}); // awaited below; a failure during the create must not go unhandled
      sentAt = performance.now();
      await client.create(expected);
      const created = performance.now() - sentAt;
      await withDeadline(
        all,
        30_000,
        () => `${watchers - current.length} of ${watchers} watchers never got ${expected}`,
      );
      if (i === 0) firstEventMs = Math.max(...current);
      if (i < WARMUP_EVENTS) continue;
      creates.push(created);
      for (const latency of current) latencies.push(latency);
    }
  } finally {
    for (const close of closers) close();
  }
  return {
    ...percentiles(latencies),
    deliveries: latencies.length,
    createP50: percentiles(creates).p50,
    firstEventMs,
  };
}
// #endregion phases

// #region server child
/** What the API server child sends once it answers: where it is, and the admin's token. */
interface ServerReady {
  url: string;
  token: string;
  caCertPem: string;
}

type ServerChild = ChildHandle & ServerReady;

/** The API server child, resolved once it answers; killed at once if it never does. */
async function startServerChild(dataDir: string, etcd: string | undefined): Promise<ServerChild> {
  const child = startChild({
    script: "apiserver-child.ts",
    args: [dataDir, etcd],
    name: "API server",
  });
  try {
    return { ...child, ...(await child.next<ServerReady>("ready")) };
  } catch (error) {
    await child.kill();
    throw error;
  }
}
// #endregion server child

function report(results: Map<string, Results>, options: ApiServerBenchOptions & Counts): string {
  const names = [...results.keys()];
  const get = (name: string) => results.get(name) as Results;
  const etcdName = names.find((x) => x.startsWith("etcd"));
  const e = get("embedded, fsync");
  const etcd = etcdName ? get(etcdName) : undefined;
  const ratio = (pick: (r: Results) => number | undefined): Cell => {
    const a = pick(e);
    const b = etcd ? pick(etcd) : undefined;
    return a !== undefined && b !== undefined ? `${fmt(a / b)}x` : undefined;
  };
  const row = (
    label: string,
    pick: (r: Results) => number | undefined,
    withRatio = true,
  ): Cell[] => [label, ...names.map((x) => pick(get(x))), withRatio ? ratio(pick) : undefined];
  const pods = count(options.pods);
  const main = table(
    ["", ...names, "embedded/etcd"],
    [
      row(`pod creates/s, 50 clients (${count(options.creates)})`, (r) => r.creates?.perSecond),
      row("  p50 ms", (r) => r.creates?.p50),
      row("  p99 ms", (r) => r.creates?.p99),
      row(`  creates/s up to ${pods} pods`, (r) => r.fill?.perSecond),
      row(`LIST ${pods} pods, rv=0 (cache), p50 ms`, (r) => r.listCached?.p50),
      row(`  p99 ms (max of ${LISTS})`, (r) => r.listCached?.p99),
      row(`LIST ${pods} pods, consistent, p50 ms`, (r) => r.listConsistent?.p50),
      row(`  p99 ms (max of ${LISTS})`, (r) => r.listConsistent?.p99),
      row(
        "  response MB",
        (r) => (r.listCached ? r.listCached.bytes / 1024 / 1024 : undefined),
        false,
      ),
      row(`watch delivery to ${count(options.watchers)}, p50 ms`, (r) => r.watch?.p50),
      row("  p99 ms", (r) => r.watch?.p99),
      row("  (the create alone, p50 ms)", (r) => r.watch?.createP50),
      row("  first event (cold, not counted), max ms", (r) => r.watch?.firstEventMs),
      row(`API server RSS, ${pods} pods (MB)`, (r) => r.server?.rssMB),
      row("  of which JS heap (MB)", (r) => r.server?.heapMB),
      row("  peak RSS over the run (MB)", (r) => r.server?.peakRssMB),
      row(`etcd RSS, ${pods} pods (MB)`, (r) => r.etcdRssMB, false),
    ],
  );
  const scaleNote =
    options.scale === 1 ? "" : ` (scaled by ${options.scale}: targets are for the full run)`;
  const check = (ok: boolean | undefined, text: string) =>
    `${ok === undefined ? "?" : ok ? "✓" : "✗"} ${text}`;
  const beside = (pick: (r: Results) => string | undefined) =>
    etcd ? `; etcd: ${pick(etcd) ?? "—"}` : "";
  const ms = (n: number | undefined) => `${fmt(n ?? Number.NaN)} ms`;
  const targets = [
    check(
      e.creates ? e.creates.perSecond >= 1000 && e.creates.p99 < 1000 : undefined,
      `at least 1,000 creates/s with p99 under 1 s: ${fmt(e.creates?.perSecond ?? Number.NaN)}/s, p99 ${ms(e.creates?.p99)}${beside((r) => `${fmt(r.creates?.perSecond ?? Number.NaN)}/s, p99 ${ms(r.creates?.p99)}`)}`,
    ),
    check(
      e.listCached && e.listConsistent
        ? e.listCached.p99 < 1000 && e.listConsistent.p99 < 1000
        : undefined,
      `LIST of ${pods} pods, p99 under 1 s: ${ms(e.listCached?.p99)} (rv=0), ${ms(e.listConsistent?.p99)} (consistent)${beside((r) => `${ms(r.listCached?.p99)} (rv=0), ${ms(r.listConsistent?.p99)} (consistent)`)}`,
    ),
    check(
      e.watch ? e.watch.p99 < 100 : undefined,
      `watch delivery p99 under 100 ms with ${count(options.watchers)} watchers: ${ms(e.watch?.p99)}${beside((r) => ms(r.watch?.p99))}`,
    ),
    check(
      e.server ? e.server.rssMB < 1024 : undefined,
      `API server RSS with ${pods} pods under 1 GB: ${fmt(e.server?.rssMB ?? Number.NaN)} MB${beside((r) => `${fmt(r.server?.rssMB ?? Number.NaN)} MB + etcd ${fmt(r.etcdRssMB ?? Number.NaN)} MB`)}`,
    ),
  ];
  return [
    `API server benchmark${scaleNote} — HTTPS as admin, same disk (${benchDir()}), store fsync on`,
    "",
    main,
    "",
    "Creates: POST of a one-container pod in namespace default; latency from request to response.",
    "LISTs: one at a time, from the request to the last byte; rv=0 is served by the watch cache as",
    "it stands; a consistent LIST waits for the cache to catch up with the store — unless the store",
    "cannot confirm that (etcd before 3.4.25 sends no reliable progress notifications), then it is",
    "read from the store, as kube-apiserver does.",
    "Watch delivery: one create at a time; from the start of the create request to the moment a",
    "watcher's line is read here, so it includes the write itself and the client's TLS work;",
    `after ${WARMUP_EVENTS} events not counted, as the first ones to new streams run cold code.`,
    "RSS is the whole server process after a full GC (an idle Node.js is about 40 MB); the peak",
    "includes the LISTs' bodies and the watch streams.",
    "",
    "Targets (embedded store):",
    ...targets.map((t) => `  ${t}`),
  ].join("\n");
}
