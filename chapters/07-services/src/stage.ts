/**
 * The stage chapter 7 plays on: a real API server; the controller manager with the deployment,
 * replicaset, endpointslice and endpoints controllers and node IPAM; the scheduler; two nodes,
 * each a kubelet on the process runtime (its containers are real processes) and a kube-proxy;
 * and an observer — an admin client whose informers see pods and EndpointSlices as any
 * `kubectl get -w` would.
 *
 * The network (DESIGN.md's loopback model), every range the chapter's own so that it never meets
 * a running `tinykube up` (127.1.0.N, 127.128.0.0/9) or chapter 6 (127.206.0.0/16):
 *
 *   node-1 127.1.7.1   pods 127.207.0.0/24   kube-proxy: the cluster IPs, and NodePorts on 127.1.7.1
 *   node-2 127.1.7.2   pods 127.207.1.0/24   kube-proxy: NodePorts on 127.1.7.2
 *
 * The two nodes share this machine's loopback interface, where a cluster IP's port can be bound
 * once: node-1's kube-proxy serves the cluster IPs for both (what `tinykube up` does too). In a
 * real cluster every node's kernel holds the rules for every cluster IP.
 *
 * Guarantees:
 * - Everything the chapter says comes from the API (the observer), from a kube-proxy's own state
 *   and rules, or from the pods' answers: nothing is printed that the system did not do.
 * - `close` stops what `openStage` started, last first — the kube-proxies, the kubelets and every
 *   container of their nodes, the scheduler, the controller manager, the API server — and
 *   deletes the data directory, on error too; the caller runs it in a `finally`.
 */
import { join } from "node:path";
import type { Deployment, EndpointSlice, Pod, Service } from "@tinykube/core/api/types";
import { builtinType, SharedInformerFactory } from "@tinykube/core/client/factory";
import { unwrapTombstone } from "@tinykube/core/client/informer";
import type { ResourceClient, RestClient } from "@tinykube/core/client/rest";
import { startControllerManager } from "@tinykube/core/controllers/manager";
import { Kubelet } from "@tinykube/core/kubelet/kubelet";
import { KubeProxy, LABEL_SERVICE_NAME } from "@tinykube/core/proxy";
import { NodeImageStore } from "@tinykube/core/runtime/images/store";
import { ProcessRuntime } from "@tinykube/core/runtime/process/runtime";
import { startScheduler } from "@tinykube/core/scheduler/start";
import { openClusterStage, type Say, untilFor } from "@tinykube/core/testing/stage";

export type { Say };

/** The nodes and their addresses: node i is 127.1.7.i (DESIGN.md has 127.1.0.i for `tinykube up`). */
export const NODES = [
  { name: "node-1", address: "127.1.7.1" },
  { name: "node-2", address: "127.1.7.2" },
] as const;
/** Node IPAM's --cluster-cidr, and kube-proxy's: each node gets a /24 of it. */
export const CHAPTER_POD_NETWORK = "127.207.0.0/16";

export interface ProxyOnNode {
  node: string;
  address: string;
  proxy: KubeProxy;
}

export interface Stage {
  say: Say;
  deployments: ResourceClient<Deployment>;
  services: ResourceClient<Service>;
  /** The observer's latest copy of each pod in `default`, by name. */
  seenPods: Map<string, Pod>;
  /** The observer's latest copy of each EndpointSlice in `default`, by name. */
  seenSlices: Map<string, EndpointSlice>;
  /** Endpoints are read on demand: the older API, which the endpoints controller keeps in step. */
  endpoints: ResourceClient;
  /** node-1's kube-proxy first. */
  proxies: ProxyOnNode[];
  close(): Promise<void>;
}

