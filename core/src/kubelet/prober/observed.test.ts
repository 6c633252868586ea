import { describe, expect, it } from "vitest";
import type { ContainerStatus, PodSandboxStatus } from "../../runtime/cri.ts";
import { probeStatusOf } from "./observed.ts";

const sandbox = (state: PodSandboxStatus["state"], ip: string): PodSandboxStatus => ({
  id: `sandbox-${ip || "none"}`,
  metadata: { name: "p", namespace: "default", uid: "u", attempt: 0 },
  state,
  createdAt: 1,
  network: { ip },
  labels: {},
  annotations: {},
});

const container = (
  id: string,
  name: string,
  state: ContainerStatus["state"],
  startedAt: number,
): ContainerStatus => ({
  id,
  metadata: { name, attempt: 0 },
  state,
  createdAt: startedAt,
  startedAt,
  finishedAt: 0,
  exitCode: 0,
  image: { image: "busybox:1.36" },
  imageRef: "sha256:x",
  reason: "",
  message: "",
  labels: {},
  annotations: {},
  logPath: "",
});

describe("probeStatusOf", () => {
  it("takes the newest container of each name, and the IP of a ready newest sandbox", () => {
    const status = probeStatusOf({
      sandboxes: [sandbox("SANDBOX_READY", "10.244.1.5")],
      containers: [
        container("web-2", "web", "CONTAINER_RUNNING", 3000),
        container("side-1", "side", "CONTAINER_CREATED", 0),
        container("web-1", "web", "CONTAINER_EXITED", 1000),
      ],
    });
    expect(status).toEqual({
      podIP: "10.244.1.5",
      containers: [
        { name: "web", id: "web-2", state: "running", startedAt: 3000 },
        { name: "side", id: "side-1", state: "created", startedAt: 0 },
      ],
    });
  });

  it("no ready sandbox: no pod IP", () => {
    expect(probeStatusOf({ sandboxes: [sandbox("SANDBOX_NOTREADY", "")], containers: [] })).toEqual(
      {
        podIP: "",
        containers: [],
      },
    );
    expect(probeStatusOf({ sandboxes: [], containers: [] }).podIP).toBe("");
  });
});
