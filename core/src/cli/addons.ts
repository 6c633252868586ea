/**
 * The cluster's networking add-ons, as `tinykube up` starts them (kubeadm installs the same three
 * kinds of thing: kube-proxy on every node, CoreDNS, and — by the user's choice — an ingress
 * controller):
 * - kube-proxy for each node, as system:kube-proxy. The nodes share one loopback interface, so
 *   the first node's proxy binds the Services' ClusterIPs and every proxy binds its node's
 *   NodePorts (kube-proxy.ts).
 * - The cluster DNS as the Service kube-system/kube-dns at 127.96.0.10, port 53 where this
 *   process may bind it, else 1053 (DESIGN.md's network model), as the ServiceAccount
 *   kube-system/coredns. The server binds the Service's address itself, so the Service carries
 *   `service.kubernetes.io/service-proxy-name`: the label that tells kube-proxy another proxy
 *   implements a Service, and kube-proxy leaves it alone.
 * - The ingress controller at 127.1.0.1 (port 80, else 8080) as the ServiceAccount
 *   kube-system/ingress-controller, with its IngressClass `tinykube` marked the default, as the
 *   ingress-nginx chart installs one.
 *
 * stop() stops them in the reverse order.
 */
import type { KubeObject } from "../api/object.ts";
import type { RunningApiServer } from "../apiserver/start.ts";
import { builtinType } from "../client/factory.ts";
import { isAlreadyExists, RestClient } from "../client/rest.ts";
import { startClusterDns } from "../dns/cluster-dns.ts";
import {
  DEFAULT_CLASS_NAME,
  DEFAULT_CONTROLLER_NAME,
  ingressClassFor,
  startIngressController,
} from "../ingress/index.ts";
import { KubeProxy } from "../proxy/kube-proxy.ts";

/** DESIGN.md: 127.96.0.10 is the cluster DNS Service's ClusterIP. */
export const CLUSTER_DNS_IP = "127.96.0.10";
export const CLUSTER_DOMAIN = "cluster.local";

export interface Addons {
  /** The port the cluster DNS answers on: 53, or 1053 without the right to bind 53. */
  dnsPort: number;
  ingress: { address: string; httpPort: number; httpsPort: number };
  stop(): Promise<void>;
}

export async function startAddons(options: {
  api: RunningApiServer;
  nodes: { name: string; address: string }[];
  log: (line: string) => void;
}): Promise<Addons> {
  const { api, log } = options;
  const stops: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  const client = (user: string, userAgent: string) => {
    const c = new RestClient({
      server: api.url,
      caPem: api.caCertPem,
      token: api.tokenFor(user) as string,
      userAgent,
    });
    stops.push(() => c.close());
    return c;
  };
  try {
    const admin = client("admin", "tinykube-up");
    await createIfAbsent(admin, "services", "kube-system", kubeDnsService());
    await createIfAbsent(
      admin,
      "networking.k8s.io/ingressclasses",
      undefined,
      ingressClassFor({
        name: DEFAULT_CLASS_NAME,
        controller: DEFAULT_CONTROLLER_NAME,
        isDefault: true,
      }) as unknown as KubeObject,
    );

    const dns = await startClusterDns({
      server: api.url,
      caPem: api.caCertPem,
      token: api.tokenFor("system:serviceaccount:kube-system:coredns") as string,
      address: CLUSTER_DNS_IP,
      log,
    });
    stops.push(() => dns.stop());
    log(`[dns] serving ${CLUSTER_DOMAIN} on ${dns.address}:${dns.port} (UDP and TCP)`);

    for (const [i, node] of options.nodes.entries()) {
      const proxy = new KubeProxy({
        client: client("system:kube-proxy", `kube-proxy/${node.name}`),
        nodeName: node.name,
        nodeAddress: node.address,
        serveClusterIPs: i === 0,
        log,
      });
      await proxy.start();
      stops.push(() => proxy.stop());
    }

    const ingress = await startIngressController({
      client: client("system:serviceaccount:kube-system:ingress-controller", "ingress-controller"),
      log,
    });
    stops.push(() => ingress.stop());
    log(
      `[ingress] serving http://${ingress.address}:${ingress.httpPort} and https://${ingress.address}:${ingress.httpsPort}`,
    );
    return {
      dnsPort: dns.port,
      ingress: {
        address: ingress.address,
        httpPort: ingress.httpPort,
        httpsPort: ingress.httpsPort,
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** kube-dns as kubeadm creates it (k8s-app: kube-dns; ports dns/UDP, dns-tcp/TCP, metrics). */
function kubeDnsService(): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: "kube-dns",
      namespace: "kube-system",
      labels: {
        "k8s-app": "kube-dns",
        "kubernetes.io/name": "CoreDNS",
        // The DNS server binds the ClusterIP itself: kube-proxy skips Services with this label.
        "service.kubernetes.io/service-proxy-name": "tinykube-dns",
      },
    },
    spec: {
      clusterIP: CLUSTER_DNS_IP,
      selector: { "k8s-app": "kube-dns" },
      ports: [
        { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
        { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
      ],
    },
  } as KubeObject;
}

async function createIfAbsent(
  client: RestClient,
  resource: string,
  namespace: string | undefined,
  object: KubeObject,
): Promise<void> {
  try {
    await client.resource(builtinType(resource), namespace).create(object);
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
}
