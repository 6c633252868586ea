/**
 * A container runtime with no processes: sandboxes and containers are records in memory that move
 * through CRI's states on an injected clock, after configurable delays, and do what their
 * behaviour (behavior.ts) says — run until stopped, exit with a code, ignore SIGTERM. One Node
 * process can host thousands of them, as kubemark's hollow nodes and kwok do for Kubernetes'
 * scale tests.
 *
 * Guarantees, the same as the process runtime's (runtime.cases.ts checks both):
 * - RunPodSandbox gives a SANDBOX_READY sandbox an address from the pod CIDR (ipam.ts);
 *   StopPodSandbox kills its containers, releases the address and leaves SANDBOX_NOTREADY;
 *   stop and remove are idempotent.
 * - A container goes CREATED → RUNNING → EXITED and never back; exit codes follow the shell's
 *   128 + signal: 143 after SIGTERM, 137 after SIGKILL; reason "Completed" for 0, else "Error".
 * - CreateContainer needs the image pulled (NotFound otherwise, as in containerd); unknown IDs
 *   give NotFound, except for stop and remove, which succeed.
 *
 * Costs, for 5,000 runtimes in one process: status and list-by-ID are Map lookups; a container
 * that only runs has no timer; a container with something due (its start delay, its exit, the end
 * of a grace period) has one event in the scheduler all runtimes on the clock share (scheduler.ts).
 *
 * Test hooks: `kill` ends a running container as if its process died; `failNext` makes the next
 * call of a method throw; `logLines` reads what containers printed when `keepLogs` is set; the
 * `exec` option decides what ExecSync calls do (exec.ts), so probes can be made to fail.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { normalizedImageName } from "../../api/image-name.ts";
import type { Clock } from "../../util/clock.ts";
import {
  type Container,
  type ContainerConfig,
  type ContainerFilter,
  type ContainerRuntime,
  type ContainerState,
  type ContainerStats,
  type ContainerStatsFilter,
  type ContainerStatus,
  CriError,
  type ExecSyncResponse,
  execTimeoutError,
  type Image,
  type ImageSpec,
  type PodSandbox,
  type PodSandboxConfig,
  type PodSandboxFilter,
  type PodSandboxState,
  type PodSandboxStatus,
} from "../cri.ts";
import { type BehaviorRule, type ContainerBehavior, defaultBehavior } from "./behavior.ts";
import { defaultExec, type ExecRule } from "./exec.ts";
import { DEFAULT_IMAGES, type FakeImage, FakeImageStore } from "./images.ts";
import { PodAddressAllocator } from "./ipam.ts";
import { type ScheduledEvent, type Scheduler, schedulerFor } from "./scheduler.ts";

export interface FakeRuntimeOptions {
  clock: Clock;
  /** What pulls can find (the registry). Default: the shipped images (DEFAULT_IMAGES). */
  images?: readonly FakeImage[];
  /** How long a pull takes. Default 0. */
  pullDelayMs?: number;
  /** How long RunPodSandbox takes (the pause container, the network namespace). Default 0. */
  sandboxDelayMs?: number;
  /** How long StartContainer takes, CREATED → RUNNING, unless the behaviour says. Default 0. */
  startDelayMs?: number;
  /** Each container's behaviour; where it answers undefined, defaultBehavior decides. */
  behavior?: BehaviorRule;
  /** What each ExecSync call does (exec.ts); where it answers undefined, defaultExec decides. */
  exec?: ExecRule;
  /** Keep what containers print, as CRI log lines, for logLines(). Default false: at 10,000 pods it is memory for nothing. */
  keepLogs?: boolean;
  /** The pod CIDR to start with; the kubelet otherwise sets it through updateRuntimeConfig. */
  podCIDR?: string;
  /**
   * What ListContainerStats reports for a running container, from its config and how long it
   * has run. Default: zero CPU and memory. One busy core with 32 MiB:
   * `(_, ranMs) => ({ usageCoreNanoSeconds: ranMs * 1_000_000, workingSetBytes: 32 * 2 ** 20 })`.
   */
  stats?: (config: ContainerConfig, ranMs: number) => FakeContainerUsage;
}

/** A fake container's CPU (cumulative core-nanoseconds) and working set. */
export interface FakeContainerUsage {
  usageCoreNanoSeconds: number;
  workingSetBytes: number;
}

