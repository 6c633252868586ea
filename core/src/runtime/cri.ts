/**
 * The Container Runtime Interface, shaped as Kubernetes' CRI v1 (k8s.io/cri-api runtime/v1
 * api.proto): the only way the kubelet touches pods, containers and images. A real kubelet speaks
 * it over gRPC to containerd or CRI-O; tinykube's kubelet calls these methods on an object, and
 * two runtimes implement them — the process runtime (each container a real OS process) and the
 * fake runtime (no processes, for thousands of simulated nodes). One contract suite runs against
 * both.
 *
 * The shape follows CRI closely — the same services, calls, states and field names — with three
 * simplifications, each stated where it applies:
 * - Times are milliseconds since the epoch (CRI: int64 nanoseconds).
 * - Errors are thrown, as CriError with a gRPC-like code (CRI: gRPC status codes).
 * - No streaming calls (Exec, Attach, PortForward); container logs are files in the CRI log
 *   format, which the kubelet reads (kubelet/logs.ts), as in Kubernetes. ExecSync, which exec
 *   probes use, is unary in CRI too (one request, one response), and is here.
 * - Of the stats calls only ListContainerStats, with CPU and memory (no filesystem, no swap).
 *
 * A pod is a sandbox (in Kubernetes: the pause container holding the pod's network namespace and
 * IP) plus containers created inside it. The runtime gives each sandbox an address from the node's
 * pod range (UpdateRuntimeConfig's podCIDR), as a CNI plugin does for containerd.
 */

// #region states
/** PodSandboxState. */
export type PodSandboxState = "SANDBOX_READY" | "SANDBOX_NOTREADY";

/** ContainerState: created, running, exited (with an exit code), or unknown (lost track). */
export type ContainerState =
  | "CONTAINER_CREATED"
  | "CONTAINER_RUNNING"
  | "CONTAINER_EXITED"
  | "CONTAINER_UNKNOWN";
// #endregion states

/** PodSandboxMetadata: who the sandbox is for. `attempt` counts re-creations of the sandbox. */
export interface PodSandboxMetadata {
  name: string;
  namespace: string;
  uid: string;
  attempt: number;
}

/** PodSandboxConfig: what RunPodSandbox is given (the parts tinykube uses). */
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  /** The pod's hostname; containers see it as $HOSTNAME (Kubernetes: the pod's name). */
  hostname: string;
  /** Directory for this pod's container logs: /var/log/pods/<ns>_<name>_<uid> in Kubernetes. */
  logDirectory: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** DNS for the pod's resolv.conf (servers, searches, options such as "ndots:5"). */
  dnsConfig?: { servers: string[]; searches: string[]; options: string[] };
}

export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  createdAt: number;
  /** The sandbox's address, shared by all its containers. */
  network: { ip: string };
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** PodSandbox, as ListPodSandbox returns it. */
export type PodSandbox = Omit<PodSandboxStatus, "network">;

export interface PodSandboxFilter {
  id?: string;
  state?: PodSandboxState;
  /** Every given label must match. */
  labelSelector?: Record<string, string>;
}

/** ImageSpec: an image reference as the pod names it ("tinykube/hello:1.0"). */
export interface ImageSpec {
  image: string;
}

export interface KeyValue {
  key: string;
  value: string;
}

/** A host path made visible to the container (volumes, the pod's resolv.conf). */
export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
}

/** ContainerMetadata: the container's name in the pod, and its restart attempt (0, 1, ...). */
export interface ContainerMetadata {
  name: string;
  attempt: number;
}

/** ContainerConfig: what CreateContainer is given (the parts tinykube uses). */
export interface ContainerConfig {
  metadata: ContainerMetadata;
  image: ImageSpec;
  /** Kubernetes' `command` (replaces the image's entrypoint) and `args` (replace its default args). */
  command: string[];
  args: string[];
  workingDir?: string;
  envs: KeyValue[];
  mounts: Mount[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Relative to the sandbox's logDirectory: "<container name>/<attempt>.log". */
  logPath: string;
}

export interface ContainerStatus {
  id: string;
  metadata: ContainerMetadata;
  state: ContainerState;
  createdAt: number;
  /** 0 until started / finished. */
  startedAt: number;
  finishedAt: number;
  /** Meaningful once CONTAINER_EXITED. */
  exitCode: number;
  image: ImageSpec;
  /** The image as resolved by the runtime (its ID). */
  imageRef: string;
  /** Why the container is in this state: "Completed", "Error", "OOMKilled", ... */
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Absolute path of the container's log file (CRI log format). */
  logPath: string;
}

/** Container, as ListContainers returns it. */
export interface Container {
  id: string;
  podSandboxId: string;
  metadata: ContainerMetadata;
  image: ImageSpec;
  imageRef: string;
  state: ContainerState;
  createdAt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ContainerFilter {
  id?: string;
  state?: ContainerState;
  podSandboxId?: string;
  labelSelector?: Record<string, string>;
}

/** Image, as the image service reports it. */
export interface Image {
  /** The image ID (a digest of its manifest). */
  id: string;
  /** Every "repository:tag" the image is known by on this node. */
  repoTags: string[];
  size: number;
}

/** ContainerAttributes: which container a stats entry is about. */
export interface ContainerAttributes {
  id: string;
  metadata: ContainerMetadata;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/**
 * CpuUsage. usageCoreNanoSeconds is cumulative CPU time over all cores since the container
 * started (a cgroup's cpuacct.usage): a container busy on 1.5 cores for 2 s adds 3,000,000,000.
 * A number, not CRI's uint64: exact up to 2^53 ns, about 104 core-days. The rate
 * (usageNanoCores) is not the runtime's business here: the kubelet computes it from two samples.
 */
export interface CpuUsage {
  /** When it was sampled, in ms since the epoch. */
  timestamp: number;
  usageCoreNanoSeconds: number;
}

/** MemoryUsage: the working set, what the kubelet's eviction and metrics-server read. */
export interface MemoryUsage {
  timestamp: number;
  workingSetBytes: number;
}

/**
 * ContainerStats. `cpu` and `memory` are there only while the container runs: containerd lists
 * every container the filter matches, but has metrics only for a live task
 * (internal/cri/server/container_stats_list.go).
 */
export interface ContainerStats {
  attributes: ContainerAttributes;
  cpu?: CpuUsage;
  memory?: MemoryUsage;
}

export interface ContainerStatsFilter {
  id?: string;
  podSandboxId?: string;
  labelSelector?: Record<string, string>;
}

// #region runtime-service
/** RuntimeService: sandboxes and containers. */
export interface RuntimeService {
  version(): Promise<{ runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }>;
  /** Sets the node's pod address range (CIDR), from which sandboxes get their IPs. */
  updateRuntimeConfig(config: { podCIDR: string }): Promise<void>;

