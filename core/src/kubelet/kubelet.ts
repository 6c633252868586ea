/**
 * The kubelet: the node agent that makes the pods bound to its node run, and reports what runs —
 * pkg/kubelet/kubelet.go (syncLoop, SyncPod, SyncTerminatingPod), the pod workers, the PLEG and
 * the status manager, in one small module each beside this one.
 *
 * How work arrives, and where it goes (every path ends in the pod's worker, keyed by UID):
 * - the pod source: a watch of pods with fieldSelector spec.nodeName=<node>, as
 *   system:node:<node> — the API server indexes that field, so each kubelet pays for its own pods;
 * - the static pods of staticPodPath (static-pods.ts), re-read every 20 s: they run whether or not
 *   the API server answers, and show in it as mirror pods (mirror-pods.ts), which are never run;
 * - the PLEG: a relist of the runtime every second, for containers that started, died or vanished;
 * - the periodic resync (syncFrequency, 1 minute) and the end of a restart back-off.
 *
 * A sync of one pod (the `sync` method), a short linear script:
 * 1. Read what the runtime holds for the UID.
 * 2. The pod is unknown (a leftover of another run) or gone from the API: kill it and remove its
 *    sandboxes; forget it.
 * 3. The pod is being deleted: kill it with the deletion's grace period, remove its sandboxes,
 *    then delete the object for good (gracePeriodSeconds 0, uid precondition) — the kubelet's
 *    final delete, which the status manager sends once the pod is terminated.
 * 4. Otherwise carry out the sync decision (sync-pod.ts), read the runtime again, compute the
 *    status (pod-status.ts) and patch pods/status when it differs from what the API has.
 *
 * Guarantees:
 * - Sandboxes are created only once the runtime has the node's pod CIDR (spec.podCIDR, set by the
 *   node IPAM controller), as the kubelet waits for the runtime's network to be ready.
 * - Static pods are synced like API pods (same workers, keyed by their UID) and run while the API
 *   server cannot be reached; the kubelet registers the node, creates their mirror pods and
 *   writes their status as soon as it can.
 * - stop() ends the watches, timers, workers and the HTTPS server (server.ts: `kubectl logs`,
 *   /stats/summary), never the containers: they outlive the kubelet,
 *   and a kubelet started again on the same runtime finds them through the PLEG and its first
 *   sync and keeps them (same container, same restart count).
 */
import type { KubeObject } from "../api/object.ts";
import type { Node, Pod, PodStatus, Service } from "../api/types.ts";
import { type CoreEvent, EventRecorder, eventSink } from "../client/events.ts";
import { builtinType } from "../client/factory.ts";
import { SharedIndexInformer, unwrapTombstone, waitForCacheSync } from "../client/informer.ts";
import { isNotFound, type RestClient } from "../client/rest.ts";
import type { ContainerRuntime } from "../runtime/cri.ts";
import { type Clock, realClock, type Timer } from "../util/clock.ts";
import { messageOf } from "../util/errors.ts";
import { Backoff, INITIAL_BACKOFF_MS } from "./backoff.ts";
import { parseResolvConf } from "./dns-config.ts";
import type { ConfigMapLike, EnvObjects, SecretLike } from "./env.ts";
import { isMirrorPod, isStaticPod, MirrorPods, podFullName } from "./mirror-pods.ts";
import { NodeStatusReporter } from "./node-status.ts";
import { DEFAULT_RELIST_PERIOD_MS, Pleg } from "./pleg.ts";
import { generatePodStatus } from "./pod-status.ts";
import { PodWorkers, type SyncResult } from "./pod-workers.ts";
import { ProberManager, probeStatusOf } from "./prober/index.ts";
import { readRuntimePod } from "./runtime-pod.ts";
import { DEFAULT_KUBELET_PORT, type RunningKubeletServer, startKubeletServer } from "./server.ts";
import { type StaticPodChange, StaticPodSource } from "./static-pods.ts";
import { killPod, type SyncContext, syncPod, terminationGracePeriod } from "./sync-pod.ts";
import { removePodDir } from "./volumes.ts";

