/**
 * Scale: 5,000 hollow nodes on the fake runtime, and 10,000 pods reach Running — kubemark's
 * hollow nodes (a real kubelet on a fake runtime each, all in one process) against a real API
 * server, as kwok's CI runs 10,000 pods on its fake nodes.
 *
 * Every kubelet is the real one: its own identity (system:node:<name>), its own watches of its
 * pods, its Node and the services, its lease renewed every 10 s and its status checked every 10 s, a
 * PLEG relisting its runtime every second. They share HTTP/2 connections, as kubelets in one Go
 * process would share one transport. The pods are created already bound (spec.nodeName), two
 * per node, as kwok's benchmark creates them: the scheduler's own scale is scheduler_perf's
 * subject (npm run bench -- scheduler; npm run bench -- kubelet schedules them too).
 *
 * The nodes are given their pod CIDR directly (the node IPAM controller's part is left out). The
 * API server runs in a child process, on the other core (apiserver-process.ts).
 *
 * What it costs at full size: about 2 GB for the kubelets' process and 1 GB for the API server's,
 * and a few CPU-minutes — 5,000 nodes' heartbeats alone keep about two thirds of a core busy.
 * Sizes: TINYKUBE_SCALE_NODES and TINYKUBE_SCALE_PODS override 5,000 and 10,000. It runs on its
 * own after the other tests (`npm run test:scale`, vitest.scale.config.ts): beside them, on two
 * cores, it took four times as long.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Pod } from "../api/types.ts";
import { builtinType } from "../client/factory.ts";
import { Http2Transport } from "../client/http2-transport.ts";
import { type ClientWatch, RestClient } from "../client/rest.ts";
import { FakeRuntime } from "../runtime/fake/runtime.ts";
import { type ApiServerProcess, startApiServerProcess } from "../testing/apiserver-process.ts";
import { realClock } from "../util/clock.ts";
import { Kubelet } from "./kubelet.ts";

const NODES = Number(process.env.TINYKUBE_SCALE_NODES ?? 5000);
const PODS = Number(process.env.TINYKUBE_SCALE_PODS ?? 10_000);
/** Kubelets starting at once, and clients creating pods at once. */
const CONCURRENCY = 200;
const CLIENTS = 20;
/**
 * Far beyond what 10,000 pods take here; only a stuck cluster gets near it. The kubelets are
 * started and the pods created within it too; the pods must be Running a minute before it, so
 * that a failure can still say which are not and why.
 */
const TIMEOUT_MS = 10 * 60_000;
const RUNNING_DEADLINE_MS = TIMEOUT_MS - 60_000;

const nodeName = (i: number) => `hollow-node-${i}`;
/**
 * Node i's pod CIDR: 10.<i / 256>.<i % 256>.0/24, a /24 each as the node IPAM controller gives
 * (--node-cidr-mask-size 24); 5,000 nodes fit 10.0.0.0/8 many times over.
 */
const podCIDR = (i: number) => `10.${i >> 8}.${i & 255}.0/24`;

async function inParallel(count: number, limit: number, run: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await run(next++);
    }),
  );
}

