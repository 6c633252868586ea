/**
 * The prober manager end to end: pods and containers on the fake runtime (exec probes answered by
 * its `exec` rule) on a fake clock, and one HTTP readiness probe against a real server on
 * 127.0.0.1. The manager is driven as the kubelet drives it: updatePod after each look at the
 * runtime, isStarted / isReady / verdicts() when deciding, stopLivenessAndStartup and removePod.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Container, Pod } from "../../api/types.ts";
import type { ContainerConfig, PodSandboxConfig } from "../../runtime/cri.ts";
import { FakeRuntime } from "../../runtime/fake/runtime.ts";
import { FakeClock } from "../../util/clock.ts";
import { POD_UID_LABEL, readRuntimePod } from "../runtime-pod.ts";
import { ProberManager, type ProbeUpdate } from "./manager.ts";
import { probeStatusOf } from "./observed.ts";
import type { ProbeEvent } from "./prober.ts";
import { eventually, serveHttp, type TestServer } from "./testing.ts";

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/**
 * A node: a fake runtime whose exec commands answer from `healthy` (a command listed there exits
 * 0 while its value is true, 1 otherwise), and a prober manager on the same clock.
 */
async function node() {
  const clock = new FakeClock();
  const healthy: Record<string, boolean> = {};
  const execs: string[] = [];
  const runtime = new FakeRuntime({
    clock,
    podCIDR: "10.244.0.0/24",
    exec: ({ cmd }) => {
      const line = cmd.join(" ");
      execs.push(line);
      if (!(line in healthy)) return undefined;
      return healthy[line] ? { exitCode: 0 } : { exitCode: 1, stdout: `${line}: unhealthy\n` };
    },
  });
  const events: ProbeEvent[] = [];
  const updates: ProbeUpdate[] = [];
  const prober = new ProberManager({
    runtime,
    clock,
    random: () => 0,
    onEvent: (_, event) => events.push(event),
    onUpdate: (update) => updates.push(update),
  });
  /** Runs the pod's containers on the runtime (or a new one for `restart`), then updatePod. */
  const run = async (pod: Pod, { podIP }: { podIP?: string } = {}) => {
    const uid = pod.metadata.uid as string;
    const labels = { [POD_UID_LABEL]: uid };
    const sandbox: PodSandboxConfig = {
      metadata: { name: pod.metadata.name as string, namespace: "default", uid, attempt: 0 },
      hostname: pod.metadata.name as string,
      logDirectory: "/var/log/pods/x",
      labels,
      annotations: {},
    };
    const sandboxId = await runtime.runPodSandbox(sandbox);
    for (const c of pod.spec.containers) await start(sandboxId, sandbox, c.name);
    return sync(pod, podIP);
  };
  const start = async (sandboxId: string, sandbox: PodSandboxConfig, name: string) => {
    const config: ContainerConfig = {
      metadata: { name, attempt: 0 },
      image: { image: "tinykube/hello:1.0" },
      command: [],
      args: [],
      envs: [],
      mounts: [],
      labels: sandbox.labels,
      annotations: {},
      logPath: `${name}/0.log`,
    };
    await runtime.pullImage(config.image);
    const id = await runtime.createContainer(sandboxId, config, sandbox);
    await runtime.startContainer(id);
    return id;
  };
  /** What the kubelet does after looking at the runtime: updatePod; returns the container IDs. */
  const sync = async (pod: Pod, podIP?: string) => {
    const status = probeStatusOf(await readRuntimePod(runtime, pod.metadata.uid as string));
    prober.updatePod(pod, podIP === undefined ? status : { ...status, podIP });
    await settle();
    return Object.fromEntries(status.containers.map((c) => [c.name, c.id]));
  };
  /** The kubelet restarting a container: kill it, start a new one in the same sandbox. */
  const restart = async (pod: Pod, name: string) => {
    const uid = pod.metadata.uid as string;
    const [sandbox] = await runtime.listPodSandbox({ labelSelector: { [POD_UID_LABEL]: uid } });
    const status = await runtime.podSandboxStatus(sandbox?.id as string);
    const old = (await readRuntimePod(runtime, uid)).containers.find(
      (c) => c.metadata.name === name,
    );
    await runtime.stopContainer(old?.id as string, 0);
    clock.advance(1); // the new container is the newest one
    await start(status.id, { ...status, hostname: "", logDirectory: "/x" }, name);
    return sync(pod);
  };
  const periods = async (n: number, ms = 10_000) => {
    for (let i = 0; i < n; i++) {
      clock.advance(ms);
      await settle();
    }
  };
  return { clock, runtime, prober, healthy, execs, events, updates, run, sync, restart, periods };
}

const pod = (containers: Container[], uid = "uid-1"): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web-0", namespace: "default", uid },
  spec: { containers },
});

const execProbe = (command: string, extra: Record<string, number> = {}) => ({
  exec: { command: command.split(" ") },
  ...extra,
});