/** KubeletConfiguration syncFrequency. */
export const DEFAULT_SYNC_FREQUENCY_MS = 60_000;
/** Orphaned runtime pods are killed with a 1 s grace period (HandlePodCleanups). */
const ORPHAN_GRACE_SECONDS = 1;
/** registerWithAPIServer's retry: 100 ms, doubling, capped at 7 s (kubelet_node_status.go). */
const REGISTER_FIRST_RETRY_MS = 100;
const REGISTER_MAX_RETRY_MS = 7_000;

export interface KubeletOptions {
  /** Authenticated as system:node:<nodeName>. */
  client: RestClient;
  nodeName: string;
  /** The node's InternalIP: the pods' hostIP. */
  address: string;
  runtime: ContainerRuntime;
  /** The kubelet's directory (/var/lib/kubelet and /var/log in Kubernetes): pod logs go under it. */
  rootDir: string;
  clock?: Clock;
  relistPeriodMs?: number;
  syncFrequencyMs?: number;
  /** KubeletConfiguration nodeLeaseDurationSeconds (40); the Lease is renewed every quarter of it. */
  nodeLeaseDurationSeconds?: number;
  /** Sets the pod CIDR directly instead of waiting for the Node's spec.podCIDR (tests). */
  podCIDR?: string;
  capacity?: Record<string, string>;
  /**
   * The cluster DNS pods are told about (KubeletConfiguration clusterDNS and clusterDomain), the
   * port it serves on (53, or 1053 without root), and the host's resolv.conf text (resolvConf).
   */
  dns?: { clusterDNS: string[]; clusterDomain?: string; port?: number; hostResolvConf?: string };
  /** false: probe workers start at once instead of at a random point of their first period. */
  probeJitter?: boolean;
  /** Events on pods (Pulling, Created, Started, Killing, ...); default true. */
  recordEvents?: boolean;
  /** KubeletConfiguration staticPodPath (--pod-manifest-path): a folder of static pod manifests. */
  staticPodPath?: string;
  /** KubeletConfiguration fileCheckFrequency: how often staticPodPath is re-read (20 s). */
  fileCheckFrequencyMs?: number;
  /**
   * The kubelet's HTTPS server (server.ts) on `address`: healthz, container logs, stats. `port`
   * is --port (10250; 0 picks one, advertised once bound); `tls` its serving certificate and
   * key, and the CA that client certificates must chain to. None: no server.
   */
  server?: { port: number; tls: { certPem: string; keyPem: string; caPem: string } };
  log?: (line: string) => void;
}

/** Volume set-up retries (nestedpendingoperations: 500 ms doubling to 2 m 2 s). */
const MOUNT_RETRY_INITIAL_MS = 500;
const MOUNT_RETRY_MAX_MS = 122_000;

/**
 * ConfigMaps and Secrets read straight from the API on each use — Kubernetes'
 * configMapAndSecretChangeDetectionStrategy "Get" (its default, "Watch", caches them instead).
 */