describe(`scale: ${NODES} hollow nodes, ${PODS} pods`, () => {
  let api: ApiServerProcess | undefined;
  let transport: Http2Transport | undefined;
  let admin: RestClient | undefined;
  const kubelets: Kubelet[] = [];
  const runtimes: FakeRuntime[] = [];

  afterAll(async () => {
    await Promise.all(kubelets.map((k) => k.stop()));
    await Promise.all(runtimes.map((r) => r.close()));
    transport?.close();
    admin?.close();
    await api?.stop();
  }, TIMEOUT_MS);

  it(
    "every pod reaches Running on its node",
    async () => {
      const names = Array.from({ length: NODES }, (_, i) => nodeName(i));
      // The API server in a process of its own, on the other core: one event loop for it and
      // 5,000 kubelets would take twice as long, and kube-apiserver never shares a node's.
      api = await startApiServerProcess({ nodes: names, http2: true });
      const server = api;
      const h2 = new Http2Transport({ server: server.url, caPem: server.caCertPem });
      transport = h2;
      const client = new RestClient({
        server: server.url,
        caPem: server.caCertPem,
        token: server.tokenFor("admin"),
        qps: 0,
        http2: h2,
      });
      admin = client;
      const started = performance.now();
      await inParallel(NODES, CONCURRENCY, async (i) => {
        const runtime = new FakeRuntime({ clock: realClock });
        runtimes.push(runtime);
        const kubelet = new Kubelet({
          client: new RestClient({
            server: server.url,
            caPem: server.caCertPem,
            token: server.tokenFor(`system:node:${names[i]}`),
            userAgent: `kubelet/${names[i]}`,
            // KubeletConfiguration's kubeAPIQPS 50 and kubeAPIBurst 100.
            qps: 50,
            burst: 100,
            http2: h2,
          }),
          nodeName: names[i] as string,
          address: `127.1.${(i + 1) >> 8}.${(i + 1) & 255}`,
          runtime,
          rootDir: `/tmp/tinykube-scale/${names[i]}`,
          podCIDR: podCIDR(i),
        });
        kubelets.push(kubelet);
        await kubelet.start();
      });
      const nodesSeconds = (performance.now() - started) / 1000;

      const pods = client.resource<Pod>(builtinType("pods"), "default");
      const { metadata } = await pods.list({ limit: 1 });
      const watch = (await pods.watch({
        resourceVersion: metadata.resourceVersion,
        timeoutSeconds: TIMEOUT_MS / 1000,
      })) as ClientWatch<Pod>;
      /** Each Running pod's node, by pod name. */
      const running = new Map<string, string>();
      /** Why pods are not Running: how many, by phase and waiting reason, and a few of them. */
      const notRunning = async () => {
        const all = (await pods.list()).items;
        const stuck = all.filter((p) => p.status?.phase !== "Running");
        const why = new Map<string, number>();
        for (const p of stuck) {
          const waiting = (
            p.status?.containerStatuses?.[0]?.state as { waiting?: { reason?: string } } | undefined
          )?.waiting?.reason;
          const key = `${p.status?.phase ?? "no status"}${waiting ? ` (${waiting})` : ""}`;
          why.set(key, (why.get(key) ?? 0) + 1);
        }
        return new Error(
          `after ${RUNNING_DEADLINE_MS / 1000} s, ${running.size} of ${PODS} pods seen Running on the watch, ` +
            `${all.length - stuck.length} Running in a list; not Running: ${JSON.stringify(Object.fromEntries(why))}, ` +
            `e.g. ${stuck
              .slice(0, 3)
              .map((p) => `${p.metadata.name} on ${p.spec.nodeName}`)
              .join(", ")}`,
        );
      };
      const allRunning = (async () => {
        for await (const event of watch) {
          const pod = event.object;
          if (event.type === "ERROR") throw new Error(JSON.stringify(pod));
          if (pod.status?.phase === "Running")
            running.set(pod.metadata.name as string, pod.spec.nodeName as string);
          if (running.size === PODS) return;
        }
      })();
      const createdAt = performance.now();
      await inParallel(PODS, CLIENTS, (i) =>
        pods.create({
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: `pod-${i}` },
          spec: {
            nodeName: nodeName(i % NODES),
            containers: [{ name: "hello", image: "tinykube/hello:1.0" }],
          },
        }),
      );
      let deadline: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          allRunning,
          new Promise((_, reject) => {
            deadline = setTimeout(
              () => void notRunning().then(reject, reject),
              RUNNING_DEADLINE_MS,
            );
          }),
        ]);
      } finally {
        clearTimeout(deadline);
        watch.stop();
      }
      const podsSeconds = (performance.now() - createdAt) / 1000;
      console.log(
        `${NODES} kubelets started in ${nodesSeconds.toFixed(1)} s; ${PODS} pods Running ${podsSeconds.toFixed(1)} s after the first create`,
      );

      expect(running.size).toBe(PODS);
      for (let i = 0; i < PODS; i += Math.max(1, Math.floor(PODS / 100)))
        expect(running.get(`pod-${i}`), `pod-${i}'s node`).toBe(nodeName(i % NODES));
    },
    TIMEOUT_MS,
  );
});
