/**
 * The nodes of one kubelet workload, all in the node child's process: a kubelet per node, each
 * as system:node:<name> with its own client (its own 50 qps budget, its own watches), on a
 * runtime of its own —
 * - process runtimes, each node as `tinykube kubelet` runs one (cli/node.ts `processNode`),
 *   without the kubelet's HTTPS server (logs, stats: nothing a pod's start uses), each client
 *   with connections of its own;
 * - or fake runtimes: kubemark's hollow nodes, sharing one timer heap, their clients sharing
 *   HTTP/2 connections as kubelets in one Go process would share one transport.
 *
 * Guarantees:
 * - `ready` resolves once every kubelet has registered its Node and synced its pod cache; it
 *   rejects with the first kubelet that could not start.
 * - `stop()` stops every kubelet, then every container and sandbox of every process runtime (in
 *   a real cluster containers outlive their kubelet; a benchmark must leave nothing running).
 */
import { join } from "node:path";
import { processNode } from "../src/cli/node.ts";
import { Http2Transport } from "../src/client/http2-transport.ts";
import { RestClient } from "../src/client/rest.ts";
import { Kubelet } from "../src/kubelet/kubelet.ts";
import { FakeRuntime } from "../src/runtime/fake/index.ts";
import { NodeImageStore } from "../src/runtime/images/store.ts";
import { realClock } from "../src/util/clock.ts";

export interface NodesStart {
  server: string;
  caPem: string;
  runtime: "process" | "fake";
  nodes: { name: string; token: string; address: string }[];
  /** The node process's directory: each node gets its root directory under it. */
  root: string;
  /** Pulled on every process-runtime node before its kubelet starts (the SLI excludes pulls). */
  prePull?: string;
  /** How many kubelets start at once. */
  concurrency: number;
}

export interface RunningNodes {
  ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * KubeletConfiguration's kubeAPIQPS 50 and kubeAPIBurst 100 (cli/main.ts startNode uses them too).
 */
const KUBELET_QPS = 50;
const KUBELET_BURST = 100;

export function startNodes(start: NodesStart, log: (line: string) => void): RunningNodes {
  /** How to stop each node started so far. */
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const http2 =
    start.runtime === "fake"
      ? new Http2Transport({ server: start.server, caPem: start.caPem })
      : undefined;
  const startOne = async ({ name, token, address }: NodesStart["nodes"][number]) => {
    const rootDir = join(start.root, name);
    const client = new RestClient({
      server: start.server,
      caPem: start.caPem,
      token,
      userAgent: `kubelet/${name}`,
      qps: KUBELET_QPS,
      burst: KUBELET_BURST,
      ...(http2 ? { http2 } : {}),
    });
    if (start.runtime === "process") {
      // The node's image store is a directory: what is pulled here, its runtime finds.
      if (start.prePull)
        await new NodeImageStore({ root: join(rootDir, "images") }).pullImage({
          image: start.prePull,
        });
      const node = processNode({ client, name, address, rootDir, log });
      stops.push(() => node.stop());
      await node.kubelet.start();
      return;
    }
    const runtime = new FakeRuntime({ clock: realClock });
    const kubelet = new Kubelet({ client, nodeName: name, address, runtime, rootDir, log });
    stops.push(async () => {
      await kubelet.stop();
      await runtime.close();
      client.close();
    });
    await kubelet.start();
  };
  const ready = (async () => {
    let next = 0;
    const worker = async () => {
      while (!stopping && next < start.nodes.length) {
        await startOne(start.nodes[next++] as NodesStart["nodes"][number]);
      }
    };
    await Promise.all(Array.from({ length: start.concurrency }, worker));
  })();
  ready.catch(() => {}); // the child reports it; stop() must not throw it again
  return {
    ready,
    async stop() {
      stopping = true;
      await Promise.all(stops.map((stop) => stop()));
      http2?.close();
    },
  };
}
