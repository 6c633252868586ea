/**
 * Throwaway etcd for tests, benchmarks and demos, on loopback, in fresh directories, gone again
 * after `stop()`: one member (`startEtcd`) or a cluster of several (`startEtcdCluster`).
 *
 * Guarantees:
 * - Starting resolves only once etcd answers `/health` (every member, for a cluster), or rejects
 *   with the end of the log of the member that failed.
 * - The ports are ones the OS just handed out, so several tests can each run their own etcd.
 * - `stop()` ends every process it started (by PID), waits for each to exit, and deletes the data.
 * - If the process that started etcd exits, or is stopped by SIGINT, SIGTERM or SIGHUP, etcd is
 *   killed too. (Nothing can react to SIGKILL: then `pgrep -a etcd` shows the leftover.)
 */
import { chmod, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
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

/** How a member is stopped: a clean shutdown or a crash. */
export type StopSignal = "SIGTERM" | "SIGKILL";

/** etcd flushes and exits on SIGTERM in well under a second; past this it is stuck. */
const STOP_GRACE_MS = 5000;
/** One member, or a cluster of three, is healthy in about 0.2 s here; past this it will not be. */
const DEFAULT_START_TIMEOUT_MS = 10_000;

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
  const [clientPort, peerPort] = (await freePorts(2)) as [number, number];
  const dir = await freshDir(options.parentDir, "tinykube-etcd-");
  const member = memberConfig({ name: "tinykube", dir, clientPort, peerPort });
  const args = etcdArgs(member, { initialCluster: `${member.name}=${member.peerUrl}` }, options);
  const { endpoint, dataDir, logFile } = member;
  const launch = () =>
    launchEtcd({ bin, args, endpoint, logFile, timeoutMs: options.startTimeoutMs });

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

export interface StartEtcdClusterOptions extends StartEtcdOptions {
  /** How many members; 3 or 5 in production (see the chapter's quorum demo for why). */
  members: number;
}

/** One member of a cluster from startEtcdCluster, which it can take down and bring back. */
export interface EtcdMember {
  /** etcd's --name: "etcd-1", "etcd-2", ... */
  readonly name: string;
  /** This member's client URL alone. */
  readonly endpoint: string;
  readonly peerUrl: string;
  /** `<cluster dir>/<name>/`, holding `data/` and `etcd.log`; kept while the member is stopped. */
  readonly dir: string;
  readonly dataDir: string;
  readonly logFile: string;
  /** The running process, or undefined while the member is stopped. */
  readonly pid: number | undefined;
  /**
   * Starts the member again on its data and ports; resolves with the milliseconds from the start
   * to healthy. Healthy means the member serves a read through the cluster, so this needs a
   * majority of members running: a member started without one rejects after `startTimeoutMs`.
   */
  start(): Promise<number>;
  /**
   * Ends the process by PID and waits for it to exit; the data stays. `SIGTERM` (the default) is a
   * clean shutdown, in which a leader first hands leadership to a peer; `SIGKILL` is a crash, which
   * the other members notice only when its heartbeats stop. Stopped already: nothing to do.
   */
  stop(options?: { signal?: StopSignal }): Promise<void>;
}

export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  /** Every member's client URL, for EtcdStore.connect({ endpoints }). */
  readonly endpoints: string[];
  /** The fresh directory the cluster owns, one sub-directory per member. */
  readonly dir: string;
  /**
   * Kills every member that runs (SIGKILL: the data is deleted next, and a clean stop of a leader
   * would wait for a hand-over to peers that are stopping too) and deletes `dir`.
   */
  stop(): Promise<void>;
}

// #region startEtcdCluster
/**
 * Starts an etcd cluster of `members` members, each its own process on loopback:
 * 1. ask the OS for two free ports per member (client and peer);
 * 2. create a fresh mode-700 directory with one sub-directory per member;
 * 3. start every member at once, each told the whole membership (`--initial-cluster`), that the
 *    cluster is new, and a token no other cluster has (peers with another token are refused);
 * 4. wait until every member reports /health, which in etcd means the cluster has a leader and a
 *    majority answers a read, with a deadline; if one member fails, stop all and report its log;
 * 5. hand back members that stop and start one by one, and `stop()` for the whole cluster.
 */
export async function startEtcdCluster(options: StartEtcdClusterOptions): Promise<EtcdCluster> {
  const bin = options.bin ?? findEtcd();
  if (!bin) throw new Error(ETCD_NOT_FOUND);
  if (!Number.isInteger(options.members) || options.members < 1)
    throw new Error(`members must be a positive integer, got ${options.members}`);
  const ports = await freePorts(2 * options.members);
  const dir = await freshDir(options.parentDir, "tinykube-etcd-cluster-");
  const configs = Array.from({ length: options.members }, (_, i) =>
    memberConfig({
      name: `etcd-${i + 1}`,
      dir: join(dir, `etcd-${i + 1}`),
      clientPort: ports[2 * i] as number,
      peerPort: ports[2 * i + 1] as number,
    }),
  );
  const cluster = {
    initialCluster: configs.map((member) => `${member.name}=${member.peerUrl}`).join(","),
    token: basename(dir),
  };
  const members = configs.map(
    (config) =>
      new ClusterMember(config, () =>
        launchEtcd({
          bin,
          args: etcdArgs(config, cluster, options),
          endpoint: config.endpoint,
          logFile: config.logFile,
          timeoutMs: options.startTimeoutMs,
        }),
      ),
  );
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await Promise.all(members.map((member) => member.retire()));
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  // No member is healthy before a majority runs, so all start together and are waited for together.
  for (const config of configs) await mkdir(config.dir, { mode: 0o700 });
  const started = await Promise.allSettled(members.map((member) => member.start()));
  const failed = started.find((outcome) => outcome.status === "rejected");
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { members, endpoints: configs.map((member) => member.endpoint), dir, stop };
}
// #endregion startEtcdCluster

