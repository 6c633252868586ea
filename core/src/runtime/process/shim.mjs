/**
 * The container shim: one small detached Node process per container, as containerd runs a
 * containerd-shim per container. It, not the runtime, is the container process's parent: it
 * holds the stdout and stderr pipes, writes them to the container's log file, waits for the exit
 * and records it. So a container and its log outlive the kubelet (and the runtime inside it), and
 * an exit is recorded even while no kubelet runs. Plain JavaScript with no imports from the
 * project, so it starts in a few tens of milliseconds.
 *
 *   node shim.mjs <container directory>
 *
 * It reads <dir>/config.json (`process`: args, env, cwd; `logPath`, "" for none) and keeps
 * <dir>/state.json, always replacing it whole (a temporary file renamed over it), in this order:
 * 1. shimPid, shimStartTicks — who to ask whether the shim still lives;
 * 2. status "running", pid, pidStartTicks, startedAt — once the process exists; or, if it
 *    cannot be started, status "exited", exitCode 128, reason "StartError" and a message
 *    (containerd's errorStartExitCode and errorStartReason, internal/cri/server/helpers.go);
 * 3. status "exited", exitCode, finishedAt, reason — "Completed" for 0, "Error" otherwise
 *    (containerd's completeExitReason and errorExitReason). A process ended by a signal exits
 *    with 128 + the signal's number, as runc reports it: 143 for SIGTERM, 137 for SIGKILL.
 *
 * The process runs in its own process group (the runtime signals the group). When it exits, the
 * shim kills what is left of the group, as the kernel kills a PID namespace's processes when its
 * init exits, then waits for the pipes to close (at most DRAIN_MS: a process that left the group
 * may hold them) so the last lines reach the log before the exit is recorded.
 *
 * Log lines are in the CRI log format, as containerd's CRI logger writes them
 * (internal/cri/io/logger.go) and the kubelet reads them (pkg/kubelet/kuberuntime/logs/logs.go):
 *
 *   2026-01-01T10:00:00.123456789Z stdout F hello
 *
 * timestamp, stream, tag, content, one space apart. Tag F ends a line; P is part of one: a line
 * longer than MAX_LINE bytes is cut into P parts and a final F part, and output that ends
 * without a newline is written as P. containerd writes Go's RFC3339Nano (trailing zeros of the
 * fraction dropped); the shim always writes nine digits in UTC, which the kubelet's lenient
 * parser reads the same.
 */
import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { constants } from "node:os";
import { dirname, join } from "node:path";

/** containerd's default max_container_log_line_size: 16 KiB (internal/cri/config). */
const MAX_LINE = 16 * 1024;
/** How long the last output may take to arrive after the exit; a reason, not a contract. */
const DRAIN_MS = 2000;
const NEWLINE = Buffer.from("\n");

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: node shim.mjs <container directory>\n");
  process.exit(2);
}
const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
const statePath = join(dir, "state.json");
let state = JSON.parse(readFileSync(statePath, "utf8"));

function record(changes) {
  state = { ...state, ...changes };
  const temporary = `${statePath}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, statePath);
}

/** Field 22 of /proc/<pid>/stat, the start time in clock ticks (see proc.ts), if readable. */
function startTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const ticks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

// Nanoseconds since the epoch: the wall clock once, then the monotonic clock's progress.
const epochOffsetNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
function timestamp() {
  const ns = epochOffsetNs + process.hrtime.bigint();
  const seconds = new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 19);
  return `${seconds}.${String(ns % 1_000_000_000n).padStart(9, "0")}Z`;
}

/** Copies `stream` into the log as CRI lines; returns a function writing what is left. */
function logLines(stream, name, logFd) {
  let pending = Buffer.alloc(0);
  const emit = (tag, bytes) =>
    writeSync(
      logFd,
      Buffer.concat([Buffer.from(`${timestamp()} ${name} ${tag} `), bytes, NEWLINE]),
    );
  stream.on("data", (chunk) => {
    const buffer = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    let start = 0;
    for (let nl = buffer.indexOf(10); nl !== -1; nl = buffer.indexOf(10, start)) {
      // "\r\n" ends a line as "\n" does (containerd's readLine drops the "\r").
      const end = nl > start && buffer[nl - 1] === 13 ? nl - 1 : nl;
      for (; end - start > MAX_LINE; start += MAX_LINE)
        emit("P", buffer.subarray(start, start + MAX_LINE));
      emit("F", buffer.subarray(start, end));
      start = nl + 1;
    }
    for (; buffer.length - start > MAX_LINE; start += MAX_LINE)
      emit("P", buffer.subarray(start, start + MAX_LINE));
    pending = Buffer.from(buffer.subarray(start));
  });
  return () => {
    if (pending.length > 0) emit("P", pending);
    pending = Buffer.alloc(0);
  };
}

function startFailed(error) {
  record({
    status: "exited",
    exitCode: 128,
    reason: "StartError",
    message: startErrorMessage(args[0], cwd, error),
    finishedAt: Date.now(),
  });
  process.exit(0);
}

/** runc's wording for a process that cannot be started. */
function startErrorMessage(program, cwd, error) {
  if (!existsSync(cwd))
    return `chdir to cwd (${JSON.stringify(cwd)}) set in config.json failed: no such file or directory`;
  if (error.code === "ENOENT")
    return program.includes("/")
      ? `exec: ${JSON.stringify(program)}: no such file or directory`
      : `exec: ${JSON.stringify(program)}: executable file not found in $PATH`;
  if (error.code === "EACCES") return `exec: ${JSON.stringify(program)}: permission denied`;
  return `exec: ${JSON.stringify(program)}: ${error.message}`;
}

record({ shimPid: process.pid, shimStartTicks: startTicks(process.pid) });

const { args, env, cwd } = config.process;
// No log path: the output is dropped, as containerd drops it.
if (config.logPath) mkdirSync(dirname(config.logPath), { recursive: true });
const logFd = openSync(config.logPath || "/dev/null", "a", 0o640);

let child;
try {
  child = spawn(args[0], args.slice(1), {
    cwd,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
} catch (error) {
  // Arguments spawn refuses outright (a NUL byte in an argument or in the environment).
  startFailed(error);
}
const flushOut = logLines(child.stdout, "stdout", logFd);
const flushErr = logLines(child.stderr, "stderr", logFd);

let spawned = false;
let exit;
let drain;

child.on("spawn", () => {
  spawned = true;
  record({
    status: "running",
    pid: child.pid,
    pidStartTicks: startTicks(child.pid),
    startedAt: Date.now(),
  });
});

child.on("error", (error) => {
  if (!spawned) startFailed(error);
  // Otherwise a failed kill of an exited process: nothing to record.
});

child.on("exit", (code, signal) => {
  exit = { code: code ?? 128 + constants.signals[signal], at: Date.now() };
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // ESRCH: the group is already empty.
  }
  drain = setTimeout(finish, DRAIN_MS);
});

child.on("close", finish);

function finish() {
  if (!exit) return; // "close" without "exit" does not happen; wait for "exit" if it does
  clearTimeout(drain);
  flushOut();
  flushErr();
  closeSync(logFd);
  record({
    status: "exited",
    exitCode: exit.code,
    reason: exit.code === 0 ? "Completed" : "Error",
    finishedAt: exit.at,
  });
  process.exit(0);
}
