/**
 * `npm run bench -- network`: Services' data paths against their real-world peers, each pair
 * side by side in one run on this machine (anchors.md: compare ratios, treat absolute figures as
 * orders of magnitude).
 *
 * 1. kube-proxy's userspace mode against sending straight to the pod: bulk throughput, and the
 *    latency a round trip gains over kept and over fresh connections (network-proxy.ts).
 * 2. Cluster DNS's queries/s against dnsmasq's, for the same names (network-dns.ts).
 * 3. The ingress controller's requests/s against nginx's, for the same routes (network-ingress.ts).
 * 4. The iptables renderer's sync time at 1,000 / 5,000 / 10,000 Services, in full and with one
 *    Service changed (network-iptables.ts).
 *
 * Processes, as in a cluster: the API server, the backend pods, kube-proxy, cluster DNS and the
 * ingress controller each in a process of their own (network-child.ts); dnsmasq and nginx as
 * Debian ships them; dnsperf and wrk as load generators when installed, else this process's own
 * (network-load.ts), the same for both sides of a comparison. A peer that is not installed leaves
 * its column empty, with the package to install. Everything started is stopped by PID at the
 * end, and on an unclean exit too (processes.ts `guard`).
 *
 * One part failing is a result too: it is reported, and the others still run.
 *
 * Set TINYKUBE_BENCH_ONLY to a comma-separated list of parts (proxy, dns, ingress, iptables) to
 * run only those, e.g. TINYKUBE_BENCH_ONLY=ingress to profile one; the others are left out of
 * the report. Unset, every part runs.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { benchDir } from "./backends.ts";
import type { ApiServerReady, BackendsReady, BackendsStart } from "./network-child.ts";
import { startRole } from "./network-cluster.ts";
import { benchDns, type DnsResult } from "./network-dns.ts";
import { benchIngress, type IngressResult } from "./network-ingress.ts";
import { benchIptables, type IptablesRow } from "./network-iptables.ts";
import type { ServerLoad } from "./network-load.ts";
import { benchProxy, type ProxyResult } from "./network-proxy.ts";
import {
  LOAD_ROUNDS,
  PUBLISHED,
  routesFor,
  type Sizes,
  sizesAt,
  TARGETS,
} from "./network-workload.ts";
import { type ChildHandle, guard, startChild, unguard } from "./processes.ts";
import { type Cell, count, fmt, progress, table } from "./stats.ts";

export interface NetworkBenchOptions {
  /** Scale counts and durations down for a quick look (1 = the sizes). */
  scale: number;
}

/** A part's result, its failure, or undefined when TINYKUBE_BENCH_ONLY left it out. */
interface Results {
  proxy: ProxyResult | Error | undefined;
  dns: DnsResult | Error | undefined;
  ingress: IngressResult | Error | undefined;
  iptables: IptablesRow[] | Error | undefined;
}

const PARTS = ["proxy", "dns", "ingress", "iptables"] as const;
type Part = (typeof PARTS)[number];