export async function openStage(say: Say): Promise<Stage> {
  const base = await openClusterStage({
    chapter: "chapter 7",
    say,
    nodes: NODES.map((n) => n.name),
  });
  const { api, dataDir } = base;
  try {
    const tokenFor = (user: string) => api.tokenFor(user) as string;
    const client = (user: string, userAgent: string) => base.clientAs(user, { userAgent });
    const admin = base.clientAs("admin", { userAgent: "kubectl", qps: 0 });

    const manager = startControllerManager({
      server: api.url,
      caPem: api.caCertPem,
      token: tokenFor("system:kube-controller-manager"),
      controllers: ["deployment", "replicaset", "endpointslice", "endpoints", "nodeipam"],
      // A pod network of the chapter's own: see the header.
      clusterCIDR: CHAPTER_POD_NETWORK,
      leaderElection: false,
    });
    base.defer(() => manager.stop());
    const scheduler = startScheduler({
      server: api.url,
      caPem: api.caCertPem,
      token: tokenFor("system:kube-scheduler"),
      leaderElection: false,
    });
    base.defer(() => scheduler.stop());
    say(
      "[controller-manager] deployment, replicaset, endpointslice, endpoints and node IPAM " +
        `(--cluster-cidr ${CHAPTER_POD_NETWORK}); [scheduler] running`,
    );

    const observer = new SharedInformerFactory(admin);
    const seenPods = new Map<string, Pod>();
    const seenSlices = new Map<string, EndpointSlice>();
    const keep = <T extends Pod | EndpointSlice>(into: Map<string, T>) => ({
      onAdd: (o: T) => into.set(o.metadata.name as string, o),
      onUpdate: (_: T, o: T) => into.set(o.metadata.name as string, o),
      onDelete: (o: T | unknown) => into.delete(unwrapTombstone(o as T).metadata.name as string),
    });
    observer.informerFor<Pod>("pods").addEventHandler(keep(seenPods));
    const slices = observer.informerFor<EndpointSlice>("discovery.k8s.io/endpointslices");
    slices.addEventHandler(keep(seenSlices));
    slices.addEventHandler(narrateSlices(say));
    observer.start();
    base.defer(() => observer.stop());
    await observer.waitForCacheSync();

    for (const node of NODES) await startNode(node, { client, dataDir, defer: base.defer });
    say(
      `[kubelet] ${NODES.map((n) => `${n.name} at ${n.address}`).join(", ")}: registered, ` +
        "each runs its pods as processes on the pod addresses node IPAM gives it",
    );

    const proxies: ProxyOnNode[] = [];
    for (const [i, node] of NODES.entries()) {
      const proxy = new KubeProxy({
        client: client("system:kube-proxy", `kube-proxy/${node.name}`),
        nodeName: node.name,
        nodeAddress: node.address,
        serveClusterIPs: i === 0,
        // --cluster-cidr: the rules masquerade cluster-IP traffic from outside the pod network.
        iptables: { clusterCIDR: CHAPTER_POD_NETWORK },
        log: (line) => {
          // The API server's own `kubernetes` Service (443) is not this chapter's story; binding
          // its port needs root, and the proxy says so once in its log.
          if (!line.includes("default/kubernetes")) say(line);
        },
      });
      await proxy.start();
      base.defer(async () => {
        // The chapter's last connections close a moment after their last answer; a proxy that
        // stops first resets those still open. A second is plenty; if one lingers, stop anyway.
        await until(() => activeConnections(proxy) === 0, "connections to close", 1_000).catch(
          () => {},
        );
        await proxy.stop();
      });
      proxies.push({ node: node.name, address: node.address, proxy });
    }
    say(
      "[kube-proxy] one per node, as system:kube-proxy, watching Services and EndpointSlices; " +
        `${NODES[0].name}'s binds the cluster IPs, each binds NodePorts on its node's address; ` +
        "--iptables-min-sync-period 1 s (Kubernetes' default)\n",
    );

    return {
      say,
      deployments: admin.resource<Deployment>(builtinType("apps/deployments"), "default"),
      services: admin.resource<Service>(builtinType("services"), "default"),
      seenPods,
      seenSlices,
      endpoints: admin.resource(builtinType("endpoints"), "default"),
      proxies,
      close: base.close,
    };
  } catch (error) {
    await base.close().catch(() => {});
    throw error;
  }
}

/**
 * Says how a Service's EndpointSlice changes, once per change of what a client would notice: how
 * many endpoints, how many ready. The API server's own `kubernetes` slice is not narrated.
 */
function narrateSlices(say: Say) {
  const last = new Map<string, string>();
  const tell = (slice: EndpointSlice) => {
    const name = slice.metadata.name as string;
    if (slice.metadata.labels?.[LABEL_SERVICE_NAME] === "kubernetes") return;
    // An unset condition means ready (the API's rule for consumers); the controller sets it.
    const ready = slice.endpoints.filter((e) => e.conditions.ready !== false).length;
    const summary = `${slice.endpoints.length} endpoint(s), ${ready} ready`;
    if (last.get(name) === summary) return;
    last.set(name, summary);
    say(`[observer] EndpointSlice ${name}: ${summary}`);
  };
  return { onAdd: tell, onUpdate: (_: EndpointSlice, slice: EndpointSlice) => tell(slice) };
}

/** A kubelet on the process runtime; its containers are stopped when the stage closes. */
async function startNode(
  node: (typeof NODES)[number],
  stage: {
    client: (user: string, userAgent: string) => RestClient;
    dataDir: string;
    defer: (cleanup: () => Promise<void> | void) => void;
  },
): Promise<void> {
  const root = join(stage.dataDir, "nodes", node.name);
  const runtime = new ProcessRuntime({
    root: join(root, "runtime"),
    images: new NodeImageStore({ root: join(root, "images") }),
  });
  stage.defer(async () => {
    // A kubelet's containers outlive it; the chapter's must not outlive the chapter.
    for (const c of await runtime.listContainers({ state: "CONTAINER_RUNNING" })) {
      await runtime.stopContainer(c.id, 0);
    }
    for (const s of await runtime.listPodSandbox()) await runtime.removePodSandbox(s.id);
    await runtime.close();
  });
  const kubelet = new Kubelet({
    client: stage.client(`system:node:${node.name}`, `kubelet/${node.name}`),
    nodeName: node.name,
    address: node.address,
    runtime,
    rootDir: root,
  });
  await kubelet.start();
  stage.defer(() => kubelet.stop());
}

/** The node a name belongs to, and its address. */
export function nodeOf(name: string | undefined): (typeof NODES)[number] | undefined {
  return NODES.find((n) => n.name === name);
}

/** Connections the proxy holds open right now, over all its Service ports. */
function activeConnections(proxy: KubeProxy): number {
  let active = 0;
  for (const counters of proxy.userspace.allCounters().values()) active += counters.active;
  return active;
}

/** Polls a condition every 20 ms (no sleeping on a guess) for at most 20 s by default. */
export const until = untilFor("chapter 7", 20);
