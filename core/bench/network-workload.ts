/**
 * What the network benchmark measures and against what: the sizes at a scale, the addresses its
 * servers take, the targets and the published figures (anchors.md). The parts
 * (network-proxy.ts, network-dns.ts, network-ingress.ts, network-iptables.ts) and the report read
 * them from here.
 *
 * Addresses follow DESIGN.md's network model — pods in 127.128.0.0/9, Services in
 * 127.96.0.0/12, nodes in 127.1.0.0/16 — in a /24 of each that no test uses (the tests take
 * .204 and .251), so the benchmark can run while they do.
 */

/** The targets. */
export const TARGETS = {
  /** Throughput through kube-proxy, as a share of direct. */
  proxyThroughputRatio: 0.5,
  /** p50 round trip through kube-proxy minus direct. */
  proxyAddedP50Ms: 0.3,
  /** Cluster DNS queries/s, as a share of dnsmasq's. */
  dnsRatio: 0.5,
  /** Ingress requests/s, as a share of nginx's. */
  ingressRatio: 0.5,
  /** The renderer's partial sync with one Service changed, at 10,000 Services. */
  incrementalSyncMs: 100,
} as const;

/**
 * Published figures (anchors.md): the 2015 measurements of kube-proxy's userspace and iptables
 * modes as a share of direct pod-to-pod throughput; CoreDNS on 2 vCPU for in-cluster names; a
 * modern partial sync of 3,595 Services and 138,792 endpoints, iptables-restore included.
 */
export const PUBLISHED = {
  userspaceThroughputRatio: 0.36,
  iptablesThroughputRatio: 0.96,
  coreDnsQps: 33_669,
  partialSync: { services: 3_595, endpoints: 138_792, seconds: 2.84 },
} as const;

/** The node this benchmark's kube-proxy runs for (its NodePorts would listen here: none). */
export const NODE_ADDRESS = "127.1.249.1";
/** The ingress controller's address, and nginx's beside it. */
export const INGRESS_ADDRESS = "127.1.249.1";
export const NGINX_ADDRESS = "127.1.249.2";
/** Cluster DNS's address, and dnsmasq's beside it. */
export const DNS_ADDRESS = "127.96.249.10";
export const DNSMASQ_ADDRESS = "127.96.249.11";
/** The two Services kube-proxy carries: a bulk source and an echo server. */
export const BULK_SERVICE = {
  name: "bulk",
  clusterIP: "127.96.249.1",
  port: 8001,
  portName: "tcp",
} as const;
export const ECHO_SERVICE = {
  name: "echo",
  clusterIP: "127.96.249.2",
  port: 8002,
  portName: "tcp",
} as const;
export const NAMESPACE = "default";

/** Pod address `n` (1..254) of the benchmark's backends. */
export const podAddress = (n: number): string => `127.128.249.${n}`;
/** The pod addresses of the bulk and echo backends; the ingress backends take 10 onwards. */
export const BULK_POD = 1;
export const ECHO_POD = 2;
export const FIRST_INGRESS_POD = 10;

/**
 * The ClusterIP of DNS name `i`: 250 to a /24 from 127.97.0.1 on, inside the Service range and
 * clear of the .249 addresses above. Only answered, never bound.
 */
