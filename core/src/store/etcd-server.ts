/**
 * A throwaway etcd for tests and benchmarks: one member on loopback, its own data directory, gone
 * again after `stop()`.
 *
 * Guarantees:
 * - `startEtcd()` resolves only once etcd answers `/health`, or rejects with the end of its log.
 * - The ports are ones the OS just handed out, so several tests can each run their own etcd.
 * - `stop()` ends the process it started (by PID), waits for it to exit, and deletes the data.
 * - If the process that started it exits, or is stopped by SIGINT, SIGTERM or SIGHUP, etcd is
 *   killed too. (Nothing can react to SIGKILL: then `pgrep -a etcd` shows the leftover.)
 */
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { $, type ProcessOutput, which } from "zx";

export const ETCD_NOT_FOUND =
  "etcd not found: install it with `apt-get install -y etcd-server` (Debian) to run the etcd backend tests";

/** The etcd binary: $ETCD_BIN if it is set, otherwise `etcd` on the PATH. */
export function findEtcd(): string | undefined {
  const fromEnv = process.env.ETCD_BIN;
  if (fromEnv) return which.sync(fromEnv, { nothrow: true }) ?? undefined;
  return which.sync("etcd", { nothrow: true }) ?? undefined;
}

export interface StartEtcdOptions {
  /** Default: findEtcd(). */
  bin?: string;
  /**
   * Where the server's fresh directory is created (default: os.tmpdir()). A benchmark passes a
   * directory on the disk the embedded store writes to, so both pay the same fsync.
   */
  parentDir?: string;
  /** How long etcd may take to report healthy; it takes about 0.2 s here. */
  startTimeoutMs?: number;
  /** More etcd flags, for a benchmark's tuning (`--quota-backend-bytes=...`). */
  extraArgs?: string[];
}

export interface EtcdServer {
  /** The client URL, for EtcdStore.connect({ endpoints: [endpoint] }). */
  readonly endpoint: string;
  /** The running etcd process (a new one after `restart()`). */
  readonly pid: number;
  /** The fresh directory this server owns: `data/` (etcd's --data-dir) and `etcd.log`. */
  readonly dir: string;
  readonly dataDir: string;
  readonly logFile: string;
  /**
   * Stops etcd and starts it again on the same data and ports; resolves with the milliseconds from
   * the new start to healthy, which is etcd's recovery time.
   */
  restart(): Promise<number>;
  /** SIGTERM, SIGKILL after a grace period if needed, wait for exit, delete `dir`. */
  stop(): Promise<void>;
}

/** etcd flushes and exits on SIGTERM in well under a second; past this it is stuck. */
const STOP_GRACE_MS = 5000;

