/**
 * The process runtime's state on disk, under one root directory per node. Everything the runtime
 * knows is in these files, so a restarted runtime (a restarted kubelet) reads the directory and
 * finds every sandbox and container, and adopts running containers instead of starting them
 * again:
 *
 *   <root>/runtime.json                  { podCIDR } from UpdateRuntimeConfig
 *   <root>/ipam/                         pod address holdings (ipam-store.ts)
 *   <root>/sandboxes/<id>/sandbox.json   SandboxRecord
 *   <root>/sandboxes/<id>/hostname       the pod's /etc/hostname
 *   <root>/sandboxes/<id>/resolv.conf    the pod's /etc/resolv.conf
 *   <root>/containers/<id>/config.json   ContainerRecord: written once, at CreateContainer
 *   <root>/containers/<id>/state.json    ContainerStateRecord: the lifecycle
 *   <root>/containers/<id>/root/         symlinks standing in for mounts (container-spec.ts)
 *   <root>/containers/<id>/shim.log      the shim's own complaints, if any
 *
 * Container logs live where the kubelet asks (the sandbox's logDirectory), not here, and stay
 * when a container is removed.
 */
import { join } from "node:path";
import type { ContainerConfig, PodSandboxConfig, PodSandboxState } from "../cri.ts";

export interface SandboxRecord {
  id: string;
  config: PodSandboxConfig;
  /** The sandbox's address while SANDBOX_READY; "" once stopped (given back to the pool). */
  ip: string;
  state: PodSandboxState;
  createdAt: number;
}

/** The immutable half of a container, like an OCI bundle's config.json plus containerd's metadata. */
export interface ContainerRecord {
  id: string;
  podSandboxId: string;
  config: ContainerConfig;
  /** The image's ID, as resolved at creation. */
  imageRef: string;
  createdAt: number;
  /** Absolute path of the CRI log file; "" when the kubelet gave no log path (output dropped). */
  logPath: string;
  /** What the shim runs. `env` is the whole environment: nothing is inherited from the host. */
  process: { args: string[]; env: Record<string, string>; cwd: string };
}

/**
 * The lifecycle, rewritten whole at every step. Writers never overlap: the runtime writes
 * "created"; from StartContainer on only the shim writes, until it is gone — then the runtime
 * may record an exit the shim could not (reason "Unknown").
 */
export interface ContainerStateRecord {
  status: "created" | "running" | "exited";
  /** Set by the shim first thing; with shimStartTicks, tells whether the shim still lives. */
  shimPid?: number;
  shimStartTicks?: number;
  /** The container's process, also its process group's ID. Set once "running". */
  pid?: number;
  pidStartTicks?: number;
  /** ms since the epoch; 0 until started / finished. */
  startedAt: number;
  finishedAt: number;
  /** Meaningful once "exited". */
  exitCode: number;
  reason: string;
  message: string;
}

export const createdState = (): ContainerStateRecord => ({
  status: "created",
  startedAt: 0,
  finishedAt: 0,
  exitCode: 0,
  reason: "",
  message: "",
});

export const layout = (root: string) => ({
  runtimeConfig: join(root, "runtime.json"),
  ipam: join(root, "ipam"),
  sandboxes: join(root, "sandboxes"),
  sandbox: (id: string) => join(root, "sandboxes", id),
  sandboxRecord: (id: string) => join(root, "sandboxes", id, "sandbox.json"),
  containers: join(root, "containers"),
  container: (id: string) => join(root, "containers", id),
  containerRecord: (id: string) => join(root, "containers", id, "config.json"),
  containerState: (id: string) => join(root, "containers", id, "state.json"),
});

/** IDs are newId()'s 64 hex digits; anything else names nothing (and never a path outside root). */
export const isId = (id: string): boolean => /^[0-9a-f]{64}$/.test(id);