/** A cluster member: its starts and stops run one after another, never overlapping. */
class ClusterMember implements EtcdMember {
  readonly name: string;
  readonly endpoint: string;
  readonly peerUrl: string;
  readonly dir: string;
  readonly dataDir: string;
  readonly logFile: string;
  private running: Launched | undefined;
  /** Set once the cluster is stopped: its directories are gone, so the member cannot come back. */
  private retired = false;
  /** The last start or stop asked for; the next one waits for it. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    config: MemberConfig,
    private readonly launch: () => Promise<Launched>,
  ) {
    this.name = config.name;
    this.endpoint = config.endpoint;
    this.peerUrl = config.peerUrl;
    this.dir = config.dir;
    this.dataDir = config.dataDir;
    this.logFile = config.logFile;
  }

  get pid(): number | undefined {
    return this.running?.pid;
  }

  start(): Promise<number> {
    return this.enqueue(async () => {
      if (this.retired) throw new Error(`${this.name}: its cluster was stopped; start a new one`);
      if (this.running) throw new Error(`${this.name} (${this.endpoint}) is already running`);
      const started = performance.now();
      this.running = await this.launch();
      return performance.now() - started;
    });
  }

  stop(options: { signal?: StopSignal } = {}): Promise<void> {
    return this.enqueue(async () => {
      await this.running?.stop(options.signal);
      this.running = undefined;
    });
  }

  /** Kills the member for good, as part of stopping its cluster. */
  retire(): Promise<void> {
    this.retired = true;
    return this.stop({ signal: "SIGKILL" });
  }

  private enqueue<T>(step: () => Promise<T>): Promise<T> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => {});
    return next;
  }
}

/** Where one member listens and keeps its files. */
interface MemberConfig {
  name: string;
  /** Client URL. */
  endpoint: string;
  peerUrl: string;
  /** The member's own directory: `data/` and `etcd.log`. */
  dir: string;
  dataDir: string;
  logFile: string;
}

function memberConfig(member: {
  name: string;
  dir: string;
  clientPort: number;
  peerPort: number;
}): MemberConfig {
  return {
    name: member.name,
    endpoint: `http://127.0.0.1:${member.clientPort}`,
    peerUrl: `http://127.0.0.1:${member.peerPort}`,
    dir: member.dir,
    dataDir: join(member.dir, "data"),
    logFile: join(member.dir, "etcd.log"),
  };
}

/**
 * etcd's command line for one member. `initialCluster` and `token` matter only on the first start;
 * on a later start etcd reads the membership from its data directory.
 */
function etcdArgs(
  member: MemberConfig,
  cluster: { initialCluster: string; token?: string },
  options: StartEtcdOptions,
): string[] {
  return [
    `--name=${member.name}`,
    `--data-dir=${member.dataDir}`,
    `--listen-client-urls=${member.endpoint}`,
    `--advertise-client-urls=${member.endpoint}`,
    `--listen-peer-urls=${member.peerUrl}`,
    `--initial-advertise-peer-urls=${member.peerUrl}`,
    `--initial-cluster=${cluster.initialCluster}`,
    ...(cluster.token
      ? [`--initial-cluster-token=${cluster.token}`, "--initial-cluster-state=new"]
      : []),
    "--logger=zap",
    `--log-outputs=${member.logFile}`,
    ...(options.extraArgs ?? []),
  ];
}

/** A new directory only this user may read: etcd warns about anything wider than mode 700. */
async function freshDir(parentDir: string | undefined, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(parentDir ?? tmpdir(), prefix));
  await chmod(dir, 0o700);
  return dir;
}

/** One etcd process, healthy. */
interface Launched {
  pid: number;
  /** Ends the process, by default with SIGTERM (once; later calls wait for the same end). */
  stop(signal?: StopSignal): Promise<void>;
}

/** Starts etcd and waits for /health; on failure kills it and reports the end of its output. */
async function launchEtcd(options: {
  bin: string;
  args: string[];
  endpoint: string;
  logFile: string;
  timeoutMs?: number;
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
  const stop = (signal: StopSignal = "SIGTERM") => {
    stopping ??= (async () => {
      if (!exited) await terminate(pid, exit, signal);
      killOnExit.delete(pid);
    })();
    return stopping;
  };

  try {
    const timeoutMs = options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    await waitHealthy(options.endpoint, timeoutMs, () => exited);
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

/** Sends `first`; after SIGTERM, SIGKILL follows if the process outlives the grace period. */
async function terminate(pid: number, exit: Promise<unknown>, first: StopSignal): Promise<void> {
  signal(pid, first);
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
