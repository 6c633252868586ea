/**
 * The process runtime: the CRI (cri.ts) over real OS processes, one per container, each under its
 * own shim (shim.mjs), as containerd runs each container under a containerd-shim.
 *
 * Guarantees:
 * - Everything it knows is on disk under `root` (records.ts). A new ProcessRuntime on the same
 *   root — a restarted kubelet — lists the same sandboxes and containers; running containers keep
 *   running, with the same pids, and are adopted, never started twice. close() stops only the
 *   runtime's own timers: containers outlive it.
 * - The runtime never holds a container's process or pipes. It starts a detached shim and lets go
 *   of it; the shim starts the process, writes its output to the CRI log file, and records its
 *   start and exit in state.json. So an exit is recorded even while no kubelet runs.
 * - A sandbox is an address, not a process: the pause container's only job, holding the pod's
 *   network namespace, is here holding an address on loopback (127.128.0.0/9, DESIGN.md's network
 *   model) that the pod's containers bind, told by $POD_IP. Addresses come from the node's pod
 *   CIDR as host-local hands them out (ipam.ts) and go back at StopPodSandbox.
 * - A container whose shim died without recording an exit, and whose process is gone too, is
 *   CONTAINER_EXITED with exit code 255 and reason "Unknown", as in containerd (shims.ts).
 * - Stop is SIGTERM to the container's process group, then SIGKILL once the grace period is over
 *   (timeout 0: SIGKILL at once); it resolves when the exit is recorded.
 * - ExecSync runs a host process with the container's environment and working directory, in a
 *   process group of its own that is killed at the timeout or when the container stops
 *   (exec-sync.ts).
 * - Stopping or removing what does not exist succeeds (CRI: those calls are idempotent); status
 *   of an unknown ID and starting one fail with CriError NotFound.
 *
 * Simplifications, stated: no PID, UTS or mount namespaces (nothing requires root; see
 * container-spec.ts for how mounts are shown instead), no resource limits, no name reservation
 * (containerd refuses a second container with one pod's name and attempt; the kubelet does not
 * ask for one).
 */
import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type Clock, realClock } from "../../util/clock.ts";
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
  type Image,
  type ImageService,
  type ImageSpec,
  type PodSandbox,
  type PodSandboxConfig,
  type PodSandboxFilter,
  type PodSandboxStatus,
} from "../cri.ts";
import { hostArgv, imageBinDir, resolveProcess } from "../images/process-args.ts";
import type { ResolvedImage } from "../images/store.ts";
import { HostLocalIpam, hostLocalRange } from "../ipam.ts";
import { containerEnv, hostWorkingDir, resolvConf, rootLinks } from "./container-spec.ts";
import { execInContainer } from "./exec-sync.ts";
import { isNotFound, newId, readJson, writeJsonAtomic } from "./files.ts";
import { DiskIpamStore } from "./ipam-store.ts";
import { Poller, PollTimeoutError } from "./poller.ts";
import { isAlive } from "./proc.ts";
import {
  type ContainerRecord,
  type ContainerStateRecord,
  createdState,
  isId,
  layout,
  type SandboxRecord,
} from "./records.ts";
import { observe, recordShimLost, START_ERROR_REASON, signalGroup, spawnShim } from "./shims.ts";
import { groupUsage } from "./stats.ts";

/** The part of the node's image store CreateContainer needs: a pulled image's files and config. */
export interface ImageResolver {
  resolve(
    image: string,
  ): Promise<Pick<ResolvedImage, "id" | "dir" | "manifest" | "env"> | undefined>;
}

export interface ProcessRuntimeOptions {
  /** The node's runtime directory (containerd: /var/lib/containerd and /run/containerd). */
  root: string;
  images: ImageService & ImageResolver;
  /** Must be a real clock in practice: shims stamp starts and exits with the wall clock. */
  clock?: Clock;
}

/** How long a shim may take to start its process; node starts in well under a second. */
const START_TIMEOUT_MS = 30_000;
/** SIGKILL cannot be caught: a process still there this long after it is stuck in the kernel. */
const KILL_TIMEOUT_MS = 10_000;

const STATES: Record<ContainerStateRecord["status"], ContainerState> = {
  created: "CONTAINER_CREATED",
  running: "CONTAINER_RUNNING",
  exited: "CONTAINER_EXITED",
};