// #region startEtcd
/**
 * Starts one etcd member:
 * 1. ask the OS for two free loopback ports (client and peer);
 * 2. create a fresh mode-700 directory (etcd warns about anything wider) holding etcd's data
 *    directory and its log (beside the data, not in it: etcd warns about files it does not own);
 * 3. start etcd with everything on 127.0.0.1;
 * 4. poll /health until it answers, with a deadline;
 * 5. hand back `stop()`, which undoes all of it, and `restart()`, for a recovery benchmark.
 */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdServer> {
  const bin = options.bin ?? findEtcd();
  if (!bin) throw new Error(ETCD_NOT_FOUND);
  const [clientPort, peerPort] = await freePorts(2);
  const dir = await mkdtemp(join(options.parentDir ?? tmpdir(), "tinykube-etcd-"));
  await chmod(dir, 0o700);
  const dataDir = join(dir, "data");
  const logFile = join(dir, "etcd.log");
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const args = [
    "--name=tinykube",
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${endpoint}`,
    `--advertise-client-urls=${endpoint}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=tinykube=${peerUrl}`,
    "--logger=zap",
    `--log-outputs=${logFile}`,
    ...(options.extraArgs ?? []),
  ];
  const launch = () =>
    launchEtcd({ bin, args, endpoint, logFile, timeoutMs: options.startTimeoutMs ?? 10_000 });

  let running: Launched;
  try {
    running = await launch();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    get pid() {
      return running.pid;
    },
    dir,
    dataDir,
    logFile,
    async restart() {
      if (stopping) throw new Error(`etcd at ${endpoint} was stopped; start a new one`);
      await running.stop();
      const started = performance.now();
      running = await launch();
      return performance.now() - started;
    },
    stop() {
      stopping ??= (async () => {
        await running.stop();
        await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
// #endregion startEtcd

/** One etcd process, healthy. */
interface Launched {
  pid: number;
  /** Ends the process (once; later calls wait for the same end). */
  stop(): Promise<void>;
}

/** Starts etcd and waits for /health; on failure kills it and reports the end of its output. */
async function launchEtcd(options: {
  bin: string;
  args: string[];
  endpoint: string;
  logFile: string;
  timeoutMs: number;
}): Promise<Launched> {
  // `exec` makes the shell zx starts become etcd, so the PID we hold is etcd's own.
  const child = $({ quiet: true, nothrow: true })`exec ${options.bin} ${options.args}`;
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${options.bin}`);
  let exited: ProcessOutput | undefined;
  const exit = child.then((output) => {
    exited = output;
  });
  killOnExit.add(pid);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (!exited) await terminate(pid, exit);
      killOnExit.delete(pid);
    })();
    return stopping;
  };

  try {
    await waitHealthy(options.endpoint, options.timeoutMs, () => exited);
  } catch (error) {
    await stop();
    const log = await readFile(options.logFile, "utf8").catch(() => "");
    const output = tail(`${exited?.stderr ?? ""}${log}`, 20);
    throw new Error(`${(error as Error).message}\n--- etcd output (tail) ---\n${output}`, {
      cause: error,
    });
  }
  return { pid, stop };
}

/** Free ports on 127.0.0.1: listen on port 0 (the OS picks), note the port, let go of it. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = createServer();
      return new Promise<typeof server>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve(server));
      });
    }),
  );
  // All are held open until each has its port, so the ports differ; the OS does not hand a port
  // out again at once, so etcd gets to bind it first.
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

async function waitHealthy(
  endpoint: string,
  timeoutMs: number,
  exited: () => ProcessOutput | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  for (;;) {
    const output = exited();
    if (output) throw new Error(`etcd exited during start-up with code ${output.exitCode}`);
    try {
      const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      const body = await response.text();
      if (response.ok && (JSON.parse(body) as { health?: string }).health === "true") return;
      last = `HTTP ${response.status} ${body}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(`etcd at ${endpoint} not healthy within ${timeoutMs} ms (${last})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function terminate(pid: number, exit: Promise<unknown>): Promise<void> {
  signal(pid, "SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), STOP_GRACE_MS);
  });
  const outcome = await Promise.race([exit, graceOver]);
  clearTimeout(timer);
  if (outcome === "timeout") {
    signal(pid, "SIGKILL");
    await exit;
  }
}

/** Sends a signal to a process that may already be gone. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/**
 * The etcd PIDs this process started and has not stopped yet. While there are any, exiting or
 * being told to stop kills them first; a signal is then raised again, so the process still ends
 * as it would have.
 */
const killOnExit = (() => {
  const pids = new Set<number>();
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  const killAll = () => {
    for (const pid of pids) signal(pid, "SIGKILL");
    pids.clear();
  };
  const onSignal = (name: NodeJS.Signals) => {
    killAll();
    uninstall();
    process.kill(process.pid, name);
  };
  const install = () => {
    process.on("exit", killAll);
    for (const name of signals) process.on(name, onSignal);
  };
  const uninstall = () => {
    process.off("exit", killAll);
    for (const name of signals) process.off(name, onSignal);
  };
  return {
    add(pid: number) {
      if (pids.size === 0) install();
      pids.add(pid);
    },
    delete(pid: number) {
      if (pids.delete(pid) && pids.size === 0) uninstall();
    },
  };
})();

function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
