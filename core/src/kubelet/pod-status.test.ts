import { describe, expect, it } from "vitest";
import type { Pod } from "../api/types.ts";
import type { ContainerStatus, PodSandboxStatus } from "../runtime/cri.ts";
import { generatePodStatus, type WaitingReasons } from "./pod-status.ts";
import { CONTAINER_RESTART_COUNT_ANNOTATION, type RuntimePod } from "./runtime-pod.ts";

const T0 = Date.parse("2026-11-27T10:00:00Z");

const pod = (restartPolicy: string, names = ["a"], status?: Pod["status"]): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "default", uid: "u1" },
  spec: { restartPolicy, containers: names.map((name) => ({ name, image: "busybox:1.36" })) },
  ...(status ? { status } : {}),
});

const sandbox: PodSandboxStatus = {
  id: "s1",
  metadata: { name: "p", namespace: "default", uid: "u1", attempt: 0 },
  state: "SANDBOX_READY",
  createdAt: T0,
  network: { ip: "10.244.1.5" },
  labels: {},
  annotations: {},
};

function container(
  name: string,
  state: "running" | "exited",
  { exitCode = 0, restartCount = 0 }: { exitCode?: number; restartCount?: number } = {},
): ContainerStatus {
  return {
    id: `${name}-${restartCount}`,
    metadata: { name, attempt: restartCount },
    state: state === "running" ? "CONTAINER_RUNNING" : "CONTAINER_EXITED",
    createdAt: T0 + restartCount,
    startedAt: T0 + 1_000,
    finishedAt: state === "exited" ? T0 + 3_000 : 0,
    exitCode,
    image: { image: "busybox:1.36" },
    imageRef: "sha256:abc",
    reason: state === "exited" ? (exitCode === 0 ? "Completed" : "Error") : "",
    message: "",
    labels: {},
    annotations: { [CONTAINER_RESTART_COUNT_ANNOTATION]: String(restartCount) },
    logPath: "",
  };
}

const status = (p: Pod, runtime: RuntimePod, waiting: WaitingReasons = new Map(), now = T0) =>
  generatePodStatus({ pod: p, runtime, hostIP: "127.1.0.1", now, waiting });

describe("the pod status the kubelet reports", () => {
  it("is Pending with ContainerCreating before any container exists", () => {
    const s = status(pod("Always"), { sandboxes: [], containers: [] });
    expect(s.phase).toBe("Pending");
    expect(s.podIP).toBeUndefined();
    expect(s.containerStatuses?.[0]).toMatchObject({
      state: { waiting: { reason: "ContainerCreating" } },
      restartCount: 0,
      ready: false,
    });
  });

  it("is Running and Ready with a running container, with the sandbox's IP", () => {
    const s = status(pod("Always"), {
      sandboxes: [sandbox],
      containers: [container("a", "running")],
    });
    expect(s.phase).toBe("Running");
    expect(s.podIPs).toEqual([{ ip: "10.244.1.5" }]);
    expect(s.containerStatuses?.[0]).toMatchObject({
      containerID: "tinykube://a-0",
      ready: true,
      started: true,
      state: { running: { startedAt: "2026-11-27T10:00:01Z" } },
    });
    expect(s.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
  });

  it("follows getPhase for exited containers, by restart policy", () => {
    const exited = (code: number) => ({
      sandboxes: [sandbox],
      containers: [container("a", "exited", { exitCode: code })],
    });
    expect(status(pod("Never"), exited(0)).phase).toBe("Succeeded");
    expect(status(pod("Never"), exited(1)).phase).toBe("Failed");
    expect(status(pod("OnFailure"), exited(0)).phase).toBe("Succeeded");
    expect(status(pod("OnFailure"), exited(1)).phase).toBe("Running");
    expect(status(pod("Always"), exited(0)).phase).toBe("Running");
    const done = status(pod("Never"), exited(0));
    expect(done.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "PodCompleted",
    });
  });

  it("keeps a terminal phase even if the runtime shows otherwise", () => {
    const p = pod("Never", ["a"], { phase: "Failed" });
    expect(status(p, { sandboxes: [sandbox], containers: [container("a", "running")] }).phase).toBe(
      "Failed",
    );
  });

  it("shows a container in back-off as waiting, its last run as lastState, the stored restart count", () => {
    const runtime = {
      sandboxes: [sandbox],
      containers: [
        container("a", "exited", { exitCode: 1, restartCount: 2 }),
        container("a", "exited", { exitCode: 1, restartCount: 1 }),
      ],
    };
    const waiting: WaitingReasons = new Map([
      ["a", { reason: "CrashLoopBackOff", message: "back-off 20s" }],
    ]);
    const s = status(pod("Always"), runtime, waiting);
    expect(s.phase).toBe("Running");
    expect(s.containerStatuses?.[0]).toMatchObject({
      restartCount: 2,
      state: { waiting: { reason: "CrashLoopBackOff" } },
      lastState: { terminated: { exitCode: 1, reason: "Error", containerID: "tinykube://a-2" } },
    });
  });

  it("keeps a condition's lastTransitionTime while its status holds, moves it when it flips", () => {
    const runtime = { sandboxes: [sandbox], containers: [container("a", "running")] };
    const first = status(pod("Always"), runtime, new Map(), T0);
    const again = status(pod("Always", ["a"], first), runtime, new Map(), T0 + 60_000);
    const ready = (s: typeof first) => s.conditions?.find((c) => c.type === "Ready");
    expect(ready(again)?.lastTransitionTime).toBe("2026-11-27T10:00:00Z");
    const stopped = {
      sandboxes: [sandbox],
      containers: [container("a", "exited", { exitCode: 1 })],
    };
    const flipped = status(pod("Always", ["a"], first), stopped, new Map(), T0 + 60_000);
    expect(ready(flipped)).toMatchObject({
      status: "False",
      lastTransitionTime: "2026-11-27T10:01:00Z",
    });
  });
});