/** The methods failNext can make fail. */
export type FakeRuntimeCall =
  | "runPodSandbox"
  | "stopPodSandbox"
  | "removePodSandbox"
  | "createContainer"
  | "startContainer"
  | "stopContainer"
  | "removeContainer"
  | "pullImage"
  | "execSync";

/** cri-api's testing FakeRuntimeService reports these, so kubemark's hollow nodes do too. */
const RUNTIME_NAME = "fakeRuntime";
const RUNTIME_VERSION = "0.1.0";

/** 128 + the signal's number: what a shell reports for a process a signal ended. */
const EXIT_SIGTERM = 128 + 15;
const EXIT_SIGKILL = 128 + 9;

interface SandboxRecord {
  readonly id: string;
  /** A copy of what RunPodSandbox was given. */
  readonly config: PodSandboxConfig;
  readonly createdAt: number;
  state: PodSandboxState;
  /** Its address while SANDBOX_READY; "" once stopped (the address is released). */
  ip: string;
  /** Its containers' IDs, in creation order. */
  readonly containers: Set<string>;
}

interface ContainerRecord {
  readonly id: string;
  readonly sandboxId: string;
  /** A copy of what CreateContainer was given. */
  readonly config: ContainerConfig;
  readonly imageRef: string;
  /** Absolute: the sandbox's logDirectory joined with config.logPath. */
  readonly logPath: string;
  readonly behavior: ContainerBehavior;
  readonly createdAt: number;
  state: ContainerState;
  /** 0 until RUNNING / EXITED. */
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  /** True while StartContainer waits out the start delay (still CONTAINER_CREATED). */
  starting: boolean;
  /**
   * When a RUNNING container exits by itself (behaviour), after SIGTERM (143), or by the grace
   * period's SIGKILL (137); 0 for "not coming". `due` is the one scheduler event for the
   * earliest of them, so a container costs one event at most, and none while nothing is coming.
   */
  selfExitAt: number;
  termExitAt: number;
  killAt: number;
  due: ScheduledEvent | undefined;
  /** StopContainer calls waiting for the exit. */
  waiters: (() => void)[] | undefined;
  /** What it printed, as CRI log lines, when the runtime keeps logs. */
  logs: string[] | undefined;
}

export class FakeRuntime implements ContainerRuntime {
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly images: FakeImageStore;
  private readonly options: FakeRuntimeOptions;
  /** undefined until a pod CIDR is known: RunPodSandbox cannot give an address before. */
  private addresses: PodAddressAllocator | undefined;
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly containers = new Map<string, ContainerRecord>();
  /** Delays in progress (pulls, sandboxes, starts), cancelled by close(). */
  private readonly waits = new Set<ScheduledEvent>();
  private readonly failures = new Map<FakeRuntimeCall, CriError[]>();
  private closed = false;

  constructor(options: FakeRuntimeOptions) {
    this.options = options;
    this.clock = options.clock;
    this.scheduler = schedulerFor(options.clock);
    this.images = new FakeImageStore(options.images ?? DEFAULT_IMAGES);
    if (options.podCIDR !== undefined) this.addresses = new PodAddressAllocator(options.podCIDR);
  }

  async version() {
    return { runtimeName: RUNTIME_NAME, runtimeVersion: RUNTIME_VERSION, runtimeApiVersion: "v1" };
  }

  /** A new range applies to new sandboxes; running ones keep their addresses, reserved in it if they fall inside. */
  async updateRuntimeConfig({ podCIDR }: { podCIDR: string }): Promise<void> {
    this.ensureOpen();
    if (this.addresses?.cidr === podCIDR) return;
    const addresses = new PodAddressAllocator(podCIDR);
    for (const sandbox of this.sandboxes.values()) if (sandbox.ip) addresses.reserve(sandbox.ip);
    this.addresses = addresses;
  }