/** The parts TINYKUBE_BENCH_ONLY names; all of them when it is unset or empty. */
function partsToRun(only: string | undefined): Set<Part> {
  const named = (only ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  if (named.length === 0) return new Set(PARTS);
  for (const p of named) {
    if (!(PARTS as readonly string[]).includes(p))
      throw new Error(`TINYKUBE_BENCH_ONLY: expected parts among ${PARTS.join(", ")}, got ${p}`);
  }
  return new Set(named as Part[]);
}

export async function benchNetwork(options: NetworkBenchOptions): Promise<string> {
  const sizes = sizesAt(options.scale);
  const parts = partsToRun(process.env.TINYKUBE_BENCH_ONLY);
  const root = await mkdtemp(join(benchDir(), "tinykube-bench-"));
  guard(root);
  const children: ChildHandle[] = [];
  try {
    const apiserver = startChild({
      script: "network-child.ts",
      args: ["apiserver", await mkdtemp(join(root, "apiserver-"))],
      name: "apiserver",
    });
    children.push(apiserver);
    const api = await apiserver.next<ApiServerReady>("ready");
    const { ready: backends } = await startRole<BackendsStart, BackendsReady>(
      "backends",
      { routes: routesFor(sizes.ingressHosts) },
      children,
    );
    const part = <R>(
      which: Part,
      name: string,
      run: (say: (m: string) => void) => Promise<R>,
    ): Promise<R | Error | undefined> => {
      if (!parts.has(which)) return Promise.resolve(undefined);
      const say = (message: string) => progress(`${name}: ${message}`);
      return run(say).catch((error: unknown) => {
        const e = error instanceof Error ? error : new Error(String(error));
        say(`failed: ${e.message}`);
        return e;
      });
    };
    const results: Results = {
      proxy: await part("proxy", "kube-proxy", (say) =>
        benchProxy({ api, backends, sizes, children, say }),
      ),
      dns: await part("dns", "DNS", (say) => benchDns({ sizes, dir: root, children, say })),
      ingress: await part("ingress", "ingress", (say) =>
        benchIngress({ api, backends, sizes, dir: root, children, say }),
      ),
      iptables: await part("iptables", "iptables", async (say) => benchIptables(sizes, say)),
    };
    return report(results, sizes, options.scale);
  } finally {
    for (const child of children.reverse()) await child.stop();
    await rm(root, { recursive: true, force: true });
    unguard();
  }
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(0)}%`;
const check = (ok: boolean) => (ok ? "✓" : "✗");
const counted = (n: number | undefined) => (n === undefined ? undefined : count(n));
const failed = (what: string, e: Error) => `${what}: failed — ${e.message}`;
/** A server's CPU over its load runs as cores kept busy (1 = one core throughout). */
const busy = (s: ServerLoad | undefined) => (s ? s.cpuSeconds / s.seconds : undefined);
/**
 * A server's CPU per answer, in µs: on a machine where the load generator, the backends and the
 * server share 2 cores, the rate depends on how the kernel splits them, this much less so.
 */
const cpuPer = (s: ServerLoad | undefined) =>
  s && s.completed > 0 ? (s.cpuSeconds * 1e6) / s.completed : undefined;

// #region report
function report(r: Results, sizes: Sizes, scale: number): string {
  const sections = [
    r.proxy && proxyReport(r.proxy, sizes),
    r.dns && dnsReport(r.dns, sizes),
    r.ingress && ingressReport(r.ingress, sizes),
    r.iptables && iptablesReport(r.iptables, sizes),
  ].filter((s): s is string => s !== undefined);
  return [
    `network, scale ${scale}. ${availableParallelism()} CPUs, data in ${benchDir()}.`,
    ...sections.flatMap((s) => ["", s]),
  ].join("\n");
}

function proxyReport(p: ProxyResult | Error, sizes: Sizes): string {
  if (p instanceof Error) return failed("1. kube-proxy", p);
  const ratio = p.proxied.mbPerSecond / p.direct.mbPerSecond;
  const added = (f: (x: ProxyResult["direct"]) => number) => f(p.proxied) - f(p.direct);
  const latencyRow = (label: string, f: (x: ProxyResult["direct"]) => number, target: boolean) => [
    label,
    f(p.direct),
    f(p.proxied),
    `${added(f) < 0 ? "−" : "+"}${fmt(Math.abs(added(f)))} ms`,
    target ? `< ${TARGETS.proxyAddedP50Ms} ms ${check(added(f) < TARGETS.proxyAddedP50Ms)}` : "",
  ];
  const rows: Cell[][] = [
    [
      "bulk TCP, MB/s",
      p.direct.mbPerSecond,
      p.proxied.mbPerSecond,
      pct(ratio),
      `≥ ${pct(TARGETS.proxyThroughputRatio)} ${check(ratio >= TARGETS.proxyThroughputRatio)}`,
    ],
    latencyRow("round trip, kept connection, p50 ms", (x) => x.kept.p50, true),
    latencyRow("round trip, kept connection, p99 ms", (x) => x.kept.p99, false),
    latencyRow("round trip, fresh connection, p50 ms", (x) => x.fresh.p50, true),
    latencyRow("round trip, fresh connection, p99 ms", (x) => x.fresh.p99, false),
  ];
  return [
    "1. kube-proxy, userspace mode, against straight to the pod",
    table(["", "direct", "kube-proxy", "ratio / added", "target"], rows),
    `Median of ${sizes.proxyRounds} transfers of ${fmt(sizes.bulkBytes / 1e6)} MB per path; ${count(sizes.keptRoundTrips)} round trips of 64 bytes over kept connections and ${count(sizes.freshRoundTrips)} over fresh ones`,
    `(connect included), one at a time, direct and proxied in alternating rounds. kube-proxy used ${fmt(p.proxyCpuSeconds)} CPU s.`,
    `Published (2015): userspace mode ${pct(PUBLISHED.userspaceThroughputRatio)} of direct throughput, iptables mode ${pct(PUBLISHED.iptablesThroughputRatio)}.`,
  ].join("\n");
}

function dnsReport(d: DnsResult | Error, sizes: Sizes): string {
  if (d instanceof Error) return failed("2. Cluster DNS", d);
  const ratio = d.dnsmasq ? d.tinykube.perSecond / d.dnsmasq.perSecond : undefined;
  const rows: Cell[][] = [
    [
      `A queries over ${count(sizes.dnsNames)} names, /s`,
      d.tinykube.perSecond,
      d.dnsmasq?.perSecond,
      ratio === undefined ? undefined : pct(ratio),
      ratio === undefined
        ? `≥ ${pct(TARGETS.dnsRatio)} (no peer)`
        : `≥ ${pct(TARGETS.dnsRatio)} ${check(ratio >= TARGETS.dnsRatio)}`,
    ],
    ["queries lost", count(d.tinykube.failed), counted(d.dnsmasq?.failed), "", ""],
    ["server CPU, cores busy", busy(d.tinykube), busy(d.dnsmasq), "", ""],
    ["server CPU µs per answer", cpuPer(d.tinykube), cpuPer(d.dnsmasq), "", ""],
  ];
  return [
    "2. Cluster DNS against dnsmasq, same names, same generator",
    table(["", "cluster DNS", "dnsmasq", "ratio", "target"], rows),
    `Load: ${d.generator}.`,
    `${sizes.dnsSeconds} s per run, ${LOAD_ROUNDS} runs each, alternating. Both servers single-threaded, on loopback.`,
    ...(d.peerMissing ? [d.peerMissing] : []),
    `Published: CoreDNS ${count(PUBLISHED.coreDnsQps)} queries/s on 2 vCPU for in-cluster names (all cores).`,
  ].join("\n");
}

function ingressReport(g: IngressResult | Error, sizes: Sizes): string {
  if (g instanceof Error) return failed("3. Ingress", g);
  const ratio = g.nginx ? g.tinykube.perSecond / g.nginx.perSecond : undefined;
  const rows: Cell[][] = [
    [
      `GET over ${g.routes} routes, /s`,
      g.tinykube.perSecond,
      g.nginx?.perSecond,
      g.direct.perSecond,
      ratio === undefined ? undefined : pct(ratio),
      ratio === undefined
        ? `≥ ${pct(TARGETS.ingressRatio)} (no peer)`
        : `≥ ${pct(TARGETS.ingressRatio)} ${check(ratio >= TARGETS.ingressRatio)}`,
    ],
    [
      "failed requests",
      count(g.tinykube.failed),
      counted(g.nginx?.failed),
      count(g.direct.failed),
      "",
      "",
    ],
    ["proxy CPU, cores busy", busy(g.tinykube), busy(g.nginx), undefined, "", ""],
    ["proxy CPU µs per request", cpuPer(g.tinykube), cpuPer(g.nginx), undefined, "", ""],
  ];
  return [
    "3. Ingress controller against nginx, same routes, same generator",
    table(["", "tinykube", "nginx", "one pod, direct", "ratio", "target"], rows),
    `Load: ${g.generator}.`,
    `${sizes.ingressSeconds} s per run, ${LOAD_ROUNDS} runs each, alternating. nginx as one process with ingress-nginx's keep-alive`,
    'defaults and no access log. The backends share one Node process: "one pod, direct" is their ceiling.',
    ...(g.peerMissing ? [g.peerMissing] : []),
  ].join("\n");
}

