import { afterEach, describe, expect, it } from "vitest";
import type { ContainerConfig, PodSandboxConfig } from "../runtime/cri.ts";
import { FakeRuntime } from "../runtime/fake/runtime.ts";
import { FakeClock } from "../util/clock.ts";
import { SummaryProvider, updateUsageNanoCores } from "./stats-summary.ts";

const START = Date.parse("2026-01-01T10:00:00Z");
const MiB = 2 ** 20;

describe("updateUsageNanoCores", () => {
  it("is the CPU used between two samples per second: 3 core-seconds in 10 s is 300m", () => {
    const cache = new Map();
    expect(
      updateUsageNanoCores(cache, "c", { timestamp: START, usageCoreNanoSeconds: 5e9 }),
      "no earlier sample",
    ).toBeUndefined();
    expect(
      updateUsageNanoCores(cache, "c", { timestamp: START + 10_000, usageCoreNanoSeconds: 8e9 }),
    ).toBe(300_000_000);
  });

  it("starts over when the counter goes down; keeps the old sample when no time passed", () => {
    const cache = new Map();
    updateUsageNanoCores(cache, "c", { timestamp: START, usageCoreNanoSeconds: 5e9 });
    expect(
      updateUsageNanoCores(cache, "c", { timestamp: START + 1000, usageCoreNanoSeconds: 1e9 }),
      "a smaller counter: a new container",
    ).toBeUndefined();
    expect(
      updateUsageNanoCores(cache, "c", { timestamp: START + 1000, usageCoreNanoSeconds: 2e9 }),
      "the same timestamp",
    ).toBeUndefined();
    expect(
      updateUsageNanoCores(cache, "c", { timestamp: START + 2000, usageCoreNanoSeconds: 1.5e9 }),
      "against the sample from START + 1000 (1e9)",
    ).toBe(500_000_000);
  });
});

describe("SummaryProvider on the fake runtime", () => {
  const runtimes: FakeRuntime[] = [];
  afterEach(async () => {
    for (const r of runtimes.splice(0)) await r.close();
  });

  /** A runtime whose running containers each burn one core and hold 32 MiB. */
  function setUp() {
    const clock = new FakeClock(START);
    const runtime = new FakeRuntime({
      clock,
      podCIDR: "10.244.1.0/24",
      stats: (_, ranMs) => ({ usageCoreNanoSeconds: ranMs * 1_000_000, workingSetBytes: 32 * MiB }),
    });
    runtimes.push(runtime);
    const provider = new SummaryProvider({ nodeName: "node-1", runtime, clock, startTime: START });
    return { clock, runtime, provider };
  }

  async function pod(
    runtime: FakeRuntime,
    name: string,
    containers: { name: string; command?: string[] }[],
  ) {
    const sandbox: PodSandboxConfig = {
      metadata: { name, namespace: "default", uid: `uid-${name}`, attempt: 0 },
      hostname: name,
      logDirectory: `/tmp/no-logs/${name}`,
      labels: {},
      annotations: {},
    };
    const sandboxId = await runtime.runPodSandbox(sandbox);
    const ids: string[] = [];
    for (const c of containers) {
      const image = c.command ? "busybox:1.36" : "tinykube/hello:1.0";
      await runtime.pullImage({ image });
      const config: ContainerConfig = {
        metadata: { name: c.name, attempt: 0 },
        image: { image },
        command: c.command ?? [],
        args: [],
        envs: [],
        mounts: [],
        labels: { "io.kubernetes.container.name": c.name },
        annotations: {},
        logPath: `${c.name}/0.log`,
      };
      const id = await runtime.createContainer(sandboxId, config, sandbox);
      await runtime.startContainer(id);
      ids.push(id);
    }
    return { sandboxId, ids };
  }

  it("lists running containers by pod with their CPU and memory; the rate from the second summary on", async () => {
    const { clock, runtime, provider } = setUp();
    await pod(runtime, "web", [{ name: "app" }, { name: "sidecar" }]);
    await pod(runtime, "job", [{ name: "done", command: ["sh", "-c", "exit 0"] }]);
    clock.advance(5_000);

    const first = await provider.summary();
    expect(
      first.pods.map((p) => p.podRef),
      "a pod with no running container is left out",
    ).toEqual([{ name: "web", namespace: "default", uid: "uid-web" }]);
    const web = first.pods[0];
    expect(web?.startTime).toBe("2026-01-01T10:00:00Z");
    expect(web?.containers.map((c) => c.name)).toEqual(["app", "sidecar"]);
    expect(web?.containers[0]).toEqual({
      name: "app",
      startTime: "2026-01-01T10:00:00Z",
      cpu: { time: "2026-01-01T10:00:05Z", usageCoreNanoSeconds: 5e9 },
      memory: { time: "2026-01-01T10:00:05Z", workingSetBytes: 32 * MiB },
    });
    expect(web?.cpu, "the pod: its containers' sum, no rate yet").toEqual({
      time: "2026-01-01T10:00:05Z",
      usageCoreNanoSeconds: 10e9,
    });

    clock.advance(10_000);
    const second = await provider.summary();
    const app = second.pods[0]?.containers[0];
    expect(app?.cpu, "one busy core: 10 core-seconds in 10 s").toEqual({
      time: "2026-01-01T10:00:15Z",
      usageCoreNanoSeconds: 15e9,
      usageNanoCores: 1_000_000_000,
    });
    expect(second.pods[0]?.cpu.usageNanoCores, "the pod: two cores").toBe(2_000_000_000);
    expect(second.node).toEqual({
      nodeName: "node-1",
      startTime: "2026-01-01T10:00:00Z",
      cpu: { time: "2026-01-01T10:00:15Z", usageCoreNanoSeconds: 30e9, usageNanoCores: 2e9 },
      memory: { time: "2026-01-01T10:00:15Z", workingSetBytes: 64 * MiB },
    });
  });

  it("leaves out a stopped sandbox when the pod has a newer ready one, and a stopped container", async () => {
    const { clock, runtime, provider } = setUp();
    const old = await pod(runtime, "web", [{ name: "app" }]);
    await runtime.stopPodSandbox(old.sandboxId);
    clock.advance(1000);
    const current = await pod(runtime, "web", [{ name: "app" }, { name: "stopped" }]);
    await runtime.stopContainer(current.ids[1] as string, 0);
    clock.advance(1000);
    const summary = await provider.summary();
    expect(summary.pods).toHaveLength(1);
    expect(summary.pods[0]?.startTime, "the newer sandbox").toBe("2026-01-01T10:00:01Z");
    expect(summary.pods[0]?.containers.map((c) => c.name)).toEqual(["app"]);
  });

  it("a node without pods reports zeros at the time of the request", async () => {
    const { clock, provider } = setUp();
    clock.advance(3000);
    expect((await provider.summary()).node).toEqual({
      nodeName: "node-1",
      startTime: "2026-01-01T10:00:00Z",
      cpu: { time: "2026-01-01T10:00:03Z", usageCoreNanoSeconds: 0 },
      memory: { time: "2026-01-01T10:00:03Z", workingSetBytes: 0 },
    });
  });
});
