import { describe, expect, it } from "vitest";
import type { Node, Pod } from "../../api/types.ts";
import { addPod, newNodeInfo, removePod } from "./node-info.ts";
import { nonZeroRequests, podRequests, resourceOf } from "./resources.ts";

const pod = (spec: Partial<Pod["spec"]>, uid = "u1"): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: uid, namespace: "default", uid },
  spec: { containers: [], ...spec },
});
const req = (requests: Record<string, string>) => ({ name: "c", resources: { requests } });

describe("resourceOf", () => {
  it("reads cpu in millicores, memory in bytes, pods and extended resources in units", () => {
    expect(
      resourceOf({
        cpu: "1.5",
        memory: "64Mi",
        pods: "110",
        "nvidia.com/gpu": "2",
        "ephemeral-storage": "1Gi",
      }),
    ).toEqual({
      milliCPU: 1500,
      memory: 64 * 1024 * 1024,
      ephemeralStorage: 1024 ** 3,
      allowedPodNumber: 110,
      scalar: { "nvidia.com/gpu": 2 },
    });
  });
});

describe("podRequests", () => {
  it("is the larger of the containers' sum and the largest init container, plus overhead", () => {
    const p = pod({
      containers: [req({ cpu: "100m", memory: "10Mi" }), req({ cpu: "200m" })],
      initContainers: [req({ cpu: "250m", memory: "50Mi" }), req({ cpu: "50m" })],
      overhead: { cpu: "10m" },
    });
    const r = podRequests(p);
    expect(r.milliCPU).toBe(310);
    expect(r.memory).toBe(50 * 1024 * 1024);
  });

  it("counts a sidecar (restartable init container) with the containers and the later inits", () => {
    const p = pod({
      containers: [req({ cpu: "100m" })],
      initContainers: [{ ...req({ cpu: "50m" }), restartPolicy: "Always" }, req({ cpu: "300m" })],
    });
    // containers 100 + sidecar 50 = 150; the second init runs beside the sidecar: 300 + 50 = 350.
    expect(podRequests(p).milliCPU).toBe(350);
  });

  it("scoring counts a container that asks for nothing as 100m and 200Mi", () => {
    expect(nonZeroRequests(pod({ containers: [{ name: "c" }, req({ cpu: "1" })] }))).toEqual({
      milliCPU: 1100,
      memory: 2 * 200 * 1024 * 1024,
    });
  });
});

describe("NodeInfo", () => {
  const node: Node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "n1" },
    status: {
      allocatable: { cpu: "2", memory: "4Gi", pods: "110" },
      images: [{ names: ["tinykube/hello:1.0"], sizeBytes: 5_000_000 }],
    },
  };

  it("adds and removes pods' requests, pod slots and host ports", () => {
    const a = pod(
      { containers: [{ ...req({ cpu: "500m" }), ports: [{ containerPort: 80, hostPort: 8080 }] }] },
      "a",
    );
    const b = pod({ containers: [req({ cpu: "250m", memory: "1Gi" })] }, "b");
    const info = newNodeInfo(node, [a]);
    addPod(info, b);
    expect(info.requested).toMatchObject({ milliCPU: 750, memory: 1024 ** 3, allowedPodNumber: 2 });
    expect(info.usedPorts).toEqual(new Set(["TCP/0.0.0.0/8080"]));
    expect(info.allocatable).toMatchObject({ milliCPU: 2000, allowedPodNumber: 110 });
    expect(info.imageSizes.get("tinykube/hello:1.0")).toBe(5_000_000);
    expect(removePod(info, a)).toBe(true);
    expect(info.requested).toMatchObject({ milliCPU: 250, allowedPodNumber: 1 });
    expect(info.usedPorts.size).toBe(0);
    expect(removePod(info, a), "a pod that is not there").toBe(false);
  });
});

describe("resourceOf remembers parsed quantities", () => {
  it("gives the same numbers the second time, for strings and numbers alike", () => {
    const list = { cpu: "250m", memory: "64Mi", pods: 110 };
    const first = resourceOf(list);
    expect(resourceOf(list)).toEqual(first);
    expect(first).toMatchObject({ milliCPU: 250, memory: 64 * 1024 * 1024, allowedPodNumber: 110 });
    // The number 2 and the string "2" are the same quantity; a number is never read as text.
    expect(resourceOf({ cpu: 2 }).milliCPU).toBe(2000);
    expect(resourceOf({ cpu: "2" }).milliCPU).toBe(2000);
  });

  it("does not remember a quantity that does not parse: it fails every time", () => {
    expect(() => resourceOf({ cpu: "2 cores" })).toThrow();
    expect(() => resourceOf({ cpu: "2 cores" })).toThrow();
  });
});