function iptablesReport(rows: IptablesRow[] | Error, sizes: Sizes): string {
  if (rows instanceof Error) return failed("4. iptables rule sync", rows);
  const last = rows[rows.length - 1];
  const cells: Cell[][] = rows.map((row) => [
    count(row.services),
    count(row.endpoints),
    count(row.natRules),
    row.fullMs,
    row.fullRestoreKB,
    row.incrementalP50Ms,
    row.incrementalMaxMs,
    row.incrementalRestoreKB,
    row === last
      ? `< ${TARGETS.incrementalSyncMs} ms ${check(row.incrementalP50Ms < TARGETS.incrementalSyncMs)}`
      : "",
  ]);
  const { services, endpoints, seconds } = PUBLISHED.partialSync;
  return [
    "4. iptables rule sync (the renderer; no iptables-restore)",
    table(
      [
        "Services",
        "endpoints",
        "nat rules",
        "full ms",
        "full KB",
        "one changed p50 ms",
        "max ms",
        "one changed KB",
        "target",
      ],
      cells,
    ),
    `Full: median of 3. One changed: ${sizes.incrementalSyncs} partial syncs, a different Service's endpoint leaving each time. KB: the iptables-restore input.`,
    `The target is for 10,000 Services (the last row at scale 1). Published: a partial sync of ${count(services)} Services /`,
    `${count(endpoints)} endpoints took ${seconds} s with iptables-restore; ~11 minutes for 5,000 Services in 2017.`,
  ].join("\n");
}
// #endregion report
