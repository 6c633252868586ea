/**
 * The prober's verdicts and events: exec through the fake runtime, HTTP and TCP against real
 * servers on 127.0.0.1, retries of a probe that errors.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Container, Pod } from "../../api/types.ts";
import type { ContainerConfig, PodSandboxConfig } from "../../runtime/cri.ts";
import { CriError } from "../../runtime/cri.ts";
import { FakeRuntime } from "../../runtime/fake/runtime.ts";
import { FakeClock, realClock } from "../../util/clock.ts";
import { type ProbeEvent, Prober, type ProbeTarget } from "./prober.ts";
import { closedPort, serveHttp, serveTcp } from "./testing.ts";

const pod: Pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web-0", namespace: "shop", uid: "uid-web-0" },
  spec: { containers: [] },
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function prober(runtime = new FakeRuntime({ clock: new FakeClock() })) {
  const events: ProbeEvent[] = [];
  const instance = new Prober({ runtime, clock: realClock, onEvent: (_, e) => events.push(e) });
  return { prober: instance, events };
}

const target = (container: Container, containerId = "c-1"): ProbeTarget => ({
  pod,
  podIP: "127.0.0.1",
  container,
  containerId,
});

/** A running container on a fake runtime, for exec probes. */
async function fakeContainer() {
  const clock = new FakeClock();
  const runtime = new FakeRuntime({ clock, podCIDR: "10.244.0.0/24" });
  const sandbox: PodSandboxConfig = {
    metadata: { name: "web-0", namespace: "shop", uid: "uid-web-0", attempt: 0 },
    hostname: "web-0",
    logDirectory: "/var/log/pods/x",
    labels: {},
    annotations: {},
  };
  const config: ContainerConfig = {
    metadata: { name: "app", attempt: 0 },
    image: { image: "busybox:1.36" },
    command: ["sleep", "3600"],
    args: [],
    envs: [],
    mounts: [],
    labels: {},
    annotations: {},
    logPath: "app/0.log",
  };
  await runtime.pullImage(config.image);
  const id = await runtime.createContainer(await runtime.runPodSandbox(sandbox), config, sandbox);
  await runtime.startContainer(id);
  return { runtime, id };
}

describe("Prober", () => {
  it("no probe of that type: Success, no event", async () => {
    const { prober: p, events } = prober();
    expect(await p.probe("Liveness", target({ name: "app" }))).toEqual({ result: "Success" });
    expect(events).toEqual([]);
  });

  it("exec: a non-zero exit is a Failure with an Unhealthy event carrying the output", async () => {
    const { runtime, id } = await fakeContainer();
    const { prober: p, events } = prober(runtime);
    const failing = {
      name: "app",
      livenessProbe: { exec: { command: ["sh", "-c", "echo not healthy; exit 1"] } },
    };
    expect(await p.probe("Liveness", target(failing, id))).toEqual({ result: "Failure" });
    expect(events).toEqual([
      {
        containerName: "app",
        type: "Warning",
        reason: "Unhealthy",
        message: "Liveness probe failed: not healthy\n",
      },
    ]);
    const passing = { name: "app", startupProbe: { exec: { command: ["true"] } } };
    expect(await p.probe("Startup", target(passing, id))).toEqual({ result: "Success" });
    expect(events, "a success records nothing").toHaveLength(1);
  });

  it("httpGet: a 500 is a Failure, 'Readiness probe failed: HTTP probe failed with statuscode: 500'", async () => {
    const server = await serveHttp((_, response) => response.writeHead(500).end("boom"));
    cleanups.push(() => server.close());
    const { prober: p, events } = prober();
    const container = {
      name: "app",
      readinessProbe: { httpGet: { port: server.port, path: "/ready" } },
    };
    expect(await p.probe("Readiness", target(container))).toEqual({ result: "Failure" });
    expect(events.map((e) => [e.reason, e.message])).toEqual([
      ["Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 500"],
    ]);
  });

  it("httpGet: a redirect to another host is a Success with a ProbeWarning event", async () => {
    const server = await serveHttp((_, response) =>
      response.writeHead(301, { Location: "http://127.0.0.2:1/" }).end(),
    );
    cleanups.push(() => server.close());
    const { prober: p, events } = prober();
    const container = { name: "app", readinessProbe: { httpGet: { port: server.port } } };
    expect(await p.probe("Readiness", target(container))).toEqual({ result: "Success" });
    expect(events.map((e) => [e.reason, e.message])).toEqual([
      ["ProbeWarning", "Readiness probe warning: Probe terminated redirects, Response body: "],
    ]);
  });

  it("tcpSocket: by port name; a closed port is a Failure with Go's dial error", async () => {
    const server = await serveTcp();
    cleanups.push(() => server.close());
    const port = await closedPort();
    const { prober: p, events } = prober();
    const open = {
      name: "db",
      ports: [{ name: "pg", containerPort: server.port }],
      livenessProbe: { tcpSocket: { port: "pg" } },
    };
    expect(await p.probe("Liveness", target(open))).toEqual({ result: "Success" });
    const closed = { name: "db", livenessProbe: { tcpSocket: { port } } };
    expect(await p.probe("Liveness", target(closed))).toEqual({ result: "Failure" });
    expect(events.map((e) => e.message)).toEqual([
      `Liveness probe failed: dial tcp 127.0.0.1:${port}: connect: connection refused`,
    ]);
  });

  it("a probe that errors is tried 3 times, then reported as errored, with the error", async () => {
    const { runtime, id } = await fakeContainer();
    const { prober: p, events } = prober(runtime);
    const container = { name: "app", livenessProbe: { exec: { command: ["true"] } } };
    runtime.failNext("execSync", new CriError("Unknown", "first"));
    runtime.failNext("execSync", new CriError("Unknown", "second"));
    expect(await p.probe("Liveness", target(container, id)), "the third try works").toEqual({
      result: "Success",
    });
    expect(events, "no event for errors a retry got past").toEqual([]);

    for (const n of [1, 2, 3]) runtime.failNext("execSync", new CriError("Unknown", `broken ${n}`));
    runtime.failNext("execSync", new CriError("Unknown", "a fourth try would see this"));
    const verdict = await p.probe("Liveness", target(container, id));
    expect(verdict.result).toBe("Failure");
    expect(verdict.error?.message).toBe("broken 3");
    expect(events.map((e) => e.message)).toEqual([
      "Liveness probe errored and resulted in unknown state: broken 3",
    ]);
  });

  it("a port name the container lacks errors with Kubernetes' message", async () => {
    const { prober: p, events } = prober();
    const container = { name: "app", readinessProbe: { httpGet: { port: "http" } } };
    const verdict = await p.probe("Readiness", target(container));
    expect(verdict.error?.message).toBe('strconv.Atoi: parsing "http": invalid syntax');
    expect(events.map((e) => e.message)).toEqual([
      'Readiness probe errored and resulted in unknown state: strconv.Atoi: parsing "http": invalid syntax',
    ]);
  });
});
