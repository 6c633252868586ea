/**
 * Carrying out the sync decision for one pod — kuberuntime's SyncPod (kuberuntime_manager.go),
 * startContainer and killContainer (kuberuntime_container.go), and EnsureImageExists
 * (pkg/kubelet/images/image_manager.go).
 *
 * SyncPod, in Kubernetes' order:
 * 1. Decide (computePodActions) from the runtime's state.
 * 2. Kill the pod if it needs a new sandbox or nothing should run; else kill the containers that
 *    must go.
 * 3. Create the sandbox if needed (only once the network is ready: the node has a pod CIDR).
 * 4. Start the next init container, or else the containers to start — each after its image is
 *    present and its restart back-off is over.
 * A container that cannot start now is reported as waiting, with the reason the API shows
 * (CrashLoopBackOff, ErrImagePull, ErrImageNeverPull), and the sync asks to run again when its
 * back-off ends.
 */
import type { Container, Pod } from "../api/types.ts";
import type { ContainerRuntime, Mount, PodSandboxConfig } from "../runtime/cri.ts";
import type { Clock } from "../util/clock.ts";
import { messageOf } from "../util/errors.ts";
import type { Backoff } from "./backoff.ts";
import {
  type DnsConfigEvent,
  dnsEnvironment,
  type KubeletDnsSettings,
  podDnsConfig,
} from "./dns-config.ts";
import {
  ContainerConfigError,
  type EnvObjects,
  expandContainerCommand,
  makeEnvironment,
  type ServiceLike,
} from "./env.ts";
import { computePodActions, type ProbeVerdicts } from "./pod-actions.ts";
import type { WaitingReasons } from "./pod-status.ts";
import {
  CONTAINER_HASH_ANNOTATION,
  CONTAINER_NAME_LABEL,
  CONTAINER_RESTART_COUNT_ANNOTATION,
  containerHash,
  observe,
  podLabels,
  type RuntimePod,
  restartCountOf,
  TERMINATION_GRACE_ANNOTATION,
} from "./runtime-pod.ts";
import { makeMounts, setUpVolumes, VolumeSetUpError } from "./volumes.ts";

export interface SyncContext {
  runtime: ContainerRuntime;
  /** The kubelet's root directory: pod logs go to <root>/pods/<ns>_<name>_<uid>. */
  rootDir: string;
  clock: Clock;
  backoff: Backoff;
  /** Whether the runtime has the node's pod CIDR (kubelet: runtimeState.networkErrors()). */
  networkReady: () => boolean;
  log: (line: string) => void;
  /** The node's InternalIP: status.hostIP for the downward API. */
  hostIP: string;
  nodeAllocatable: Record<string, string>;
  /** ConfigMaps and Secrets for environment and volumes, read from the API. */
  objects: EnvObjects;
  /** The Services the kubelet knows, for the service links in each container's environment. */
  services: () => ServiceLike[];
  /** Volume set-up retries: 0.5 s doubling to about 2 min (nestedpendingoperations). */
  mountBackoff: Backoff;
  /** What the prober reported (liveness and startup failures restart a container). */
  probes?: ProbeVerdicts;
  /**
   * The cluster DNS (KubeletConfiguration clusterDNS, clusterDomain, resolvConf) and the port it
   * serves on; absent, sandboxes get no DNS config (the runtime's default).
   */
  dns?: KubeletDnsSettings & { port: number };
  /** Records an event on the pod (kubectl describe pod); absent, nothing is recorded. */
  event?: (pod: Pod, type: "Normal" | "Warning", reason: string, message: string) => void;
}

export interface SyncOutcome {
  waiting: WaitingReasons;
  /** When a back-off ends and the pod should sync again. */
  requeueAfterMs?: number;
}

/** The default when the API did not set terminationGracePeriodSeconds (pod defaults: 30). */
const DEFAULT_TERMINATION_GRACE_SECONDS = 30;
/** killContainer's floor outside pod termination: "a minimal shutdown window" (kuberuntime_container.go). */
const MINIMUM_GRACE_SECONDS = 2;

// #region terminationGracePeriod
/**
 * The grace period for terminating the pod (pod_workers.go calculateEffectiveGracePeriod): the
 * deletion's, else the spec's; never below 1 s.
 */
export function terminationGracePeriod(pod: Pod): number {
  const seconds =
    (pod.metadata.deletionGracePeriodSeconds as number | undefined) ??
    (pod.spec.terminationGracePeriodSeconds as number | undefined) ??
    DEFAULT_TERMINATION_GRACE_SECONDS;
  return Math.max(1, seconds);
}
// #endregion terminationGracePeriod

