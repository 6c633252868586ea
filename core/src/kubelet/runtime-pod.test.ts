import { describe, expect, it } from "vitest";
import { FakeRuntime } from "../runtime/fake/runtime.ts";
import { FakeClock } from "../util/clock.ts";
import {
  CONTAINER_RESTART_COUNT_ANNOTATION,
  containerHash,
  POD_UID_LABEL,
  readRuntimePod,
} from "./runtime-pod.ts";

describe("the runtime's view of one pod", () => {
  it("hashes equal specs alike, whatever the key order, and a changed field differently", () => {
    const a = containerHash({ name: "web", image: "tinykube/hello:1.0" });
    expect(containerHash({ image: "tinykube/hello:1.0", name: "web" })).toBe(a);
    expect(containerHash({ name: "web", image: "tinykube/hello:2.0" })).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{1,8}$/);
  });

  it("finds the pod's containers by its uid label, newest first even at one creation time", async () => {
    const clock = new FakeClock();
    const runtime = new FakeRuntime({ clock, podCIDR: "10.244.1.0/24" });
    const labels = { [POD_UID_LABEL]: "u1" };
    const config = {
      metadata: { name: "p", namespace: "default", uid: "u1", attempt: 0 },
      hostname: "p",
      logDirectory: "/tmp/tinykube-runtime-pod-test",
      labels,
      annotations: {},
    };
    const sandbox = await runtime.runPodSandbox(config);
    await runtime.runPodSandbox({ ...config, labels: { [POD_UID_LABEL]: "other" } });
    const imageRef = await runtime.pullImage({ image: "busybox:1.36" });
    for (const restart of [0, 1, 2]) {
      await runtime.createContainer(
        sandbox,
        {
          metadata: { name: "c", attempt: restart },
          image: { image: imageRef },
          command: ["sleep", "3600"],
          args: [],
          envs: [],
          mounts: [],
          labels,
          annotations: { [CONTAINER_RESTART_COUNT_ANNOTATION]: String(restart) },
          logPath: `c/${restart}.log`,
        },
        config,
      );
    }
    const pod = await readRuntimePod(runtime, "u1");
    expect(pod.sandboxes.map((s) => s.id)).toEqual([sandbox]);
    expect(pod.containers.map((c) => c.metadata.attempt)).toEqual([2, 1, 0]);
    await runtime.close();
  });
});
