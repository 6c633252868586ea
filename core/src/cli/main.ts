/**
 * The `tinykube` command.
 *
 *   tinykube up [--data-dir DIR] [--port PORT] [--store embedded|etcd://host:port,...] [-v]
 *
 * `up` starts the store, the API server, the controller manager and the scheduler (each
 * leader-elected, as its own user, talking to the API server over HTTPS like any client;
 * later chapters add the other components), writes the admin kubeconfig once the server
 * answers, and stops cleanly on SIGINT or SIGTERM.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { startApiServer } from "../apiserver/start.ts";
import { startControllerManager } from "../controllers/manager.ts";
import { startScheduler } from "../scheduler/start.ts";
import { repoRoot } from "./paths.ts";

const USAGE = `usage: tinykube up [--data-dir DIR] [--port PORT] [--store embedded|etcd://host:port,...] [-v]`;

async function up(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      "data-dir": { type: "string", default: resolve(repoRoot, ".tinykube") },
      port: { type: "string", default: "6443" },
      store: { type: "string", default: "embedded" },
      verbose: { type: "boolean", short: "v", default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port: expected a port number, got ${values.port}`);
  const store = values.store as string;
  let etcd: string[] | undefined;
  if (store.startsWith("etcd://")) {
    etcd = store
      .slice("etcd://".length)
      .split(",")
      .map((hostPort) => `http://${hostPort}`);
  } else if (store !== "embedded") {
    throw new Error(`--store: expected "embedded" or etcd://host:port,..., got ${store}`);
  }
  const dataDir = resolve(values["data-dir"] as string);
  const started = performance.now();
  const running = await startApiServer({
    dataDir,
    port,
    ...(etcd ? { etcd } : {}),
    log: (line) => {
      if (values.verbose || !line.includes("watch cache")) console.log(line);
    },
  });
  const log = (line: string) => {
    if (values.verbose || !line.includes("watch cache")) console.log(line);
  };
  const controllerManager = startControllerManager({
    server: running.url,
    caPem: running.caCertPem,
    token: running.tokenFor("system:kube-controller-manager") as string,
    log,
    onLeading: (leading) =>
      log(
        `[controller-manager] ${leading ? "leading: controllers started" : "controllers stopped"}`,
      ),
  });
  const scheduler = startScheduler({
    server: running.url,
    caPem: running.caCertPem,
    token: running.tokenFor("system:kube-scheduler") as string,
    log,
    onLeading: (leading) => log(`[scheduler] ${leading ? "leading: scheduling pods" : "stopped"}`),
  });
  console.log(
    `\ntinykube is up in ${((performance.now() - started) / 1000).toFixed(1)} s: API server ${running.url}, controller manager, scheduler\n\n` +
      `  export KUBECONFIG=${running.kubeconfigPath}\n  kubectl get namespaces\n\nCtrl-C stops it; the data stays in ${dataDir}.`,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    await scheduler.stop();
    await controllerManager.stop();
    await running.stop();
    console.log("stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === "up") await up(rest);
  else {
    console.error(USAGE);
    process.exitCode = 1;
  }
} catch (error) {
  console.error(`tinykube: ${(error as Error).message}`);
  process.exitCode = 1;
}
