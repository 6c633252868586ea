/**
 * Part 1 of the network benchmark: a pod's traffic through kube-proxy's userspace mode against
 * the same traffic sent straight to the pod, in one run.
 *
 * 1. Two Services without selectors, bulk and echo, each with an EndpointSlice naming one backend
 *    pod (network-child.ts backends) — written through the API server as admin.
 * 2. kube-proxy in a process of its own, as system:kube-proxy, lists and watches them and opens
 *    a socket on each ClusterIP.
 * 3. From this process: bulk transfers (MB/s), then echo round trips over one kept connection
 *    and over fresh connections (latency p50/p99), each both to the ClusterIP and to the pod,
 *    in alternating order. The added latency is the proxied percentile minus the direct one.
 */
import type { ApiServerReady, BackendsReady, ProxyStart } from "./network-child.ts";
import { createAll, serviceWithOnePod, startRole } from "./network-cluster.ts";
import { freshRoundTrips, keptRoundTrips, transfer } from "./network-load.ts";
import {
  BULK_POD,
  BULK_SERVICE,
  ECHO_POD,
  ECHO_SERVICE,
  NODE_ADDRESS,
  podAddress,
  type Sizes,
} from "./network-workload.ts";
import type { ChildHandle } from "./processes.ts";
import { type Percentiles, percentiles } from "./stats.ts";

export interface PathResult {
  mbPerSecond: number;
  kept: Percentiles;
  fresh: Percentiles;
}

export interface ProxyResult {
  direct: PathResult;
  proxied: PathResult;
  /** The proxy's CPU seconds over the measurements. */
  proxyCpuSeconds: number;
}

// #region benchProxy
export async function benchProxy(options: {
  api: ApiServerReady;
  backends: BackendsReady;
  sizes: Sizes;
  children: ChildHandle[];
  say: (message: string) => void;
}): Promise<ProxyResult> {
  const { api, backends, sizes, say } = options;
  // 1. The Services and their slices.
  await createAll(api, [
    ...serviceWithOnePod(BULK_SERVICE, podAddress(BULK_POD), backends.bulkPort),
    ...serviceWithOnePod(ECHO_SERVICE, podAddress(ECHO_POD), backends.echoPort),
  ]);
  // 2. kube-proxy; its start resolves once the ClusterIPs are bound to their endpoints.
  const { child: proxy } = await startRole<ProxyStart, unknown>(
    "proxy",
    {
      server: api.url,
      caPem: api.caCertPem,
      token: api.tokens.kubeProxy,
      nodeName: "network-bench-node",
      nodeAddress: NODE_ADDRESS,
    },
    options.children,
  );
  const paths = {
    direct: {
      bulk: [podAddress(BULK_POD), backends.bulkPort],
      echo: [podAddress(ECHO_POD), backends.echoPort],
    },
    proxied: {
      bulk: [BULK_SERVICE.clusterIP, BULK_SERVICE.port],
      echo: [ECHO_SERVICE.clusterIP, ECHO_SERVICE.port],
    },
  } as const;
  type Side = keyof typeof paths;
  // Alternating order: direct first in even rounds, proxied first in odd ones.
  const inTurn = (round: number): Side[] =>
    round % 2 === 0 ? ["direct", "proxied"] : ["proxied", "direct"];
  const cpuBefore = await proxy.cpu();

  // 3a. Bulk transfers: the MB/s of each side's median transfer.
  const seconds: Record<Side, number[]> = { direct: [], proxied: [] };
  for (let round = 0; round < sizes.proxyRounds; round++) {
    for (const side of inTurn(round)) {
      const [host, port] = paths[side].bulk;
      say(`bulk ${side}: ${(sizes.bulkBytes / 1e6).toFixed(0)} MB from ${host}:${port}`);
      seconds[side].push(await transfer(host, port, sizes.bulkBytes));
    }
  }
  // 3b. Round trips, each side's samples gathered over the rounds.
  const kept: Record<Side, number[]> = { direct: [], proxied: [] };
  const fresh: Record<Side, number[]> = { direct: [], proxied: [] };
  const perRound = (total: number) => Math.ceil(total / sizes.proxyRounds);
  for (let round = 0; round < sizes.proxyRounds; round++) {
    for (const side of inTurn(round)) {
      const [host, port] = paths[side].echo;
      say(`round trips ${side}, round ${round + 1} of ${sizes.proxyRounds}`);
      kept[side].push(...(await keptRoundTrips(host, port, perRound(sizes.keptRoundTrips))));
      fresh[side].push(...(await freshRoundTrips(host, port, perRound(sizes.freshRoundTrips))));
    }
  }
  const proxyCpuSeconds = ((await proxy.cpu()) - cpuBefore) / 1e6;
  await proxy.stop();
  const result = (side: Side): PathResult => {
    const sorted = [...seconds[side]].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] as number;
    return {
      mbPerSecond: sizes.bulkBytes / 1e6 / median,
      kept: percentiles(kept[side]),
      fresh: percentiles(fresh[side]),
    };
  };
  return { direct: result("direct"), proxied: result("proxied"), proxyCpuSeconds };
}
// #endregion benchProxy
