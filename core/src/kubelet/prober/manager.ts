/**
 * The prober manager — pkg/kubelet/prober/prober_manager.go: a worker for every probe of every
 * container of the pods the kubelet runs, three results managers (liveness, readiness, startup),
 * and the answers the rest of the kubelet needs from them: has a container started, is it ready,
 * has its liveness or startup probe failed.
 *
 * How the kubelet uses it (what Kubernetes does in kubelet.go, each here one call):
 * - every sync of a pod that runs: `updatePod(pod, probeStatusOf(runtimePod))` — AddPod (a worker
 *   for each probe that lacks one) plus the pod's status as the workers read it (Kubernetes: the
 *   status manager's cache);
 * - computing the pod's status: `isStarted(id)` and `isReady(id)` for each running container
 *   (UpdatePodStatus);
 * - deciding what to restart: `verdicts()` to computePodActions (livenessManager and
 *   startupManager.Get in kuberuntime_manager.go);
 * - a pod being deleted: `stopLivenessAndStartup(uid)`; a pod gone: `removePod(uid)`; the kubelet
 *   stopping: `stop()`;
 * - `onUpdate` when a result changes: the kubelet syncs the pod, as its sync loop does on the
 *   results managers' Updates() channels; `onEvent` for the Unhealthy and ProbeWarning events.
 *
 * Guarantees:
 * - At most one worker per (pod UID, container name, probe type); updatePod is idempotent.
 * - Liveness and startup workers are not created again for a pod once stopLivenessAndStartup was
 *   called for it (Kubernetes never calls AddPod for a terminating pod).
 * - Answers are by container ID, for the containers of the latest updatePod; an ID it was not told
 *   about is neither started nor ready.
 */
import type { Pod } from "../../api/types.ts";
import type { RuntimeService } from "../../runtime/cri.ts";
import { type Clock, realClock } from "../../util/clock.ts";
import type { ProbeVerdicts } from "../pod-actions.ts";
import type { PodProbeStatus } from "./observed.ts";
import { type ProbeEvent, Prober } from "./prober.ts";
import { ResultsManager, type ResultUpdate } from "./results.ts";
import { PROBE_TYPES, type ProbeType, probeOf } from "./spec.ts";
import { ProbeWorker, type WorkerHost } from "./worker.ts";

/** A change of one container's result, with the probe type it is about. */
export interface ProbeUpdate extends ResultUpdate {
  probeType: ProbeType;
}

export interface ProberManagerOptions {
  /** ExecSync, for exec probes. */
  runtime: Pick<RuntimeService, "execSync">;
  clock?: Clock;
  /**
   * A result changed: Kubernetes syncs the pod (for liveness only on Failure; a sync more is
   * harmless). Called from inside the manager — also during updatePod, for a new container's
   * initial result — so it should only enqueue the pod.
   */
  onUpdate?: (update: ProbeUpdate) => void;
  /** An event about a container: record it on the pod, fieldPath spec.containers{name}. */
  onEvent?: (pod: Pod, event: ProbeEvent) => void;
  /** The share of a period a worker started soon after the manager waits first; default Math.random. */
  random?: () => number;
  /** Default kube-probe/1.35 (http-probe.ts). */
  userAgent?: string;
  log?: (line: string) => void;
}

interface PodEntry {
  pod: Pod;
  status: PodProbeStatus;
  /** Set by stopLivenessAndStartup: no more liveness or startup workers for this pod. */
  terminating: boolean;
}

const workerKey = (uid: string, containerName: string, type: ProbeType) =>
  `${uid}/${containerName}/${type}`;

export class ProberManager {
  /** When the manager was made: workers started within a period of it spread their first probe. */
  readonly startedAt: number;
  private readonly clock: Clock;
  private readonly prober: Prober;
  private readonly results: Record<ProbeType, ResultsManager>;
  /** By workerKey. A worker leaves when it ends by itself, or at once when the manager stops it. */
  private readonly workers = new Map<string, ProbeWorker>();
  /** By pod UID, from updatePod until removePod. */
  private readonly pods = new Map<string, PodEntry>();
  /** Container ID → its pod's UID and its name, for the containers of each pod's latest status. */
  private readonly containers = new Map<string, { uid: string; name: string }>();
  /** What the workers see of the manager. */
  private readonly host: WorkerHost;

