/**
 * The stage chapter 6 plays on: a real API server, the controller manager (node IPAM gives the
 * node its pod CIDR), one kubelet on the process runtime — its containers are real processes —
 * and an observer: an admin client whose informers see pods, nodes and events as any
 * `kubectl get -w` would.
 *
 * Guarantees:
 * - Everything the chapter says about a pod comes from the API (the observer), from the kubelet's
 *   own log, or from the process table: nothing is printed that the system did not do.
 * - `close` stops what `openStage` started — the kubelet, then every container and sandbox of the
 *   node, the controller manager, the API server — and deletes the data directory; the caller
 *   runs it in a `finally`.
 */
import { request } from "node:https";
import { join } from "node:path";
import type { Node, Pod } from "@tinykube/core/api/types";
import { ensureClusterPki, issueServingCertificate } from "@tinykube/core/apiserver/pki";
import type { CoreEvent } from "@tinykube/core/client/events";
import { builtinType, SharedInformerFactory } from "@tinykube/core/client/factory";
import { unwrapTombstone } from "@tinykube/core/client/informer";
import type { ResourceClient } from "@tinykube/core/client/rest";
import { startControllerManager } from "@tinykube/core/controllers/manager";
import { Kubelet } from "@tinykube/core/kubelet/kubelet";
import { NodeImageStore } from "@tinykube/core/runtime/images/store";
import { ProcessRuntime } from "@tinykube/core/runtime/process/runtime";
import { openClusterStage, type Say, untilFor } from "@tinykube/core/testing/stage";

export type { Say };

export const NODE = "node-1";
/** The node's address on the loopback network (DESIGN.md): node i is 127.1.0.i. */
export const NODE_IP = "127.1.0.1";
/** Node IPAM's --cluster-cidr for the chapter: the node gets its first /24. */
export const CHAPTER_POD_NETWORK = "127.206.0.0/16";

export interface Stage {
  say: Say;
  pods: ResourceClient<Pod>;
  /** The observer's latest copy of each pod, by name. */
  seenPods: Map<string, Pod>;
  seenNode: () => Node | undefined;
  /** Every pod event the observer saw, in order. */
  seenEvents: CoreEvent[];
  runtimeRoot: string;
  /** GET on the API server as the admin, e.g. pods/web/log — what kubectl logs sends. */
  apiGet(path: string): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

export async function openStage(say: Say): Promise<Stage> {
  const base = await openClusterStage({ chapter: "chapter 6", say, nodes: [NODE] });
  const { api, admin, dataDir } = base;
  try {
    const manager = startControllerManager({
      server: api.url,
      caPem: api.caCertPem,
      token: api.tokenFor("system:kube-controller-manager") as string,
      controllers: ["nodeipam", "nodelifecycle"],
      // A pod network of the chapter's own, so its pods' addresses never meet those of a
      // `tinykube up` (127.128.0.0/9) running on the same machine.
      clusterCIDR: CHAPTER_POD_NETWORK,
      leaderElection: false,
      log: (line) => {
        if (line.includes("podCIDRs")) say(`[controller-manager] ${line}`);
      },
    });
    base.defer(() => manager.stop());

    const observer = new SharedInformerFactory(admin);
    const seenPods = new Map<string, Pod>();
    const seenEvents: CoreEvent[] = [];
    let node: Node | undefined;
    observer.informerFor<Pod>("pods").addEventHandler({
      onAdd: (p) => seenPods.set(p.metadata.name as string, p),
      onUpdate: (_, p) => seenPods.set(p.metadata.name as string, p),
      onDelete: (p) => seenPods.delete(unwrapTombstone(p).metadata.name as string),
    });
    observer.informerFor<Node>("nodes").addEventHandler({
      onAdd: (n) => {
        node = n;
      },
      onUpdate: (_, n) => {
        node = n;
      },
    });
    observer.informerFor<CoreEvent>("events").addEventHandler({
      onAdd: (e) => {
        if (e.involvedObject.kind !== "Pod") return;
        seenEvents.push(e);
        say(
          `[event] ${e.involvedObject.name} ${e.type} ${e.reason} (${e.source.component}): ${e.message}`,
        );
      },
      onUpdate: (before, e) => {
        if (e.involvedObject.kind !== "Pod" || e.count === before.count) return;
        seenEvents.push(e);
        say(`[event] ${e.involvedObject.name} ${e.type} ${e.reason} (x${e.count}): ${e.message}`);
      },
    });
    observer.start();
    base.defer(() => observer.stop());
    await observer.waitForCacheSync();

    const root = join(dataDir, "nodes", NODE);
    const runtime = new ProcessRuntime({
      root: join(root, "runtime"),
      images: new NodeImageStore({ root: join(root, "images") }),
    });
    // KubeletConfiguration's kubeAPIQPS 50 and kubeAPIBurst 100.
    const client = base.clientAs(`system:node:${NODE}`, { userAgent: `kubelet/${NODE}`, qps: 50 });
    base.defer(async () => {
      // A kubelet's containers outlive it; the chapter's must not outlive the chapter.
      for (const c of await runtime.listContainers({ state: "CONTAINER_RUNNING" })) {
        await runtime.stopContainer(c.id, 0);
      }
      for (const s of await runtime.listPodSandbox()) await runtime.removePodSandbox(s.id);
      await runtime.close();
    });
    // The kubelet's HTTPS server (kubectl logs reaches it through the API server) presents a
    // certificate for the node's address from the cluster CA, as `tinykube up` gives each node.
    const pki = await ensureClusterPki(dataDir);
    const serving = await issueServingCertificate(pki, {
      commonName: `system:node:${NODE}`,
      ips: [NODE_IP],
      dnsNames: [NODE],
    });
    const kubelet = new Kubelet({
      client,
      nodeName: NODE,
      address: NODE_IP,
      runtime,
      rootDir: root,
      // Port 0: any free port, which the Node reports (status.daemonEndpoints), so the chapter
      // never collides with a running `tinykube up` on 10250.
      server: {
        port: 0,
        tls: { certPem: serving.certPem, keyPem: serving.keyPem, caPem: pki.ca.certPem },
      },
      log: (line) => {
        if (!/ACCEPT|listing/.test(line)) say(line);
      },
    });
    say(
      `[kubelet ${NODE}] starting: registers Node ${NODE} at ${NODE_IP} as system:node:${NODE}, ` +
        `renews its Lease in kube-node-lease, watches pods with spec.nodeName=${NODE}`,
    );
    await kubelet.start();
    base.defer(() => kubelet.stop());

    return {
      say,
      pods: admin.resource<Pod>(builtinType("pods"), "default"),
      seenPods,
      seenNode: () => node,
      seenEvents,
      runtimeRoot: join(root, "runtime"),
      apiGet: (path) =>
        new Promise((resolve, reject) => {
          const url = new URL(path, api.url);
          request(
            url,
            { ca: api.caCertPem, headers: { authorization: `Bearer ${api.tokenFor("admin")}` } },
            (res) => {
              const chunks: Buffer[] = [];
              res.on("data", (c: Buffer) => chunks.push(c));
              res.on("end", () =>
                resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
              );
            },
          )
            .on("error", reject)
            .end();
        }),
      close: base.close,
    };
  } catch (error) {
    await base.close().catch(() => {});
    throw error;
  }
}

/** Polls a condition every 50 ms (no sleeping on a guess) for at most 20 s by default. */
export const until = untilFor("chapter 6", 50);
