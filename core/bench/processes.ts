/**
 * The processes a benchmark starts, from the benchmark's side: its Node children (an API server,
 * a controller manager) and etcd.
 *
 * Guarantees:
 * - `startChild` hands back a child that answers over IPC; `next(key)` resolves with the next
 *   message carrying `key`, or rejects within a minute, or at once if the child exits.
 * - Once `guard(dir)` has run, every process started here (and every PID given to `track`) is
 *   killed by PID if the benchmark exits without its own cleanup — an uncaught error, Ctrl-C —
 *   and `dir` is deleted after them. A child that exits on its own is forgotten at once.
 * - What the benchmark reads of a process it did not write (etcd) comes from /proc: `rssMB` and
 *   `cpuTicks`.
 *
 * Set TINYKUBE_BENCH_PROF=<dir> to write a CPU profile of each child (node --cpu-prof).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { constants as osConstants } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { progress } from "./stats.ts";

const here = dirname(fileURLToPath(import.meta.url));

/** Far beyond what a child takes to start or to answer; only a stuck child gets near it. */
const ANSWER_TIMEOUT_MS = 60_000;
/** How long a child asked to stop gets to close its server and exit before it is killed. */
const STOP_GRACE_MS = 10_000;

/** A child's memory, measured by the child itself (child.ts `answerTheBench`). */
export interface Memory {
  rssMB: number;
  /** The JS heap's live objects, and what V8 holds for the heap (live or not). */
  heapMB: number;
  heapTotalMB: number;
  /** Memory of Buffers and other objects outside the JS heap that V8 knows of. */
  externalMB: number;
  peakRssMB: number;
}

// #region children
export interface ChildHandle {
  pid: number;
  send(message: unknown): void;
  /** The next message carrying `key`, within a minute. */
  next<T>(key: string): Promise<T>;
  /** Sends `question` and resolves with the next message carrying it as its key. */
  ask<T>(question: string): Promise<T>;
  /** RSS and heap after a full GC, and the peak RSS so far. */
  memory(): Promise<Memory>;
  /** CPU time used so far, user and system, in microseconds. */
  cpu(): Promise<number>;
  /** Asks the child to stop; kills it by PID if it has not exited within 10 s. */
  stop(): Promise<void>;
  /** Kills the child by PID at once and waits for it to exit. */
  kill(): Promise<void>;
}

export interface StartChildOptions {
  /** The child's script, a file beside this one. */
  script: string;
  /** Its arguments; undefined ones are left out. */
  args: (string | undefined)[];
  /** Who it is, in messages: "the <name> child exited with 1". */
  name: string;
  /** Node.js options for the child, e.g. a V8 heap setting. */
  nodeFlags?: string[];
}

/**
 * Starts `node --expose-gc --import tsx <script> <args>` with an IPC channel, and tracks its PID
 * until it exits. The child's own stdout and stderr are this process's.
 */
export function startChild({ script, args, name, nodeFlags }: StartChildOptions): ChildHandle {
  const prof = process.env.TINYKUBE_BENCH_PROF;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // Node names each profile CPU.<date>.<time>.<pid>.<thread>...: the pid says whose it is.
      ...(prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : []),
      "--expose-gc",
      ...(nodeFlags ?? []),
      "--import",
      "tsx",
      join(here, script),
      ...args.filter((a): a is string => a !== undefined),
    ],
    { stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  const pid = child.pid as number;
  if (prof) progress(`${name} child is pid ${pid} (its CPU profile goes to ${prof})`);
  track(pid);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  void exited.then(() => untrack(pid));
  child.on("error", (error) => progress(`${name} child: ${error.message}`));
  const next = <T>(key: string): Promise<T> =>
    withDeadline(
      new Promise<T>((resolve, reject) => {
        const onMessage = (message: Record<string, unknown>) => {
          if (typeof message !== "object" || !(key in message)) return;
          child.off("message", onMessage);
          resolve(message[key] as T);
        };
        child.on("message", onMessage);
        void exited.then((code) => reject(new Error(`the ${name} child exited with ${code}`)));
      }),
      ANSWER_TIMEOUT_MS,
      `the ${name} child sent no ${key} within ${ANSWER_TIMEOUT_MS / 1000} s`,
    );
  const ask = <T>(question: string): Promise<T> => {
    child.send(question);
    return next<T>(question);
  };
  return {
    pid,
    send: (message) => child.send(message as object),
    next,
    ask,
    memory: () => ask<Memory>("memory"),
    cpu: () => ask<number>("cpu"),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send("stop");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}
// #endregion children

// #region leftovers
/**
 * What the benchmark has started and not yet cleaned up. If it exits without its own cleanup
 * running, the exit handler kills these processes by PID, then deletes the directory.
 * (etcd-server.ts kills its etcd on such exits too; killing it here as well makes sure it is gone
 * before its directory is.)
 */
const leftovers = { pids: new Set<number>(), dir: undefined as string | undefined };
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const onExit = () => {
  for (const pid of leftovers.pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
  if (leftovers.dir) rmSync(leftovers.dir, { recursive: true, force: true });
};
/** A signal ends the process with the usual code, through the exit handler. */
const onSignal = (signal: NodeJS.Signals) => process.exit(128 + osConstants.signals[signal]);

/** From now until `unguard`, an exit or a signal kills what is tracked and deletes `dir`. */
export function guard(dir: string): void {
  leftovers.dir = dir;
  process.on("exit", onExit);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

/** The benchmark cleaned up itself: nothing is left to delete on exit. */
export function unguard(): void {
  leftovers.dir = undefined;
  process.off("exit", onExit);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

/** A process started elsewhere (etcd) that an unclean exit must kill. */
export function track(pid: number): void {
  leftovers.pids.add(pid);
}

/** The process was stopped: its PID may be another process's by the time of the exit. */
export function untrack(pid: number): void {
  leftovers.pids.delete(pid);
}
// #endregion leftovers

/** Resident memory of any process, from VmRSS in /proc/<pid>/status (given in kB). */
export async function rssMB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

/**
 * CPU time of any process so far, user and system, in clock ticks of 10 ms (USER_HZ, 100 on Linux
 * whatever the kernel's own tick rate): utime + stime, fields 14 and 15 of /proc/<pid>/stat,
 * counted after the command name, which may hold spaces and parentheses of its own.
 */
export async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** `promise`, or a rejection with `message` once `ms` have passed. */
export async function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  message: string | (() => string),
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    const text = () => (typeof message === "function" ? message() : message);
    timer = setTimeout(() => reject(new Error(text())), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
