import { afterEach, describe, expect, it } from "vitest";
import type { Pod } from "../api/types.ts";
import { builtinType } from "../client/factory.ts";
import { FakeRuntime } from "../runtime/fake/runtime.ts";
import { FakeClock } from "../util/clock.ts";
import { Kubelet } from "./kubelet.ts";
import { POD_UID_LABEL } from "./runtime-pod.ts";
import {
  advanceUntil,
  type KubeletTestCluster,
  podOn,
  startKubeletTestCluster,
} from "./testing.ts";

type Status = { state: Record<string, Record<string, unknown>>; restartCount: number };
const statusOf = (pod: Pod | undefined) =>
  pod?.status?.containerStatuses?.[0] as Status | undefined;

describe("the kubelet on the fake runtime", () => {
  let cluster: KubeletTestCluster | undefined;
  const kubelets: Kubelet[] = [];
  const runtimes: FakeRuntime[] = [];
  afterEach(async () => {
    for (const k of kubelets.splice(0)) await k.stop();
    for (const r of runtimes.splice(0)) await r.close();
    await cluster?.close();
    cluster = undefined;
  });

  const setUp = async (options: { podCIDR?: string } = { podCIDR: "10.244.1.0/24" }) => {
    cluster = await startKubeletTestCluster();
    const clock = new FakeClock(Date.parse("2026-11-27T10:00:00Z"));
    const runtime = new FakeRuntime({ clock });
    runtimes.push(runtime);
    const kubelet = new Kubelet({
      client: cluster.node,
      nodeName: "node-1",
      address: "127.1.0.1",
      runtime,
      rootDir: "/tmp/tinykube-kubelet-fake",
      clock,
      ...options,
    });
    kubelets.push(kubelet);
    await kubelet.start();
    const c = cluster;
    const waitForPod = (name: string, check: (pod: Pod) => boolean, what: string) =>
      advanceUntil(
        clock,
        async () => {
          const pod = await c.getPod(name);
          return pod && check(pod) ? pod : undefined;
        },
        `${name}: ${what}`,
      );
    return { cluster: c, clock, runtime, waitForPod };
  };

  it("runs a pod: Running, an IP from the pod CIDR, a running container status, Ready", async () => {
    const { cluster, waitForPod } = await setUp();
    await cluster.pods.create(
      podOn("node-1", "web", [{ name: "web", image: "tinykube/hello:1.0" }]),
    );
    const pod = await waitForPod("web", (p) => p.status?.phase === "Running", "Running");
    expect(pod.status?.podIP).toMatch(/^10\.244\.1\.\d+$/);
    expect(pod.status?.hostIP).toBe("127.1.0.1");
    expect(pod.status?.startTime).toBeDefined();
    const status = pod.status?.containerStatuses?.[0] as Record<string, unknown>;
    expect(status).toMatchObject({
      name: "web",
      ready: true,
      started: true,
      restartCount: 0,
      image: "tinykube/hello:1.0",
    });
    expect(status.containerID).toMatch(/^tinykube:\/\/.+/);
    expect(status.state).toHaveProperty("running.startedAt");
    const conditions = Object.fromEntries(
      (pod.status?.conditions ?? []).map((c) => [c.type, c.status]),
    );
    expect(conditions).toMatchObject({
      Initialized: "True",
      Ready: "True",
      ContainersReady: "True",
      PodScheduled: "True",
    });
  });

  it("creates no sandbox until the Node has a pod CIDR, then runs the pod", async () => {
    const { cluster, runtime, clock, waitForPod } = await setUp({});
    await cluster.pods.create(
      podOn("node-1", "web", [{ name: "web", image: "tinykube/hello:1.0" }]),
    );
    await waitForPod("web", (p) => p.status?.phase === "Pending", "reported Pending");
    clock.advance(5_000);
    expect(await runtime.listPodSandbox()).toEqual([]);
    await cluster.admin
      .resource(builtinType("nodes"))
      .patch("node-1", { spec: { podCIDR: "10.244.7.0/24" } }, "merge");
    const pod = await waitForPod("web", (p) => p.status?.phase === "Running", "Running");
    expect(pod.status?.podIP).toMatch(/^10\.244\.7\.\d+$/);
  });

  it("restarts a crashing container under Always, with a growing restart count and back-off", async () => {
    const { cluster, waitForPod } = await setUp();
    await cluster.pods.create(
      podOn("node-1", "crash", [{ name: "c", image: "tinykube/crasher:1.0" }]),
    );
    const backingOff = await waitForPod(
      "crash",
      (p) => statusOf(p)?.state.waiting?.reason === "CrashLoopBackOff",
      "in CrashLoopBackOff",
    );
    expect(backingOff.status?.phase).toBe("Running");
    expect(statusOf(backingOff)?.state.waiting?.message).toMatch(/^back-off 10s restarting failed/);
    const restarted = await waitForPod(
      "crash",
      (p) => (statusOf(p)?.restartCount ?? 0) >= 3,
      "restartCount 3",
    );
    expect(restarted.status?.containerStatuses?.[0]).toHaveProperty(
      "lastState.terminated.exitCode",
      1,
    );
  });

  it("an image no registry has: the container waits in ErrImagePull, the pod stays Pending", async () => {
    const { cluster, waitForPod } = await setUp();
    await cluster.pods.create(podOn("node-1", "nope", [{ name: "c", image: "tinykube/nope:1.0" }]));
    const waiting = await waitForPod(
      "nope",
      (p) => statusOf(p)?.state.waiting?.reason === "ErrImagePull",
      "waiting in ErrImagePull",
    );
    expect(waiting.status?.phase).toBe("Pending");
    expect(statusOf(waiting)?.state.waiting?.message).toMatch(/not found/);
    // Then the pull backs off (10 s, doubling), and the container says so.
    const backingOff = await waitForPod(
      "nope",
      (p) => statusOf(p)?.state.waiting?.reason === "ImagePullBackOff",
      "waiting in ImagePullBackOff",
    );
    expect(statusOf(backingOff)?.state.waiting?.message).toBe(
      'Back-off pulling image "tinykube/nope:1.0"',
    );
  });

  it("fails the pod when its container exits non-zero under restartPolicy Never", async () => {
    const { cluster, waitForPod } = await setUp();
    await cluster.pods.create(
      podOn("node-1", "once", [{ name: "c", image: "tinykube/crasher:1.0" }], {
        restartPolicy: "Never",
      }),
    );
    const pod = await waitForPod("once", (p) => p.status?.phase === "Failed", "Failed");
    expect(statusOf(pod)).toMatchObject({ restartCount: 0 });
    expect(statusOf(pod)?.state.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
  });

  it("deletes: stops the containers, removes the sandbox, then the pod object", async () => {
    const { cluster, runtime, clock, waitForPod } = await setUp();
    await cluster.pods.create(
      podOn("node-1", "web", [{ name: "web", image: "tinykube/hello:1.0" }]),
    );
    const pod = await waitForPod("web", (p) => p.status?.phase === "Running", "Running");
    await cluster.pods.delete("web", { gracePeriodSeconds: 30 });
    await advanceUntil(
      clock,
      async () => ((await cluster.getPod("web")) === undefined ? true : undefined),
      "the pod object to be gone",
    );
    const labelSelector = { [POD_UID_LABEL]: pod.metadata.uid as string };
    expect(await runtime.listPodSandbox({ labelSelector })).toEqual([]);
    expect(await runtime.listContainers({ labelSelector })).toEqual([]);
  });
});
