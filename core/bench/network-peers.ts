/**
 * The programs the network benchmark runs but did not write — dnsmasq and nginx as peers,
 * dnsperf and wrk as load generators — found on this machine, started and stopped by PID.
 *
 * Guarantees:
 * - `findTool` looks only on PATH and in the sbin directories Debian installs daemons to; a
 *   missing tool is `undefined`, and the caller says which Debian package brings it.
 * - Every process started here is tracked (processes.ts), so an unclean exit of the benchmark
 *   kills it; it is untracked once it has exited.
 * - `run` resolves with the program's whole output once it exits, or rejects with its exit code
 *   and the last lines it wrote; `startDaemon` hands back a process that `stop()` ends (SIGTERM,
 *   then SIGKILL after 5 s) and waits for.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { connect, createServer } from "node:net";
import { delimiter, join } from "node:path";
import { track, untrack, withDeadline } from "./processes.ts";

/** What a daemon gets to exit after SIGTERM before it is killed. */
const STOP_GRACE_MS = 5_000;
/** How much of a program's output an error message quotes. */
const TAIL_CHARS = 1_000;

/** The program's path, or undefined if it is not installed. */
export function findTool(name: string): string | undefined {
  const dirs = [
    ...(process.env.PATH ?? "").split(delimiter),
    "/usr/local/sbin",
    "/usr/sbin",
    "/sbin",
  ];
  for (const dir of dirs.filter(Boolean)) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not here; look in the next directory.
    }
  }
  return undefined;
}

export interface Daemon {
  pid: number;
  /** Everything it has written so far, stdout and stderr interleaved. */
  output(): string;
  /** Rejects if it exits before `stop()`, with its exit code and last lines. */
  exited: Promise<never>;
  stop(): Promise<void>;
}

function spawnTracked(command: string, args: string[]) {
  const child: ChildProcess = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid === undefined) {
    throw new Error(`could not start ${command}: no process`);
  }
  const pid = child.pid;
  track(pid);
  let output = "";
  const append = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>(
    (resolve) => {
      child.once("error", (error) => resolve({ code: null, signal: null, error }));
      child.once("close", (code, signal) => resolve({ code, signal }));
    },
  );
  void exit.then(() => untrack(pid));
  return { child, pid, exit, output: () => output };
}

const describeExit = (
  name: string,
  r: { code: number | null; signal: NodeJS.Signals | null; error?: Error },
  output: string,
) =>
  `${name} exited with ${r.error?.message ?? r.code ?? r.signal}; its last output:\n${output.slice(-TAIL_CHARS)}`;

/** Starts a server that runs until stopped (dnsmasq -k, nginx with daemon off). */
export function startDaemon(name: string, command: string, args: string[]): Daemon {
  const { child, pid, exit, output } = spawnTracked(command, args);
  let stopping = false;
  const exited = exit.then((r) => {
    throw new Error(stopping ? `${name} stopped` : describeExit(name, r, output()));
  });
  // Only a caller that waits on `exited` hears of an early exit; nobody else must be told twice.
  exited.catch(() => {});
  return {
    pid,
    output,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** Runs a program to its end (dnsperf, wrk) and resolves with its output. */
export async function run(name: string, command: string, args: string[]): Promise<string> {
  const { exit, output } = spawnTracked(command, args);
  const r = await exit;
  if (r.code !== 0) throw new Error(describeExit(name, r, output()));
  return output();
}

/** A TCP port free on `address` now (a moment later another process may take it). */
export function freeTcpPort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, address, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once `address:port` accepts a TCP connection; rejects after `timeoutMs`. */
export async function waitForTcp(
  address: string,
  port: number,
  timeoutMs: number,
  alsoFail?: Promise<never>,
): Promise<void> {
  const attempt = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host: address, port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
  let gaveUp = false;
  const poll = async () => {
    while (!gaveUp && !(await attempt())) await new Promise((r) => setTimeout(r, 20));
  };
  try {
    await withDeadline(
      alsoFail ? Promise.race([poll(), alsoFail]) : poll(),
      timeoutMs,
      `nothing accepted connections on ${address}:${port} within ${timeoutMs} ms`,
    );
  } finally {
    gaveUp = true;
  }
}
