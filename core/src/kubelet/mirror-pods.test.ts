/**
 * Static pods through the kubelet, on the fake runtime and a real API server: the static pod
 * runs and its mirror pod appears (annotations, owner, status); the mirror is never run itself;
 * deleting the mirror brings it back without touching the containers; an edited manifest
 * replaces pod and mirror; a removed manifest stops both; a kubelet that cannot reach the API
 * server still runs its static pods; and a kubelet started after its manifest was removed
 * cleans up what it left.
 */
import { mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Node } from "../api/types.ts";
import { builtinType } from "../client/factory.ts";
import { RestClient } from "../client/rest.ts";
import { FakeRuntime } from "../runtime/fake/runtime.ts";
import { FakeClock } from "../util/clock.ts";
import { Kubelet, type KubeletOptions } from "./kubelet.ts";
import { CONFIG_MIRROR_ANNOTATION } from "./mirror-pods.ts";
import { POD_UID_LABEL } from "./runtime-pod.ts";
import {
  CONFIG_HASH_ANNOTATION,
  CONFIG_SEEN_ANNOTATION,
  CONFIG_SOURCE_ANNOTATION,
} from "./static-pods.ts";
import { advanceUntil, type KubeletTestCluster, startKubeletTestCluster } from "./testing.ts";

const MANIFEST = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: { tier: static }
spec:
  containers:
  - name: hello
    image: tinykube/hello:1.0