// #region imagePullPolicy
/** Kubernetes' default: Always for ":latest" or no tag, else IfNotPresent (pkg/apis/core/v1/defaults.go). */
export function imagePullPolicy(container: Container): "Always" | "IfNotPresent" | "Never" {
  const set = container.imagePullPolicy as string | undefined;
  if (set === "Always" || set === "IfNotPresent" || set === "Never") return set;
  const image = container.image ?? "";
  if (image.includes("@")) return "IfNotPresent";
  const colon = image.lastIndexOf(":");
  const tag = colon > image.lastIndexOf("/") ? image.slice(colon + 1) : "latest";
  return tag === "latest" ? "Always" : "IfNotPresent";
}
// #endregion imagePullPolicy

// #region syncPod
export async function syncPod(ctx: SyncContext, pod: Pod, state: RuntimePod): Promise<SyncOutcome> {
  const outcome: SyncOutcome = { waiting: new Map() };
  const actions = computePodActions(pod, observe(state), containerHash, ctx.probes);

  // 2. Kill.
  if (actions.killPod) {
    await killPod(ctx, state, Math.max(MINIMUM_GRACE_SECONDS, terminationGracePeriod(pod)), pod);
    if (!actions.createSandbox) return outcome;
  } else {
    await Promise.all(
      [...actions.containersToKill].map(([id, { message }]) => {
        ctx.log(`killing container ${id} of pod ${podKey(pod)}: ${message}`);
        ctx.event?.(pod, "Normal", "Killing", message);
        return ctx.runtime.stopContainer(
          id,
          Math.max(MINIMUM_GRACE_SECONDS, terminationGracePeriod(pod)),
        );
      }),
    );
  }

  // 3. The volumes, before anything starts (kubelet.SyncPod: WaitForAttachAndMount).
  const uid = pod.metadata.uid as string;
  const wait = ctx.mountBackoff.inBackOffSinceUpdate(uid, ctx.clock.now());
  if (wait > 0) return { ...outcome, requeueAfterMs: wait };
  let volumePaths: Map<string, string>;
  try {
    volumePaths = await setUpVolumes(pod, {
      rootDir: ctx.rootDir,
      objects: ctx.objects,
      clock: ctx.clock,
      podIP: state.sandboxes[0]?.network.ip ?? "",
      hostIP: ctx.hostIP,
      nodeAllocatable: ctx.nodeAllocatable,
    });
    ctx.mountBackoff.forget(uid);
  } catch (error) {
    if (!(error instanceof VolumeSetUpError)) throw error;
    ctx.mountBackoff.next(uid, ctx.clock.now());
    ctx.event?.(pod, "Warning", "FailedMount", error.message);
    ctx.log(`pod ${podKey(pod)}: ${error.message}`);
    return { ...outcome, requeueAfterMs: ctx.mountBackoff.current(uid) };
  }

  // 4. The sandbox.
  const { config: sandboxConfig, dnsEvents } = sandboxConfigFor(ctx, pod, actions.attempt);
  let sandboxId = actions.sandboxId;
  let podIP = state.sandboxes[0]?.network.ip ?? "";
  if (actions.createSandbox) {
    if (!ctx.networkReady()) {
      ctx.log(`pod ${podKey(pod)}: network is not ready: the node has no pod CIDR yet`);
      return outcome;
    }
    for (const e of dnsEvents) if (e.on === "pod") ctx.event?.(pod, e.type, e.reason, e.message);
    sandboxId = await ctx.runtime.runPodSandbox(sandboxConfig);
    podIP = (await ctx.runtime.podSandboxStatus(sandboxId)).network.ip;
    ctx.log(`pod ${podKey(pod)}: sandbox ${sandboxId} at ${podIP}`);
  }

  // 5. Containers: the next init container alone, or the containers.
  const start = async (container: Container) => {
    const started = await startContainer(ctx, pod, container, state, {
      sandboxId,
      sandboxConfig,
      podIP,
      volumePaths,
    });
    if (started === true) return;
    outcome.waiting.set(container.name, started);
    if (started.retryAfterMs !== undefined)
      outcome.requeueAfterMs = Math.min(outcome.requeueAfterMs ?? Infinity, started.retryAfterMs);
  };
  if (actions.nextInitContainer !== undefined) {
    const init = (pod.spec.initContainers ?? []).find((c) => c.name === actions.nextInitContainer);
    if (init) await start(init);
    return outcome;
  }
  for (const i of actions.containersToStart) await start(pod.spec.containers[i] as Container);
  return outcome;
}
// #endregion syncPod

type NotStarted = { reason: string; message: string; retryAfterMs?: number };