export class ProcessRuntime implements ContainerRuntime {
  private readonly paths: ReturnType<typeof layout>;
  private readonly images: ImageService & ImageResolver;
  private readonly clock: Clock;
  private readonly ipam: HostLocalIpam;
  /** config.json never changes once written, so it is read once per container. */
  private readonly records = new Map<string, ContainerRecord>();
  /** Containers a startContainer call is starting right now (a second call is refused). */
  private readonly starting = new Set<string>();
  /** Polls state.json for the shims' records; close() ends its waits. */
  private readonly poller: Poller;

  constructor(options: ProcessRuntimeOptions) {
    this.paths = layout(options.root);
    this.images = options.images;
    this.clock = options.clock ?? realClock;
    this.ipam = new HostLocalIpam(new DiskIpamStore(this.paths.ipam));
    this.poller = new Poller(this.clock);
  }

  async version() {
    return { runtimeName: "tinykube-process", runtimeVersion: "0.1.0", runtimeApiVersion: "v1" };
  }

  /** Keeps the node's pod CIDR (on disk: a restarted runtime still knows it). "" changes nothing,
   * as containerd ignores an empty podCIDR. */
  async updateRuntimeConfig(config: { podCIDR: string }): Promise<void> {
    if (config.podCIDR === "") return;
    hostLocalRange(config.podCIDR);
    await mkdir(dirname(this.paths.runtimeConfig), { recursive: true });
    await writeJsonAtomic(this.paths.runtimeConfig, { podCIDR: config.podCIDR });
  }

  // #region run-pod-sandbox
  /**
   * 1. Take an address from the pod CIDR (host-local's ADD).
   * 2. Write the pod's files: /etc/hostname, and /etc/resolv.conf from dnsConfig — or the
   *    host's, as containerd copies it when the kubelet gives no DNS settings.
   * 3. Record the sandbox as SANDBOX_READY.
   */
  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const podCIDR = (await readJson<{ podCIDR: string }>(this.paths.runtimeConfig))?.podCIDR;
    if (podCIDR === undefined) {
      throw new CriError(
        "FailedPrecondition",
        "network not ready: no pod CIDR yet (UpdateRuntimeConfig has not been called with the node's podCIDR)",
      );
    }
    const id = newId();
    const dir = this.paths.sandbox(id);
    await mkdir(dir, { recursive: true });
    try {
      const ip = await this.ipam.allocate(podCIDR, id);
      await writeFile(join(dir, "hostname"), `${config.hostname}\n`);
      if (config.dnsConfig) await writeFile(join(dir, "resolv.conf"), resolvConf(config.dnsConfig));
      else await copyFile("/etc/resolv.conf", join(dir, "resolv.conf")).catch(() => undefined);
      const record: SandboxRecord = {
        id,
        config,
        ip,
        state: "SANDBOX_READY",
        createdAt: this.clock.now(),
      };
      await writeJsonAtomic(this.paths.sandboxRecord(id), record);
      return id;
    } catch (error) {
      await this.ipam.release(id);
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }
  // #endregion run-pod-sandbox

  /** Kills the sandbox's running containers (the kubelet has stopped them with their grace
   * periods before), gives its address back, and marks it SANDBOX_NOTREADY. */
  async stopPodSandbox(podSandboxId: string): Promise<void> {
    const sandbox = await this.sandbox(podSandboxId);
    if (sandbox === undefined) return;
    const containers = await this.listContainers({ podSandboxId });
    await Promise.all(containers.map((c) => this.stopContainer(c.id, 0)));
    await this.ipam.release(podSandboxId);
    if (sandbox.state === "SANDBOX_NOTREADY") return;
    await writeJsonAtomic(this.paths.sandboxRecord(podSandboxId), {
      ...sandbox,
      state: "SANDBOX_NOTREADY",
      ip: "",
    } satisfies SandboxRecord);
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    for (const c of await this.listContainers({ podSandboxId })) await this.removeContainer(c.id);
    if (!isId(podSandboxId)) return;
    await this.ipam.release(podSandboxId);
    await rm(this.paths.sandbox(podSandboxId), { recursive: true, force: true });
  }