describe("ProberManager: workers", () => {
  it("one worker per probe, created once however often the pod is synced", async () => {
    const n = await node();
    const p = pod([
      { name: "app", livenessProbe: execProbe("live"), readinessProbe: execProbe("ready") },
      { name: "sidecar" },
    ]);
    await n.run(p);
    expect(n.prober.workerCount()).toBe(2);
    await n.sync(p);
    await n.sync(p);
    expect(n.prober.workerCount(), "after more syncs").toBe(2);
  });

  it("without probes a running container is started and ready; one not running is neither", async () => {
    const n = await node();
    const p = pod([{ name: "app" }]);
    const { app } = await n.run(p);
    expect(n.prober.isStarted(app as string)).toBe(true);
    expect(n.prober.isReady(app as string)).toBe(true);
    await n.runtime.stopContainer(app as string, 0);
    await n.sync(p);
    expect(n.prober.isStarted(app as string), "exited").toBe(false);
    expect(n.prober.isReady(app as string), "exited").toBe(false);
    expect(n.prober.isReady("never-heard-of"), "an ID it was not told about").toBe(false);
  });
});

describe("ProberManager: readiness", () => {
  it("Failure until a probe succeeds; each change is reported; 3 failures make it unready", async () => {
    const n = await node();
    n.healthy.ready = true;
    const p = pod([{ name: "app", readinessProbe: execProbe("ready", { periodSeconds: 30 }) }]);
    const { app } = await n.run(p);
    const id = app as string;
    // The worker probed at once (random 0): the initial Failure, then the probe's Success.
    expect(n.updates).toEqual([
      { containerId: id, result: "Failure", podUid: "uid-1", probeType: "Readiness" },
      { containerId: id, result: "Success", podUid: "uid-1", probeType: "Readiness" },
    ]);
    expect(n.prober.isReady(id)).toBe(true);
    n.healthy.ready = false;
    await n.periods(3, 30_000);
    expect(n.prober.isReady(id), "three failures").toBe(false);
    expect(n.events.map((e) => e.message)).toEqual([
      "Readiness probe failed: ready: unhealthy\n",
      "Readiness probe failed: ready: unhealthy\n",
      "Readiness probe failed: ready: unhealthy\n",
    ]);
  });

  it("isReady asks a readiness worker that has no Success yet to probe now", async () => {
    const n = await node();
    n.healthy.ready = false;
    const p = pod([{ name: "app", readinessProbe: execProbe("ready", { periodSeconds: 60 }) }]);
    const { app } = await n.run(p);
    expect(n.execs, "the worker's first probe").toEqual(["ready"]);
    n.healthy.ready = true;
    expect(n.prober.isReady(app as string), "before the triggered probe ran").toBe(false);
    await settle();
    expect(n.execs, "a probe without waiting for the 60 s period").toEqual(["ready", "ready"]);
    expect(n.prober.isReady(app as string)).toBe(true);
  });

  it("an HTTP readiness probe against a real server on the pod's IP", async () => {
    let status = 500;
    const server = await serveHttp((_, response) => response.writeHead(status).end());
    servers.push(server);
    const n = await node();
    const p = pod([
      {
        name: "web",
        ports: [{ name: "http", containerPort: server.port }],
        readinessProbe: { httpGet: { port: "http", path: "/ready" }, periodSeconds: 1 },
      },
    ]);
    const { web } = await n.run(p, { podIP: "127.0.0.1" });
    await eventually(() => n.events.length > 0, "the first probe's event");
    expect(n.events[0]?.message).toBe(
      "Readiness probe failed: HTTP probe failed with statuscode: 500",
    );
    expect(n.prober.isReady(web as string)).toBe(false);
    status = 200;
    await eventually(() => {
      n.clock.advance(1000);
      return n.prober.isReady(web as string);
    }, "the pod to turn ready");
    expect(server.requests[0]?.headers["user-agent"]).toBe("kube-probe/1.35");
  });
});

