/**
 * kube-proxy for one node: watches Services and EndpointSlices, and keeps a userspace load
 * balancer in step with them, beside the iptables rules iptables mode would install —
 * cmd/kube-proxy/app/server.go and pkg/proxy/config (the informer wiring), with
 * pkg/proxy/userspace as the data path and pkg/proxy/iptables as the picture of the rules.
 *
 * Shape: informer events only record changes in the ProxyState and ask the SyncRunner for a
 * sync; `syncProxyRules` applies the changes in one batch, to the sockets and to the rules.
 *
 * Guarantees:
 * - It talks to the API server only through its client, as system:kube-proxy, whose ClusterRole
 *   system:node-proxier lets it list and watch Services and EndpointSlices and nothing more.
 * - Like kube-proxy it watches only objects without the labels service.kubernetes.io/headless
 *   (headless Services' slices: nothing to proxy) and service.kubernetes.io/service-proxy-name
 *   (Services another proxy implements).
 * - Nothing is synced before both caches have synced (a half-filled cache would close the
 *   sockets of Services not yet seen); `start()` resolves after the first sync, so every
 *   Service known then is listening.
 * - Syncs are coalesced and spaced (SyncRunner); each records how long it took.
 * - Restart-safe: all state comes from list + watch.
 */
import type { EndpointSlice, Service } from "../api/types.ts";
import { type CoreEvent, EventRecorder, eventSink } from "../client/events.ts";
import { builtinType } from "../client/factory.ts";
import { SharedIndexInformer, unwrapTombstone, waitForCacheSync } from "../client/informer.ts";
import type { RestClient } from "../client/rest.ts";
import { type Clock, realClock } from "../util/clock.ts";
import { messageOf } from "../util/errors.ts";
import {
  IptablesRenderer,
  type IptablesRendererOptions,
  type IptablesSyncResult,
} from "./iptables/renderer.ts";
import { ProxyState } from "./state.ts";
import { SyncRunner } from "./sync-runner.ts";
import type { ServicePortCounters } from "./userspace/counters.ts";
import { type BindFailure, UserspaceProxier } from "./userspace/proxier.ts";

// #region labelSelector
/** kube-proxy's informer selector (server.go: noProxyName and noHeadlessEndpoints, sorted). */
export const KUBE_PROXY_LABEL_SELECTOR =
  "!service.kubernetes.io/headless,!service.kubernetes.io/service-proxy-name";
// #endregion labelSelector
/** KubeProxyConfiguration defaults (pkg/proxy/apis/config/v1alpha1/defaults.go). */
export const DEFAULT_MIN_SYNC_PERIOD_MS = 1_000;
export const DEFAULT_SYNC_PERIOD_MS = 30_000;
export const DEFAULT_CONFIG_SYNC_PERIOD_MS = 15 * 60_000;
/**
 * tinykube's pod range (DESIGN.md, network model), given to kube-proxy as --cluster-cidr the way
 * kubeadm gives it the pod subnet; traffic to a cluster IP from outside it is masqueraded.
 */
export const TINYKUBE_CLUSTER_CIDR = "127.128.0.0/9";

export interface KubeProxyOptions {
  /** A client for the API server as system:kube-proxy (client-go's default 5 qps, burst 10). */
  client: RestClient;
  nodeName: string;
  /** The node's InternalIP (127.1.0.N): NodePorts listen here. */
  nodeAddress: string;
  /**
   * Bind the Services' cluster IPs (default true). The nodes of a one-machine cluster share the
   * loopback interface: one kube-proxy binds the cluster IPs, the others only their NodePorts.
   */
  serveClusterIPs?: boolean;
  clock?: Clock;
  log?: (line: string) => void;
  /** --iptables-min-sync-period: the least time between syncs (1 s; tests use 0). */
  minSyncPeriodMs?: number;
  /** --iptables-sync-period: a sync at least this often (30 s). */
  syncPeriodMs?: number;
  /** --udp-timeout: a UDP flow idle this long is closed (250 ms). */
  udpIdleTimeoutMs?: number;
  /** --config-sync-period: the informers' resync (15 min). */
  configSyncPeriodMs?: number;
  /**
   * Also keep the rules iptables mode would install, from the same state (on by default, with
   * nodeIP the node's address and clusterCIDR tinykube's pod range); false to skip the rendering.
   */
  iptables?: IptablesRendererOptions | false;
  /** For the load balancer's shuffle. */
  random?: () => number;
}

