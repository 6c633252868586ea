/**
 * A probe worker: one per (pod, container, probe type), probing every periodSeconds and writing
 * the verdict into its results manager — pkg/kubelet/prober/worker.go.
 *
 * Guarantees, as worker.go's:
 * - Until a container exists the worker waits. Each new container ID starts over: the old ID's
 *   result is removed, the new one gets the initial result — Failure for readiness (not ready
 *   until a probe says so), Success for liveness (alive until probes say otherwise), Unknown for
 *   startup (not started, not failed) — and a hold is lifted.
 * - A container that is not running is marked Failure; the worker ends if it will not be restarted
 *   (it terminated under restartPolicy Never), or when the pod is Succeeded or Failed.
 * - No probe before initialDelaySeconds have passed since the container started (whole seconds,
 *   truncated, as Go's int32 conversion). Until the startup probe has succeeded only the startup
 *   worker probes; after, only the others do.
 * - Thresholds: the result changes only after failureThreshold failures, or successThreshold
 *   successes, in a row. With the defaults (3 and 1): F F S F F F sets Failure at the sixth probe
 *   — the S broke the run. A probe that errored (the prober could not run it) changes nothing.
 * - After a liveness or startup Failure the worker holds — it stops probing — until the kubelet
 *   has restarted the container and a new container ID appears (worker.go: probing a container
 *   being stopped could corrupt it, kubernetes#21751).
 * - Timing: ticks every periodSeconds from the worker's start, as a Go ticker: a probe that
 *   outlasts a period runs the next one at once, and ticks it missed beyond that are dropped.
 *   A worker started within a period of the manager's start (a kubelet restart) waits a random
 *   part of a period first, so restarted kubelets do not probe everything at once; `random` is
 *   injected. trigger() runs a probe now (the manager's manualTriggerCh).
 *
 * Kept as Kubernetes has it: a new container ID does not reset the run of results. A liveness
 * worker that saw 2 failures of a container that then crashed by itself sets Failure at the first
 * failure of its replacement (the run reaches 3).
 */
import type { Container, Pod } from "../../api/types.ts";
import type { Clock, Timer } from "../../util/clock.ts";
import type { PodProbeStatus } from "./observed.ts";
import type { ProbeTarget, ProbeVerdict } from "./prober.ts";
import type { ProbeResult, ResultsManager } from "./results.ts";
import { type ProbeTiming, type ProbeType, probeOf, timing } from "./spec.ts";

/** What a worker reads from its manager (Kubernetes: the probe manager and its status manager). */
export interface WorkerHost {
  /** The kubelet's latest view of the pod; undefined before the first and after the last. */
  podStatus(uid: string): (PodProbeStatus & { phase?: string }) | undefined;
  /** Whether the container's startup probe has succeeded (or it has none). */
  isStarted(containerId: string): boolean;
  /** When the manager was made, in ms: the jitter applies to workers started within a period. */
  readonly startedAt: number;
  /** Called once, when the worker has ended and cleaned up. */
  removeWorker(worker: ProbeWorker): void;
  /** Where a bug in a probe is reported; the worker keeps going, as HandleCrash lets it. */
  log(line: string): void;
}

export interface WorkerOptions {
  host: WorkerHost;
  prober: { probe(type: ProbeType, target: ProbeTarget): Promise<ProbeVerdict> };
  probeType: ProbeType;
  /** The pod and container as the worker was made for them; never updated, as in Kubernetes. */
  pod: Pod;
  container: Container;
  results: ResultsManager;
  clock: Clock;
  /** A number in [0, 1): the share of a period the first probe waits. */
  random: () => number;
}

const INITIAL: Record<ProbeType, ProbeResult> = {
  Readiness: "Failure",
  Liveness: "Success",
  Startup: "Unknown",
};

export class ProbeWorker {
  readonly probeType: ProbeType;
  readonly podUid: string;
  readonly containerName: string;
  private readonly timing: ProbeTiming;
  /** The container being probed; "" until one exists. */
  private containerId = "";
  /** Go's zero value of results.Result is Success, so a first Success continues a "run". */
  private lastResult: "Success" | "Failure" = "Success";
  /** How many probes in a row gave lastResult. */
  private resultRun = 0;
  /** Set after a liveness or startup Failure; cleared by a new container ID. */
  private onHold = false;
  private stopped = false;
  /** True from the first probe on; before it, stop() cleans up by itself. */
  private running = false;
  /** Go's ticker and trigger channels hold one signal each; more are dropped. */
  private tickPending = false;
  private triggerPending = false;
  private wake: (() => void) | undefined;
  private timer: Timer | undefined;
  private nextTickAt = 0;

  constructor(private readonly o: WorkerOptions) {
    this.probeType = o.probeType;
    this.podUid = o.pod.metadata.uid as string;
    this.containerName = o.container.name;
    this.timing = timing(probeOf(o.container, o.probeType) ?? {});
  }

