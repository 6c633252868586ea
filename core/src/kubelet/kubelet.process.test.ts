/**
 * The kubelet on the process runtime: real processes from the project's images, a real API
 * server, real time. Every process a test started is killed by pid afterwards.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Pod } from "../api/types.ts";
import { eventually } from "../controllers/testing.ts";
import { NodeImageStore } from "../runtime/images/store.ts";
import { readJson } from "../runtime/process/files.ts";
import { isAlive } from "../runtime/process/proc.ts";
import type { ContainerStateRecord } from "../runtime/process/records.ts";
import { ProcessRuntime } from "../runtime/process/runtime.ts";
import { killAndRemove, temporaryRoot } from "../runtime/process/testing.ts";
import { Kubelet } from "./kubelet.ts";
import { type KubeletTestCluster, podOn, startKubeletTestCluster } from "./testing.ts";

const POD_CIDR = "127.128.9.0/24";

const httpGet = (url: string) => fetch(url).then((r) => r.text());

const containerIdOf = (pod: Pod) =>
  String(pod.status?.containerStatuses?.[0]?.containerID).replace("tinykube://", "");

describe("the kubelet on the process runtime", () => {
  let cluster: KubeletTestCluster | undefined;
  let root = "";
  const kubelets: Kubelet[] = [];
  const runtimes: ProcessRuntime[] = [];
  /** Every container process seen, by pid and start time: killed whatever state the test left. */
  const pids: { pid: number; ticks?: number }[] = [];
  afterEach(async () => {
    for (const k of kubelets.splice(0)) await k.stop();
    for (const r of runtimes.splice(0)) await r.close();
    for (const { pid, ticks } of pids.splice(0)) {
      if (isAlive(pid, ticks)) process.kill(-pid, "SIGKILL");
    }
    if (root) await killAndRemove(join(root, "node"));
    if (root) await killAndRemove(root);
    await cluster?.close();
    cluster = undefined;
  });

  const startKubelet = async () => {
    const runtime = new ProcessRuntime({
      root: join(root, "node"),
      images: new NodeImageStore({ root: join(root, "images") }),
    });
    runtimes.push(runtime);
    const kubelet = new Kubelet({
      client: (cluster as KubeletTestCluster).node,
      nodeName: "node-1",
      address: "127.1.0.1",
      runtime,
      rootDir: join(root, "kubelet"),
      podCIDR: POD_CIDR,
      relistPeriodMs: 200,
    });
    kubelets.push(kubelet);
    await kubelet.start();
    return { kubelet, runtime };
  };

  const running = (name: string) =>
    eventually(
      () => (cluster as KubeletTestCluster).getPod(name),
      (p) => p?.status?.phase === "Running" && p.status.containerStatuses?.[0]?.ready === true,
      `${name} Running and ready`,
      30_000,
    ) as Promise<Pod>;

  /** The container's process, from the runtime's record; remembered for afterEach. */
  const processOf = async (containerId: string) => {
    const state = await readJson<ContainerStateRecord>(
      join(root, "node", "containers", containerId, "state.json"),
    );
    const pid = state?.pid as number;
    pids.push({ pid, ticks: state?.pidStartTicks });
    return { pid, ticks: state?.pidStartTicks };
  };

  const setUp = async () => {
    cluster = await startKubeletTestCluster();
    root = await temporaryRoot("kubelet");
    await cluster.pods.create(
      podOn("node-1", "hello", [{ name: "hello", image: "tinykube/hello:1.0" }]),
    );
    return cluster;
  };

  it("runs tinykube/hello: Running, an IP in the pod CIDR, answering HTTP on it", async () => {
    await setUp();
    await startKubelet();
    const pod = await running("hello");
    await processOf(containerIdOf(pod));
    expect(pod.status?.podIP).toMatch(/^127\.128\.9\.\d+$/);
    const body = await eventually(
      () => httpGet(`http://${pod.status?.podIP}:8080/`).catch((e: Error) => e.message),
      (text) => text.startsWith("Hello from"),
      "an answer from the pod",
    );
    expect(body).toMatch(/^Hello from hello in default at 127\.128\.9\.\d+/);
  });

  it("deletes: the process stops within the grace period and the pod object goes", async () => {
    const c = await setUp();
    await startKubelet();
    const pod = await running("hello");
    const { pid, ticks } = await processOf(containerIdOf(pod));
    expect(isAlive(pid, ticks)).toBe(true);
    await c.pods.delete("hello", { gracePeriodSeconds: 5 });
    await eventually(
      () => c.getPod("hello"),
      (p) => p === undefined,
      "the pod object gone",
      5_000,
    );
    expect(isAlive(pid, ticks)).toBe(false);
  });

  it("a new kubelet after stop() adopts the running container: same ID, same restart count", async () => {
    const c = await setUp();
    const first = await startKubelet();
    const before = await running("hello");
    const { pid, ticks } = await processOf(containerIdOf(before));
    await first.kubelet.stop();
    await first.runtime.close();
    expect(isAlive(pid, ticks)).toBe(true);
    // Wipe the reported status, so only the new kubelet can bring it back.
    await c.pods.patch(
      "hello",
      { status: { phase: "Pending", containerStatuses: null } },
      "merge",
      { subresource: "status" },
    );
    await startKubelet();
    const after = await running("hello");
    expect(containerIdOf(after)).toBe(containerIdOf(before));
    expect(after.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    expect(after.status?.podIP).toBe(before.status?.podIP);
    expect(isAlive(pid, ticks)).toBe(true);
  });
});