function apiObjects(client: RestClient): EnvObjects {
  const get = async <T extends KubeObject>(resource: string, namespace: string, name: string) => {
    try {
      return await client.resource<T>(builtinType(resource), namespace).get(name);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  return {
    configMap: (namespace, name) => get<KubeObject & ConfigMapLike>("configmaps", namespace, name),
    secret: (namespace, name) => get<KubeObject & SecretLike>("secrets", namespace, name),
  };
}

/** What a 110-pod node reports when none is given (KubeletConfiguration maxPods: 110). */
const DEFAULT_CAPACITY = { cpu: "4", memory: "8Gi", pods: "110" };

export class Kubelet {
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  /**
   * The latest object per UID — from the API, or a static pod from its file — kept after its
   * source dropped it until the pod is torn down. Never a mirror pod.
   */
  private readonly pods = new Map<string, Pod>();
  /** UIDs their source (the API, the static pod folder) no longer has. */
  private readonly gone = new Set<string>();
  /** The API's mirror pods of this node's static pods, by full name (the pod manager's part). */
  private readonly mirrors: MirrorPods;
  private readonly staticPods: StaticPodSource | undefined;
  /**
   * Every source has delivered its first full state (the static pod folder read, the API's pod
   * cache synced): only then is a runtime pod that no source knows an orphan (sourcesReady).
   */
  private sourcesReady = false;
  /** The last status of each static pod, by its UID (its mirror pod may come and go). */
  private readonly staticStatuses = new Map<string, PodStatus>();
  /** Ends the wait between two registration attempts (set while one is pending). */
  private wakeRegistration: (() => void) | undefined;
  /** The last status this kubelet patched, per UID (canonical JSON), against duplicate writes. */
  private readonly written = new Map<string, string>();
  private readonly workers: PodWorkers;
  private readonly pleg: Pleg;
  private readonly nodeStatus: NodeStatusReporter;
  private readonly podInformer: SharedIndexInformer<Pod>;
  private readonly nodeInformer: SharedIndexInformer<Node>;
  /** Probe workers per running container and their results (pkg/kubelet/prober). */
  private readonly prober: ProberManager;
  /** Services, for the service links in containers' environments (getServiceEnvVarMap). */
  private readonly serviceInformer: SharedIndexInformer<Service>;
  private readonly context: SyncContext;
  private podCIDR: string | undefined;
  private resyncTimer: Timer | undefined;
  /** The HTTPS server while it runs (options.server). */
  private server: RunningKubeletServer | undefined;
  private stopped = false;

  constructor(private readonly options: KubeletOptions) {
    const o = options;
    this.clock = o.clock ?? realClock;
    this.log = (line) => o.log?.(`[kubelet ${o.nodeName}] ${line}`);
    this.serviceInformer = new SharedIndexInformer<Service>({
      name: `services for ${o.nodeName}`,
      listerWatcher: o.client.resource<Service>(builtinType("services")),
      clock: this.clock,
    });
    const recorder =
      o.recordEvents === false
        ? undefined
        : new EventRecorder({
            sink: eventSink(o.client.resource<CoreEvent>(builtinType("events"))),
            component: "kubelet",
            host: o.nodeName,
            clock: this.clock,
            log: this.log,
          });
    this.context = {
      runtime: o.runtime,
      rootDir: o.rootDir,
      clock: this.clock,
      backoff: new Backoff(),
      mountBackoff: new Backoff(MOUNT_RETRY_INITIAL_MS, MOUNT_RETRY_MAX_MS),
      networkReady: () => this.podCIDR !== undefined,
      log: this.log,
      hostIP: o.address,
      nodeAllocatable: o.capacity ?? DEFAULT_CAPACITY,
      objects: apiObjects(o.client),
      ...(o.dns
        ? {
            dns: {
              clusterDNS: o.dns.clusterDNS,
              clusterDomain: o.dns.clusterDomain ?? "cluster.local",
              hostResolvConf:
                o.dns.hostResolvConf === undefined
                  ? undefined
                  : parseResolvConf(o.dns.hostResolvConf),
              nodeIPs: [o.address],
              port: o.dns.port ?? 53,
            },
          }
        : {}),
      services: () => this.serviceInformer.indexer.list(),
      ...(recorder
        ? { event: (pod, type, reason, message) => recorder.event(pod, type, reason, message) }
        : {}),
    };
    this.prober = new ProberManager({
      runtime: o.runtime,
      clock: this.clock,
      // A result changed: sync the pod (Kubernetes' syncLoop reads the results managers' channels).
      onUpdate: (update) => this.workers.enqueue(update.podUid),
      onEvent: (pod, e) => recorder?.event(pod, e.type, e.reason, e.message),
      ...(o.probeJitter === false ? { random: () => 0 } : {}),
      log: this.log,
    });
    this.context.probes = this.prober.verdicts();
    this.workers = new PodWorkers({
      sync: (uid) => this.sync(uid),
      clock: this.clock,
      retryMs: INITIAL_BACKOFF_MS,
      log: this.log,
    });
    this.pleg = new Pleg({
      runtime: o.runtime,
      clock: this.clock,
      relistPeriodMs: o.relistPeriodMs ?? DEFAULT_RELIST_PERIOD_MS,
      onPodChanged: (uid) => this.workers.enqueue(uid),
      log: this.log,
    });
    this.nodeStatus = new NodeStatusReporter({
      client: o.client,
      nodeName: o.nodeName,
      address: o.address,
      capacity: o.capacity ?? DEFAULT_CAPACITY,
      leaseDurationSeconds: o.nodeLeaseDurationSeconds,
      kubeletPort: () => this.server?.port ?? o.server?.port ?? DEFAULT_KUBELET_PORT,
      clock: this.clock,
      log: o.log,
    });
    this.podInformer = new SharedIndexInformer<Pod>({
      name: `pods on ${o.nodeName}`,
      listerWatcher: o.client.resource<Pod>(builtinType("pods")),
      fieldSelector: `spec.nodeName=${o.nodeName}`,
      clock: this.clock,
    });
    this.nodeInformer = new SharedIndexInformer<Node>({
      name: `node ${o.nodeName}`,
      listerWatcher: o.client.resource<Node>(builtinType("nodes")),
      fieldSelector: `metadata.name=${o.nodeName}`,
      clock: this.clock,
    });
    this.mirrors = new MirrorPods({
      client: o.client,
      node: () => this.nodeInformer.indexer.get(o.nodeName) as Node | undefined,
      log: this.log,
    });
    this.staticPods =
      o.staticPodPath === undefined
        ? undefined
        : new StaticPodSource({
            path: o.staticPodPath,
            nodeName: o.nodeName,
            fileCheckFrequencyMs: o.fileCheckFrequencyMs,
            clock: this.clock,
            onChange: (change) => this.onStaticPods(change),
            log: this.log,
          });
  }

  // #region start
  /**
   * Starts the PLEG and the static pods, registers the node (waiting for the API server as long
   * as it takes), then starts the API's pod source and the resync; resolves once the pod cache
   * has synced, or on stop().
   */
  async start(): Promise<void> {
    const o = this.options;
    if (o.server) {
      // First, so the Node is registered with the port the server really has.
      this.server = await startKubeletServer({
        address: o.address,
        port: o.server.port,
        tls: o.server.tls,
        host: {
          nodeName: o.nodeName,
          pods: () => [...this.pods].filter(([uid]) => !this.gone.has(uid)).map(([, p]) => p),
          runtime: o.runtime,
          startTime: this.clock.now(),
        },
        clock: this.clock,
        log: this.log,
      });
      this.log(`serving on https://${this.server.address}:${this.server.port}`);
    }
    if (o.podCIDR !== undefined) await this.setPodCIDR(o.podCIDR);
    // Neither waits for the API server: a kubelet runs the control plane's own static pods
    // before there is an API server to register with.
    this.pleg.start();
    await this.staticPods?.start();
    await this.registerNode();
    if (this.stopped) return;
    this.nodeInformer.addEventHandler({
      onAdd: (node) => {
        void this.onNode(node);
        this.enqueueStaticPods(); // their mirror pods were waiting for the Node
      },
      onUpdate: (_, node) => void this.onNode(node),
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.onPod(pod),
      onUpdate: (_, pod) => this.onPod(pod),
      onDelete: (object) => {
        const pod = unwrapTombstone(object);
        if (isMirrorPod(pod)) {
          this.onMirrorPod(pod, true);
          return;
        }
        const uid = pod.metadata.uid as string;
        this.pods.set(uid, pod); // its last state: the grace period to tear it down with
        this.gone.add(uid);
        this.workers.enqueue(uid);
      },
    });
    this.nodeInformer.run();
    this.serviceInformer.run();
    this.podInformer.run();
    // Services first, as the kubelet waits for them before building an API pod's environment.
    const caches = [this.podInformer, this.serviceInformer];
    if (!(await waitForCacheSync(caches, undefined, () => this.stopped))) return;
    // Only now is a runtime pod that no source has an orphan: sync those the PLEG found so far.
    this.sourcesReady = true;
    for (const uid of this.workers.uids()) this.workers.enqueue(uid);
    void this.mirrors.deleteOrphans(this.staticFullNames());
    const resync = () => {
      for (const uid of this.pods.keys()) this.workers.enqueue(uid);
      this.resyncTimer = this.clock.setTimeout(
        resync,
        o.syncFrequencyMs ?? DEFAULT_SYNC_FREQUENCY_MS,
      );
    };
    this.resyncTimer = this.clock.setTimeout(
      resync,
      o.syncFrequencyMs ?? DEFAULT_SYNC_FREQUENCY_MS,
    );
  }
  // #endregion start

  /** Stops everything but the containers; resolves when no sync runs any more. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeRegistration?.();
    this.staticPods?.stop();
    this.resyncTimer?.cancel();
    this.pleg.stop();
    this.prober.stop();
    this.nodeStatus.stop();
    await Promise.all([
      this.podInformer.stop(),
      this.nodeInformer.stop(),
      this.serviceInformer.stop(),
      this.server?.close(),
    ]);
    await this.workers.stop();
  }

  private onPod(pod: Pod): void {
    if (isMirrorPod(pod)) {
      this.onMirrorPod(pod, false);
      return;
    }
    const uid = pod.metadata.uid as string;
    this.pods.set(uid, pod);
    this.workers.enqueue(uid);
  }

  private async onNode(node: Node): Promise<void> {
    const cidr = node.spec?.podCIDR as string | undefined;
    if (!cidr || cidr === this.podCIDR) return;
    try {
      await this.setPodCIDR(cidr);
    } catch (error) {
      this.log(`updating the runtime's pod CIDR to ${cidr}: ${messageOf(error)}`);
    }
  }

  /** Tells the runtime the node's pod CIDR (updateRuntimeConfig), then syncs every pod. */
  private async setPodCIDR(cidr: string): Promise<void> {
    await this.options.runtime.updateRuntimeConfig({ podCIDR: cidr });
    this.podCIDR = cidr;
    this.log(`pod CIDR ${cidr}: the network is ready`);
    for (const uid of this.pods.keys()) this.workers.enqueue(uid);
  }

  // #region sync
  private async sync(uid: string): Promise<SyncResult> {
    const runtime = this.options.runtime;
    const state = await readRuntimePod(runtime, uid);
    const pod = this.pods.get(uid);

    // 2. Unknown (until every source is read it may yet appear) or gone from its source: tear it
    //    down, forget it; a static pod's mirror pod goes with it.
    if (!pod && !this.sourcesReady) return {};
    if (!pod || this.gone.has(uid)) {
      await killPod(this.context, state, pod ? terminationGracePeriod(pod) : ORPHAN_GRACE_SECONDS);
      for (const s of state.sandboxes) await runtime.removePodSandbox(s.id);
      await removePodDir(this.options.rootDir, uid); // its volumes (cleanupOrphanedPodDirs)
      this.prober.removePod(uid);
      this.pods.delete(uid);
      this.gone.delete(uid);
      this.written.delete(uid);
      this.staticStatuses.delete(uid);
      this.context.backoff.forget(`${pod?.metadata.name}_${pod?.metadata.namespace}_${uid}_`);
      if (pod && isStaticPod(pod)) await this.staticPodGone(pod);
      return "done";
    }

    // 3. Being deleted: terminate, then the final delete.
    if (pod.metadata.deletionTimestamp) {
      this.prober.stopLivenessAndStartup(uid); // a container being stopped is not restarted
      await killPod(this.context, state, terminationGracePeriod(pod), pod);
      for (const s of state.sandboxes) await runtime.removePodSandbox(s.id);
      try {
        await this.options.client
          .resource<Pod>(builtinType("pods"), pod.metadata.namespace as string)
          .delete(pod.metadata.name as string, { gracePeriodSeconds: 0, preconditions: { uid } });
        this.log(`pod ${pod.metadata.namespace}/${pod.metadata.name} terminated and deleted`);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      return {}; // the watch's DELETED event forgets it (step 2)
    }

    // 4. Sync, then report. A static pod first waits until an older one of its name is torn down
    //    (pod_workers.go allowStaticPodStart), then gets its mirror pod (SyncPod).
    const mirrored = isStaticPod(pod);
    if (mirrored) {
      if (this.staticPodsNamed(podFullName(pod)).some((other) => this.gone.has(other))) return {};
      await this.mirrors.sync(pod);
    }
    const outcome = await syncPod(this.context, pod, state);
    const after = await readRuntimePod(runtime, uid);
    this.prober.updatePod(pod, probeStatusOf(after)); // before the status: it reads the results
    const status = generatePodStatus({
      // A static pod's own object has no status: it builds on its last one (startTime, times
      // of transitions), as the status manager's cache, keyed by the static pod's UID, gives it.
      pod: mirrored ? { ...pod, status: this.staticStatuses.get(uid) ?? pod.status } : pod,
      runtime: after,
      hostIP: this.options.address,
      now: this.clock.now(),
      waiting: outcome.waiting,
      probes: this.prober,
    });
    if (mirrored) this.staticStatuses.set(uid, status);
    // A static pod's status goes to its mirror pod, once the informer shows a current one.
    const target = mirrored ? this.mirrors.statusTarget(pod) : pod;
    if (target) await this.patchStatus(target, status);
    return { requeueAfterMs: outcome.requeueAfterMs };
  }
  // #endregion sync

  // #region staticPods
  /** The file source changed: removed pods are torn down, added ones synced (keyed by UID). */
  private onStaticPods({ added, removed }: StaticPodChange): void {
    for (const pod of removed) {
      this.gone.add(pod.metadata.uid as string);
      this.workers.enqueue(pod.metadata.uid as string);
    }
    for (const pod of added) {
      this.pods.set(pod.metadata.uid as string, pod);
      this.workers.enqueue(pod.metadata.uid as string);
    }
  }

  /**
   * handleMirrorPod: a mirror pod is never run. Its static pod syncs instead, to write status to
   * it or to replace it (stale, or deleted by a user); one without a static pod is an orphan.
   */
  private onMirrorPod(mirror: Pod, deleted: boolean): void {
    if (deleted) {
      this.mirrors.forget(mirror);
      this.written.delete(mirror.metadata.uid as string);
    } else {
      this.mirrors.observe(mirror);
    }
    const owners = this.staticPodsNamed(podFullName(mirror));
    for (const uid of owners) this.workers.enqueue(uid);
    if (owners.length === 0 && !deleted && this.sourcesReady)
      void this.mirrors.deleteOrphans(this.staticFullNames());
  }

  /** A static pod is torn down: its mirror goes unless another pod of its name is coming. */
  private async staticPodGone(pod: Pod): Promise<void> {
    const successors = this.staticPodsNamed(podFullName(pod));
    for (const uid of successors) this.workers.enqueue(uid); // allowed to start now
    if (successors.length === 0 && this.sourcesReady)
      await this.mirrors.deleteOrphans(this.staticFullNames());
  }

  /** UIDs of the static pods (running or being torn down) with this full name. */
  private staticPodsNamed(fullName: string): string[] {
    return [...this.pods]
      .filter(([, pod]) => isStaticPod(pod) && podFullName(pod) === fullName)
      .map(([uid]) => uid);
  }

  private staticFullNames(): Set<string> {
    return new Set([...this.pods.values()].filter(isStaticPod).map(podFullName));
  }

  private enqueueStaticPods(): void {
    for (const [uid, pod] of this.pods) if (isStaticPod(pod)) this.workers.enqueue(uid);
  }
  // #endregion staticPods

  // #region registerNode
  /**
   * registerWithAPIServer: registers the Node and starts its heartbeats, trying again until the
   * API server answers, 100 ms after a failure, doubling to at most 7 s (Kubernetes also waits
   * 100 ms before the first try; tinykube tries at once). Returns early on stop().
   */
  private async registerNode(): Promise<void> {
    let delayMs = REGISTER_FIRST_RETRY_MS;
    while (!this.stopped) {
      try {
        await this.nodeStatus.start();
        return;
      } catch (error) {
        this.log(`unable to register the node, retrying in ${delayMs} ms: ${messageOf(error)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = this.clock.setTimeout(resolve, delayMs);
        this.wakeRegistration = () => {
          timer.cancel();
          resolve();
        };
      });
      this.wakeRegistration = undefined;
      delayMs = Math.min(delayMs * 2, REGISTER_MAX_RETRY_MS);
    }
  }
  // #endregion registerNode

  // #region patchStatus
  /** Patches pods/status when the status differs from the API's and from the last write. */
  private async patchStatus(pod: Pod, status: PodStatus): Promise<void> {
    const uid = pod.metadata.uid as string;
    const next = canonical(status);
    const current = this.pods.get(uid) ?? pod;
    if (next === canonical(current.status ?? {}) || next === this.written.get(uid)) return;
    // A merge patch: fields the new status lacks (podIP once the sandbox is gone) become null.
    const patch: Record<string, unknown> = { ...status };
    for (const key of Object.keys(current.status ?? {})) if (!(key in status)) patch[key] = null;
    try {
      await this.options.client
        .resource<Pod>(builtinType("pods"), pod.metadata.namespace as string)
        .patch(pod.metadata.name as string, { status: patch }, "merge", { subresource: "status" });
      this.written.set(uid, next);
    } catch (error) {
      if (!isNotFound(error)) throw error; // deleted meanwhile: its DELETED event follows
    }
  }
  // #endregion patchStatus
}

/** JSON with sorted keys, so equal statuses compare equal whatever order the server kept. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
