/**
 * Part 2 of the network benchmark: cluster DNS's queries per second against dnsmasq's, serving
 * the same names on loopback, driven by the same load generator in the same run.
 *
 * 1. The names: `dnsNames` ClusterIP Services, svc-<i>.default.svc.cluster.local → 127.97.x.y.
 *    Cluster DNS holds them as Services in its state (network-child.ts dns); dnsmasq reads them
 *    from an addn-hosts file, answers from it alone (--no-resolv, --no-hosts) and treats
 *    cluster.local as local (--local): what it does not know is NXDOMAIN, never forwarded.
 *    Both give the same TTL (30 s).
 * 2. Both answer A queries for the first and the last name, with the same address, before load.
 * 3. Load: dnsperf when installed (Debian's dnsperf), else network-load.ts `dnsLoad`; A queries for
 *    the names in turn, 100 in flight, for `dnsSeconds`; twice per server, in alternating order.
 *
 * Each server is one process on one thread: dnsmasq is single-threaded, cluster DNS one Node
 * event loop. CoreDNS would use every core; anchors.md's figure for it is per 2 vCPU.
 */
import { createSocket } from "node:dgram";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { RRType } from "../src/dns/constants.ts";
import { decodeMessage } from "../src/dns/decode.ts";
import { encodeQuery } from "../src/dns/encode.ts";
import type { DnsReady, DnsStart } from "./network-child.ts";
import { startRole } from "./network-cluster.ts";
import { dnsLoad, type LoadResult, type ServerLoad } from "./network-load.ts";
import { type Daemon, findTool, freeTcpPort, run, startDaemon } from "./network-peers.ts";
import {
  CLUSTER_DOMAIN,
  DNS_ADDRESS,
  DNS_IN_FLIGHT,
  DNS_TTL_SECONDS,
  DNSMASQ_ADDRESS,
  dnsFqdn,
  dnsServiceIP,
  LOAD_ROUNDS,
  type Sizes,
} from "./network-workload.ts";
import { type ChildHandle, cpuTicks } from "./processes.ts";

export interface DnsResult {
  generator: string;
  tinykube: ServerLoad;
  /** Undefined when dnsmasq is not installed; `peerMissing` says so. */
  dnsmasq?: ServerLoad;
  peerMissing?: string;
}

/** How long a server gets to answer its first query, asked again every 200 ms. */
const READY_TIMEOUT_MS = 10_000;
const RETRY_MS = 200;

// #region benchDns
export async function benchDns(options: {
  sizes: Sizes;
  dir: string;
  children: ChildHandle[];
  say: (message: string) => void;
}): Promise<DnsResult> {
  const { sizes, say } = options;
  // 1. The names, for both servers and for the load generator.
  const dir = join(options.dir, "dns");
  await mkdir(dir, { recursive: true });
  // dnsmasq, started as root, reads its hosts file as the user it drops to (nobody): it must
  // be able to pass through the run's directory (searching only, not listing) into this one.
  await chmod(options.dir, 0o711);
  await chmod(dir, 0o755);
  const names = Array.from({ length: sizes.dnsNames }, (_, i) => dnsFqdn(i));
  const hostsFile = join(dir, "hosts");
  await writeFile(hostsFile, names.map((n, i) => `${dnsServiceIP(i)} ${n}\n`).join(""), {
    mode: 0o644,
  });
  const queryFile = join(dir, "queries");
  await writeFile(queryFile, names.map((n) => `${n} A\n`).join(""));

  const { child, ready } = await startRole<DnsStart, DnsReady>(
    "dns",
    { address: DNS_ADDRESS, names: sizes.dnsNames },
    options.children,
  );
  const dnsmasqPath = findTool("dnsmasq");
  const peerMissing = dnsmasqPath
    ? undefined
    : "dnsmasq is not installed (apt-get install dnsmasq-base): the dnsmasq column stays empty";
  if (peerMissing) say(peerMissing);
  let dnsmasq: { daemon: Daemon; port: number } | undefined;
  try {
    if (dnsmasqPath) dnsmasq = await startDnsmasq(dnsmasqPath, hostsFile);
    // 2. Both give the same answers.
    const checked = [0, names.length - 1];
    for (const i of checked) {
      const expected = dnsServiceIP(i);
      const servers: [string, string, number][] = [
        ["cluster DNS", ready.address, ready.port],
        ...(dnsmasq
          ? [["dnsmasq", DNSMASQ_ADDRESS, dnsmasq.port] as [string, string, number]]
          : []),
      ];
      for (const [who, address, port] of servers) {
        const got = await lookupA(address, port, names[i] as string, READY_TIMEOUT_MS);
        if (got !== expected) {
          const log = who === "dnsmasq" ? `; its output:\n${dnsmasq?.daemon.output() ?? ""}` : "";
          throw new Error(`${who} answered ${names[i]} with ${got}, expected ${expected}${log}`);
        }
      }
    }
    // 3. Load, in alternating order.
    const dnsperf = findTool("dnsperf");
    const generator = dnsperf
      ? `dnsperf, ${DNS_IN_FLIGHT} in flight`
      : `a Node UDP generator, ${DNS_IN_FLIGHT} in flight (dnsperf is not installed: apt-get install dnsperf)`;
    const load = async (address: string, port: number): Promise<LoadResult> =>
      dnsperf
        ? parseDnsperf(
            await run("dnsperf", dnsperf, [
              ...["-s", address, "-p", String(port), "-d", queryFile],
              ...["-l", String(sizes.dnsSeconds), "-q", String(DNS_IN_FLIGHT)],
            ]),
          )
        : dnsLoad({
            address,
            port,
            names,
            seconds: sizes.dnsSeconds,
            inFlight: DNS_IN_FLIGHT,
          });
    const runs = { tinykube: [] as LoadResult[], dnsmasq: [] as LoadResult[] };
    const cpu = { tinykube: 0, dnsmasq: 0 };
    const sides = dnsmasq ? (["tinykube", "dnsmasq"] as const) : (["tinykube"] as const);
    for (let round = 0; round < LOAD_ROUNDS; round++) {
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        say(`DNS load on ${side === "tinykube" ? "cluster DNS" : "dnsmasq"}, round ${round + 1}`);
        if (side === "tinykube") {
          const before = await child.cpu();
          runs.tinykube.push(await load(ready.address, ready.port));
          cpu.tinykube += ((await child.cpu()) - before) / 1e6;
        } else if (dnsmasq) {
          const before = await cpuTicks(dnsmasq.daemon.pid);
          runs.dnsmasq.push(await load(DNSMASQ_ADDRESS, dnsmasq.port));
          // Clock ticks of 10 ms (processes.ts cpuTicks).
          cpu.dnsmasq += ((await cpuTicks(dnsmasq.daemon.pid)) - before) / 100;
        }
      }
    }
    const wall = LOAD_ROUNDS * sizes.dnsSeconds;
    return {
      generator,
      tinykube: { ...combine(runs.tinykube), cpuSeconds: cpu.tinykube, seconds: wall },
      ...(dnsmasq
        ? { dnsmasq: { ...combine(runs.dnsmasq), cpuSeconds: cpu.dnsmasq, seconds: wall } }
        : {}),
      ...(peerMissing ? { peerMissing } : {}),
    };
  } finally {
    await dnsmasq?.daemon.stop();
    await child.stop();
  }
}
// #endregion benchDns

