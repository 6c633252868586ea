/**
 * What only the fake runtime does: delays on its clock, behaviours, the test hooks, and the costs
 * that let thousands of fake nodes share a process (no timers while nothing is due). The CRI
 * behaviour both runtimes share is in the contract (contract.test.ts).
 */
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../util/clock.ts";
import { peekSettled } from "../../util/peek.ts";
import { type ContainerConfig, CriError, type PodSandboxConfig } from "../cri.ts";
import { FakeRuntime, type FakeRuntimeOptions } from "./runtime.ts";
import { schedulerFor } from "./scheduler.ts";

const sandbox = (name: string): PodSandboxConfig => ({
  metadata: { name, namespace: "default", uid: `uid-${name}`, attempt: 0 },
  hostname: name,
  logDirectory: `/var/log/pods/default_${name}_uid-${name}`,
  labels: {},
  annotations: {},
});

const container = (image: string, command: string[] = [], name = "main"): ContainerConfig => ({
  metadata: { name, attempt: 0 },
  image: { image },
  command,
  args: [],
  envs: [],
  mounts: [],
  labels: {},
  annotations: {},
  logPath: `${name}/0.log`,
});

function setup(options: Partial<FakeRuntimeOptions> = {}) {
  const clock = new FakeClock();
  const runtime = new FakeRuntime({ clock, podCIDR: "10.244.0.0/24", ...options });
  /** A pod running one container of `image`: pulled, sandboxed, created, started (no delays assumed). */
  const run = async (image: string, command: string[] = [], name = "pod") => {
    await runtime.pullImage({ image });
    const sandboxId = await runtime.runPodSandbox(sandbox(name));
    const id = await runtime.createContainer(sandboxId, container(image, command), sandbox(name));
    await runtime.startContainer(id);
    return { sandboxId, id };
  };
  const state = async (id: string) => (await runtime.containerStatus(id)).state;
  return { clock, runtime, run, state };
}

describe("FakeRuntime delays", () => {
  it("startContainer resolves after startDelayMs; the container is CREATED until then", async () => {
    const { clock, runtime, state } = setup({ startDelayMs: 800 });
    await runtime.pullImage({ image: "tinykube/hello:1.0" });
    const sandboxId = await runtime.runPodSandbox(sandbox("p"));
    const id = await runtime.createContainer(
      sandboxId,
      container("tinykube/hello:1.0"),
      sandbox("p"),
    );
    const started = runtime.startContainer(id);
    clock.advance(799);
    expect(await peekSettled(started), "startContainer at 799 ms").toBe("pending");
    expect(await state(id), "state while starting").toBe("CONTAINER_CREATED");
    clock.advance(1);
    expect(await peekSettled(started), "startContainer at 800 ms").not.toBe("pending");
    const status = await runtime.containerStatus(id);
    expect(status.state, "state at 800 ms").toBe("CONTAINER_RUNNING");
    expect(status.startedAt - status.createdAt, "startedAt − createdAt").toBe(800);
  });

  it("a behaviour's startDelayMs overrides the runtime's", async () => {
    const { clock, runtime } = setup({ startDelayMs: 800, behavior: () => ({ startDelayMs: 50 }) });
    await runtime.pullImage({ image: "tinykube/hello:1.0" });
    const sandboxId = await runtime.runPodSandbox(sandbox("p"));
    const id = await runtime.createContainer(
      sandboxId,
      container("tinykube/hello:1.0"),
      sandbox("p"),
    );
    const started = runtime.startContainer(id);
    clock.advance(50);
    expect(await peekSettled(started), "startContainer at 50 ms").not.toBe("pending");
  });

  it("pullImage resolves after pullDelayMs; the image is not there before", async () => {
    const { clock, runtime } = setup({ pullDelayMs: 3_000 });
    const pulled = runtime.pullImage({ image: "busybox:1.36" });
    clock.advance(2_999);
    expect(await peekSettled(pulled), "pullImage at 2,999 ms").toBe("pending");
    expect(
      await runtime.imageStatus({ image: "busybox:1.36" }),
      "imageStatus during the pull",
    ).toBeUndefined();
    clock.advance(1);
    const settled = await peekSettled(pulled);
    expect(settled, "pullImage at 3,000 ms").not.toBe("pending");
  });

  it("runPodSandbox resolves after sandboxDelayMs", async () => {
    const { clock, runtime } = setup({ sandboxDelayMs: 250 });
    const running = runtime.runPodSandbox(sandbox("p"));
    clock.advance(249);
    expect(await peekSettled(running), "runPodSandbox at 249 ms").toBe("pending");
    clock.advance(1);
    expect(await peekSettled(running), "runPodSandbox at 250 ms").not.toBe("pending");
  });

  it("runPodSandbox before any pod CIDR fails with FailedPrecondition", async () => {
    const runtime = new FakeRuntime({ clock: new FakeClock() });
    await expect(runtime.runPodSandbox(sandbox("p"))).rejects.toMatchObject({
      code: "FailedPrecondition",
    });
    await runtime.updateRuntimeConfig({ podCIDR: "10.244.3.0/24" });
    const id = await runtime.runPodSandbox(sandbox("p"));
    expect((await runtime.podSandboxStatus(id)).network.ip).toBe("10.244.3.2");
  });

  it("a new pod CIDR keeps running sandboxes' addresses and serves new sandboxes from the new range", async () => {
    const { runtime } = setup();
    const first = await runtime.runPodSandbox(sandbox("a"));
    await runtime.updateRuntimeConfig({ podCIDR: "10.244.0.0/24" }); // the same: a no-op
    await runtime.updateRuntimeConfig({ podCIDR: "10.244.9.0/24" });
    const second = await runtime.runPodSandbox(sandbox("b"));
    expect((await runtime.podSandboxStatus(first)).network.ip, "the first sandbox").toBe(
      "10.244.0.2",
    );
    expect((await runtime.podSandboxStatus(second)).network.ip, "the second").toBe("10.244.9.2");
  });
});