// #region startContainer
/**
 * 1. Back-off: a container with a run that exited waits out its back-off (CrashLoopBackOff).
 * 2. The image: pulled by its policy.
 * 3. Create it with the pod's labels and the hash and restart count as annotations; start it.
 * 4. Remove exited runs of it older than the previous one (the container GC keeps one dead
 *    container per container name: MaxPerPodContainer = 1).
 */
async function startContainer(
  ctx: SyncContext,
  pod: Pod,
  container: Container,
  state: RuntimePod,
  sandbox: {
    sandboxId: string;
    sandboxConfig: PodSandboxConfig;
    podIP: string;
    volumePaths: Map<string, string>;
  },
): Promise<true | NotStarted> {
  const runs = state.containers.filter((c) => c.metadata.name === container.name);
  const latest = runs[0];
  const key = `${podKey(pod)}_${pod.metadata.uid}_${container.name}_${containerHash(container)}`;
  // doBackOff measures from the newest run that exited — not necessarily the newest run: a
  // container the kubelet is killing right now (a failed liveness probe) still counts as running
  // here, and its restart waits out the back-off of the run that exited before it.
  const exited = runs.find((c) => c.state === "CONTAINER_EXITED");
  if (exited) {
    const now = ctx.clock.now();
    const wait = ctx.backoff.remaining(key, exited.finishedAt, now);
    if (wait > 0) {
      ctx.event?.(
        pod,
        "Warning",
        "BackOff",
        `Back-off restarting failed container ${container.name} in pod ${podKey(pod)}(${pod.metadata.uid})`,
      );
      return {
        reason: "CrashLoopBackOff",
        message: `back-off ${ctx.backoff.current(key) / 1000}s restarting failed container=${container.name} pod=${podKey(pod)}(${pod.metadata.uid})`,
        retryAfterMs: wait,
      };
    }
    ctx.backoff.next(key, exited.finishedAt);
  }

  const image = container.image ?? "";
  let imageRef: string;
  try {
    const present = await ctx.runtime.imageStatus({ image });
    const policy = imagePullPolicy(container);
    if (policy === "Never" && !present) {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      ctx.event?.(pod, "Warning", "ErrImageNeverPull", message);
      return { reason: "ErrImageNeverPull", message };
    }
    if (present && policy !== "Always") {
      imageRef = present.id;
      ctx.event?.(pod, "Normal", "Pulled", `Container image "${image}" already present on machine`);
    } else {
      // image_manager.go: a failed pull backs off per pod and image (10 s doubling to 300 s);
      // meanwhile the container waits in ImagePullBackOff, then in ErrImagePull when a retry fails.
      const pullKey = `pull_${pod.metadata.uid}_${image}`;
      const wait = ctx.backoff.inBackOffSinceUpdate(pullKey, ctx.clock.now());
      if (wait > 0) {
        ctx.event?.(pod, "Normal", "BackOff", `Back-off pulling image "${image}"`);
        return {
          reason: "ImagePullBackOff",
          message: `Back-off pulling image "${image}"`,
          retryAfterMs: wait,
        };
      }
      ctx.event?.(pod, "Normal", "Pulling", `Pulling image "${image}"`);
      const pullStarted = ctx.clock.now();
      try {
        imageRef = await ctx.runtime.pullImage({ image });
        const took = seconds(ctx.clock.now() - pullStarted);
        const size = (await ctx.runtime.imageStatus({ image }))?.size ?? 0;
        ctx.event?.(
          pod,
          "Normal",
          "Pulled",
          `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${size} bytes.`,
        );
      } catch (error) {
        ctx.event?.(
          pod,
          "Warning",
          "Failed",
          `Failed to pull image "${image}": ${messageOf(error)}`,
        );
        ctx.event?.(pod, "Warning", "Failed", "Error: ErrImagePull");
        ctx.backoff.next(pullKey, ctx.clock.now());
        // Sync again shortly: the container then shows ImagePullBackOff while the back-off runs.
        return { reason: "ErrImagePull", message: messageOf(error), retryAfterMs: 1000 };
      }
    }
  } catch (error) {
    return { reason: "ErrImagePull", message: messageOf(error) };
  }

  // generateContainerConfig: the environment, command and args expanded, the mounts.
  let env: Map<string, string>;
  let mounts: Mount[];
  try {
    env = await makeEnvironment({
      pod,
      container,
      podIP: sandbox.podIP,
      hostIP: ctx.hostIP,
      objects: ctx.objects,
      services: ctx.services(),
      nodeAllocatable: ctx.nodeAllocatable,
    });
    mounts = await makeMounts(pod, container, sandbox.volumePaths, env);
  } catch (error) {
    if (!(error instanceof ContainerConfigError)) throw error;
    ctx.event?.(pod, "Warning", "Failed", `Error: ${error.message}`);
    // The pod worker retries a failed sync after its back-off period (10 s).
    return { reason: "CreateContainerConfigError", message: error.message, retryAfterMs: 10_000 };
  }
  // Where the pod's resolver is, for programs that cannot read the sandbox's resolv.conf
  // (dns-config.ts DNS_ENV); the container's own variables win.
  const dnsConfig = sandbox.sandboxConfig.dnsConfig;
  if (dnsConfig && ctx.dns) {
    for (const { name, value } of dnsEnvironment(dnsConfig, ctx.dns)) {
      if (!env.has(name)) env.set(name, value);
    }
  }
  const { command, args } = expandContainerCommand(container, env);

  const restartCount = latest ? restartCountOf(latest) + 1 : 0;
  const id = await ctx.runtime.createContainer(
    sandbox.sandboxId,
    {
      metadata: { name: container.name, attempt: restartCount },
      image: { image: imageRef },
      command,
      args,
      ...(container.workingDir ? { workingDir: container.workingDir as string } : {}),
      envs: [...env].map(([key, value]) => ({ key, value })),
      mounts,
      labels: { ...podLabels(pod), [CONTAINER_NAME_LABEL]: container.name },
      annotations: {
        [CONTAINER_HASH_ANNOTATION]: containerHash(container),
        [CONTAINER_RESTART_COUNT_ANNOTATION]: String(restartCount),
        [TERMINATION_GRACE_ANNOTATION]: String(terminationGracePeriod(pod)),
      },
      logPath: `${container.name}/${restartCount}.log`,
    },
    sandbox.sandboxConfig,
  );
  ctx.event?.(pod, "Normal", "Created", `Created container: ${container.name}`);
  await ctx.runtime.startContainer(id);
  ctx.event?.(pod, "Normal", "Started", `Started container ${container.name}`);
  ctx.log(
    `pod ${podKey(pod)}: started container ${container.name} (${id}), restart ${restartCount}`,
  );
  for (const old of runs.slice(1)) {
    if (old.state === "CONTAINER_EXITED") await ctx.runtime.removeContainer(old.id);
  }
  return true;
}
// #endregion startContainer

