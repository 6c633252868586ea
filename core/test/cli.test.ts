/**
 * `tinykube up` as a user runs it: a process that writes its kubeconfig once it answers, serves
 * the real kubectl, stops cleanly on SIGTERM or SIGINT, and keeps its data across restarts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ETCD_NOT_FOUND, findEtcd, startEtcd } from "../src/store/etcd-server.ts";
import { findKubectl, runKubectl } from "../src/testing/kubectl.ts";

const bin = join(dirname(fileURLToPath(import.meta.url)), "..", "bin", "tinykube.mjs");
const kubectl = findKubectl();
const started: ChildProcess[] = [];
let dataDir: string;

afterAll(async () => {
  for (const child of started) if (child.exitCode === null) child.kill("SIGKILL");
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/**
 * Starts `tinykube up` without kubelets (this test registers its node by hand, to see the
 * scheduler's "no nodes" first) and resolves with its output once it says it is up.
 */
function up(
  dir: string,
  extra: string[] = [],
): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  const args = [
    bin,
    "up",
    "--data-dir",
    dir,
    "--port",
    "0",
    "--nodes",
    "0",
    "--addons",
    "none",
    ...extra,
  ];
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`tinykube up did not come up within 20 s:\n${output}`)),
      20_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("tinykube is up")) {
        clearTimeout(timer);
        resolve({ child, output: () => output, exited });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`tinykube up exited with ${code} before it was up:\n${output}`));
    });
  });
}

describe("tinykube up", () => {
  it("serves kubectl, stops on SIGTERM and SIGINT, and keeps its data", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "tinykube-cli-"));
    const first = await up(dataDir);
    const kubeconfig = join(dataDir, "kubeconfig");
    expect(existsSync(kubeconfig)).toBe(true);
    expect(first.output()).toContain(`export KUBECONFIG=${kubeconfig}`);
    const run = (args: string[]) => runKubectl(args, { kubeconfig, kubectl: kubectl.path });
    expect((await run(["get", "ns", "default", "-o", "name"])).stdout.trim()).toBe(
      "namespace/default",
    );
    expect((await run(["create", "configmap", "kept", "--from-literal=a=b"])).stdout.trim()).toBe(
      "configmap/kept created",
    );

    // The controller manager runs inside `up`: a Deployment gets its ReplicaSet and pods.
    expect(
      (
        await run(["create", "deployment", "web", "--image=tinykube/hello", "--replicas=2"])
      ).stdout.trim(),
    ).toBe("deployment.apps/web created");
    const deadline = Date.now() + 15_000;
    let pods = "";
    while (Date.now() < deadline) {
      pods = (await run(["get", "pods", "-l", "app=web", "-o", "name"])).stdout.trim();
      if (pods.split("\n").filter(Boolean).length === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(pods.split("\n"), "the controller manager made 2 pods").toHaveLength(2);
    expect(first.output()).toContain("[controller-manager] leading: controllers started");
    // The scheduler runs too: with no node yet it says so, and binds the pods once a node joins.
    expect(first.output()).toContain("[scheduler] leading: scheduling pods");
    const until = async (args: string[], want: (out: string) => boolean) => {
      const end = Date.now() + 15_000;
      let out = "";
      while (Date.now() < end) {
        out = (await run(args)).stdout.trim();
        if (want(out)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      return out;
    };
    expect(
      await until(
        [
          "get",
          "events",
          "--field-selector",
          "reason=FailedScheduling",
          "-o",
          "jsonpath={.items[0].message}",
        ],
        Boolean,
      ),
    ).toBe("no nodes available to schedule pods");
    const node = join(dataDir, "node.json");
    await writeFile(
      node,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Node",
        metadata: { name: "node-1" },
        status: {
          allocatable: { cpu: "4", memory: "8Gi", pods: "110" },
          capacity: { cpu: "4", memory: "8Gi", pods: "110" },
        },
      }),
    );
    expect((await run(["create", "-f", node])).stdout.trim()).toBe("node/node-1 created");
    expect(
      await until(
        ["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.nodeName}"],
        (o) => o === "node-1 node-1",
      ),
    ).toBe("node-1 node-1");

    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/SIGTERM: stopping\n(\[.*\n)*stopped\n$/);

    const second = await up(dataDir);
    expect(second.output()).not.toMatch(/bootstrap: created/);
    expect((await run(["get", "cm", "kept", "-o", "jsonpath={.data.a}"])).stdout).toBe("b");
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
  }, 60_000);

  it("refuses bad flags with a clear message", async () => {
    const child = spawn(process.execPath, [bin, "up", "--store", "mysql://x"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    started.push(child);
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /--store: expected "embedded" or etcd:\/\/host:port,\.\.\., got mysql:\/\/x/,
    );
  });
});

const etcdBin = findEtcd();
if (!etcdBin) console.warn(ETCD_NOT_FOUND);

describe.skipIf(!etcdBin)("tinykube up --store etcd://", () => {
  it("keeps the cluster's state in a real etcd", async () => {
    const etcd = await startEtcd({ bin: etcdBin });
    const dir = await mkdtemp(join(tmpdir(), "tinykube-cli-etcd-"));
    try {
      const hostPort = etcd.endpoint.replace(/^http:\/\//, "");
      const server = await up(dir, ["--store", `etcd://${hostPort}`]);
      expect(server.output()).toContain(`store: etcd at ${etcd.endpoint}`);
      const kubeconfig = join(dir, "kubeconfig");
      const created = await runKubectl(["create", "configmap", "in-etcd", "--from-literal=a=b"], {
        kubeconfig,
        kubectl: kubectl.path,
      });
      expect(created.stdout.trim()).toBe("configmap/in-etcd created");
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    } finally {
      await etcd.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