  /** Creates and starts a sandbox; returns its ID. The sandbox is SANDBOX_READY, with an IP. */
  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  /** Stops every container in it (grace 0 is the caller's business: it stops them first) and
   * releases its IP; the sandbox becomes SANDBOX_NOTREADY. Idempotent. */
  stopPodSandbox(podSandboxId: string): Promise<void>;
  /** Removes a sandbox and its containers; a running container is killed first. Idempotent. */
  removePodSandbox(podSandboxId: string): Promise<void>;
  podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus>;
  listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]>;

  /** Creates a container in a sandbox (CONTAINER_CREATED); the image must have been pulled. */
  createContainer(
    podSandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
  ): Promise<string>;
  /** CONTAINER_CREATED → CONTAINER_RUNNING. */
  startContainer(containerId: string): Promise<void>;
  /**
   * Stops a running container: SIGTERM, then SIGKILL once `timeoutSeconds` have passed
   * (0 kills at once). Resolves when it has exited. Idempotent, as containerd's: a container
   * already stopped, or unknown, is fine. */
  stopContainer(containerId: string, timeoutSeconds: number): Promise<void>;
  /** Removes a container (killing it if it still runs) and its state; its log file stays.
   * Idempotent. ContainerStatus.image is then the image's tag, where ContainerConfig.image may
   * name the image by ID (what the kubelet sends), as containerd reports it. */
  removeContainer(containerId: string): Promise<void>;
  containerStatus(containerId: string): Promise<ContainerStatus>;
  listContainers(filter?: ContainerFilter): Promise<Container[]>;
  /** CPU and memory of the containers the filter matches (every container without one). */
  listContainerStats(filter?: ContainerStatsFilter): Promise<ContainerStats[]>;
  /**
   * ExecSync: runs `cmd` in a running container and resolves when it exits, with its output and
   * exit code — a non-zero exit code is a result, not an error. `timeoutSeconds` 0 waits as long
   * as it takes; past a timeout the command is killed and the call fails with DeadlineExceeded
   * (containerd: "timeout 1s exceeded: context deadline exceeded", which the kubelet reports as
   * `command "..." timed out`). A container that is not running fails the call
   * (containerd: "container is in CONTAINER_EXITED state"); an unknown one with NotFound.
   */
  execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse>;
}
// #endregion runtime-service

/** ExecSyncResponse. containerd keeps at most 16 MiB of each stream (container_execsync.go). */
export interface ExecSyncResponse {
  stdout: string;
  stderr: string;
  exitCode: number;
}

// #region image-service
/** ImageService: the node's images. */
export interface ImageService {
  /** Fetches the image into the node's image store; returns its ID (imageRef). Unknown → NotFound. */
  pullImage(image: ImageSpec): Promise<string>;
  listImages(): Promise<Image[]>;
  /** The image if the node has it, else undefined (CRI: an empty status, not an error). */
  imageStatus(image: ImageSpec): Promise<Image | undefined>;
  removeImage(image: ImageSpec): Promise<void>;
}
// #endregion image-service

/** Both services, as one runtime endpoint serves them. */
export interface ContainerRuntime extends RuntimeService, ImageService {
  /** Stops the runtime's own machinery (timers, watchers) — not the containers: they outlive it. */
  close(): Promise<void>;
}

/** gRPC-like error codes the kubelet distinguishes (DeadlineExceeded: an ExecSync timed out). */
export type CriErrorCode =
  | "NotFound"
  | "InvalidArgument"
  | "FailedPrecondition"
  | "DeadlineExceeded"
  | "Unknown";

export class CriError extends Error {
  constructor(
    readonly code: CriErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "CriError";
  }
}

export const isCriNotFound = (error: unknown): boolean =>
  error instanceof CriError && error.code === "NotFound";

/**
 * An ExecSync past its timeout, in containerd's words ("timeout %v exceeded: %w",
 * container_execsync.go), the duration as Go prints it: 1 → "1s", 90 → "1m30s", 3600 → "1h0m0s".
 */
export function execTimeoutError(timeoutSeconds: number): CriError {
  const h = Math.floor(timeoutSeconds / 3600);
  const m = Math.floor((timeoutSeconds % 3600) / 60);
  const s = `${timeoutSeconds % 60}s`;
  const duration = h > 0 ? `${h}h${m}m${s}` : m > 0 ? `${m}m${s}` : s;
  return new CriError(
    "DeadlineExceeded",
    `failed to exec in container: timeout ${duration} exceeded: context deadline exceeded`,
  );
}