describe("FakeRuntime behaviours", () => {
  it("tinykube/crasher exits with 1, reason Error, 2 s after it starts", async () => {
    const { clock, run, runtime } = setup();
    const { id } = await run("tinykube/crasher:1.0");
    clock.advance(1_999);
    expect((await runtime.containerStatus(id)).state, "at 1,999 ms").toBe("CONTAINER_RUNNING");
    clock.advance(1);
    const status = await runtime.containerStatus(id);
    expect(status.state, "at 2,000 ms").toBe("CONTAINER_EXITED");
    expect(status.exitCode, "exit code").toBe(1);
    expect(status.reason, "reason").toBe("Error");
    expect(status.finishedAt - status.startedAt, "ran for").toBe(2_000);
  });

  it("a behaviour rule decides per container; undefined falls back to the default", async () => {
    const { clock, run, state } = setup({
      behavior: (_config, image) =>
        image === "tinykube/hello:2.0" ? { exit: { afterMs: 5_000, code: 0 } } : undefined,
    });
    const v2 = await run("tinykube/hello:2.0", [], "v2");
    const v1 = await run("tinykube/hello:1.0", [], "v1");
    clock.advance(5_000);
    expect(await state(v2.id), "hello:2.0, told to exit after 5 s").toBe("CONTAINER_EXITED");
    expect(await state(v1.id), "hello:1.0, a server by default").toBe("CONTAINER_RUNNING");
  });

  it("the rule sees the image's tag when the container names it by ID", async () => {
    const seen: string[] = [];
    const { runtime } = setup({ behavior: (_config, image) => void seen.push(image) });
    const imageRef = await runtime.pullImage({ image: "tinykube/echo:1.0" });
    const sandboxId = await runtime.runPodSandbox(sandbox("p"));
    await runtime.createContainer(sandboxId, container(imageRef), sandbox("p"));
    expect(seen).toEqual(["tinykube/echo:1.0"]);
  });

  it("a draining server exits 143 after termExitMs inside the grace period, 137 if that is longer", async () => {
    const { clock, run, runtime } = setup({ behavior: () => ({ termExitMs: 3_000 }) });
    const quick = await run("tinykube/hello:1.0", [], "quick");
    const slow = await run("tinykube/hello:1.0", [], "slow");
    const stopQuick = runtime.stopContainer(quick.id, 30);
    const stopSlow = runtime.stopContainer(slow.id, 2);
    clock.advance(2_000);
    expect(await peekSettled(stopSlow), "stop with a 2 s grace, at 2 s").not.toBe("pending");
    expect(
      (await runtime.containerStatus(slow.id)).exitCode,
      "exit code when the grace ran out",
    ).toBe(137);
    expect(await peekSettled(stopQuick), "stop with a 30 s grace, at 2 s").toBe("pending");
    clock.advance(1_000);
    expect(await peekSettled(stopQuick), "stop with a 30 s grace, at 3 s").not.toBe("pending");
    expect((await runtime.containerStatus(quick.id)).exitCode, "exit code after draining").toBe(
      143,
    );
  });

  it("a second stopContainer with a shorter timeout brings the SIGKILL forward", async () => {
    const { clock, run, runtime } = setup({ behavior: () => ({ onSigterm: "ignore" }) });
    const { id } = await run("tinykube/hello:1.0");
    const first = runtime.stopContainer(id, 30);
    clock.advance(1_000);
    const second = runtime.stopContainer(id, 0);
    expect(await peekSettled(second), "stop with timeout 0").not.toBe("pending");
    expect(await peekSettled(first), "the first stop, woken by the exit").not.toBe("pending");
    expect((await runtime.containerStatus(id)).exitCode).toBe(137);
  });

  it("stopping a crasher before it crashes cancels its crash", async () => {
    const { clock, run, runtime } = setup();
    const { id } = await run("tinykube/crasher:1.0");
    await runtime.stopContainer(id, 10);
    clock.advance(5_000);
    const status = await runtime.containerStatus(id);
    expect(status.exitCode, "exit code: SIGTERM's, not the crash's").toBe(143);
    expect(runtime.pendingEvents(), "events left").toBe(0);
  });

  it("keeps printed lines as CRI log lines when keepLogs is set, none otherwise", async () => {
    const printing = ["sh", "-c", "echo ready; echo oops >&2; sleep 9"];
    const kept = setup({ keepLogs: true });
    const { id } = await kept.run("busybox:1.36", printing);
    expect(kept.runtime.logLines(id)).toEqual([
      "2026-01-01T00:00:00Z stdout F ready",
      "2026-01-01T00:00:00Z stderr F oops",
    ]);
    const dropped = setup();
    const other = await dropped.run("busybox:1.36", printing);
    expect(dropped.runtime.logLines(other.id), "without keepLogs").toEqual([]);
  });
});

