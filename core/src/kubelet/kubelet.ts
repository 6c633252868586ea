/**
 * The kubelet: the node agent that makes the pods bound to its node run, and reports what runs —
 * pkg/kubelet/kubelet.go (syncLoop, SyncPod, SyncTerminatingPod), the pod workers, the PLEG and
 * the status manager, in one small module each beside this one.
 *
 * How work arrives, and where it goes (every path ends in the pod's worker, keyed by UID):
 * - the pod source: a watch of pods with fieldSelector spec.nodeName=<node>, as
 *   system:node:<node> — the API server indexes that field, so each kubelet pays for its own pods;
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
 * - stop() ends the watches, timers and workers, never the containers: they outlive the kubelet,
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
import type { ConfigMapLike, EnvObjects, SecretLike } from "./env.ts";
import { NodeStatusReporter } from "./node-status.ts";
import { DEFAULT_RELIST_PERIOD_MS, Pleg } from "./pleg.ts";
import { generatePodStatus } from "./pod-status.ts";
import { PodWorkers, type SyncResult } from "./pod-workers.ts";
import { readRuntimePod } from "./runtime-pod.ts";
import { killPod, type SyncContext, syncPod, terminationGracePeriod } from "./sync-pod.ts";
import { removePodDir } from "./volumes.ts";

/** KubeletConfiguration syncFrequency. */
export const DEFAULT_SYNC_FREQUENCY_MS = 60_000;
/** Orphaned runtime pods are killed with a 1 s grace period (HandlePodCleanups). */
const ORPHAN_GRACE_SECONDS = 1;

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
  /** Events on pods (Pulling, Created, Started, Killing, ...); default true. */
  recordEvents?: boolean;
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
  /** The latest API object per UID, kept after the API deleted it until the pod is torn down. */
  private readonly pods = new Map<string, Pod>();
  /** UIDs the API no longer has. */
  private readonly gone = new Set<string>();
  /** The last status this kubelet patched, per UID (canonical JSON), against duplicate writes. */
  private readonly written = new Map<string, string>();
  private readonly workers: PodWorkers;
  private readonly pleg: Pleg;
  private readonly nodeStatus: NodeStatusReporter;
  private readonly podInformer: SharedIndexInformer<Pod>;
  private readonly nodeInformer: SharedIndexInformer<Node>;
  /** Services, for the service links in containers' environments (getServiceEnvVarMap). */
  private readonly serviceInformer: SharedIndexInformer<Service>;
  private readonly context: SyncContext;
  private podCIDR: string | undefined;
  private resyncTimer: Timer | undefined;
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
      services: () => this.serviceInformer.indexer.list(),
      ...(recorder
        ? { event: (pod, type, reason, message) => recorder.event(pod, type, reason, message) }
        : {}),
    };
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
  }

  // #region start
  /** Registers the node, then starts the pod source, the PLEG and the resync; resolves once the
   * pod cache has synced. */
  async start(): Promise<void> {
    const o = this.options;
    await this.nodeStatus.start();
    if (o.podCIDR !== undefined) await this.setPodCIDR(o.podCIDR);
    this.nodeInformer.addEventHandler({
      onAdd: (node) => void this.onNode(node),
      onUpdate: (_, node) => void this.onNode(node),
    });
    this.podInformer.addEventHandler({
      onAdd: (pod) => this.onPod(pod),
      onUpdate: (_, pod) => this.onPod(pod),
      onDelete: (object) => {
        const pod = unwrapTombstone(object);
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
    // Only now: a runtime pod the first relist finds and the cache lacks is truly an orphan.
    this.pleg.start();
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
    this.resyncTimer?.cancel();
    this.pleg.stop();
    this.nodeStatus.stop();
    await Promise.all([
      this.podInformer.stop(),
      this.nodeInformer.stop(),
      this.serviceInformer.stop(),
    ]);
    await this.workers.stop();
  }

  private onPod(pod: Pod): void {
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

    // 2. Unknown or gone from the API: tear it down, forget it.
    if (!pod || this.gone.has(uid)) {
      await killPod(this.context, state, pod ? terminationGracePeriod(pod) : ORPHAN_GRACE_SECONDS);
      for (const s of state.sandboxes) await runtime.removePodSandbox(s.id);
      await removePodDir(this.options.rootDir, uid); // its volumes (cleanupOrphanedPodDirs)
      this.pods.delete(uid);
      this.gone.delete(uid);
      this.written.delete(uid);
      this.context.backoff.forget(`${pod?.metadata.name}_${pod?.metadata.namespace}_${uid}_`);
      return "done";
    }

    // 3. Being deleted: terminate, then the final delete.
    if (pod.metadata.deletionTimestamp) {
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

    // 4. Sync, then report.
    const outcome = await syncPod(this.context, pod, state);
    const after = await readRuntimePod(runtime, uid);
    const status = generatePodStatus({
      pod,
      runtime: after,
      hostIP: this.options.address,
      now: this.clock.now(),
      waiting: outcome.waiting,
    });
    await this.patchStatus(pod, status);
    return { requeueAfterMs: outcome.requeueAfterMs };
  }
  // #endregion sync

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