  async podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    const sandbox = await this.sandbox(podSandboxId);
    if (sandbox === undefined) throw notFound("sandbox", podSandboxId);
    return { ...toPodSandbox(sandbox), network: { ip: sandbox.ip } };
  }

  async listPodSandbox(filter: PodSandboxFilter = {}): Promise<PodSandbox[]> {
    const found: PodSandbox[] = [];
    for (const id of await this.ids(this.paths.sandboxes)) {
      const sandbox = await this.sandbox(id);
      if (sandbox === undefined) continue;
      if (filter.id !== undefined && filter.id !== id) continue;
      if (filter.state !== undefined && filter.state !== sandbox.state) continue;
      if (!matches(sandbox.config.labels, filter.labelSelector)) continue;
      found.push(toPodSandbox(sandbox));
    }
    return found;
  }

  // #region create-container
  /**
   * 1. The sandbox must exist and be ready; the image must be on the node (containerd resolves
   *    it locally and never pulls here).
   * 2. Work out the argv (Kubernetes' command/args rule), the environment, the working
   *    directory and the links standing in for mounts (container-spec.ts).
   * 3. Write config.json, then state.json "created": from then on the container exists.
   */
  async createContainer(
    podSandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
  ): Promise<string> {
    const sandbox = await this.sandbox(podSandboxId);
    if (sandbox === undefined) throw notFound("sandbox", podSandboxId);
    if (sandbox.state !== "SANDBOX_READY") {
      throw new CriError(
        "FailedPrecondition",
        `sandbox ${podSandboxId} is ${sandbox.state}, expected SANDBOX_READY: no containers can be created in it`,
      );
    }
    const image = await this.images.resolve(config.image.image);
    if (image === undefined) {
      throw new CriError(
        "NotFound",
        `failed to resolve image "${config.image.image}": not found (the image must be pulled before a container is created from it)`,
      );
    }
    const args = hostArgv(resolveProcess(image.manifest, config.command, config.args), image.dir);
    const sandboxDir = this.paths.sandbox(podSandboxId);
    const links = rootLinks(config.mounts, {
      "/etc/hostname": join(sandboxDir, "hostname"),
      "/etc/resolv.conf": join(sandboxDir, "resolv.conf"),
    });

    const id = newId();
    const dir = this.paths.container(id);
    const root = join(dir, "root");
    const record: ContainerRecord = {
      id,
      podSandboxId,
      config,
      imageRef: image.id,
      createdAt: this.clock.now(),
      // containerd drops the output when the kubelet names no log file (container_create.go).
      logPath:
        sandboxConfig.logDirectory && config.logPath
          ? join(sandboxConfig.logDirectory, config.logPath)
          : "",
      process: {
        args,
        env: containerEnv({
          hostname: sandbox.config.hostname,
          podIp: sandbox.ip,
          namespace: sandbox.config.metadata.namespace,
          root,
          node: process.execPath,
          imageEnv: image.env,
          imageBin: imageBinDir(image.dir),
          envs: config.envs,
        }),
        cwd: hostWorkingDir(config.workingDir, links, image.dir),
      },
    };
    try {
      await mkdir(root, { recursive: true });
      for (const link of links) {
        const at = join(root, link.containerPath);
        await mkdir(dirname(at), { recursive: true });
        await symlink(link.hostPath, at);
      }
      await writeJsonAtomic(this.paths.containerRecord(id), record);
      await writeJsonAtomic(this.paths.containerState(id), createdState());
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    this.records.set(id, record);
    return id;
  }
  // #endregion create-container

  // #region start-container
  /**
   * 1. Only a CONTAINER_CREATED container in a ready sandbox starts.
   * 2. Start the shim, detached, in its own session, and let go of it.
   * 3. Wait for the shim's record: "running" (or already "exited": a quick process) is success;
   *    a StartError, or a shim that died before recording anything, fails the call.
   */
  async startContainer(containerId: string): Promise<void> {
    const record = await this.record(containerId);
    if (record === undefined) throw notFound("container", containerId);
    const state = await this.state(containerId);
    if (state.status !== "created" || this.starting.has(containerId)) {
      throw new CriError(
        "FailedPrecondition",
        `container ${containerId} is ${this.starting.has(containerId) ? "starting" : STATES[state.status]}, expected CONTAINER_CREATED`,
      );
    }
    const sandbox = await this.sandbox(record.podSandboxId);
    if (sandbox?.state !== "SANDBOX_READY") {
      throw new CriError(
        "FailedPrecondition",
        `sandbox ${record.podSandboxId} of container ${containerId} is not ready`,
      );
    }
    this.starting.add(containerId);
    try {
      const dir = this.paths.container(containerId);
      const shimPid = spawnShim(dir);
      const settled = await this.poller.until(
        async () => {
          const now = await this.state(containerId);
          if (now.status !== "created") return now;
          if (shimPid !== undefined && isAlive(now.shimPid ?? shimPid, now.shimStartTicks)) {
            return undefined;
          }
          // Read once more: the shim may have recorded just before it went.
          const last = await this.state(containerId);
          return last.status !== "created"
            ? last
            : recordShimLost(dir, last, () => this.clock.now());
        },
        START_TIMEOUT_MS,
        `the shim of container ${containerId} to start it`,
      );
      if (settled.reason === START_ERROR_REASON) throw new CriError("Unknown", settled.message);
    } finally {
      this.starting.delete(containerId);
    }
  }
  // #endregion start-container

  // #region stop-container
  /**
   * 1. Nothing to do unless the container runs (CRI: StopContainer is idempotent).
   * 2. SIGTERM to its process group — SIGKILL if the timeout is 0.
   * 3. Wait for the recorded exit until the timeout; then SIGKILL the group and wait again.
   */
  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    if ((await this.record(containerId)) === undefined) return;
    const state = await this.state(containerId);
    if (state.status !== "running") return;
    const exited = async () =>
      (await this.state(containerId)).status === "exited" ? true : undefined;
    if (timeoutSeconds > 0) {
      signalGroup(state, "SIGTERM");
      const inTime = await this.poller
        .until(exited, timeoutSeconds * 1000, `container ${containerId} to exit after SIGTERM`)
        .catch((error: unknown) => {
          if (error instanceof PollTimeoutError) return false;
          throw error;
        });
      if (inTime) return;
    }
    signalGroup(state, "SIGKILL");
    await this.poller.until(
      exited,
      KILL_TIMEOUT_MS,
      `container ${containerId} to exit after SIGKILL`,
    );
  }
  // #endregion stop-container

  /** Kills the container if it runs, then deletes its state; its log file stays. */
  async removeContainer(containerId: string): Promise<void> {
    if ((await this.record(containerId)) === undefined) return;
    await this.stopContainer(containerId, 0);
    await rm(this.paths.container(containerId), { recursive: true, force: true });
    this.records.delete(containerId);
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    const record = await this.record(containerId);
    if (record === undefined) throw notFound("container", containerId);
    const state = await this.state(containerId);
    const { config } = record;
    // The kubelet creates a container by image ID; its status names the image by its first tag,
    // looked up now, as containerd does (internal/cri/server/container_status.go).
    const tag = (await this.images.imageStatus({ image: record.imageRef }))?.repoTags[0];
    return {
      id: containerId,
      metadata: config.metadata,
      state: STATES[state.status],
      createdAt: record.createdAt,
      startedAt: state.startedAt,
      finishedAt: state.finishedAt,
      exitCode: state.exitCode,
      image: tag === undefined ? config.image : { image: tag },
      imageRef: record.imageRef,
      reason: state.reason,
      message: state.message,
      labels: config.labels,
      annotations: config.annotations,
      logPath: record.logPath,
    };
  }

  async listContainers(filter: ContainerFilter = {}): Promise<Container[]> {
    const found: Container[] = [];
    for (const id of await this.ids(this.paths.containers)) {
      if (filter.id !== undefined && filter.id !== id) continue;
      const record = await this.record(id);
      if (record === undefined) continue;
      const { config } = record;
      if (filter.podSandboxId !== undefined && filter.podSandboxId !== record.podSandboxId)
        continue;
      if (!matches(config.labels, filter.labelSelector)) continue;
      let state: ContainerState;
      try {
        state = STATES[(await this.state(id)).status];
      } catch (error) {
        if (error instanceof CriError && error.code === "NotFound") continue; // removed meanwhile
        throw error;
      }
      if (filter.state !== undefined && filter.state !== state) continue;
      found.push({
        id,
        podSandboxId: record.podSandboxId,
        metadata: config.metadata,
        image: config.image,
        imageRef: record.imageRef,
        state,
        createdAt: record.createdAt,
        labels: config.labels,
        annotations: config.annotations,
      });
    }
    return found;
  }

  /**
   * Every matching container; CPU and memory (stats.ts) only for a running one whose recorded
   * process is still the one the shim started, summed over its process group.
   */
  async listContainerStats(filter: ContainerStatsFilter = {}): Promise<ContainerStats[]> {
    const containers = await this.listContainers(filter);
    const leaders = new Map<string, number>();
    for (const c of containers) {
      if (c.state !== "CONTAINER_RUNNING") continue;
      const state = await this.state(c.id).catch(() => undefined);
      if (state?.pid !== undefined && isAlive(state.pid, state.pidStartTicks)) {
        leaders.set(c.id, state.pid);
      }
    }
    const usage = await groupUsage(new Set(leaders.values()));
    const now = this.clock.now();
    return containers.map((c) => {
      const { id, metadata, labels, annotations } = c;
      const entry: ContainerStats = { attributes: { id, metadata, labels, annotations } };
      const group = usage.get(leaders.get(id) ?? -1);
      if (group !== undefined) {
        entry.cpu = { timestamp: now, usageCoreNanoSeconds: group.usageCoreNanoSeconds };
        entry.memory = { timestamp: now, workingSetBytes: group.workingSetBytes };
      }
      return entry;
    });
  }

  /**
   * Runs `cmd` as a host process with the container's environment and working directory
   * (exec-sync.ts). Only a running container takes commands; the message is containerd's
   * (container_execsync.go), which sends it with no gRPC code of its own (Unknown) —
   * FailedPrecondition here says what it means.
   */
  async execSync(containerId: string, cmd: string[], timeoutSeconds: number) {
    const record = await this.record(containerId);
    if (record === undefined) throw notFound("container", containerId);
    const state = await this.state(containerId);
    if (state.status !== "running") {
      throw new CriError(
        "FailedPrecondition",
        `failed to exec in container: container is in ${STATES[state.status]} state`,
      );
    }
    return execInContainer({
      cmd,
      env: record.process.env,
      cwd: record.process.cwd,
      timeoutSeconds,
      clock: this.clock,
      isRunning: async () =>
        (await this.state(containerId).catch(() => undefined))?.status === "running",
    });
  }

  pullImage(image: ImageSpec): Promise<string> {
    return this.images.pullImage(image);
  }

  listImages(): Promise<Image[]> {
    return this.images.listImages();
  }

  imageStatus(image: ImageSpec): Promise<Image | undefined> {
    return this.images.imageStatus(image);
  }

  removeImage(image: ImageSpec): Promise<void> {
    return this.images.removeImage(image);
  }

  /** Ends the runtime's waits and timers. Containers and their shims keep running. */
  async close(): Promise<void> {
    this.poller.close("the runtime was closed while waiting");
  }

  /** observe (shims.ts) for an ID; NotFound if the container has no state. */
  private async state(containerId: string): Promise<ContainerStateRecord> {
    const state = await observe(this.paths.containerState(containerId), () => this.clock.now());
    if (state === undefined) throw notFound("container", containerId);
    return state;
  }

  private async record(containerId: string): Promise<ContainerRecord | undefined> {
    if (!isId(containerId)) return undefined;
    const cached = this.records.get(containerId);
    if (cached !== undefined) {
      // Another runtime on this root (the kubelet's old self) may have removed it.
      if (existsSync(this.paths.containerRecord(containerId))) return cached;
      this.records.delete(containerId);
      return undefined;
    }
    const record = await readJson<ContainerRecord>(this.paths.containerRecord(containerId));
    if (record !== undefined) this.records.set(containerId, record);
    return record;
  }

  private async sandbox(podSandboxId: string): Promise<SandboxRecord | undefined> {
    if (!isId(podSandboxId)) return undefined;
    return readJson<SandboxRecord>(this.paths.sandboxRecord(podSandboxId));
  }

  /** The IDs under a directory, in a stable order; none if it does not exist yet. */
  private async ids(dir: string): Promise<string[]> {
    try {
      return (await readdir(dir)).filter(isId).sort();
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  }
}

const notFound = (kind: "sandbox" | "container", id: string) =>
  new CriError("NotFound", `an error occurred when try to find ${kind} "${id}": not found`);

const matches = (labels: Record<string, string>, selector?: Record<string, string>): boolean =>
  Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);

const toPodSandbox = (s: SandboxRecord): PodSandbox => ({
  id: s.id,
  metadata: s.config.metadata,
  state: s.state,
  createdAt: s.createdAt,
  labels: s.config.labels,
  annotations: s.config.annotations,
});
