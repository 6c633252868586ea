/**
 * The stage chapter 8 plays on: a whole small cluster, each component with its own identity and
 * client, cooperating only through the API server —
 * - the API server;
 * - the controller manager (deployment, replicaset, endpointslice, node IPAM, service account);
 * - the scheduler;
 * - one kubelet on the process runtime, told where the cluster DNS is (--cluster-dns);
 * - the cluster DNS (CoreDNS's part), watching Services, EndpointSlices and Namespaces;
 * - the ingress controller (ingress-nginx's part), watching Ingresses, IngressClasses, Services,
 *   EndpointSlices and Secrets;
 * - an observer: an admin client whose informers see pods and EndpointSlices as `kubectl get -w`
 *   would.
 *
 * Addresses of the chapter's own, so it runs beside a `tinykube up` (which holds 127.96.0.10:53
 * or :1053, 127.1.0.1:80 or :8080 and 127.128.0.0/9) without meeting it: the node at 127.1.8.1,
 * pods from 127.208.0.0/16, Services at 127.96.8.x, the cluster DNS at 127.96.8.10 and the
 * ingress controller at 127.1.8.100, both on ports the kernel picks.
 *
 * Guarantees:
 * - Everything the chapter says comes from the API (the observer), a component's own log, the
 *   node's runtime directory, or an answer on the wire.
 * - `close` stops what `openStage` started, last started first — the ingress controller, the
 *   kubelet and every container of the node, the DNS server, the scheduler, the controller
 *   manager, the API server — and deletes the data directory; the caller runs it in a `finally`.
 */
import { join } from "node:path";
import type { KubeObject } from "@tinykube/core/api/object";
import type { EndpointSlice, Node, Pod } from "@tinykube/core/api/types";
import { type ClusterPki, ensureClusterPki } from "@tinykube/core/apiserver/pki";
import { builtinType, SharedInformerFactory } from "@tinykube/core/client/factory";
import { unwrapTombstone } from "@tinykube/core/client/informer";
import type { ResourceClient, RestClient } from "@tinykube/core/client/rest";
import { startControllerManager } from "@tinykube/core/controllers/manager";
import { startClusterDns } from "@tinykube/core/dns";
import {
  DEFAULT_CLASS_NAME,
  DEFAULT_CONTROLLER_NAME,
  ingressClassFor,
  startIngressController,
} from "@tinykube/core/ingress";
import { Kubelet } from "@tinykube/core/kubelet/kubelet";
import { NodeImageStore } from "@tinykube/core/runtime/images/store";
import { ProcessRuntime } from "@tinykube/core/runtime/process/runtime";
import { startScheduler } from "@tinykube/core/scheduler/start";
import { openClusterStage, type Say, untilFor } from "@tinykube/core/testing/stage";

export type { Say };

export const NODE = "node-1";
/** The node's address: 127.1.0.N is `tinykube up`'s node N, so the chapter takes 127.1.8.1. */
export const NODE_IP = "127.1.8.1";
/** Node IPAM's --cluster-cidr: a pod network of the chapter's own (tinykube up: 127.128.0.0/9). */
export const CHAPTER_POD_NETWORK = "127.208.0.0/16";
/**
 * The cluster DNS Service's address, in a corner of the service range (127.96.0.0/12) that no
 * other chapter or test uses. kubeadm makes it the tenth address of the range (10.96.0.10);
 * any address of the range works, as long as the kubelet's --cluster-dns names it.
 */
export const DNS_IP = "127.96.8.10";
export const CLUSTER_DOMAIN = "cluster.local";
/** The ingress controller's address: where a LoadBalancer Service would put it. */
export const INGRESS_IP = "127.1.8.100";

export interface Stage {
  say: Say;
  admin: RestClient;
  /** An admin client for one kind in a namespace ("apps/deployments", "services", ...). */
  resource<T extends KubeObject>(kind: string, namespace?: string): ResourceClient<T>;
  /** The observer's latest copy of each pod in `default`, by name. */
  seenPods: Map<string, Pod>;
  /** The observer's latest copy of each EndpointSlice in `default`, by name. */
  seenSlices: Map<string, EndpointSlice>;
  dns: { address: string; port: number };
  ingress: { address: string; httpPort: number; httpsPort: number };
  /** The node's runtime directory: sandboxes (with each pod's resolv.conf) and containers. */
  runtimeRoot: string;
  /** The cluster CA: signs the chapter's certificate for a.example; clients trust it. */
  pki: ClusterPki;
  close(): Promise<void>;
}