// #region killPod
/**
 * Stops every container (in parallel, with `graceSeconds`), then every ready sandbox. With the
 * pod, each stop is a Killing event "Stopping container <name>", as killContainer records it.
 */
export async function killPod(
  ctx: Pick<SyncContext, "runtime" | "event">,
  state: RuntimePod,
  graceSeconds: number,
  pod?: Pod,
): Promise<void> {
  await Promise.all(
    state.containers
      .filter((c) => c.state !== "CONTAINER_EXITED")
      .map((c) => {
        if (pod) ctx.event?.(pod, "Normal", "Killing", `Stopping container ${c.metadata.name}`);
        return ctx.runtime.stopContainer(c.id, graceSeconds);
      }),
  );
  for (const s of state.sandboxes)
    if (s.state === "SANDBOX_READY") await ctx.runtime.stopPodSandbox(s.id);
}
// #endregion killPod

/** The sandbox's config, with the pod's DNS (dnsConfigurer.GetPodDNS) and its events. */
function sandboxConfigFor(
  ctx: SyncContext,
  pod: Pod,
  attempt: number,
): { config: PodSandboxConfig; dnsEvents: DnsConfigEvent[] } {
  const name = pod.metadata.name as string;
  const namespace = (pod.metadata.namespace as string | undefined) ?? "default";
  const uid = pod.metadata.uid as string;
  const dns = ctx.dns ? podDnsConfig(pod, ctx.dns) : undefined;
  return {
    config: {
      metadata: { name, namespace, uid, attempt },
      hostname: pod.spec.hostname ?? name,
      logDirectory: `${ctx.rootDir}/pods/${namespace}_${name}_${uid}`,
      labels: podLabels(pod),
      annotations: { ...(pod.metadata.annotations as Record<string, string> | undefined) },
      ...(dns ? { dnsConfig: dns.config } : {}),
    },
    dnsEvents: dns?.events ?? [],
  };
}

/** A duration as Go prints one: "1.234s", "850ms". */
function seconds(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(3)}s` : `${Math.round(ms)}ms`;
}

/** "<name>_<namespace>", the kubelet's format.Pod. */
const podKey = (pod: Pod) => `${pod.metadata.name}_${pod.metadata.namespace ?? "default"}`;