export interface KubeProxySyncStats {
  /** Clock time the sync finished. */
  at: number;
  durationMs: number;
  servicePorts: number;
  /** Services whose ports or endpoints changed since the sync before. */
  updatedServices: number;
  iptables?: Omit<IptablesSyncResult, "restoreInput">;
}

export class KubeProxy {
  readonly state: ProxyState;
  readonly userspace: UserspaceProxier;
  readonly iptables: IptablesRenderer | undefined;
  private readonly services: SharedIndexInformer<Service>;
  private readonly slices: SharedIndexInformer<EndpointSlice>;
  private readonly runner: SyncRunner;
  private readonly recorder: EventRecorder;
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  private initialized = false;
  private stopped = false;
  /** A sync failed after taking the changes: the next one looks at every Service. */
  private needFullSync = false;
  private stats: KubeProxySyncStats | undefined;
  private firstSync: { promise: Promise<void>; resolve: () => void };

  // #region wiring
  constructor(private readonly options: KubeProxyOptions) {
    this.clock = options.clock ?? realClock;
    this.log = options.log ?? (() => {});
    this.state = new ProxyState(options.nodeName);
    this.userspace = new UserspaceProxier({
      nodeAddress: options.nodeAddress,
      serveClusterIPs: options.serveClusterIPs,
      clock: this.clock,
      log: this.log,
      udpIdleTimeoutMs: options.udpIdleTimeoutMs,
      random: options.random,
      onBindFailure: (failure) => this.reportBindFailure(failure),
    });
    this.recorder = new EventRecorder({
      sink: eventSink(options.client.resource<CoreEvent>(builtinType("events"))),
      component: "kube-proxy",
      host: options.nodeName,
      clock: this.clock,
      log: this.log,
    });
    this.iptables =
      options.iptables === false
        ? undefined
        : new IptablesRenderer({
            nodeIP: options.nodeAddress,
            clusterCIDR: TINYKUBE_CLUSTER_CIDR,
            clock: this.clock,
            ...options.iptables,
          });
    const informer = <T extends Service | EndpointSlice>(resource: string) =>
      new SharedIndexInformer<T>({
        name: `kube-proxy ${resource}`,
        listerWatcher: options.client.resource<T>(builtinType(resource)),
        labelSelector: KUBE_PROXY_LABEL_SELECTOR,
        resyncMs: options.configSyncPeriodMs ?? DEFAULT_CONFIG_SYNC_PERIOD_MS,
        clock: this.clock,
      });
    this.services = informer<Service>("services");
    this.slices = informer<EndpointSlice>("discovery.k8s.io/endpointslices");
    const changed = (pending: boolean) => {
      if (pending && this.initialized) this.runner.run();
    };
    this.services.addEventHandler({
      onAdd: (service) => changed(this.state.onService(undefined, service)),
      onUpdate: (old, service) => changed(this.state.onService(old, service)),
      onDelete: (obj) => changed(this.state.onService(unwrapTombstone(obj), undefined)),
    });
    this.slices.addEventHandler({
      onAdd: (slice) => changed(this.state.onEndpointSlice(slice, false)),
      onUpdate: (_old, slice) => changed(this.state.onEndpointSlice(slice, false)),
      onDelete: (obj) => changed(this.state.onEndpointSlice(unwrapTombstone(obj), true)),
    });
    const syncPeriodMs = options.syncPeriodMs ?? DEFAULT_SYNC_PERIOD_MS;
    this.runner = new SyncRunner({
      clock: this.clock,
      minIntervalMs: options.minSyncPeriodMs ?? DEFAULT_MIN_SYNC_PERIOD_MS,
      maxIntervalMs: syncPeriodMs,
      retryIntervalMs: syncPeriodMs,
      sync: () => this.syncProxyRules(),
      onError: (error) =>
        this.log(`[kube-proxy] ${options.nodeName}: sync failed: ${messageOf(error)}`),
    });
    let resolve = () => {};
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.firstSync = { promise, resolve };
  }
  // #endregion wiring

