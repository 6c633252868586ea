/**
 * The kubelet's HTTPS server over real TLS (certificates from the pki helpers) and the fake
 * runtime; log files are written by the test where the runtime says they are.
 */
import { appendFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Pod } from "../api/types.ts";
import {
  type CertificateAndKey,
  ensureClusterPki,
  issueClientCertificate,
  issueServingCertificate,
} from "../apiserver/pki.ts";
import type { ContainerConfig, PodSandboxConfig } from "../runtime/cri.ts";
import { FakeRuntime } from "../runtime/fake/runtime.ts";
import { FakeClock } from "../util/clock.ts";
import { type RunningKubeletServer, requestAttributes, startKubeletServer } from "./server.ts";

const START = Date.parse("2026-01-01T10:00:00Z");
const cri = (second: number, stream: string, text: string) =>
  `2026-01-01T10:00:${String(second).padStart(2, "0")}.25Z ${stream} F ${text}\n`;

let dir = "";
let caPem = "";
let serving: CertificateAndKey;
let apiserver: CertificateAndKey;
let jane: CertificateAndKey;
let stranger: CertificateAndKey;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tinykube-kubelet-server-"));
  const pki = await ensureClusterPki(join(dir, "cluster"));
  const other = await ensureClusterPki(join(dir, "other-cluster"));
  caPem = pki.ca.certPem;
  [serving, apiserver, jane, stranger] = await Promise.all([
    issueServingCertificate(pki, { commonName: "system:node:node-1", ips: ["127.0.0.1"] }),
    issueClientCertificate(pki, {
      user: "kube-apiserver-kubelet-client",
      groups: ["system:masters"],
    }),
    issueClientCertificate(pki, { user: "jane", groups: ["developers"] }),
    issueClientCertificate(other, { user: "admin", groups: ["system:masters"] }),
  ]);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  text: string;
}