describe("FakeRuntime test hooks", () => {
  it("kill() ends a running container with the code and reason given", async () => {
    const { run, runtime } = setup();
    const { id } = await run("tinykube/hello:1.0");
    runtime.kill(id, 137, "OOMKilled");
    const status = await runtime.containerStatus(id);
    expect([status.state, status.exitCode, status.reason]).toEqual([
      "CONTAINER_EXITED",
      137,
      "OOMKilled",
    ]);
    expect(() => runtime.kill(id), "kill of an exited container").toThrow(
      /expected a CONTAINER_RUNNING container/,
    );
  });

  it("failNext() makes the next call of a method throw, once per failure queued", async () => {
    const { runtime } = setup();
    runtime.failNext("pullImage", new CriError("Unknown", "registry unavailable"));
    await expect(runtime.pullImage({ image: "busybox:1.36" })).rejects.toThrow(
      "registry unavailable",
    );
    await expect(runtime.pullImage({ image: "busybox:1.36" }), "the pull after").resolves.toMatch(
      /^sha256:/,
    );
  });

  it("close() cancels pending delays and exits; calls after it throw", async () => {
    const { clock, run, runtime } = setup();
    await run("tinykube/crasher:1.0");
    expect(runtime.pendingEvents(), "a crasher's exit is due").toBe(1);
    await runtime.close();
    expect(runtime.pendingEvents(), "after close").toBe(0);
    expect(clock.pending(), "clock timers after close").toBe(0);
    await expect(runtime.runPodSandbox(sandbox("late"))).rejects.toThrow(/closed/);
  });
});

describe("FakeRuntime at scale", () => {
  it("1,000 runtimes of running servers hold no timer; 1,000 crashers on them hold one", async () => {
    const clock = new FakeClock();
    const runtimes = Array.from(
      { length: 1000 },
      (_, i) => new FakeRuntime({ clock, podCIDR: `10.${(i >> 8) & 255}.${i & 255}.0/24` }),
    );
    const ids: { runtime: FakeRuntime; id: string }[] = [];
    for (const runtime of runtimes) {
      for (const image of ["tinykube/hello:1.0", "tinykube/crasher:1.0"]) {
        await runtime.pullImage({ image });
        const sandboxId = await runtime.runPodSandbox(sandbox(image));
        const id = await runtime.createContainer(sandboxId, container(image), sandbox(image));
        if (image.includes("hello")) await runtime.startContainer(id);
        else ids.push({ runtime, id });
      }
    }
    expect(clock.pending(), "clock timers: 1,000 running servers").toBe(0);
    for (const { runtime, id } of ids) await runtime.startContainer(id);
    expect(clock.pending(), "clock timers: 1,000 crashers due to exit").toBe(1);
    expect(schedulerFor(clock).pending(), "scheduler events").toBe(1000);
    clock.advance(2_000);
    expect(clock.pending(), "clock timers once every crasher has exited").toBe(0);
    const exited = await Promise.all(ids.map(({ runtime, id }) => runtime.containerStatus(id)));
    expect(
      exited.every((s) => s.state === "CONTAINER_EXITED" && s.exitCode === 1),
      "every crasher exited 1",
    ).toBe(true);
  });
});