export async function openStage(say: Say): Promise<Stage> {
  const base = await openClusterStage({ chapter: "chapter 8", say, nodes: [NODE] });
  const { api, dataDir } = base;
  try {
    const clientAs = (user: string, userAgent: string, qps = 50) =>
      base.clientAs(user, { userAgent, qps });
    const admin = clientAs("admin", "chapter-08", 0);
    const resource = <T extends KubeObject>(kind: string, namespace?: string) =>
      admin.resource<T>(builtinType(kind), namespace);

    const manager = startControllerManager({
      server: api.url,
      caPem: api.caCertPem,
      token: api.tokenFor("system:kube-controller-manager") as string,
      controllers: ["deployment", "replicaset", "endpointslice", "nodeipam", "serviceaccount"],
      clusterCIDR: CHAPTER_POD_NETWORK,
      leaderElection: false,
    });
    base.defer(() => manager.stop());
    const scheduler = startScheduler({
      server: api.url,
      caPem: api.caCertPem,
      token: api.tokenFor("system:kube-scheduler") as string,
      leaderElection: false,
      log: () => {},
    });
    base.defer(() => scheduler.stop());
    say("[controller-manager] deployment, replicaset, endpointslice, nodeipam, serviceaccount");
    say("[kube-scheduler] running");

    // The cluster DNS is a Service like any other (kube-system/kube-dns, as kubeadm names it):
    // pods get its ClusterIP as their nameserver. Here the server binds that address itself,
    // as `tinykube up` does, so the label tells kube-proxies to leave the Service alone.
    await resource("services", "kube-system").create({
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: "kube-dns",
        namespace: "kube-system",
        labels: {
          "k8s-app": "kube-dns",
          "service.kubernetes.io/service-proxy-name": "tinykube-dns",
        },
      },
      spec: {
        clusterIP: DNS_IP,
        selector: { "k8s-app": "kube-dns" },
        ports: [
          { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
          { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
        ],
      },
    } as KubeObject);
    const dns = await startClusterDns({
      server: api.url,
      caPem: api.caCertPem,
      token: api.tokenFor("system:serviceaccount:kube-system:coredns") as string,
      address: DNS_IP,
      // Any free port: 53 needs root, and 1053 may be a running `tinykube up`'s.
      port: 0,
      log: (line) => say(line),
    });
    base.defer(() => dns.stop());

    const observer = new SharedInformerFactory(admin);
    const seenPods = new Map<string, Pod>();
    const seenSlices = new Map<string, EndpointSlice>();
    const track = <T extends KubeObject>(kind: string, into: Map<string, T>) =>
      observer.informerFor<T>(kind).addEventHandler({
        onAdd: (o) => {
          if (o.metadata.namespace === "default") into.set(o.metadata.name as string, o);
        },
        onUpdate: (_, o) => {
          if (o.metadata.namespace === "default") into.set(o.metadata.name as string, o);
        },
        onDelete: (o) => into.delete(unwrapTombstone(o).metadata.name as string),
      });
    track<Pod>("pods", seenPods);
    track<EndpointSlice>("discovery.k8s.io/endpointslices", seenSlices);
    let node: Node | undefined;
    observer.informerFor<Node>("nodes").addEventHandler({
      onAdd: (n) => {
        node = n;
      },
      onUpdate: (_, n) => {
        node = n;
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
    base.defer(async () => {
      // A kubelet's containers outlive it; the chapter's must not outlive the chapter.
      for (const c of await runtime.listContainers({ state: "CONTAINER_RUNNING" })) {
        await runtime.stopContainer(c.id, 0);
      }
      for (const s of await runtime.listPodSandbox()) await runtime.removePodSandbox(s.id);
      await runtime.close();
    });
    const kubelet = new Kubelet({
      client: clientAs(`system:node:${NODE}`, `kubelet/${NODE}`),
      nodeName: NODE,
      address: NODE_IP,
      runtime,
      rootDir: root,
      // --cluster-dns and --cluster-domain. No host resolv.conf (--resolv-conf=""), so the
      // pods' search path is the cluster's three domains and nothing of this machine's.
      dns: { clusterDNS: [DNS_IP], clusterDomain: CLUSTER_DOMAIN, port: dns.port },
      probeJitter: false,
      log: () => {},
    });
    await kubelet.start();
    base.defer(() => kubelet.stop());
    await until(() => node?.spec?.podCIDR, "node-1 to get a pod CIDR");
    say(
      `[kubelet ${NODE}] registered at ${NODE_IP}, pod CIDR ${node?.spec?.podCIDR}; ` +
        `--cluster-dns=${DNS_IP} (port ${dns.port}) --cluster-domain=${CLUSTER_DOMAIN}`,
    );

    // The IngressClass an installation of the controller brings (ingress-nginx's chart makes
    // "nginx"); Ingresses name it in spec.ingressClassName.
    await resource("networking.k8s.io/ingressclasses").create(
      ingressClassFor({
        name: DEFAULT_CLASS_NAME,
        controller: DEFAULT_CONTROLLER_NAME,
      }) as unknown as KubeObject,
    );
    const ingress = await startIngressController({
      client: clientAs(
        "system:serviceaccount:kube-system:ingress-controller",
        "ingress-controller",
      ),
      address: INGRESS_IP,
      httpPort: 0,
      httpsPort: 0,
      log: (line) => {
        if (/serving|backend/.test(line)) say(line);
      },
    });
    base.defer(() => ingress.stop());

    return {
      say,
      admin,
      resource,
      seenPods,
      seenSlices,
      dns: { address: dns.address, port: dns.port },
      ingress: {
        address: ingress.address,
        httpPort: ingress.httpPort,
        httpsPort: ingress.httpsPort,
      },
      runtimeRoot: join(root, "runtime"),
      pki: await ensureClusterPki(dataDir),
      close: base.close,
    };
  } catch (error) {
    await base.close().catch(() => {});
    throw error;
  }
}

/** Polls a condition every 50 ms (no sleeping on a guess) for at most 20 s by default. */
export const until = untilFor("chapter 8", 50);