  // #region fake-sandboxes
  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    this.ensureOpen();
    this.injected("runPodSandbox");
    const addresses = this.addresses;
    if (addresses === undefined) {
      throw new CriError(
        "FailedPrecondition",
        `runPodSandbox ${config.metadata.namespace}/${config.metadata.name}: no pod CIDR yet (updateRuntimeConfig has not been called)`,
      );
    }
    await this.wait(this.options.sandboxDelayMs ?? 0);
    const id = newId();
    const ip = addresses.allocate();
    this.sandboxes.set(id, {
      id,
      config: structuredClone(config),
      createdAt: this.clock.now(),
      state: "SANDBOX_READY",
      ip,
      containers: new Set(),
    });
    return id;
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    this.ensureOpen();
    this.injected("stopPodSandbox");
    const sandbox = this.sandboxes.get(podSandboxId);
    if (sandbox !== undefined) this.stopSandbox(sandbox); // else idempotent, as containerd's (sandbox_stop.go)
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    this.ensureOpen();
    this.injected("removePodSandbox");
    const sandbox = this.sandboxes.get(podSandboxId);
    if (sandbox === undefined) return;
    this.stopSandbox(sandbox);
    for (const id of sandbox.containers) this.forget(id);
    this.sandboxes.delete(podSandboxId);
  }

  async podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    const sandbox = this.sandbox(podSandboxId);
    return { ...this.sandboxView(sandbox), network: { ip: sandbox.ip } };
  }

  async listPodSandbox(filter: PodSandboxFilter = {}): Promise<PodSandbox[]> {
    const candidates =
      filter.id === undefined
        ? this.sandboxes.values()
        : [this.sandboxes.get(filter.id)].filter((s) => s !== undefined);
    const listed: PodSandbox[] = [];
    for (const sandbox of candidates) {
      if (filter.state !== undefined && sandbox.state !== filter.state) continue;
      if (!matches(sandbox.config.labels, filter.labelSelector)) continue;
      listed.push(this.sandboxView(sandbox));
    }
    return listed;
  }
  // #endregion fake-sandboxes

  // #region fake-containers
  async createContainer(
    podSandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
  ): Promise<string> {
    this.ensureOpen();
    this.injected("createContainer");
    const sandbox = this.sandbox(podSandboxId);
    if (sandbox.state !== "SANDBOX_READY") {
      throw new CriError(
        "FailedPrecondition",
        `createContainer ${config.metadata.name}: sandbox ${podSandboxId} is ${sandbox.state}, expected SANDBOX_READY`,
      );
    }
    // As containerd: the image must be on the node already, named by a tag or by its ID.
    const image = this.images.resolve(config.image.image);
    if (image === undefined) {
      throw new CriError(
        "NotFound",
        `failed to resolve image ${JSON.stringify(config.image.image)}: not found`,
      );
    }
    // The behaviour rule sees "repository:tag" even when the kubelet names the image by ID.
    const name =
      config.image.image === image.id
        ? (this.images.status(image.id)?.repoTags[0] ?? image.repoTags[0] ?? image.id)
        : normalizedImageName(config.image.image);
    const id = newId();
    this.containers.set(id, {
      id,
      sandboxId: podSandboxId,
      config: structuredClone(config),
      imageRef: image.id,
      logPath: join(sandboxConfig.logDirectory, config.logPath),
      behavior: this.options.behavior?.(config, name) ?? defaultBehavior(config, name),
      createdAt: this.clock.now(),
      state: "CONTAINER_CREATED",
      startedAt: 0,
      finishedAt: 0,
      exitCode: 0,
      reason: "",
      starting: false,
      selfExitAt: 0,
      termExitAt: 0,
      killAt: 0,
      due: undefined,
      waiters: undefined,
      logs: undefined,
    });
    sandbox.containers.add(id);
    return id;
  }

  /** Resolves once the container runs, after the start delay; it may exit at once after. */
  async startContainer(containerId: string): Promise<void> {
    this.ensureOpen();
    this.injected("startContainer");
    const container = this.container(containerId);
    if (container.state !== "CONTAINER_CREATED" || container.starting) {
      throw new CriError(
        "FailedPrecondition",
        `startContainer ${containerId}: it is ${container.starting ? "already starting" : container.state}, expected CONTAINER_CREATED`,
      );
    }
    container.starting = true;
    await this.wait(container.behavior.startDelayMs ?? this.options.startDelayMs ?? 0);
    container.starting = false;
    const sandbox = this.sandboxes.get(container.sandboxId);
    if (!this.containers.has(containerId) || sandbox?.state !== "SANDBOX_READY") {
      throw new CriError(
        "FailedPrecondition",
        `startContainer ${containerId}: the container or its sandbox went away while it was starting`,
      );
    }
    const now = this.clock.now();
    container.state = "CONTAINER_RUNNING";
    container.startedAt = now;
    for (const { stream, line } of container.behavior.output ?? [])
      this.print(container, stream, line);
    const exit = container.behavior.exit;
    if (exit !== undefined) {
      container.selfExitAt = now + exit.afterMs;
      this.reschedule(container);
    }
  }

  /**
   * SIGTERM, then SIGKILL once `timeoutSeconds` have passed; resolves when the container has
   * exited. A container that is not running (created, exited, unknown) is left as it is, as
   * containerd does (container_stop.go).
   */
  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    this.ensureOpen();
    this.injected("stopContainer");
    const container = this.containers.get(containerId);
    if (container?.state !== "CONTAINER_RUNNING") return;
    if (timeoutSeconds <= 0) {
      this.exit(container, EXIT_SIGKILL);
      return;
    }
    const now = this.clock.now();
    const killAt = now + timeoutSeconds * 1000;
    container.killAt = container.killAt === 0 ? killAt : Math.min(container.killAt, killAt);
    if (container.behavior.onSigterm !== "ignore" && container.termExitAt === 0) {
      container.termExitAt = now + (container.behavior.termExitMs ?? 0);
    }
    const exited = new Promise<void>((resolve) => {
      container.waiters ??= [];
      container.waiters.push(resolve);
    });
    if (container.termExitAt === now) this.exit(container, EXIT_SIGTERM);
    else this.reschedule(container);
    await exited;
  }

  async removeContainer(containerId: string): Promise<void> {
    this.ensureOpen();
    this.injected("removeContainer");
    const container = this.containers.get(containerId);
    if (container === undefined) return; // idempotent, as containerd's (container_remove.go)
    if (container.state === "CONTAINER_RUNNING") this.exit(container, EXIT_SIGKILL);
    this.sandboxes.get(container.sandboxId)?.containers.delete(containerId);
    this.forget(containerId);
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    const c = this.container(containerId);
    return {
      id: c.id,
      metadata: { ...c.config.metadata },
      state: c.state,
      createdAt: c.createdAt,
      startedAt: c.startedAt,
      finishedAt: c.finishedAt,
      exitCode: c.exitCode,
      // containerd reports the image's first tag here, though the kubelet created the container
      // with the image's ID (internal/cri/server/container_status.go); the config's name if untagged.
      image: { image: this.images.status(c.imageRef)?.repoTags[0] ?? c.config.image.image },
      imageRef: c.imageRef,
      reason: c.reason,
      message: "",
      labels: { ...c.config.labels },
      annotations: { ...c.config.annotations },
      logPath: c.logPath,
    };
  }

  async listContainers(filter: ContainerFilter = {}): Promise<Container[]> {
    let candidates: Iterable<ContainerRecord> = this.containers.values();
    if (filter.id !== undefined) {
      candidates = [this.containers.get(filter.id)].filter((c) => c !== undefined);
    } else if (filter.podSandboxId !== undefined) {
      const ids = this.sandboxes.get(filter.podSandboxId)?.containers ?? [];
      candidates = [...ids].map((id) => this.containers.get(id)).filter((c) => c !== undefined);
    }
    const listed: Container[] = [];
    for (const c of candidates) {
      if (filter.podSandboxId !== undefined && c.sandboxId !== filter.podSandboxId) continue;
      if (filter.state !== undefined && c.state !== filter.state) continue;
      if (!matches(c.config.labels, filter.labelSelector)) continue;
      listed.push({
        id: c.id,
        podSandboxId: c.sandboxId,
        metadata: { ...c.config.metadata },
        image: { ...c.config.image },
        imageRef: c.imageRef,
        state: c.state,
        createdAt: c.createdAt,
        labels: { ...c.config.labels },
        annotations: { ...c.config.annotations },
      });
    }
    return listed;
  }

  /** Every matching container; CPU and memory, from the `stats` option, only while it runs. */
  async listContainerStats(filter: ContainerStatsFilter = {}): Promise<ContainerStats[]> {
    const now = this.clock.now();
    const stats: ContainerStats[] = [];
    for (const listed of await this.listContainers(filter)) {
      const c = this.container(listed.id);
      const entry: ContainerStats = {
        attributes: {
          id: c.id,
          metadata: listed.metadata,
          labels: listed.labels,
          annotations: listed.annotations,
        },
      };
      if (c.state === "CONTAINER_RUNNING") {
        const usage = this.options.stats?.(c.config, now - c.startedAt);
        entry.cpu = { timestamp: now, usageCoreNanoSeconds: usage?.usageCoreNanoSeconds ?? 0 };
        entry.memory = { timestamp: now, workingSetBytes: usage?.workingSetBytes ?? 0 };
      }
      stats.push(entry);
    }
    return stats;
  }
  // #endregion fake-containers

  // #region fake-exec
  /**
   * Does what the `exec` rule (or defaultExec) says, on the runtime's clock. A command that
   * would outlast `timeoutSeconds` (0: no limit) fails with DeadlineExceeded when the timeout
   * is up; one whose container stops while it runs ends with 137, killed with it.
   */
  async execSync(
    containerId: string,
    cmd: string[],
    timeoutSeconds: number,
  ): Promise<ExecSyncResponse> {
    this.ensureOpen();
    this.injected("execSync");
    const container = this.container(containerId);
    if (cmd.length === 0 || cmd[0] === "") {
      throw new CriError("InvalidArgument", "ExecSync needs a command: cmd is empty");
    }
    if (container.state !== "CONTAINER_RUNNING") {
      // containerd's words (internal/cri/server/container_execsync.go).
      throw new CriError(
        "FailedPrecondition",
        `failed to exec in container: container is in ${container.state} state`,
      );
    }
    const pod = this.sandboxes.get(container.sandboxId)?.config.metadata;
    const outcome =
      this.options.exec?.({
        containerId,
        containerName: container.config.metadata.name,
        podName: pod?.name ?? "",
        podNamespace: pod?.namespace ?? "",
        cmd: [...cmd],
      }) ?? defaultExec(cmd);
    const timeoutMs = timeoutSeconds * 1000;
    const runsMs = outcome === "hang" ? Number.POSITIVE_INFINITY : (outcome.afterMs ?? 0);
    if (timeoutMs > 0 && runsMs >= timeoutMs) {
      await this.wait(timeoutMs);
      throw execTimeoutError(timeoutSeconds);
    }
    // A command with no timeout that never ends never answers, as a real one would.
    if (outcome === "hang") return new Promise<never>(() => undefined);
    await this.wait(runsMs);
    const { stdout = "", stderr = "", exitCode } = outcome;
    // Its container stopped under it: killed with it, as a PID namespace's processes are.
    if (container.state !== "CONTAINER_RUNNING") return { stdout, stderr, exitCode: EXIT_SIGKILL };
    return { stdout, stderr, exitCode };
  }
  // #endregion fake-exec

  async pullImage(image: ImageSpec): Promise<string> {
    this.ensureOpen();
    this.injected("pullImage");
    const found = this.images.inCatalog(image.image);
    if (found === undefined) {
      throw new CriError(
        "NotFound",
        `failed to pull image ${JSON.stringify(image.image)}: not found (the fake registry has ${this.images.repositories().join(", ")})`,
      );
    }
    await this.wait(this.options.pullDelayMs ?? 0);
    this.images.add(image.image, found);
    return found.id;
  }

  async listImages(): Promise<Image[]> {
    return this.images.list();
  }

  async imageStatus(image: ImageSpec): Promise<Image | undefined> {
    return this.images.status(image.image);
  }

  /** Removes the image with every tag it has here; an image a container uses goes too, as in containerd. */
  async removeImage(image: ImageSpec): Promise<void> {
    this.ensureOpen();
    this.images.remove(image.image);
  }

  /** Cancels pending delays and exits; containers stay as they are, frozen. Calls after it throw. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wait of this.waits) wait.cancel();
    this.waits.clear();
    for (const container of this.containers.values()) {
      container.due?.cancel();
      container.due = undefined;
    }
  }

  // #region fake-test-hooks
  /**
   * Ends a running container as if its process died: killed by the OOM killer (137, "OOMKilled"),
   * crashed (1), or anything else. Throws if it is not running: a test asking this is confused.
   */
  kill(containerId: string, exitCode = EXIT_SIGKILL, reason?: string): void {
    const container = this.container(containerId);
    if (container.state !== "CONTAINER_RUNNING") {
      throw new Error(
        `kill ${containerId}: expected a CONTAINER_RUNNING container, it is ${container.state}`,
      );
    }
    this.exit(container, exitCode, reason);
  }

  /** Makes the next call of `call` throw `error` (each failNext adds one failure, used in order). */
  failNext(call: FakeRuntimeCall, error: CriError): void {
    const queued = this.failures.get(call) ?? [];
    queued.push(error);
    this.failures.set(call, queued);
  }

  /** What a container printed, as CRI log lines; [] unless the runtime keeps logs. */
  logLines(containerId: string): string[] {
    return [...(this.container(containerId).logs ?? [])];
  }

  /** Scheduler events this runtime has pending (starts, exits, grace periods, delays). */
  pendingEvents(): number {
    let due = this.waits.size;
    for (const container of this.containers.values()) if (container.due) due++;
    return due;
  }
  // #endregion fake-test-hooks

  /** Kills its running containers forcibly, as containerd does (timeout 0), and releases its address. */
  private stopSandbox(sandbox: SandboxRecord): void {
    for (const id of sandbox.containers) {
      const container = this.containers.get(id);
      if (container?.state === "CONTAINER_RUNNING") this.exit(container, EXIT_SIGKILL);
    }
    if (sandbox.state === "SANDBOX_READY") {
      this.addresses?.release(sandbox.ip);
      sandbox.ip = "";
      sandbox.state = "SANDBOX_NOTREADY";
    }
  }

  // #region fake-exit
  /** RUNNING → EXITED, now, with `code`; wakes stopContainer calls waiting for it. */
  private exit(container: ContainerRecord, code: number, reason?: string): void {
    if (container.state !== "CONTAINER_RUNNING") return;
    container.state = "CONTAINER_EXITED";
    container.finishedAt = this.clock.now();
    container.exitCode = code;
    container.reason = reason ?? (code === 0 ? "Completed" : "Error");
    container.due?.cancel();
    container.due = undefined;
    container.selfExitAt = container.termExitAt = container.killAt = 0;
    const waiters = container.waiters ?? [];
    container.waiters = undefined;
    for (const wake of waiters) wake();
  }

  /** Puts the container's one scheduler event on the earliest exit coming, if any. */
  private reschedule(container: ContainerRecord): void {
    container.due?.cancel();
    container.due = undefined;
    let at = 0;
    let code = 0;
    for (const [when, exitCode] of [
      [container.selfExitAt, container.behavior.exit?.code ?? 0],
      [container.termExitAt, EXIT_SIGTERM],
      [container.killAt, EXIT_SIGKILL],
    ] as const) {
      if (when !== 0 && (at === 0 || when < at)) {
        at = when;
        code = exitCode;
      }
    }
    if (at === 0) return;
    container.due = this.scheduler.after(at - this.clock.now(), () => {
      container.due = undefined;
      this.exit(container, code);
    });
  }
  // #endregion fake-exit

  private print(container: ContainerRecord, stream: "stdout" | "stderr", line: string): void {
    if (!this.options.keepLogs) return;
    container.logs ??= [];
    container.logs.push(`${criTimestamp(this.clock.now())} ${stream} F ${line}`);
  }

  private forget(containerId: string): void {
    const container = this.containers.get(containerId);
    container?.due?.cancel();
    this.containers.delete(containerId);
  }

  /** Resolves `ms` from now on the clock; at once (no event) for 0. */
  private wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const event = this.scheduler.after(ms, () => {
        this.waits.delete(event);
        resolve();
      });
      this.waits.add(event);
    });
  }

  private sandbox(id: string): SandboxRecord {
    const sandbox = this.sandboxes.get(id);
    if (sandbox === undefined)
      throw new CriError("NotFound", `pod sandbox ${JSON.stringify(id)} not found`);
    return sandbox;
  }

  private container(id: string): ContainerRecord {
    const container = this.containers.get(id);
    if (container === undefined)
      throw new CriError("NotFound", `container ${JSON.stringify(id)} not found`);
    return container;
  }

  private sandboxView(sandbox: SandboxRecord): PodSandbox {
    return {
      id: sandbox.id,
      metadata: { ...sandbox.config.metadata },
      state: sandbox.state,
      createdAt: sandbox.createdAt,
      labels: { ...sandbox.config.labels },
      annotations: { ...sandbox.config.annotations },
    };
  }

  private injected(call: FakeRuntimeCall): void {
    const error = this.failures.get(call)?.shift();
    if (error !== undefined) throw error;
  }

  private ensureOpen(): void {
    if (this.closed) throw new CriError("Unknown", "the fake runtime is closed");
  }
}

/** 32 random bytes in hex, as containerd makes IDs (pkg/util GenerateID). */
const newId = (): string => randomBytes(32).toString("hex");

function matches(
  labels: Record<string, string>,
  selector: Record<string, string> | undefined,
): boolean {
  if (selector === undefined) return true;
  for (const key in selector) if (labels[key] !== selector[key]) return false;
  return true;
}

/**
 * Go's time.RFC3339Nano, which CRI log lines use: UTC, fraction without trailing zeros.
 * 1767225600120 → "2026-01-01T00:00:00.12Z"; 1767225600000 → "2026-01-01T00:00:00Z".
 */
function criTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, "Z");
}