describe("ProberManager: startup and liveness", () => {
  it("the startup probe holds liveness and readiness back until it succeeds", async () => {
    const n = await node();
    n.healthy.started = false;
    n.healthy.live = true;
    n.healthy.ready = true;
    const p = pod([
      {
        name: "app",
        startupProbe: execProbe("started", { failureThreshold: 30 }),
        livenessProbe: execProbe("live"),
        readinessProbe: execProbe("ready"),
      },
    ]);
    const { app } = await n.run(p);
    const id = app as string;
    await n.periods(2);
    expect(n.prober.isStarted(id)).toBe(false);
    expect(n.prober.isReady(id), "not started: not ready").toBe(false);
    expect(
      n.execs.filter((c) => c !== "started"),
      "only the startup probe ran",
    ).toEqual([]);
    n.healthy.started = true;
    await n.periods(1);
    expect(n.prober.isStarted(id)).toBe(true);
    await n.periods(1);
    expect(n.execs.slice(-3).sort(), "now the others, and no more startup probes").toEqual([
      "live",
      "ready",
      "started",
    ]);
    await n.periods(1);
    expect(n.execs.filter((c) => c === "started")).toHaveLength(4);
    expect(n.prober.isReady(id)).toBe(true);
  });

  it("a failed liveness probe: verdict, events, a hold; a new container starts over", async () => {
    const n = await node();
    n.healthy.live = true;
    const p = pod([{ name: "app", livenessProbe: execProbe("live") }]);
    const { app: first } = await n.run(p);
    const verdicts = n.prober.verdicts();
    expect(verdicts.livenessFailed(first as string)).toBe(false);
    n.healthy.live = false;
    await n.periods(3);
    expect(verdicts.livenessFailed(first as string), "after 3 failures").toBe(true);
    expect(n.events.map((e) => [e.reason, e.message])).toEqual(
      Array(3).fill(["Unhealthy", "Liveness probe failed: live: unhealthy\n"]),
    );
    const probes = n.execs.length;
    await n.periods(3);
    expect(n.execs.length, "on hold: the failed container is not probed").toBe(probes);

    n.healthy.live = true;
    const { app: second } = await n.restart(p, "app");
    expect(second).not.toBe(first);
    expect(verdicts.livenessFailed(second as string), "the new container").toBe(false);
    await n.periods(1);
    expect(n.execs.length, "probing resumed").toBeGreaterThan(probes);
    expect(
      verdicts.livenessFailed(first as string),
      "the old one's verdict is gone once the worker saw the new ID",
    ).toBe(false);
  });

  it("a startup worker that has not probed yet means not started, and so not ready", async () => {
    const n = await node();
    n.healthy.started = true;
    // A worker made within a period of the manager's start waits up to a period: here 0.5 of it.
    const prober = new ProberManager({ runtime: n.runtime, clock: n.clock, random: () => 0.5 });
    const p = pod([{ name: "app", startupProbe: execProbe("started") }]);
    const { app } = await n.run(p);
    const status = probeStatusOf(await readRuntimePod(n.runtime, "uid-1"));
    prober.updatePod(p, status);
    await settle();
    expect(prober.isStarted(app as string), "before its first probe").toBe(false);
    expect(prober.isReady(app as string), "no readiness probe, but not started").toBe(false);
    n.clock.advance(5_000);
    await settle();
    expect(prober.isStarted(app as string), "after it").toBe(true);
    expect(prober.isReady(app as string)).toBe(true);
    prober.stop();
  });

  it("a startup probe that fails failureThreshold times is a startupFailed verdict", async () => {
    const n = await node();
    n.healthy.started = false;
    const p = pod([{ name: "app", startupProbe: execProbe("started", { failureThreshold: 2 }) }]);
    const { app } = await n.run(p);
    await n.periods(1);
    expect(n.prober.verdicts().startupFailed(app as string)).toBe(true);
    expect(n.events.at(-1)?.message).toBe("Startup probe failed: started: unhealthy\n");
  });
});

describe("ProberManager: termination and removal", () => {
  it("stopLivenessAndStartup stops those workers for good; readiness goes on", async () => {
    const n = await node();
    n.healthy.live = true;
    n.healthy.ready = true;
    const p = pod([
      { name: "app", livenessProbe: execProbe("live"), readinessProbe: execProbe("ready") },
    ]);
    await n.run(p);
    expect(n.prober.workerCount()).toBe(2);
    n.prober.stopLivenessAndStartup("uid-1");
    await n.sync(p);
    expect(n.prober.workerCount(), "only readiness, not created again").toBe(1);
    n.execs.length = 0;
    await n.periods(1);
    expect(n.execs).toEqual(["ready"]);
  });

  it("removePod stops every worker and forgets the pod's results", async () => {
    const n = await node();
    n.healthy.live = false;
    const p = pod([{ name: "app", livenessProbe: execProbe("live", { failureThreshold: 1 }) }]);
    const { app } = await n.run(p);
    expect(n.prober.verdicts().livenessFailed(app as string)).toBe(true);
    n.prober.removePod("uid-1");
    expect(n.prober.workerCount()).toBe(0);
    expect(n.prober.verdicts().livenessFailed(app as string)).toBe(false);
    expect(n.prober.isStarted(app as string)).toBe(false);
    const before = n.execs.length;
    await n.periods(2);
    expect(n.execs.length).toBe(before);
  });

  it("cleanupPods keeps only the pods given", async () => {
    const n = await node();
    n.healthy.live = true;
    await n.run(pod([{ name: "a", livenessProbe: execProbe("live") }], "uid-a"));
    await n.run(pod([{ name: "b", livenessProbe: execProbe("live") }], "uid-b"));
    n.prober.cleanupPods(["uid-b"]);
    expect(n.prober.workerCount()).toBe(1);
  });
});
