/**
 * Cluster DNS as a running component: informers on the API server feeding the cluster state,
 * and a DNS server answering from it — CoreDNS with the kubernetes plugin, as `kube-dns` runs
 * in kube-system.
 *
 * What it watches is what CoreDNS watches: Services, EndpointSlices and Namespaces (and Pods
 * only for `pods verified`). Nothing registers names with it — not kube-proxy, not the kubelet:
 * a Service's name appears because the DNS server sees the Service, and a headless Service's
 * addresses because it sees the EndpointSlice controller's slices.
 *
 * Guarantees:
 * - Event handlers only file the object into ClusterState; answers read it at query time, so a
 *   change is visible to the next query (and invalidates every cached answer).
 * - Serving starts once the caches have synced, or after 5 s regardless (CoreDNS's start-up
 *   wait, plugin/kubernetes/kubernetes.go InitKubeCache), logging that it did; until the sync,
 *   names not found are SERVFAIL rather than NXDOMAIN.
 * - `stop()` stops the server, then the informers, then the client.
 */
import type { KubeObject } from "../api/object.ts";
import type { EndpointSlice, Pod, Service } from "../api/types.ts";
import { SharedInformerFactory } from "../client/factory.ts";
import { type EventHandler, unwrapTombstone } from "../client/informer.ts";
import { RestClient } from "../client/rest.ts";
import { type Clock, realClock } from "../util/clock.ts";
import { messageOf } from "../util/errors.ts";
import { ClusterState } from "./cluster-state.ts";
import { Forwarder, type Upstream } from "./forward.ts";
import { ClusterDnsHandler, type ClusterDnsHandlerOptions } from "./handler.ts";
import { DEFAULT_DNS_ADDRESS, DnsServer } from "./server.ts";

export interface StartClusterDnsOptions
  extends Omit<ClusterDnsHandlerOptions, "forwarder" | "nameserverAddress"> {
  /** API server URL and credentials (kubeadm runs CoreDNS as ServiceAccount kube-system/coredns). */
  server: string;
  caPem: string;
  token: string;
  /** Default 127.96.0.10. */
  address?: string;
  /** Unset: 53 where permitted, else `fallbackPort` (1053). 0: any free port. */
  port?: number;
  fallbackPort?: number;
  /** Where names outside the cluster go (kubeadm: `forward . /etc/resolv.conf`); none by default. */
  upstreams?: Upstream[];
  tcpIdleTimeoutMs?: number;
  /** How long to wait for the first sync before serving anyway; default 5000 ms. */
  syncTimeoutMs?: number;
  clock?: Clock;
  log?: (line: string) => void;
}

export interface RunningClusterDns {
  address: string;
  port: number;
  state: ClusterState;
  stop(): Promise<void>;
}

/** CoreDNS waits this long for its caches before it serves regardless. */
export const CACHE_SYNC_WAIT_MS = 5_000;

// #region startClusterDns
export async function startClusterDns(options: StartClusterDnsOptions): Promise<RunningClusterDns> {
  const clock = options.clock ?? realClock;
  const log = options.log ?? ((line: string) => console.log(line));
  const state = new ClusterState(clock);
  // Made first: it checks the options (the TTL's range) before anything is started.
  const address = options.address ?? DEFAULT_DNS_ADDRESS;
  const handler = new ClusterDnsHandler(state, {
    clusterDomain: options.clusterDomain,
    ttl: options.ttl,
    podMode: options.podMode,
    onBadPacket: options.onBadPacket,
    nameserverAddress: address,
    forwarder: options.upstreams?.length
      ? new Forwarder({ upstreams: options.upstreams, clock })
      : undefined,
  });
  const client = new RestClient({
    server: options.server,
    caPem: options.caPem,
    token: options.token,
    userAgent: "coredns",
    clock,
  });
  const informers = new SharedInformerFactory(client, { clock });
  feed(informers.informerFor<Service>("services"), (o, present) => state.setService(o, present));
  feed(informers.informerFor<EndpointSlice>("discovery.k8s.io/endpointslices"), (o, present) =>
    state.setEndpointSlice(o, present),
  );
  feed(informers.informerFor("namespaces"), (o, present) => state.setNamespace(o, present));
  if (options.podMode === "verified") {
    feed(informers.informerFor<Pod>("pods"), (o, present) => state.setPod(o, present));
  }
  informers.start();
  const synced = await informers
    .waitForCacheSync(options.syncTimeoutMs ?? CACHE_SYNC_WAIT_MS)
    .catch((error: unknown) => {
      log(`[dns] starting with unsynced caches: ${messageOf(error)}`);
      return false;
    });
  if (synced) state.markSynced();
  else
    void informers.waitForCacheSync(Number.MAX_SAFE_INTEGER).then((ok) => ok && state.markSynced());

  const server = new DnsServer({
    handler,
    address,
    port: options.port,
    fallbackPort: options.fallbackPort,
    tcpIdleTimeoutMs: options.tcpIdleTimeoutMs,
    log,
  });
  try {
    const bound = await server.start();
    log(
      `[dns] serving ${options.clusterDomain ?? "cluster.local"} on ${bound.address}:${bound.port} (UDP and TCP)`,
    );
    return {
      ...bound,
      state,
      async stop() {
        await server.stop();
        await informers.stop();
        client.close();
      },
    };
  } catch (error) {
    await informers.stop();
    client.close();
    throw error;
  }
}
// #endregion startClusterDns

/** Files every add, update and delete of an informer into the state. */
function feed<T extends KubeObject>(
  informer: { addEventHandler(handler: EventHandler<T>): unknown },
  apply: (object: T, present: boolean) => void,
): void {
  informer.addEventHandler({
    onAdd: (object) => apply(object, true),
    onUpdate: (_old, object) => apply(object, true),
    onDelete: (object) => apply(unwrapTombstone(object), false),
  });
}