  constructor(private readonly options: ProberManagerOptions) {
    this.clock = options.clock ?? realClock;
    this.startedAt = this.clock.now();
    this.prober = new Prober({
      runtime: options.runtime,
      clock: this.clock,
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    const resultsFor = (probeType: ProbeType) =>
      new ResultsManager((update) => options.onUpdate?.({ ...update, probeType }));
    this.results = {
      Liveness: resultsFor("Liveness"),
      Readiness: resultsFor("Readiness"),
      Startup: resultsFor("Startup"),
    };
    this.host = {
      podStatus: (uid) => {
        const entry = this.pods.get(uid);
        if (entry === undefined) return undefined;
        return { ...entry.status, phase: entry.pod.status?.phase };
      },
      isStarted: (containerId) => this.isStarted(containerId),
      startedAt: this.startedAt,
      removeWorker: (worker) => {
        const key = workerKey(worker.podUid, worker.containerName, worker.probeType);
        // A pod removed and added again may have a new worker under the same key already.
        if (this.workers.get(key) === worker) this.workers.delete(key);
      },
      log: (line) => options.log?.(`[prober] ${line}`),
    };
  }

  // #region update-pod
  /**
   * 1. Keep the pod's status for its workers: its phase (the API's), IP and containers.
   * 2. Index the containers by ID, for isStarted, isReady and verdicts.
   * 3. AddPod: start a worker for each probe that has none — startup, readiness, liveness for each
   *    container in order — but no liveness or startup worker for a terminating pod.
   */
  updatePod(pod: Pod, status: PodProbeStatus): void {
    const uid = pod.metadata.uid as string;
    const entry = this.pods.get(uid);
    const terminating = entry?.terminating ?? false;
    this.forgetContainers(uid);
    this.pods.set(uid, { pod, status, terminating });
    for (const c of status.containers) this.containers.set(c.id, { uid, name: c.name });

    for (const container of pod.spec.containers) {
      for (const probeType of PROBE_TYPES) {
        if (probeOf(container, probeType) === undefined) continue;
        if (terminating && probeType !== "Readiness") continue;
        const key = workerKey(uid, container.name, probeType);
        if (this.workers.has(key)) continue;
        const worker = new ProbeWorker({
          host: this.host,
          prober: this.prober,
          probeType,
          pod,
          container,
          results: this.results[probeType],
          clock: this.clock,
          random: this.options.random ?? Math.random,
        });
        this.workers.set(key, worker);
        worker.start();
      }
    }
  }
  // #endregion update-pod

  /** StopLivenessAndStartup: a terminating pod's containers are no longer restarted for probes. */
  stopLivenessAndStartup(uid: string): void {
    const entry = this.pods.get(uid);
    if (entry) entry.terminating = true;
    this.stopWorkers(uid, (type) => type !== "Readiness");
  }

  /** RemovePod: stops the pod's workers, forgets the pod and its containers' results. */
  removePod(uid: string): void {
    this.stopWorkers(uid, () => true);
    for (const c of this.pods.get(uid)?.status.containers ?? []) {
      for (const results of Object.values(this.results)) results.remove(c.id);
    }
    this.forgetContainers(uid);
    this.pods.delete(uid);
  }

  /** CleanupPods: removes every pod but those given. */
  cleanupPods(keep: Iterable<string>): void {
    const kept = new Set(keep);
    for (const uid of [...this.pods.keys()]) if (!kept.has(uid)) this.removePod(uid);
  }

  /** Stops every worker (the kubelet is stopping) and forgets every pod. */
  stop(): void {
    for (const uid of [...this.pods.keys()]) this.removePod(uid);
  }

  // #region answers
  /**
   * isContainerStarted: running, and its startup probe has succeeded — or it has none. A startup
   * worker that has not probed yet means not started.
   */
  isStarted(containerId: string): boolean {
    const found = this.running(containerId);
    if (found === undefined) return false;
    const result = this.results.Startup.get(containerId);
    if (result !== undefined) return result === "Success";
    return !this.workers.has(workerKey(found.uid, found.name, "Startup"));
  }

  /**
   * UpdatePodStatus's ready: started, and its readiness probe has succeeded — or it has none. A
   * readiness worker that has no Success yet is asked to probe now (manualTriggerCh), so a new
   * container turns ready without waiting a whole period.
   */
  isReady(containerId: string): boolean {
    const found = this.running(containerId);
    if (found === undefined || !this.isStarted(containerId)) return false;
    if (this.results.Readiness.get(containerId) === "Success") return true;
    const worker = this.workers.get(workerKey(found.uid, found.name, "Readiness"));
    worker?.trigger();
    return worker === undefined;
  }

  /** What computePodActions asks: did the container's liveness or startup probe fail? */
  verdicts(): ProbeVerdicts {
    return {
      livenessFailed: (id) => this.results.Liveness.get(id) === "Failure",
      startupFailed: (id) => this.results.Startup.get(id) === "Failure",
    };
  }
  // #endregion answers

  /** Workers running now (Kubernetes' workerCount, for tests). */
  workerCount(): number {
    return this.workers.size;
  }

  /**
   * Stops the pod's workers of the types chosen. They leave the map at once, so an updatePod right
   * after starts new ones; each cleans up after its probe in progress, if any.
   */
  private stopWorkers(uid: string, which: (type: ProbeType) => boolean): void {
    for (const [key, worker] of this.workers) {
      if (worker.podUid !== uid || !which(worker.probeType)) continue;
      this.workers.delete(key);
      worker.stop();
    }
  }

  /** The container with this ID, if the latest status of its pod has it running. */
  private running(containerId: string): { uid: string; name: string } | undefined {
    const found = this.containers.get(containerId);
    if (found === undefined) return undefined;
    const c = this.pods.get(found.uid)?.status.containers.find((s) => s.id === containerId);
    return c?.state === "running" ? found : undefined;
  }

  private forgetContainers(uid: string): void {
    for (const c of this.pods.get(uid)?.status.containers ?? []) this.containers.delete(c.id);
  }
}