/**
 * dnsmasq in the foreground (-k), on its own address and a free port, answering from the hosts
 * file only; cluster.local is local, so unknown names get NXDOMAIN as from cluster DNS; answers
 * from the hosts file carry the same TTL as cluster DNS's (--local-ttl, 0 by default).
 */
async function startDnsmasq(
  path: string,
  hostsFile: string,
): Promise<{ daemon: Daemon; port: number }> {
  const port = await freeTcpPort(DNSMASQ_ADDRESS);
  const daemon = startDaemon("dnsmasq", path, [
    "--keep-in-foreground",
    "--conf-file=/dev/null",
    "--no-resolv",
    "--no-hosts",
    `--addn-hosts=${hostsFile}`,
    `--local=/${CLUSTER_DOMAIN}/`,
    `--local-ttl=${DNS_TTL_SECONDS}`,
    `--listen-address=${DNSMASQ_ADDRESS}`,
    "--bind-interfaces",
    `--port=${port}`,
    "--pid-file=",
    "--log-facility=-",
  ]);
  try {
    await Promise.race([
      lookupA(DNSMASQ_ADDRESS, port, dnsFqdn(0), READY_TIMEOUT_MS),
      daemon.exited,
    ]);
  } catch (error) {
    await daemon.stop();
    throw error;
  }
  return { daemon, port };
}

/**
 * The first A record's address in the answer to one query, or "no A record (rcode N)"; asked
 * again every 200 ms until `timeoutMs`.
 */
async function lookupA(
  address: string,
  port: number,
  name: string,
  timeoutMs: number,
): Promise<string> {
  const socket = createSocket("udp4");
  const deadline = performance.now() + timeoutMs;
  try {
    for (let id = 1; ; id++) {
      const answer = await new Promise<Buffer | undefined>((resolve) => {
        const onMessage = (message: Buffer) => {
          if (message.readUInt16BE(0) !== id) return;
          clearTimeout(timer);
          socket.off("message", onMessage);
          resolve(message);
        };
        const timer = setTimeout(() => {
          socket.off("message", onMessage);
          resolve(undefined);
        }, RETRY_MS);
        socket.on("message", onMessage);
        socket.send(encodeQuery({ id, name, type: RRType.A }), port, address);
      });
      if (answer) {
        const decoded = decodeMessage(answer);
        const a = decoded.answers.find((r) => r.type === RRType.A);
        return a ? (a.data.address as string) : `no A record (rcode ${decoded.rcode})`;
      }
      if (performance.now() > deadline) {
        throw new Error(`no answer from ${address}:${port} for ${name} within ${timeoutMs} ms`);
      }
    }
  } finally {
    socket.close();
  }
}

/**
 * dnsperf's summary: "Queries completed: N (…%)", "Queries lost: N (…%)" and "Queries per
 * second: X" (completed queries over the run's time).
 */
export function parseDnsperf(output: string): LoadResult {
  const field = (label: string) => {
    const match = new RegExp(`${label}:\\s+([\\d.]+)`).exec(output);
    if (!match) throw new Error(`expected "${label}:" in dnsperf's output, got:\n${output}`);
    return Number(match[1]);
  };
  return {
    completed: field("Queries completed"),
    failed: field("Queries lost"),
    perSecond: field("Queries per second"),
  };
}

/** The runs of one side: their mean rate, their counts added up. */
export function combine(runs: LoadResult[]): LoadResult {
  return {
    perSecond: runs.reduce((sum, r) => sum + r.perSecond, 0) / runs.length,
    completed: runs.reduce((sum, r) => sum + r.completed, 0),
    failed: runs.reduce((sum, r) => sum + r.failed, 0),
  };
}
