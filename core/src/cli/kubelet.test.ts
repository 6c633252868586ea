/**
 * A node joining from its own process, as on a real cluster: `tinykube up --nodes 1` runs, an
 * admin makes node-9 a kubeconfig with `tinykube kubeconfig user`, and `tinykube kubelet` with
 * that kubeconfig (and a static pod manifest) joins. node-9 becomes Ready with the next free
 * address, a pod the scheduler places there answers on its pod IP, its static pod shows as a
 * mirror pod; stopping both processes leaves nothing running (checked by PID and by command line).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Node, Pod } from "../api/types.ts";
import { resolveKubeconfig } from "../apiserver/kubeconfig.ts";
import {
  describeCertificate,
  ensureClusterPki,
  issueServingCertificate,
} from "../apiserver/pki.ts";
import { builtinType } from "../client/factory.ts";
import { RestClient } from "../client/rest.ts";
import { eventually } from "../controllers/testing.ts";
import { isAlive } from "../runtime/process/proc.ts";

const BIN = resolve(import.meta.dirname, "../../bin/tinykube.mjs");

/** A GET as the admin, whatever the body (a pod's log is text, not JSON). */
function httpsGet(
  url: string,
  admin: { caCertPem?: string; token?: string },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { ca: admin.caCertPem, headers: { authorization: `Bearer ${admin.token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

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

const STATIC_MANIFEST = `apiVersion: v1
kind: Pod
metadata:
  name: static-hello
spec:
  containers:
  - name: hello
    image: tinykube/hello:1.0
`;

describe("tinykube kubelet: a node joining from its own process", () => {
  const children: ChildProcess[] = [];
  let dir = "";
  let client: RestClient | undefined;
  afterEach(async () => {
    client?.close();
    client = undefined;
    // The kubelet first (it needs the API server to stop cleanly), then up.
    for (const child of children.splice(0).reverse()) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
        await exited;
        clearTimeout(timer);
      }
    }
    if (dir) {
      for (const pid of await processesUnder(dir)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  const run = (args: string[], output: string[]) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    child.stdout?.on("data", (d: Buffer) => output.push(d.toString()));
    child.stderr?.on("data", (d: Buffer) => output.push(d.toString()));
    return child;
  };
  /** Runs a command to its end; resolves with its exit code and standard output. */
  const runToEnd = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      child.once("exit", (code) => done({ code, stdout, stderr }));
    });

  it("joins with a kubeconfig from `tinykube kubeconfig user`, runs pods and a static pod, and stops without a trace", async () => {
    dir = await mkdtemp(join(tmpdir(), "tinykube-join-"));
    const dataDir = join(dir, "data");
    const upOut: string[] = [];
    const up = run(
      // No add-ons: they bind fixed addresses (DNS 127.96.0.10, ingress 127.1.0.1) that another
      // cluster under test may hold; this test is about the kubelet.
      ["up", "--data-dir", dataDir, "--port", "0", "--nodes", "1", "--addons", "none"],
      upOut,
    );
    const admin = resolveKubeconfig(
      await eventually(
        () => readFile(join(dataDir, "kubeconfig"), "utf8").catch(() => ""),
        (text) => text !== "",
        "tinykube up wrote its kubeconfig",
        20_000,
      ),
    );
    client = new RestClient({
      server: admin.server,
      caPem: admin.caCertPem as string,
      token: admin.token as string,
      qps: 0,
    });

    // The admin makes node-9 its identity, as kubeadm kubeconfig user does.
    const made = await runToEnd([
      "kubeconfig",
      "user",
      "--client-name",
      "system:node:node-9",
      "--org",
      "system:nodes",
      "--data-dir",
      dataDir,
    ]);
    expect(made.code, made.stderr).toBe(0);
    const nodeConfig = resolveKubeconfig(made.stdout);
    expect(nodeConfig.server).toBe(admin.server);
    const cert = describeCertificate(nodeConfig.clientCertificatePem as string);
    expect([cert.commonName, cert.organizations]).toEqual(["system:node:node-9", ["system:nodes"]]);
    const kubeconfigFile = join(dir, "node-9.conf");
    await writeFile(kubeconfigFile, made.stdout, { mode: 0o600 });
    const manifests = join(dir, "manifests");
    await mkdir(manifests);
    await writeFile(join(manifests, "hello.yaml"), STATIC_MANIFEST);

    // node-9's serving certificate, signed by the cluster CA as an admin would sign it (the
    // chapter 6 page does it with openssl): the API server verifies kubelets against that CA.
    const serving = await issueServingCertificate(await ensureClusterPki(dataDir), {
      commonName: "system:node:node-9",
      ips: ["127.1.0.2"],
      dnsNames: ["node-9"],
    });
    await writeFile(join(dir, "node-9.crt"), serving.certPem);
    await writeFile(join(dir, "node-9.key"), serving.keyPem, { mode: 0o600 });

    const kubeletOut: string[] = [];
    const rootDir = join(dir, "node-9");
    const kubelet = run(
      [
        "kubelet",
        "--kubeconfig",
        kubeconfigFile,
        "--node-name",
        "node-9",
        "--root-dir",
        rootDir,
        "--pod-manifest-path",
        manifests,
        "--tls-cert-file",
        join(dir, "node-9.crt"),
        "--tls-private-key-file",
        join(dir, "node-9.key"),
        // A free port: another cluster under test may hold 127.1.0.2:10250.
        "--port",
        "0",
      ],
      kubeletOut,
    );
    const nodes = client.resource<Node>(builtinType("nodes"));
    const node = await eventually(
      () => nodes.get("node-9").catch(() => undefined),
      (n) =>
        !!n?.spec?.podCIDR &&
        (n.status?.conditions as { type: string; status: string }[] | undefined)?.some(
          (c) => c.type === "Ready" && c.status === "True",
        ) === true,
      `node-9 Ready with a pod CIDR (kubelet said: ${kubeletOut.join("")})`,
      30_000,
    );
    expect(node?.status?.addresses, "the next address after up's node-1").toContainEqual({
      type: "InternalIP",
      address: "127.1.0.2",
    });

    // A pod the scheduler must place on node-9, and the static pod's mirror.
    const pods = client.resource<Pod>(builtinType("pods"), "default");
    await pods.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "on-nine" },
      spec: {
        nodeSelector: { "kubernetes.io/hostname": "node-9" },
        containers: [{ name: "hello", image: "tinykube/hello:1.0" }],
      },
    });
    for (const name of ["on-nine", "static-hello-node-9"]) {
      const pod = await eventually(
        () => pods.get(name).catch(() => undefined),
        (p) => p?.status?.phase === "Running" && !!p.status.podIP,
        `${name} Running on node-9`,
        60_000,
      );
      expect(pod?.spec.nodeName).toBe("node-9");
      const ip = pod?.status?.podIP as string;
      const answer = await eventually(
        () =>
          fetch(`http://${ip}:8080/`)
            .then((r) => r.text())
            .catch(() => ""),
        (text) => text !== "",
        `${name} answering on ${ip}:8080`,
        20_000,
      );
      expect(answer).toContain(`Hello from ${name} in default at ${ip}`);
    }
    // kubectl logs: the API server reaches node-9's kubelet at the port its Node reports.
    const port = (node?.status?.daemonEndpoints as { kubeletEndpoint?: { Port?: number } })
      ?.kubeletEndpoint?.Port;
    expect(port, "node-9 reports its kubelet's port").toBeGreaterThan(0);
    const logs = await eventually(
      () => httpsGet(`${admin.server}/api/v1/namespaces/default/pods/on-nine/log`, admin),
      (r) => r.status === 200 && r.text.includes("listening on"),
      "on-nine's log through the API server",
      20_000,
    );
    expect(logs.text).toContain("hello 1.0: pod default/on-nine listening on");

    const mirror = await pods.get("static-hello-node-9");
    expect(mirror.metadata.annotations?.["kubernetes.io/config.mirror"]).toBeTruthy();
    expect(mirror.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Node", name: "node-9" });

    // SIGTERM: the kubelet stops, then its containers; then up stops the rest.
    const kubeletExit = new Promise<number | null>((r) => kubelet.once("exit", r));
    kubelet.kill("SIGTERM");
    expect(await kubeletExit, kubeletOut.join("")).toBe(0);
    expect(isAlive(kubelet.pid as number), "the kubelet process").toBe(false);
    expect(await processesUnder(rootDir), "node-9's shims and containers").toEqual([]);
    const upExit = new Promise<number | null>((r) => up.once("exit", r));
    up.kill("SIGTERM");
    expect(await upExit, upOut.join("")).toBe(0);
    expect(isAlive(up.pid as number), "the up process").toBe(false);
    expect(await processesUnder(dir), "anything started from the test's directory").toEqual([]);
  }, 180_000);

  it("refuses to start without a node name, saying which flag is missing", async () => {
    const result = await runToEnd(["kubelet", "--kubeconfig", "/nonexistent"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("tinykube: --node-name: the node's name is required");
  });
});