/** GET `path` as the holder of `as` (null: no client certificate). */
function get(port: number, path: string, as: CertificateAndKey | null): Promise<Answer> {
  return new Promise((resolve, reject) => {
    request(
      {
        host: "127.0.0.1",
        port,
        path,
        ca: caPem,
        agent: false,
        ...(as ? { cert: as.certPem, key: as.keyPem } : {}),
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    )
      .on("error", reject)
      .end();
  });
}

/** Polls (real time, 5 s at most) until `check` holds. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("the kubelet server", () => {
  let server: RunningKubeletServer | undefined;
  let runtime: FakeRuntime | undefined;
  afterEach(async () => {
    await server?.close();
    await runtime?.close();
    server = undefined;
    runtime = undefined;
  });

  /**
   * A node with pod "web": container "app" ran once (attempt 0 exited 1) and runs again
   * (attempt 1); the pod's status names both runs, as the kubelet would have reported it.
   */
  async function setUp() {
    const clock = new FakeClock(START);
    runtime = new FakeRuntime({
      clock,
      podCIDR: "10.244.1.0/24",
      stats: (_, ranMs) => ({ usageCoreNanoSeconds: ranMs * 500_000, workingSetBytes: 1 << 20 }),
    });
    const rt = runtime;
    const sandbox: PodSandboxConfig = {
      metadata: { name: "web", namespace: "default", uid: "uid-web", attempt: 0 },
      hostname: "web",
      logDirectory: join(dir, "pods", "default_web_uid-web"),
      labels: {},
      annotations: {},
    };
    const sandboxId = await rt.runPodSandbox(sandbox);
    await rt.pullImage({ image: "tinykube/hello:1.0" });
    const run = async (attempt: number) => {
      const config: ContainerConfig = {
        metadata: { name: "app", attempt },
        image: { image: "tinykube/hello:1.0" },
        command: [],
        args: [],
        envs: [],
        mounts: [],
        labels: {},
        annotations: {},
        logPath: `app/${attempt}.log`,
      };
      const id = await rt.createContainer(sandboxId, config, sandbox);
      await rt.startContainer(id);
      const { logPath } = await rt.containerStatus(id);
      await mkdir(dirname(logPath), { recursive: true });
      return { id, logPath };
    };
    const first = await run(0);
    await writeFile(first.logPath, cri(1, "stdout", "first run"));
    rt.kill(first.id, 1);
    const second = await run(1);
    await writeFile(
      second.logPath,
      cri(2, "stdout", "second run") + cri(3, "stderr", "a warning") + cri(4, "stdout", "ready"),
    );
    const pod: Pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web", namespace: "default", uid: "uid-web" },
      spec: { nodeName: "node-1", containers: [{ name: "app", image: "tinykube/hello:1.0" }] },
      status: {
        phase: "Running",
        containerStatuses: [
          {
            name: "app",
            ready: true,
            restartCount: 1,
            containerID: `tinykube://${second.id}`,
            state: { running: { startedAt: "2026-01-01T10:00:02Z" } },
            lastState: { terminated: { exitCode: 1, containerID: `tinykube://${first.id}` } },
          },
        ],
      },
    };
    const pending: Pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "pending", namespace: "default", uid: "uid-pending" },
      spec: { nodeName: "node-1", containers: [{ name: "app", image: "nope:1.0" }] },
      status: {
        phase: "Pending",
        containerStatuses: [
          {
            name: "app",
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: "ImagePullBackOff" } },
            lastState: {},
          },
        ],
      },
    };
    server = await startKubeletServer({
      address: "127.0.0.1",
      port: 0,
      tls: { certPem: serving.certPem, keyPem: serving.keyPem, caPem },
      host: { nodeName: "node-1", pods: () => [pod, pending], runtime: rt, startTime: START },
      clock,
    });
    const port = server.port;
    return {
      clock,
      runtime: rt,
      second,
      get: (path: string, as: CertificateAndKey | null = apiserver) => get(port, path, as),
      port,
    };
  }

  it("authentication: no client certificate, or one from another CA, is 401 Unauthorized", async () => {
    const s = await setUp();
    expect(await s.get("/healthz", null)).toEqual({ status: 401, text: "Unauthorized" });
    expect(await s.get("/healthz", stranger)).toEqual({ status: 401, text: "Unauthorized" });
    expect(await s.get("/healthz")).toEqual({ status: 200, text: "ok" });
  });

  it("authorization: a user outside system:masters gets the kubelet's 403, naming the subresource", async () => {
    const s = await setUp();
    expect(await s.get("/stats/summary", jane)).toEqual({
      status: 403,
      text: "Forbidden (user=jane, verb=get, resource=nodes, subresource=stats)",
    });
    expect(await s.get("/containerLogs/default/web/app", jane)).toEqual({
      status: 403,
      text: "Forbidden (user=jane, verb=get, resource=nodes, subresource=proxy)",
    });
  });

  it("maps paths to node subresources as auth.go does", () => {
    const sub = (path: string) => requestAttributes("n", "GET", path).subresource;
    expect([sub("/stats"), sub("/stats/summary"), sub("/statsx")]).toEqual([
      "stats",
      "stats",
      "proxy",
    ]);
    expect([sub("/metrics/cadvisor"), sub("/logs/syslog"), sub("/pods"), sub("/healthz")]).toEqual([
      "metrics",
      "log",
      "proxy",
      "proxy",
    ]);
    expect(requestAttributes("n", "POST", "/exec/a/b/c")).toEqual({
      verb: "create",
      resource: "nodes",
      subresource: "proxy",
      name: "n",
      path: "/exec/a/b/c",
    });
  });

  it("/pods is a v1 PodList of the kubelet's pods", async () => {
    const s = await setUp();
    const answer = await s.get("/pods");
    const list = JSON.parse(answer.text) as { kind: string; items: Pod[] };
    expect([answer.status, list.kind, list.items.map((p) => p.metadata.name)]).toEqual([
      200,
      "PodList",
      ["web", "pending"],
    ]);
  });

  it("/stats/summary: the running container's CPU and memory, the rate from the second request", async () => {
    const s = await setUp();
    s.clock.advance(10_000);
    const first = JSON.parse((await s.get("/stats/summary")).text);
    expect(first.node.nodeName).toBe("node-1");
    expect(first.pods[0].podRef).toEqual({ name: "web", namespace: "default", uid: "uid-web" });
    expect(first.pods[0].containers[0]).toEqual({
      name: "app",
      startTime: "2026-01-01T10:00:00Z",
      cpu: { time: "2026-01-01T10:00:10Z", usageCoreNanoSeconds: 5e9 },
      memory: { time: "2026-01-01T10:00:10Z", workingSetBytes: 1 << 20 },
    });
    s.clock.advance(10_000);
    const second = JSON.parse((await s.get("/stats/summary")).text);
    expect(second.pods[0].containers[0].cpu.usageNanoCores, "half a core").toBe(500_000_000);
  });

  describe("/containerLogs", () => {
    it("the running run's log, stdout and stderr in order; tailLines; timestamps", async () => {
      const s = await setUp();
      expect(await s.get("/containerLogs/default/web/app")).toEqual({
        status: 200,
        text: "second run\na warning\nready\n",
      });
      expect((await s.get("/containerLogs/default/web/app?tailLines=1&timestamps=true")).text).toBe(
        "2026-01-01T10:00:04.250000000Z ready\n",
      );
      expect((await s.get("/containerLogs/default/web/app?tail=all&limitBytes=3")).text).toBe(
        "sec",
      );
    });

    it("previous: the run before; Kubernetes' 400 when there is none", async () => {
      const s = await setUp();
      expect((await s.get("/containerLogs/default/web/app?previous=true")).text).toBe(
        "first run\n",
      );
      expect(await s.get("/containerLogs/default/pending/app?previous=true")).toEqual({
        status: 400,
        text: 'previous terminated container "app" in pod "pending" not found',
      });
      expect(await s.get("/containerLogs/default/pending/app")).toEqual({
        status: 400,
        text: 'container "app" in pod "pending" is waiting to start: trying and failing to pull image',
      });
    });

    it("unknown pod or container: the kubelet's 404s; a bad query: 400 and 422", async () => {
      const s = await setUp();
      expect(await s.get("/containerLogs/default/nope/app")).toEqual({
        status: 404,
        text: 'pod "nope" does not exist',
      });
      expect(await s.get("/containerLogs/kube-system/web/app"), "another namespace").toEqual({
        status: 404,
        text: 'pod "web" does not exist',
      });
      expect(await s.get("/containerLogs/default/web/db")).toEqual({
        status: 404,
        text: 'container "db" not found in pod "web"',
      });
      expect(await s.get("/containerLogs/default/web/app?tailLines=ten")).toEqual({
        status: 400,
        text: '{"message": "Unable to decode query."}',
      });
      expect(await s.get("/containerLogs/default/web/app?tailLines=-1")).toEqual({
        status: 422,
        text: '{"message": "Invalid request."}',
      });
      expect(
        await s.get("/containerLogs/default/web/app?sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z"),
      ).toEqual({
        status: 422,
        text: '{"message": "Invalid request."}',
      });
    });

    it("follow streams new lines and ends when the container exits", async () => {
      const s = await setUp();
      let body = "";
      let ended = false;
      request(
        {
          host: "127.0.0.1",
          port: s.port,
          path: "/containerLogs/default/web/app?follow=true&tailLines=1",
          ca: caPem,
          cert: apiserver.certPem,
          key: apiserver.keyPem,
          agent: false,
        },
        (res) => {
          res.setEncoding("utf8").on("data", (chunk: string) => {
            body += chunk;
          });
          res.on("end", () => {
            ended = true;
          });
        },
      ).end();
      await until(() => body === "ready\n", "the last line");
      await appendFile(s.second.logPath, cri(5, "stdout", "serving"));
      await until(() => body === "ready\nserving\n", "a line written after the request");
      s.runtime.kill(s.second.id, 0);
      await appendFile(s.second.logPath, cri(6, "stdout", "bye"));
      await until(() => ended, "the stream to end once the container exited");
      expect(body).toBe("ready\nserving\nbye\n");
    });

    it("close() ends an open follow", async () => {
      const s = await setUp();
      let ended = false;
      let body = "";
      request(
        {
          host: "127.0.0.1",
          port: s.port,
          path: "/containerLogs/default/web/app?follow=1",
          ca: caPem,
          cert: apiserver.certPem,
          key: apiserver.keyPem,
          agent: false,
        },
        (res) => {
          res.setEncoding("utf8").on("data", (chunk: string) => {
            body += chunk;
          });
          res.on("close", () => {
            ended = true;
          });
        },
      )
        .on("error", () => {
          ended = true;
        })
        .end();
      await until(() => body.endsWith("ready\n"), "the log so far");
      await server?.close();
      server = undefined;
      await until(() => ended, "the client to see the end");
    });
  });

  it("an unknown path is 404", async () => {
    const s = await setUp();
    expect((await s.get("/configz")).status).toBe(404);
  });
});
