/**
 * The `tinykube` command end to end, as a user runs it: `tinykube up` with a scheduler
 * configuration file, then `tinykube scheduler --config` beside it — two processes, real HTTPS,
 * the data directory the only thing they share. Each process is killed by its PID afterwards.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { Resolver } from "node:dns/promises";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { availableParallelism, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Node, Pod } from "../api/types.ts";
import { resolveKubeconfig } from "../apiserver/kubeconfig.ts";
import { builtinType } from "../client/factory.ts";
import { RestClient } from "../client/rest.ts";
import { eventually } from "../controllers/testing.ts";
import { e2eNode, e2ePod, grantSchedulerLease } from "../scheduler/e2e-testing.ts";
import { runKubectl } from "../testing/kubectl.ts";

const BIN = resolve(import.meta.dirname, "../../bin/tinykube.mjs");

/** PIDs whose command line mentions `dir` (the shims and containers a node started there). */
async function processesUnder(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(dir)) pids.push(Number(entry));
  }
  return pids;
}

/** GET on a connection of its own (no keep-alive), with extra headers. */
function getOnce(url: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    })
      .on("error", reject)
      .end();
  });
}
describe("tinykube up and tinykube scheduler", () => {
  const children: ChildProcess[] = [];
  let dir = "";
  let client: RestClient | undefined;
  afterEach(async () => {
    client?.close();
    for (const child of children.splice(0)) {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        // Stopping stops the nodes' containers too; a stop that hangs is ended by force.
        const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
        await exited;
        clearTimeout(timer);
      }
    }
    // Whatever a failed test left: the shims and containers our `up` started, named by our dir.
    if (dir) {
      for (const pid of await processesUnder(dir)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 40_000);

  const run = (args: string[], output: string[]) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    child.stdout?.on("data", (d: Buffer) => output.push(d.toString()));
    child.stderr?.on("data", (d: Buffer) => output.push(d.toString()));
    return child;
  };

  it("a second scheduler from its own configuration binds the pods that name it", async () => {
    dir = await mkdtemp(join(tmpdir(), "tinykube-cli-"));
    const upConfig = join(dir, "default.yaml");
    // Two profiles in one scheduler: a pod naming the second is bound only if the file was read.
    await writeFile(
      upConfig,
      [
        "apiVersion: kubescheduler.config.k8s.io/v1",
        "kind: KubeSchedulerConfiguration",
        "profiles:",
        "- schedulerName: default-scheduler",
        "- schedulerName: packing-scheduler",
        "",
      ].join("\n"),
    );
    const upOut: string[] = [];
    // No kubelets: the test's own node n1 is the only one, so every pod must land there.
    run(
      [
        "up",
        "--data-dir",
        join(dir, "data"),
        "--port",
        "0",
        "--nodes",
        "0",
        "--addons",
        "none",
        "--scheduler-config",
        upConfig,
      ],
      upOut,
    );
    const kubeconfigText = await eventually(
      () => readFile(join(dir, "data", "kubeconfig"), "utf8").catch(() => ""),
      (text) => text !== "",
      "tinykube up wrote its kubeconfig",
      20_000,
    );
    const kc = resolveKubeconfig(kubeconfigText);
    client = new RestClient({
      server: kc.server,
      caPem: kc.caCertPem as string,
      token: kc.token as string,
      qps: 0,
    });
    const admin = client;
    await admin.resource<Node>(builtinType("nodes")).create(e2eNode("n1"));
    // As in Kubernetes' "Configure Multiple Schedulers": the role covers only kube-scheduler's
    // Lease, so grant the second scheduler's.
    await grantSchedulerLease(admin, "my-scheduler");

    const mineConfig = join(dir, "mine.yaml");
    await writeFile(
      mineConfig,
      [
        "apiVersion: kubescheduler.config.k8s.io/v1",
        "kind: KubeSchedulerConfiguration",
        "leaderElection:",
        "  resourceName: my-scheduler",
        "  leaseDuration: 4s",
        "  renewDeadline: 3s",
        "  retryPeriod: 500ms",
        "profiles:",
        "- schedulerName: my-scheduler",
        "",
      ].join("\n"),
    );
    const mineOut: string[] = [];
    run(["scheduler", "--config", mineConfig, "--data-dir", join(dir, "data")], mineOut);
    await eventually(
      async () => mineOut.join(""),
      (text) => text.includes("[scheduler my-scheduler] leading"),
      "the second scheduler leading its own Lease",
      20_000,
    );
    const pods = admin.resource<Pod>(builtinType("pods"), "default");
    await pods.create({
      ...e2ePod("custom"),
      spec: { ...e2ePod("custom").spec, schedulerName: "my-scheduler" },
    });
    await pods.create(e2ePod("plain"));
    await pods.create({
      ...e2ePod("packed"),
      spec: { ...e2ePod("packed").spec, schedulerName: "packing-scheduler" },
    });
    for (const name of ["custom", "plain", "packed"]) {
      await eventually(
        () => pods.get(name),
        (p) => p.spec.nodeName === "n1",
        `${name} bound`,
      );
    }
    const lease = await admin
      .resource<{ spec?: { holderIdentity?: string } } & Pod>(
        builtinType("coordination.k8s.io/leases"),
        "kube-system",
      )
      .get("my-scheduler");
    expect(lease.spec?.holderIdentity, "a Lease of its own, held").toBeTruthy();
  }, 60_000);

  it("up --nodes 2: a Deployment's pods run as real processes, answer on their pod IPs, and stop with up", async () => {
    dir = await mkdtemp(join(tmpdir(), "tinykube-cli-"));
    const dataDir = join(dir, "data");
    const out: string[] = [];
    const up = run(["up", "--data-dir", dataDir, "--port", "0", "--nodes", "2"], out);
    const kc = resolveKubeconfig(
      await eventually(
        () => readFile(join(dataDir, "kubeconfig"), "utf8").catch(() => ""),
        (text) => text !== "",
        "tinykube up wrote its kubeconfig",
        20_000,
      ),
    );
    client = new RestClient({
      server: kc.server,
      caPem: kc.caCertPem as string,
      token: kc.token as string,
      qps: 0,
    });
    const admin = client;
    await admin.resource(builtinType("apps/deployments"), "default").create({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "hello", image: "tinykube/hello:1.0" }] },
        },
      },
    } as never);
    const pods = admin.resource<Pod>(builtinType("pods"), "default");
    const running = await eventually(
      async () => (await pods.list({ labelSelector: "app=web" })).items,
      (list) =>
        list.length === 2 && list.every((p) => p.status?.phase === "Running" && p.status.podIP),
      "two web pods Running with pod IPs",
      60_000,
    );
    // Each kubelet reports the machine it runs on, as cAdvisor reads it.
    const node1 = await admin.resource<Node>(builtinType("nodes")).get("node-1");
    expect(node1.status?.capacity).toMatchObject({
      cpu: String(availableParallelism()),
      memory: `${Math.floor(totalmem() / 1024)}Ki`,
      pods: "110",
    });
    for (const pod of running) {
      expect(pod.spec.nodeName).toMatch(/^node-[12]$/);
      expect(pod.status?.podIP, "an address from the cluster's pod range 127.128.0.0/9").toMatch(
        /^127\.(1[2-9]\d|2[0-5]\d)\./,
      );
      // Running means the process started; the server listens a moment later (no readiness probe).
      const answer = await eventually(
        () =>
          fetch(`http://${pod.status?.podIP}:8080/`)
            .then((r) => r.text())
            .catch(() => ""),
        (text) => text !== "",
        `${pod.metadata.name} answering on ${pod.status?.podIP}:8080`,
        20_000,
      );
      expect(answer).toContain(
        `Hello from ${pod.metadata.name} in default at ${pod.status?.podIP}`,
      );
      // kubectl logs: the API server asks the pod's kubelet on <node address>:10250.
      const logs = await runKubectl(["logs", pod.metadata.name as string], {
        kubeconfig: join(dataDir, "kubeconfig"),
        timeoutMs: 30_000,
      });
      expect(logs.stderr).toBe("");
      expect(logs.stdout).toContain(`pod default/${pod.metadata.name} listening on`);
      expect(logs.stdout).toContain("GET / 200");
    }

    // The add-ons: a Service's ClusterIP through kube-proxy, its name through the cluster DNS,
    // and an Ingress host through the ingress controller all reach both pods.
    await admin.resource(builtinType("services"), "default").create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: {
        clusterIP: "127.96.0.50",
        selector: { app: "web" },
        ports: [{ name: "http", port: 80, targetPort: 8080 }],
      },
    } as never);
    await admin.resource(builtinType("networking.k8s.io/ingresses"), "default").create({
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: { name: "web" },
      spec: {
        rules: [
          {
            host: "web.example",
            http: {
              paths: [
                {
                  path: "/",
                  pathType: "Prefix",
                  backend: { service: { name: "web", port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    } as never);
    const names = new Set(running.map((p) => p.metadata.name));
    const answeredBy = (text: string) => /^Hello from (\S+) /.exec(text)?.[1] ?? "";
    const reachesBoth = async (what: string, get: () => Promise<string>) => {
      const seen = new Set<string>();
      await eventually(
        async () => {
          seen.add(answeredBy(await get().catch(() => "")));
          return seen;
        },
        (s) => [...names].every((n) => s.has(n as string)),
        `${what} reaching both pods`,
        30_000,
      );
    };
    // A new connection each time: the userspace proxy picks an endpoint per connection.
    await reachesBoth("the ClusterIP 127.96.0.50:80", () => getOnce("http://127.96.0.50/"));
    const dnsLine = await eventually(
      async () => out.join("").match(/\[dns\] serving cluster\.local on 127\.96\.0\.10:(\d+)/),
      (m) => m !== null,
      "the DNS server's address in up's output",
    );
    const resolver = new Resolver();
    resolver.setServers([`127.96.0.10:${dnsLine?.[1]}`]);
    expect(await resolver.resolve4("web.default.svc.cluster.local")).toEqual(["127.96.0.50"]);
    const ingressLine = await eventually(
      async () => out.join("").match(/\[ingress\] serving http:\/\/127\.1\.0\.1:(\d+)/),
      (m) => m !== null,
      "the ingress controller's address in up's output",
    );
    await reachesBoth("the Ingress host web.example", () =>
      getOnce(`http://127.1.0.1:${ingressLine?.[1]}/`, { host: "web.example" }),
    );

    // Ctrl-C: up stops its kubelets and their pods' processes; nothing of the cluster is left.
    const exited = new Promise((r) => up.once("exit", r));
    up.kill("SIGTERM");
    await exited;
    expect(
      await processesUnder(dataDir),
      "processes still running from the data directory",
    ).toEqual([]);
  }, 120_000);

  it("refuses a configuration file that does not validate, naming the file", async () => {
    dir = await mkdtemp(join(tmpdir(), "tinykube-cli-"));
    const bad = join(dir, "bad.yaml");
    await writeFile(
      bad,
      "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\npodInitialBackoffSeconds: 0\n",
    );
    const out: string[] = [];
    const child = run(["scheduler", "--config", bad, "--data-dir", join(dir, "data")], out);
    const code = await new Promise((r) => child.once("exit", r));
    expect(code).toBe(1);
    expect(out.join("")).toContain(
      `tinykube: ${bad}: podInitialBackoffSeconds: Invalid value: 0: must be greater than 0`,
    );
  });
});
