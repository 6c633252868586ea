/**
 * The runtime's side of the shims (shim.mjs): starting one, reading what it recorded, and
 * signalling the process it runs. The runtime never holds a shim: it starts it detached — in its
 * own session, so a signal to the kubelet's process group does not reach it — with no
 * environment of the kubelet's, and lets go of it.
 *
 * observe() adds what only the runtime can see: a "running" container whose shim is gone and
 * whose process is gone too exited without anyone recording it. That is recorded then, as
 * containerd records a container whose task vanished while it was down
 * (internal/cri/server/restart.go): exit code 255, reason "Unknown". While the process still
 * runs, the container is running — only nobody watches it any more.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readJson, writeJsonAtomic } from "./files.ts";
import { isAlive } from "./proc.ts";
import type { ContainerStateRecord } from "./records.ts";

export const SHIM_PATH = join(import.meta.dirname, "shim.mjs");

/** containerd's unknownExitCode and unknownExitReason (internal/cri/server/restart.go). */
export const UNKNOWN_EXIT_CODE = 255;
export const UNKNOWN_EXIT_REASON = "Unknown";
/** containerd's errorStartExitCode and errorStartReason (internal/cri/server/helpers.go). */
export const START_ERROR_EXIT_CODE = 128;
export const START_ERROR_REASON = "StartError";

/** Starts the shim of the container in `dir`; its pid, or undefined if it could not be spawned. */
export function spawnShim(dir: string): number | undefined {
  const log = openSync(join(dir, "shim.log"), "a");
  try {
    const shim = spawn(process.execPath, [SHIM_PATH, dir], {
      cwd: dir,
      detached: true,
      stdio: ["ignore", log, log],
      env: {},
    });
    // A shim that cannot be spawned shows as a dead shim to whoever waits for it.
    shim.on("error", () => undefined);
    shim.unref();
    return shim.pid;
  } finally {
    closeSync(log);
  }
}

// #region observe
/** The container's state; undefined if state.json is gone (the container was removed). */
export async function observe(
  stateFile: string,
  now: () => number,
): Promise<ContainerStateRecord | undefined> {
  const state = await readJson<ContainerStateRecord>(stateFile);
  if (state?.status !== "running" || state.shimPid === undefined) return state;
  if (isAlive(state.shimPid, state.shimStartTicks)) return state;
  // The shim is gone. Read again: it may have recorded the exit just before it went.
  const last = await readJson<ContainerStateRecord>(stateFile);
  if (last?.status !== "running") return last;
  if (last.pid !== undefined && isAlive(last.pid, last.pidStartTicks)) return last;
  const unknown: ContainerStateRecord = {
    ...last,
    status: "exited",
    exitCode: UNKNOWN_EXIT_CODE,
    reason: UNKNOWN_EXIT_REASON,
    message: "the container's shim died before it could record the exit",
    finishedAt: now(),
  };
  await writeJsonAtomic(stateFile, unknown);
  return unknown;
}
// #endregion observe

/** Records a StartError for a container whose shim died before it recorded anything. */
export async function recordShimLost(
  dir: string,
  state: ContainerStateRecord,
  now: () => number,
): Promise<ContainerStateRecord> {
  const shimLog = await readFile(join(dir, "shim.log"), "utf8")
    .then((text) => text.trim().split("\n").slice(-5).join("\n"))
    .catch(() => "");
  const failed: ContainerStateRecord = {
    ...state,
    status: "exited",
    exitCode: START_ERROR_EXIT_CODE,
    reason: START_ERROR_REASON,
    message: `the container's shim exited before starting it${shimLog ? `: ${shimLog}` : ""}`,
    finishedAt: now(),
  };
  await writeJsonAtomic(join(dir, "state.json"), failed);
  return failed;
}

/** Sends `signal` to the container's process group, if its leader is still the process it was. */
export function signalGroup(state: ContainerStateRecord, signal: NodeJS.Signals): void {
  if (state.pid === undefined || !isAlive(state.pid, state.pidStartTicks)) return;
  try {
    process.kill(-state.pid, signal);
  } catch (error) {
    // ESRCH: it exited meanwhile, which the shim records.
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}