export function dnsServiceIP(i: number): string {
  return `127.97.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}
export const dnsServiceName = (i: number): string => `svc-${i}`;
export const CLUSTER_DOMAIN = "cluster.local";
/** A Service's name in DNS: <svc>.<ns>.svc.<zone>. */
export const dnsFqdn = (i: number): string =>
  `${dnsServiceName(i)}.${NAMESPACE}.svc.${CLUSTER_DOMAIN}`;
/** Cluster DNS's answer TTL (issue 7); dnsmasq is told the same with --local-ttl. */
export const DNS_TTL_SECONDS = 30;

/** One ingress route: a host and a path, each to its own Service with one backend pod. */
export interface Route {
  host: string;
  /** A Prefix path. */
  path: string;
  /** A request path under it, routed alike by Kubernetes' segment rules and nginx's prefixes. */
  requestPath: string;
  service: string;
  pod: number;
}

/**
 * `hosts` hosts, each with "/" to a web Service and "/api" to an api Service: 2 routes a host,
 * each with a backend pod of its own.
 */
export function routesFor(hosts: number): Route[] {
  return Array.from({ length: hosts }, (_, h) => [
    { host: `app-${h}.example.com`, path: "/", requestPath: "/", service: `web-${h}` },
    {
      host: `app-${h}.example.com`,
      path: "/api",
      requestPath: "/api/v1/items",
      service: `api-${h}`,
    },
  ])
    .flat()
    .map((r, i) => ({ ...r, pod: FIRST_INGRESS_POD + i }));
}

/** The Service port every ingress route's Service exposes (its backends listen on any port). */
export const INGRESS_SERVICE_PORT = 80;
export const INGRESS_CLASS = "tinykube";

export interface Sizes {
  /** Each bulk transfer, in bytes. */
  bulkBytes: number;
  /**
   * Rounds of the kube-proxy part, direct and proxied alternating: a bulk transfer each per
   * round, and a share of the round trips.
   */
  proxyRounds: number;
  /** Round trips over one kept connection, and over fresh connections, per path in all. */
  keptRoundTrips: number;
  freshRoundTrips: number;
  /** Names both DNS servers answer; seconds each load run lasts. */
  dnsNames: number;
  dnsSeconds: number;
  /** Ingress hosts (2 routes each); seconds each load run lasts. */
  ingressHosts: number;
  ingressSeconds: number;
  /** Service counts for the rule sync, and partial syncs timed at each. */
  iptablesServices: number[];
  incrementalSyncs: number;
}

/**
 * The sizes at `scale` (1 = the issue's). Counts and durations shrink with it; each stays at
 * least big enough to mean something (a transfer of 32 MB, 2 s of load, 100 round trips).
 *
 * - 1 GB per transfer: one Node stream gets 0.5–1 GB/s over loopback here, so a second or two
 *   each, long enough that connection setup and the first slow-start are lost in it.
 * - 3 rounds: a median transfer that one stall during the run does not decide.
 * - 20,000 kept and 4,000 fresh round trips: a p99 from 200 and 40 samples beyond it.
 * - 1,000 names: a namespace's worth of Services, all cached by both servers after one pass.
 * - 10 s of load per run, 2 runs per side: long enough for a steady rate (both servers have
 *   cached every answer after the first pass), short enough to keep the whole benchmark near
 *   two minutes.
 * - 10 hosts, 20 routes: more than one server block and location each, fewer than would make
 *   route lookup the subject.
 * - 1,000 / 5,000 / 10,000 Services: the issue's, up to sig-scalability's 10,000-Service limit.
 */
export function sizesAt(scale: number): Sizes {
  const n = (c: number, least: number) => Math.max(least, Math.round(c * scale));
  return {
    bulkBytes: n(1_000_000_000, 32_000_000),
    proxyRounds: 3,
    keptRoundTrips: n(20_000, 100),
    freshRoundTrips: n(4_000, 100),
    dnsNames: n(1_000, 10),
    dnsSeconds: n(10, 2),
    ingressHosts: n(10, 1),
    ingressSeconds: n(10, 2),
    iptablesServices: [1_000, 5_000, 10_000].map((c) => n(c, 10)),
    incrementalSyncs: n(20, 5),
  };
}

/**
 * Each load run is done twice per side, in alternating order (A B, then B A), so a machine that
 * slows down or warms up during the run favours neither side.
 */
export const LOAD_ROUNDS = 2;
/**
 * Load generators keep this many requests in flight: dnsperf's default (-q 100) for DNS; for
 * HTTP, 32 keep-alive connections over one wrk thread — enough that the proxy always has
 * requests waiting while others wait on the backends; more would only queue, with one core for
 * each proxy at most on a 2-core machine.
 */
export const DNS_IN_FLIGHT = 100;
export const HTTP_CONNECTIONS = 32;
/** A round trip's message: a small request and its echo. */
export const ECHO_BYTES = 64;
/** Endpoints per Service in the rule sync: the 3 hello pods of the Deployment. */
export const ENDPOINTS_PER_SERVICE = 3;