  // #region start
  /** Lists and watches, waits for both caches, syncs once; resolves when the sockets are up. */
  async start(): Promise<void> {
    this.services.run();
    this.slices.run();
    const synced = await waitForCacheSync([this.services, this.slices], 60_000, () => this.stopped);
    if (!synced) return;
    this.initialized = true;
    this.runner.start();
    this.runner.run();
    await this.firstSync.promise;
  }
  // #endregion start

  async stop(): Promise<void> {
    this.stopped = true;
    this.firstSync.resolve();
    await this.runner.stop();
    await Promise.all([this.services.stop(), this.slices.stop()]);
    await this.userspace.stop();
    await this.recorder.flush();
  }

  // #region bind-failure
  /**
   * A port that cannot be opened becomes a Warning event on this node, worded as the iptables
   * proxier's openPort worded it when a NodePort could not be held open (until 1.24 removed the
   * port opener, kubernetes#108496): the reason is the error itself, the message `can't open port
   * "<what it is for>" (<address>:<port>/<protocol>), skipping it`. Repeats at every sync are
   * counted on the one event (the recorder's dedupe).
   */
  private reportBindFailure(failure: BindFailure): void {
    const node = {
      apiVersion: "v1",
      kind: "Node",
      // Kubernetes names the node by hostname and uses it as the UID too.
      metadata: { name: this.options.nodeName, uid: this.options.nodeName },
    };
    const where = `${failure.address}:${failure.port}/${failure.protocol.toLowerCase()}`;
    this.recorder.event(
      node,
      "Warning",
      failure.error,
      `can't open port "${failure.description}" (${where}), skipping it`,
    );
  }
  // #endregion bind-failure

  /** A Service port's counters, by "ns/name:port" ("ns/name" for an unnamed port). */
  counters(name: string, protocol: "TCP" | "UDP" = "TCP"): ServicePortCounters | undefined {
    return this.userspace.counters(name, protocol);
  }

  /** The rules iptables mode would have installed at the last sync, in iptables-save layout. */
  iptablesRules(): string | undefined {
    return this.iptables?.save();
  }

  lastSync(): KubeProxySyncStats | undefined {
    return this.stats;
  }

  // #region syncProxyRules
  /**
   * 1. Apply the recorded changes to the state; note which Services changed.
   * 2. Bring the userspace proxy's sockets and balancer in line (those Services only).
   * 3. Render the iptables rules (a partial sync, same Services).
   * 4. Record the timing.
   */
  private async syncProxyRules(): Promise<void> {
    if (!this.initialized || this.stopped) return;
    const started = performance.now();
    const update = this.state.applyChanges();
    const services = this.needFullSync
      ? new Set([...this.state.servicePorts.values()].map((info) => info.serviceKey))
      : update.updatedServices;
    this.needFullSync = true;
    await this.userspace.sync(this.state, services);
    const iptables = this.iptables?.sync(this.state, services);
    this.needFullSync = false;
    const first = this.stats === undefined;
    const { restoreInput: _, ...iptablesStats } = iptables ?? { restoreInput: "" };
    this.stats = {
      at: this.clock.now(),
      durationMs: performance.now() - started,
      servicePorts: this.state.servicePorts.size,
      updatedServices: services.size,
      ...(iptables ? { iptables: iptablesStats as Omit<IptablesSyncResult, "restoreInput"> } : {}),
    };
    if (first) {
      this.log(
        `[kube-proxy] ${this.options.nodeName}: proxying ${this.stats.servicePorts} service port(s); first sync took ${this.stats.durationMs.toFixed(1)} ms`,
      );
      this.firstSync.resolve();
    }
  }
  // #endregion syncProxyRules
}
