/**
 * ExecSync for the process runtime: a command run "in" a container, which here means a host
 * process with the container's environment (PATH, HOSTNAME, POD_IP, TINYKUBE_ROOT, the image's and
 * the pod's variables) and working directory — what `crictl exec` and `kubectl exec` get from
 * containerd, minus the namespaces the process runtime does not have (runtime.ts).
 *
 * Guarantees:
 * - Resolves with stdout, stderr and the exit code once the command has exited; a signal's exit
 *   is 128 + its number, as a shell reports it (SIGKILL: 137). Each stream keeps its first
 *   16 MiB, as containerd's ExecSync (maxStreamSize, internal/cri/server/container_execsync.go).
 * - The command runs in a process group of its own. Past `timeoutSeconds` (0: no limit), the group is
 *   SIGKILLed and the call fails with CriError DeadlineExceeded, with containerd's words.
 * - Nothing is left behind: when the command exits, what is left of its group is killed (in a
 *   container it would live on until the container stops; a host process would outlive it), and
 *   when the container stops while the command runs, the group is killed too, as the kernel kills
 *   a PID namespace's processes when its init dies. `isRunning` is asked every
 *   CONTAINER_CHECK_MS for that.
 * - A program that cannot be started fails the call (CriError Unknown), as runc's "executable file
 *   not found in $PATH" fails containerd's ExecSync: that is an error, not an exit code.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import type { Clock, Timer } from "../../util/clock.ts";
import { CriError, type ExecSyncResponse, execTimeoutError } from "../cri.ts";

/** containerd's maxStreamSize: at most this much of each stream is kept. */
export const MAX_STREAM_BYTES = 16 * 1024 * 1024;
/** How often a running command checks that its container still runs: bounds how long it outlives it. */
const CONTAINER_CHECK_MS = 1000;

export interface ExecRequest {
  cmd: string[];
  env: Record<string, string>;
  cwd: string;
  /** 0: no limit. */
  timeoutSeconds: number;
  clock: Clock;
  /** Whether the container still runs; the command is killed once it does not. */
  isRunning: () => Promise<boolean>;
}

// #region exec-sync
export function execInContainer(request: ExecRequest): Promise<ExecSyncResponse> {
  const { cmd, clock } = request;
  const timeoutMs = request.timeoutSeconds * 1000;
  const [program, ...args] = cmd;
  if (program === undefined || program === "") {
    return Promise.reject(
      new CriError("InvalidArgument", "ExecSync needs a command: cmd is empty"),
    );
  }
  return new Promise((resolve, reject) => {
    // Nothing of the kubelet's environment: the container's, whole, as the shim gives its process.
    const child = spawn(program, args, {
      env: request.env,
      cwd: request.cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stdout = new Capped();
    const stderr = new Capped();
    child.stdout.on("data", (chunk: Buffer) => stdout.add(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.add(chunk));

    let timedOut = false;
    let spawnError: Error | undefined;
    const timers: Timer[] = [];
    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // ESRCH: the whole group is gone already.
      }
    };
    if (timeoutMs > 0) {
      timers.push(
        clock.setTimeout(() => {
          timedOut = true;
          killGroup();
        }, timeoutMs),
      );
    }
    const watchContainer = () => {
      timers.push(
        clock.setTimeout(() => {
          request.isRunning().then(
            (running) => (running ? watchContainer() : killGroup()),
            () => watchContainer(),
          );
        }, CONTAINER_CHECK_MS),
      );
    };
    watchContainer();

    child.on("error", (error) => {
      spawnError = error;
    });
    // "exit" comes first; "close" once the pipes are closed too. Killing the rest of the group at
    // the exit closes pipes a background child still held.
    child.on("exit", () => killGroup());
    child.on("close", (code, signal) => {
      for (const timer of timers) timer.cancel();
      if (spawnError !== undefined) {
        reject(startError(program, spawnError));
        return;
      }
      if (timedOut) {
        reject(execTimeoutError(request.timeoutSeconds));
        return;
      }
      const signalNumber = signal ? constants.signals[signal] : undefined;
      resolve({
        stdout: stdout.text(),
        stderr: stderr.text(),
        exitCode: code ?? 128 + (signalNumber ?? 0),
      });
    });
  });
}
// #endregion exec-sync

/** runc's words for a program it cannot exec, behind containerd's. */
function startError(program: string, error: Error): CriError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === "ENOENT"
      ? `exec: "${program}": executable file not found in $PATH`
      : code === "EACCES"
        ? `exec: "${program}": permission denied`
        : error.message;
  return new CriError(
    "Unknown",
    `failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: ${why}`,
  );
}

/** The first MAX_STREAM_BYTES of a stream; the rest is read and dropped, as containerd's cappedWriter. */
class Capped {
  private readonly chunks: Buffer[] = [];
  private kept = 0;

  add(chunk: Buffer): void {
    const room = MAX_STREAM_BYTES - this.kept;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(part);
    this.kept += part.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}