`;
/** The static pod's name: the manifest's, then the node's. */
const NAME = "web-node-1";

describe("static pods and their mirror pods", () => {
  let cluster: KubeletTestCluster | undefined;
  let dir = "";
  const kubelets: Kubelet[] = [];
  const runtimes: FakeRuntime[] = [];
  const clients: RestClient[] = [];
  afterEach(async () => {
    for (const k of kubelets.splice(0)) await k.stop();
    for (const r of runtimes.splice(0)) await r.close();
    for (const c of clients.splice(0)) c.close();
    await cluster?.close();
    cluster = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const setUp = async () => {
    cluster = await startKubeletTestCluster();
    dir = await mkdtemp(join(tmpdir(), "tinykube-manifests-"));
    await writeFile(join(dir, "web.yaml"), MANIFEST);
    const clock = new FakeClock(Date.parse("2026-11-27T10:00:00Z"));
    const runtime = new FakeRuntime({ clock });
    runtimes.push(runtime);
    const c = cluster;
    const kubelet = (options: Partial<KubeletOptions> = {}) => {
      const k = new Kubelet({
        client: c.node,
        nodeName: "node-1",
        address: "127.1.0.1",
        runtime,
        rootDir: join(dir, "root"),
        clock,
        podCIDR: "10.244.1.0/24",
        staticPodPath: join(dir),
        recordEvents: false,
        ...options,
      });
      kubelets.push(k);
      return k;
    };
    const running = async (uid: string) =>
      runtime.listContainers({
        state: "CONTAINER_RUNNING",
        labelSelector: { [POD_UID_LABEL]: uid },
      });
    const until = <T>(check: () => Promise<T | undefined>, what: string) =>
      advanceUntil(clock, check, what);
    return { cluster: c, clock, runtime, kubelet, running, until };
  };

  it("runs the static pod and mirrors it: annotations, Node owner, status, and the mirror is never run", async () => {
    const { cluster, runtime, kubelet, until } = await setUp();
    await kubelet().start();
    const mirror = await until(async () => {
      const pod = await cluster.getPod(NAME);
      return pod?.status?.phase === "Running" ? pod : undefined;
    }, "the mirror pod with status Running");
    const hash = mirror.metadata.annotations?.[CONFIG_HASH_ANNOTATION] as string;
    expect(hash).toMatch(/^[0-9a-f]{32}$/);
    expect(mirror.metadata.annotations).toMatchObject({
      [CONFIG_MIRROR_ANNOTATION]: hash,
      [CONFIG_SOURCE_ANNOTATION]: "file",
      [CONFIG_SEEN_ANNOTATION]: "2026-11-27T10:00:00Z",
    });
    expect(mirror.metadata.labels).toEqual({ tier: "static" });
    expect(mirror.metadata.uid, "the API server's own UID").not.toBe(hash);
    const node = await cluster.admin.resource<Node>(builtinType("nodes")).get("node-1");
    expect(mirror.metadata.ownerReferences).toEqual([
      { apiVersion: "v1", kind: "Node", name: "node-1", uid: node.metadata.uid, controller: true },
    ]);
    expect(mirror.spec.nodeName).toBe("node-1");
    expect(mirror.spec.tolerations).toContainEqual({ operator: "Exists", effect: "NoExecute" });
    expect(mirror.status?.podIP).toMatch(/^10\.244\.1\.\d+$/);
    expect(mirror.status?.containerStatuses?.[0]).toMatchObject({ name: "hello", ready: true });
    // One pod in the runtime, under the static pod's UID (the hash), none under the mirror's.
    const sandboxes = await runtime.listPodSandbox();
    expect(sandboxes.map((s) => s.metadata.uid)).toEqual([hash]);
    expect(sandboxes[0]?.metadata.name).toBe(NAME);
  });

  it("a deleted mirror pod comes back; the containers run on untouched", async () => {
    const { cluster, clock, kubelet, running, until } = await setUp();
    await kubelet().start();
    const first = await until(async () => {
      const pod = await cluster.getPod(NAME);
      return pod?.status?.phase === "Running" ? pod : undefined;
    }, "the first mirror pod Running");
    const hash = first.metadata.annotations?.[CONFIG_HASH_ANNOTATION] as string;
    const [container] = await running(hash);
    clock.advance(5_000); // a new status now would show a later startTime
    await cluster.pods.delete(NAME); // as kubectl delete: graceful, 30 s
    const second = await until(async () => {
      const pod = await cluster.getPod(NAME);
      return pod && pod.metadata.uid !== first.metadata.uid && pod.status?.phase === "Running"
        ? pod
        : undefined;
    }, "a new mirror pod with status");
    expect(second.metadata.deletionTimestamp).toBeUndefined();
    expect(second.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION]).toBe(hash);
    expect(second.status?.startTime, "the static pod's status, carried over").toBe(
      first.status?.startTime,
    );
    expect((await running(hash)).map((c) => c.id)).toEqual([container?.id]);
  });

  it("an edited manifest replaces the pod and its mirror; a removed one stops both", async () => {
    const { cluster, kubelet, running, runtime, until } = await setUp();
    await kubelet().start();
    const first = await until(async () => {
      const pod = await cluster.getPod(NAME);
      return pod?.status?.phase === "Running" ? pod : undefined;
    }, "the mirror pod Running");
    const oldHash = first.metadata.annotations?.[CONFIG_HASH_ANNOTATION] as string;

    await writeFile(join(dir, "web.yaml"), MANIFEST.replace("hello:1.0", "hello:2.0"));
    const second = await until(async () => {
      const pod = await cluster.getPod(NAME);
      const hash = pod?.metadata.annotations?.[CONFIG_MIRROR_ANNOTATION];
      return hash && hash !== oldHash && pod?.status?.phase === "Running" ? pod : undefined;
    }, "a mirror pod of the edited manifest, Running");
    const newHash = second.metadata.annotations?.[CONFIG_HASH_ANNOTATION] as string;
    expect(second.spec.containers[0]?.image).toBe("tinykube/hello:2.0");
    expect(await running(oldHash), "the old pod's containers").toEqual([]);
    expect(await running(newHash)).toHaveLength(1);

    await unlink(join(dir, "web.yaml"));
    await until(
      async () => ((await cluster.getPod(NAME)) === undefined ? true : undefined),
      "the mirror pod deleted",
    );
    await until(
      async () => ((await runtime.listPodSandbox()).length === 0 ? true : undefined),
      "the static pod's sandbox removed",
    );
    expect(await running(newHash)).toEqual([]);
  });

  it("runs static pods while the API server cannot be reached, and stops cleanly", async () => {
    const { clock, kubelet, running, runtime } = await setUp();
    // Nothing listens on port 1: every request fails to connect.
    const unreachable = new RestClient({
      server: "https://127.0.0.1:1",
      caPem: cluster?.api.caCertPem as string,
      qps: 0,
    });
    clients.push(unreachable);
    const logs: string[] = [];
    const k = kubelet({ client: unreachable, log: (line) => logs.push(line) });
    const started = k.start();
    const [sandbox] = await advanceUntil(
      clock,
      async () => {
        const sandboxes = await runtime.listPodSandbox();
        return sandboxes.length > 0 ? sandboxes : undefined;
      },
      "the static pod's sandbox",
    );
    const uid = sandbox?.metadata.uid as string;
    await advanceUntil(
      clock,
      async () => ((await running(uid)).length === 1 ? true : undefined),
      "the static pod's container running without an API server",
    );
    await advanceUntil(
      clock,
      async () => (logs.some((l) => l.includes("unable to register the node")) ? true : undefined),
      "the failed registration, logged",
      { realTimeoutMs: 5_000 },
    );
    await k.stop();
    await started; // start() gives up waiting for the API server on stop()
  });

  it("a kubelet started after its manifest was removed stops the pod and deletes the mirror", async () => {
    const { cluster, kubelet, runtime, until } = await setUp();
    const first = kubelet();
    await first.start();
    await until(async () => {
      const pod = await cluster.getPod(NAME);
      return pod?.status?.phase === "Running" ? pod : undefined;
    }, "the mirror pod Running");
    await first.stop(); // the containers outlive it
    await unlink(join(dir, "web.yaml"));
    await kubelet().start();
    await until(
      async () => ((await cluster.getPod(NAME)) === undefined ? true : undefined),
      "the orphaned mirror pod deleted",
    );
    await until(
      async () => ((await runtime.listPodSandbox()).length === 0 ? true : undefined),
      "the orphaned sandbox removed",
    );
  });
});