  /** Starts probing: at once, or after the jitter if the manager started less than a period ago. */
  start(): void {
    const periodMs = this.timing.periodSeconds * 1000;
    const now = this.o.clock.now();
    const jitterMs =
      periodMs > now - this.o.host.startedAt ? Math.floor(this.o.random() * periodMs) : 0;
    if (jitterMs > 0) this.timer = this.o.clock.setTimeout(() => void this.run(), jitterMs);
    else void this.run();
  }

  /** Ends the worker; it cleans up after the probe in progress, if any. Safe to call again. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.timer?.cancel();
    if (!this.running) this.cleanup();
    this.wake?.();
  }

  /** Probes as soon as the current probe (if any) is done. */
  trigger(): void {
    this.triggerPending = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    this.running = true;
    this.nextTickAt = this.o.clock.now();
    this.armTicker();
    for (;;) {
      let keepGoing = true;
      try {
        keepGoing = await this.doProbe();
      } catch (error) {
        this.o.host.log(
          `${this.probeType} probe of ${this.o.pod.metadata.namespace}/${this.o.pod.metadata.name}/${this.containerName} crashed: ${String(error)}`,
        );
      }
      if (!keepGoing || this.stopped || !(await this.nextSignal())) break;
    }
    this.cleanup();
  }

  /** Waits for a tick or a trigger; false once the worker is stopped. */
  private async nextSignal(): Promise<boolean> {
    for (;;) {
      if (this.stopped) return false;
      if (this.tickPending || this.triggerPending) {
        if (this.tickPending) this.tickPending = false;
        else this.triggerPending = false;
        return true;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
  }

  private armTicker(): void {
    this.nextTickAt += this.timing.periodSeconds * 1000;
    this.timer = this.o.clock.setTimeout(() => {
      this.tickPending = true;
      this.armTicker();
      this.wake?.();
    }, this.nextTickAt - this.o.clock.now());
  }

  private cleanup(): void {
    this.timer?.cancel();
    if (this.containerId !== "") this.o.results.remove(this.containerId);
    this.o.host.removeWorker(this);
  }

  // #region doProbe
  /**
   * One round: find the container, decide whether to probe it at all, probe it, and move the
   * result only once a threshold is reached. Returns whether the worker goes on.
   */
  async doProbe(): Promise<boolean> {
    const { host, results, pod, container } = this.o;
    const set = (result: ProbeResult) => results.set(this.containerId, result, this.podUid);

    // 1. The pod's status: none yet (or any more) — wait; terminated — the worker ends.
    const status = host.podStatus(this.podUid);
    if (status === undefined) return true;
    if (status.phase === "Failed" || status.phase === "Succeeded") return false;

    // 2. The container: none yet — wait. A new one — start over from the initial result.
    const c = status.containers.find((s) => s.name === this.containerName);
    if (c === undefined || c.id === "") return true;
    if (c.id !== this.containerId) {
      if (this.containerId !== "") results.remove(this.containerId);
      this.containerId = c.id;
      set(INITIAL[this.probeType]);
      this.onHold = false;
    }
    if (this.onHold) return true;

    // 3. Not running: Failure; the worker ends if the container will not be restarted.
    if (c.state !== "running") {
      set("Failure");
      return c.state !== "exited" || pod.spec.restartPolicy !== "Never";
    }

    // 4. The pod is being deleted: liveness and startup say Success, for a quiet shutdown.
    if (pod.metadata.deletionTimestamp && this.probeType !== "Readiness") {
      set("Success");
      return false;
    }

    // 5. Not yet: the initial delay, and the startup probe gating the others.
    const ranSeconds = Math.trunc((this.o.clock.now() - c.startedAt) / 1000);
    if (ranSeconds < this.timing.initialDelaySeconds) return true;
    const started = host.isStarted(this.containerId);
    // A startup worker that is done keeps running, for the container's next restart.
    if (started && this.probeType === "Startup") return true;
    if (!started && this.probeType !== "Startup") return true;

    // 6. Probe. An error changes nothing; a result counts towards its threshold.
    const target = { pod, podIP: status.podIP, container, containerId: this.containerId };
    const verdict = await this.o.prober.probe(this.probeType, target);
    if (this.stopped) return false; // its result would be removed at once by the cleanup
    if (verdict.error !== undefined) return true;
    const { result } = verdict;
    if (result === this.lastResult) this.resultRun++;
    else {
      this.lastResult = result;
      this.resultRun = 1;
    }
    const threshold =
      result === "Failure" ? this.timing.failureThreshold : this.timing.successThreshold;
    if (this.resultRun < threshold) return true;
    set(result);

    // 7. A failed liveness or startup probe: hold until the kubelet has replaced the container.
    if (this.probeType !== "Readiness" && result === "Failure") {
      this.onHold = true;
      this.resultRun = 0;
    }
    return true;
  }
  // #endregion doProbe
}
