/**
 * The `tinykube` command end to end, as a user runs it: `tinykube up` with a scheduler
 * configuration file, then `tinykube scheduler --config` beside it — two processes, real HTTPS,
 * the data directory the only thing they share. Each process is killed by its PID afterwards.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Node, Pod } from "../api/types.ts";
import { resolveKubeconfig } from "../apiserver/kubeconfig.ts";
import { builtinType } from "../client/factory.ts";
import { RestClient } from "../client/rest.ts";
import { eventually } from "../controllers/testing.ts";
import { e2eNode, e2ePod } from "../scheduler/e2e-testing.ts";

const BIN = resolve(import.meta.dirname, "../../bin/tinykube.mjs");

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
        await exited;
      }
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

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
    run(
      ["up", "--data-dir", join(dir, "data"), "--port", "0", "--scheduler-config", upConfig],
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
    await admin.resource(builtinType("rbac.authorization.k8s.io/clusterroles")).create({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "my-scheduler-lease" },
      rules: [
        {
          apiGroups: ["coordination.k8s.io"],
          resources: ["leases"],
          resourceNames: ["my-scheduler"],
          verbs: ["get", "update"],
        },
      ],
    } as never);
    await admin.resource(builtinType("rbac.authorization.k8s.io/clusterrolebindings")).create({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "my-scheduler-lease" },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "my-scheduler-lease",
      },
      subjects: [
        { kind: "User", name: "system:kube-scheduler", apiGroup: "rbac.authorization.k8s.io" },
      ],
    } as never);

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
