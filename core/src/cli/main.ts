/**
 * The `tinykube` command.
 *
 *   tinykube up [--data-dir DIR] [--port PORT] [--store embedded|etcd://host:port,...]
 *               [--nodes N] [--scheduler-config FILE] [-v]
 *   tinykube scheduler --config FILE [--data-dir DIR] [-v]
 *   tinykube kubelet --kubeconfig FILE --node-name NAME [--address IP] [--root-dir DIR]
 *                    [--pod-manifest-path DIR] [-v]
 *   tinykube kubeconfig user --client-name NAME [--org GROUP]... [--data-dir DIR]
 *   tinykube proxy rules [--mode iptables] [--node NAME] [--restore] [--data-dir DIR]
 *
 * `up` starts the store, the API server, the controller manager and the scheduler (each
 * leader-elected, as its own user, talking to the API server over HTTPS like any client;
 * later chapters add the other components), and N kubelets (default 3) on the process runtime:
 * node-1 … node-N at 127.1.0.1 … 127.1.0.N, each as system:node:<name> with its own runtime
 * directory under DIR/nodes, and the networking add-ons (addons.ts: kube-proxy per node, the
 * cluster DNS, the ingress controller; `--addons none` leaves them out). It writes the admin kubeconfig once the server answers, and stops
 * cleanly on SIGINT or SIGTERM — including the pods' processes: in a real cluster containers
 * outlive their kubelet, but a cluster on one's laptop should leave nothing running. The scheduler reads a KubeSchedulerConfiguration
 * file when given one, as kube-scheduler's --config.
 *
 * `scheduler` runs one more scheduler beside a running tinykube, from its own configuration (its
 * profiles' schedulerNames and its leaderElection.resourceName), as user system:kube-scheduler,
 * finding the server in DIR/kubeconfig and its token in DIR/tokens.csv.
 *
 * `kubelet` runs one more node in its own process, joining a running cluster with nothing but a
 * kubeconfig (kubelet-command.ts); `kubeconfig user` prints one, with a client certificate signed
 * by DIR/pki's CA, as `kubeadm kubeconfig user` does (kubeconfig-command.ts):
 *
 *   tinykube kubeconfig user --client-name system:node:node-9 --org system:nodes > node-9.conf
 *   tinykube kubelet --kubeconfig node-9.conf --node-name node-9
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parseTokenFile } from "../apiserver/authn.ts";
import { resolveKubeconfig } from "../apiserver/kubeconfig.ts";
import { ensureClusterPki, issueServingCertificate } from "../apiserver/pki.ts";
import { startApiServer } from "../apiserver/start.ts";
import { RestClient } from "../client/rest.ts";
import { startControllerManager } from "../controllers/manager.ts";
import { DEFAULT_KUBELET_PORT } from "../kubelet/server.ts";
import { parseSchedulerConfig, type SchedulerConfig } from "../scheduler/framework/config.ts";
import { startScheduler } from "../scheduler/start.ts";
import { CLUSTER_DNS_IP, CLUSTER_DOMAIN, startAddons } from "./addons.ts";
import { kubeconfigCommand } from "./kubeconfig-command.ts";
import { kubeletCommand } from "./kubelet-command.ts";
import { processNode } from "./node.ts";
import { repoRoot } from "./paths.ts";
import { proxyRulesCommand } from "./proxy-command.ts";

const USAGE = `usage: tinykube up [--data-dir DIR] [--port PORT] [--store embedded|etcd://host:port,...] [--nodes N] [--scheduler-config FILE] [--addons all|none] [-v]
       tinykube scheduler --config FILE [--data-dir DIR] [-v]
       tinykube kubelet --kubeconfig FILE --node-name NAME [--address IP] [--root-dir DIR] [--pod-manifest-path DIR] [-v]
           (SIGINT/SIGTERM stop the kubelet and then its node's containers, as up stops its nodes)
       tinykube kubeconfig user --client-name NAME [--org GROUP]... [--data-dir DIR]
       tinykube proxy rules [--mode iptables] [--node NAME] [--restore] [--data-dir DIR]`;

/** A KubeSchedulerConfiguration file, parsed; errors name the file. */
async function readSchedulerConfig(file: string): Promise<SchedulerConfig> {
  try {
    return parseSchedulerConfig(await readFile(file, "utf8"));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
}

async function up(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      "data-dir": { type: "string", default: resolve(repoRoot, ".tinykube") },
      port: { type: "string", default: "6443" },
      store: { type: "string", default: "embedded" },
      "scheduler-config": { type: "string" },
      nodes: { type: "string", default: "3" },
      addons: { type: "string", default: "all" },
      verbose: { type: "boolean", short: "v", default: false },
    },
  });
  const nodeCount = Number(values.nodes);
  if (!Number.isInteger(nodeCount) || nodeCount < 0 || nodeCount > 254)
    throw new Error(`--nodes: expected a number of nodes from 0 to 254, got ${values.nodes}`);
  const nodeNames = Array.from({ length: nodeCount }, (_, i) => `node-${i + 1}`);
  const schedulerConfig = values["scheduler-config"]
    ? await readSchedulerConfig(values["scheduler-config"])
    : undefined;
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
    nodes: nodeNames,
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
    config: schedulerConfig,
    log,
    onLeading: (leading) => log(`[scheduler] ${leading ? "leading: scheduling pods" : "stopped"}`),
  });
  const nodes = nodeNames.map((name, i) => ({ name, address: `127.1.0.${i + 1}` }));
  if (values.addons !== "all" && values.addons !== "none")
    throw new Error(`--addons: expected "all" or "none", got ${values.addons}`);
  const addons =
    values.addons === "all" ? await startAddons({ api: running, nodes, log }) : undefined;
  const dns = addons ? { clusterDNS: [CLUSTER_DNS_IP], port: addons.dnsPort } : undefined;
  const kubelets = await Promise.all(
    nodes.map((n) => startNode(running, dataDir, n.name, n.address, log, dns)),
  );
  console.log(
    `\ntinykube is up in ${((performance.now() - started) / 1000).toFixed(1)} s: API server ${running.url}, controller manager, scheduler, ${kubelets.length} kubelet(s)\n\n` +
      `  export KUBECONFIG=${running.kubeconfigPath}\n  kubectl get namespaces\n\nCtrl-C stops it; the data stays in ${dataDir}.`,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    await Promise.all(kubelets.map((k) => k.stop()));
    await addons?.stop();
    await scheduler.stop();
    await controllerManager.stop();
    await running.stop();
    console.log("stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

/**
 * One node: a process runtime with its image store under DIR/nodes/<name>, and a kubelet as
 * system:node:<name> whose HTTPS server listens on <address>:10250 with a serving certificate
 * from the cluster CA (the API server verifies it when it proxies `kubectl logs`). stop() stops
 * the kubelet, then every container and sandbox of the node.
 */
async function startNode(
  api: Awaited<ReturnType<typeof startApiServer>>,
  dataDir: string,
  name: string,
  address: string,
  log: (line: string) => void,
  dns?: { clusterDNS: string[]; port: number },
): Promise<{ stop(): Promise<void> }> {
  const pki = await ensureClusterPki(dataDir);
  const serving = await issueServingCertificate(pki, {
    commonName: `system:node:${name}`,
    ips: [address],
    dnsNames: [name],
  });
  const node = processNode({
    client: new RestClient({
      server: api.url,
      caPem: api.caCertPem,
      token: api.tokenFor(`system:node:${name}`) as string,
      userAgent: `kubelet/${name}`,
      // KubeletConfiguration's kubeAPIQPS 50 and kubeAPIBurst 100.
      qps: 50,
      burst: 100,
    }),
    name,
    address,
    rootDir: join(dataDir, "nodes", name),
    ...(dns
      ? {
          dns: {
            ...dns,
            clusterDomain: CLUSTER_DOMAIN,
            hostResolvConf: await readFile("/etc/resolv.conf", "utf8").catch(() => ""),
          },
        }
      : {}),
    server: {
      port: DEFAULT_KUBELET_PORT,
      tls: { certPem: serving.certPem, keyPem: serving.keyPem, caPem: pki.ca.certPem },
    },
    log,
  });
  await node.kubelet.start();
  return node;
}

/** `tinykube scheduler`: one more scheduler, beside a running tinykube. */
async function scheduler(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: "string" },
      "data-dir": { type: "string", default: resolve(repoRoot, ".tinykube") },
      verbose: { type: "boolean", short: "v", default: false },
    },
  });
  if (!values.config) throw new Error("--config: a KubeSchedulerConfiguration file is required");
  const config = await readSchedulerConfig(values.config);
  const dataDir = resolve(values["data-dir"] as string);
  const kubeconfig = resolveKubeconfig(
    await readFile(join(dataDir, "kubeconfig"), "utf8").catch(() => {
      throw new Error(`no kubeconfig in ${dataDir}: start tinykube first (tinykube up)`);
    }),
  );
  const tokens = parseTokenFile(await readFile(join(dataDir, "tokens.csv"), "utf8"));
  const token = tokens.records.find((r) => r.user.username === "system:kube-scheduler")?.token;
  if (!token)
    throw new Error(`${join(dataDir, "tokens.csv")} has no token for system:kube-scheduler`);
  const names = config.profiles.map((p) => p.schedulerName).join(", ");
  const lease = config.leaderElection;
  const running = startScheduler({
    server: kubeconfig.server,
    caPem: kubeconfig.caCertPem ?? "",
    token,
    config,
    log: (line) => console.log(line),
    onLeading: (leading) =>
      console.log(`[scheduler ${names}] ${leading ? "leading: scheduling pods" : "stopped"}`),
  });
  console.log(
    `[scheduler ${names}] started against ${kubeconfig.server}` +
      (lease.leaderElect
        ? `; leader election on the Lease ${lease.resourceNamespace}/${lease.resourceName}` +
          " (system:kube-scheduler may update only kube-scheduler: grant it this one, see the chapter 5 page)"
        : "; leader election off"),
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    await running.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === "up") await up(rest);
  else if (command === "scheduler") await scheduler(rest);
  else if (command === "kubelet") await kubeletCommand(rest);
  else if (command === "kubeconfig") await kubeconfigCommand(rest);
  else if (command === "proxy") await proxyRulesCommand(rest);
  else {
    console.error(USAGE);
    process.exitCode = 1;
  }
} catch (error) {
  console.error(`tinykube: ${(error as Error).message}`);
  process.exitCode = 1;
}
