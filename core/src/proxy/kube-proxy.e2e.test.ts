/**
 * kube-proxy end to end: a real API server, Services and EndpointSlices written through it, a
 * KubeProxy as system:kube-proxy, and real backends on pod addresses answering through the
 * Service's cluster IP and NodePort.
 */
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CoreEvent } from "../client/events.ts";
import { RestClient } from "../client/rest.ts";
import { eventually } from "../controllers/testing.ts";
import { startTestApiServer, type TestApiServer } from "../testing/cluster.ts";
import { KubeProxy } from "./kube-proxy.ts";
import {
  exchange,
  exchangeOutcome,
  startTcpBackend,
  startUdpBackend,
  type TcpBackend,
  type UdpBackend,
  udpClient,
  until,
} from "./testing-net.ts";

const NODE_IP = "127.1.204.1";
const NODE2_IP = "127.1.204.2";
const POD = (n: number) => `127.128.204.${n}`;
const BACKEND_PORT = 18080;

let api: TestApiServer;
let client: RestClient;
let proxy: KubeProxy;
const backends: TcpBackend[] = [];
let dnsBackend: UdpBackend;
const logs: string[] = [];

async function apply(path: string, body: Record<string, unknown>): Promise<void> {
  const name = (body.metadata as { name: string }).name;
  const existing = await api.request("GET", `${path}/${name}`);
  const response =
    existing.status === 200
      ? await api.request("PUT", `${path}/${name}`, {
          body: {
            ...body,
            metadata: {
              ...(body.metadata as object),
              resourceVersion: existing.json<{ metadata: { resourceVersion: string } }>().metadata
                .resourceVersion,
            },
          },
        })
      : await api.request("POST", path, { body });
  if (response.status >= 300)
    throw new Error(`${path}/${name}: ${response.status} ${response.text}`);
}

const SERVICES = "/api/v1/namespaces/default/services";
const SLICES = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices";

function service(name: string, clusterIP: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name },
    spec: {
      clusterIP,
      ports: [{ name: "http", port: 18000, targetPort: "http" }],
      ...spec,
    },
  };
}

function slice(
  service: string,
  endpoints: { ip: string; ready?: boolean }[],
  port = BACKEND_PORT,
  protocol = "TCP",
  portName = "http",
) {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: `${service}-1`, labels: { "kubernetes.io/service-name": service } },
    addressType: "IPv4",
    ports: [{ name: portName, port, protocol }],
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.ready ?? true, terminating: false },
      nodeName: "node-1",
    })),
  };
}

/**
 * Waits until a sync has applied what `check` sees in the rules: the rules are rendered after the
 * userspace proxy's sockets and balancer are updated, in the same sync.
 */
function synced(check: (rules: string) => boolean, what: string): Promise<void> {
  return until(() => check(proxy.iptablesRules() ?? ""), what);
}

/** Distinct answers to `n` requests. */
async function answers(host: string, port: number, n: number): Promise<string[]> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add(await exchange(host, port));
  return [...seen].sort();
}

beforeAll(async () => {
  api = await startTestApiServer();
  for (let i = 1; i <= 5; i++)
    backends.push(await startTcpBackend(POD(i), `pod${i}`, BACKEND_PORT));
  dnsBackend = await startUdpBackend(POD(10), "dns");
  client = new RestClient({
    server: api.url,
    caPem: api.caCertPem,
    token: api.tokenFor("system:kube-proxy"),
    userAgent: "kube-proxy",
    qps: 0,
  });
  proxy = new KubeProxy({
    client,
    nodeName: "node-1",
    nodeAddress: NODE_IP,
    minSyncPeriodMs: 0,
    log: (line) => logs.push(line),
    iptables: { clusterCIDR: "127.128.0.0/9" },
  });
  await proxy.start();
});

afterAll(async () => {
  await proxy?.stop();
  client?.close();
  for (const b of backends) await b.close();
  await dnsBackend?.close();
  await api?.stop();
});

describe("KubeProxy against a real API server", () => {
  it("accepts a Service with an explicit cluster IP in 127.96.0.0/12 and round-robins its endpoints", async () => {
    await apply(
      SERVICES,
      service("web", "127.96.204.1", {
        type: "NodePort",
        ports: [{ name: "http", port: 18000, targetPort: "http", nodePort: 30080 }],
      }),
    );
    await apply(SLICES, slice("web", [{ ip: POD(1) }, { ip: POD(2) }, { ip: POD(3) }]));
    await synced(
      (r) => r.includes(`"default/web:http -> ${POD(3)}:${BACKEND_PORT}"`),
      "web's 3 endpoints",
    );
    expect(await answers("127.96.204.1", 18000, 6)).toEqual([
      "pod1:ping",
      "pod2:ping",
      "pod3:ping",
    ]);
  });

  it("answers on the NodePort of the node's address", async () => {
    expect(await answers(NODE_IP, 30080, 3)).toEqual(["pod1:ping", "pod2:ping", "pod3:ping"]);
  });

  it("answers on the NodePort of every node: a second node's kube-proxy serves its own address", async () => {
    const node2 = new KubeProxy({
      client,
      nodeName: "node-2",
      nodeAddress: NODE2_IP,
      // One machine, one loopback: node-1's proxy holds the cluster IPs.
      serveClusterIPs: false,
      minSyncPeriodMs: 0,
      log: (line) => logs.push(line),
    });
    try {
      await node2.start();
      expect(await answers(NODE2_IP, 30080, 3)).toEqual(["pod1:ping", "pod2:ping", "pod3:ping"]);
      expect(logs.some((l) => l.includes("cannot listen"))).toBe(false);
    } finally {
      await node2.stop();
    }
  });

  it("adds endpoints to the rotation when the Service scales to 5", async () => {
    await apply(
      SLICES,
      slice(
        "web",
        [1, 2, 3, 4, 5].map((n) => ({ ip: POD(n) })),
      ),
    );
    await synced(
      (r) => r.includes(`"default/web:http -> ${POD(5)}:${BACKEND_PORT}"`),
      "5 endpoints",
    );
    expect(await answers("127.96.204.1", 18000, 10)).toEqual([
      "pod1:ping",
      "pod2:ping",
      "pod3:ping",
      "pod4:ping",
      "pod5:ping",
    ]);
  });

  it("takes an endpoint that turned not ready out of the rotation", async () => {
    await apply(
      SLICES,
      slice(
        "web",
        [1, 2, 3, 4, 5].map((n) => ({ ip: POD(n), ready: n !== 2 })),
      ),
    );
    await synced((r) => !r.includes(`"default/web:http -> ${POD(2)}:`), "pod2 out of the rotation");
    expect(await answers("127.96.204.1", 18000, 12)).toEqual([
      "pod1:ping",
      "pod3:ping",
      "pod4:ping",
      "pod5:ping",
    ]);
  });

  it("sticks a client to one endpoint with ClientIP affinity", async () => {
    await apply(
      SERVICES,
      service("sticky", "127.96.204.2", {
        sessionAffinity: "ClientIP",
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
      }),
    );
    await apply(
      SLICES,
      slice(
        "sticky",
        [1, 3, 4].map((n) => ({ ip: POD(n) })),
      ),
    );
    await synced((r) => r.includes(`"default/sticky:http -> ${POD(4)}:`), "sticky's endpoints");
    expect((await answers("127.96.204.2", 18000, 6)).length).toBe(1);
  });

  it("refuses clearly, and logs it, when a Service has no endpoints", async () => {
    await apply(SERVICES, service("empty", "127.96.204.3"));
    await synced((r) => r.includes('"default/empty:http has no endpoints"'), "empty's sockets");
    expect(await exchangeOutcome("127.96.204.3", 18000)).toBe("ECONNRESET");
    expect(logs).toContain(
      "[kube-proxy] default/empty:http has no endpoints: refusing TCP clients of 127.96.204.3:18000 (reset)",
    );
  });

  it("proxies UDP: an echo through the Service", async () => {
    await apply(
      SERVICES,
      service("dns", "127.96.204.10", { ports: [{ name: "dns", port: 18053, protocol: "UDP" }] }),
    );
    await apply(SLICES, slice("dns", [{ ip: POD(10) }], dnsBackend.port, "UDP", "dns"));
    await synced((r) => r.includes(`DNAT --to-destination ${POD(10)}:`), "dns's endpoint");
    const udp = await udpClient();
    try {
      expect(await udp.send("127.96.204.10", 18053, "query")).toBe("dns:query");
    } finally {
      udp.close();
    }
  });

  it("a port it cannot open is a Warning event on its Node, counted at every retry, and served once free", async () => {
    // Another process holds the address and port the Service asks for.
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(18000, "127.96.204.4", resolve));
    const squatterClosed = () => new Promise<void>((resolve) => squatter.close(() => resolve()));
    try {
      await apply(SERVICES, service("held", "127.96.204.4"));
      await apply(SLICES, slice("held", [{ ip: POD(1) }]));
      const reason = "listen tcp 127.96.204.4:18000: bind: address already in use";
      const event = async () =>
        (await api.request("GET", "/api/v1/namespaces/default/events"))
          .json<{ items: CoreEvent[] }>()
          .items.find((e) => e.reason === reason);
      const first = await eventually(event, (e) => e !== undefined, "the Warning event");
      expect(first).toMatchObject({
        type: "Warning",
        involvedObject: { kind: "Node", name: "node-1" },
        message: `can't open port "clusterIP for default/held:http" (127.96.204.4:18000/tcp), skipping it`,
        source: { component: "kube-proxy", host: "node-1" },
      });
      // The Service and its slice each made a sync, and each sync retried: a busy machine may
      // show more than one failure by the first read.
      const seen = first?.count ?? 0;
      expect(seen).toBeGreaterThanOrEqual(1);
      expect(logs).toContain(
        "[kube-proxy] default/held:http: cannot listen on 127.96.204.4:18000/TCP: EADDRINUSE: another process holds this address and port; retrying at each sync",
      );
      // Every sync retries, and each failure counts on the same event.
      await apply(SLICES, slice("held", [{ ip: POD(1) }, { ip: POD(2) }]));
      await eventually(event, (e) => (e?.count ?? 0) > seen, "the event's count to grow");
    } finally {
      await squatterClosed();
    }
    // Freed: the next sync opens it.
    await apply(SLICES, slice("held", [{ ip: POD(1) }]));
    await until(
      () =>
        logs.includes("[kube-proxy] default/held:http: now listening on 127.96.204.4:18000/TCP"),
      "held's socket to open",
    );
    expect(await exchange("127.96.204.4", 18000)).toBe("pod1:ping");
  });

  it("closes its socket when the Service is deleted", async () => {
    const response = await api.request("DELETE", `${SERVICES}/sticky`);
    expect(response.status).toBe(200);
    await synced((r) => !r.includes("default/sticky"), "sticky's socket to close");
    expect(await exchangeOutcome("127.96.204.2", 18000)).toBe("ECONNREFUSED");
  });

  it("keeps the rules iptables mode would install, and times its syncs", () => {
    const rules = proxy.iptablesRules() ?? "";
    expect(rules).toContain(
      '-A KUBE-SERVICES -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d 127.96.204.1 --dport 18000 -j KUBE-SVC-',
    );
    expect(rules).toContain(
      '-A KUBE-SERVICES -m comment --comment "default/empty:http has no endpoints" -m tcp -p tcp -d 127.96.204.3 --dport 18000 -j REJECT',
    );
    expect(rules).toContain("-m udp -p udp -j DNAT --to-destination 127.128.204.10:");
    expect(rules).not.toContain("default/sticky");
    expect(proxy.lastSync()?.iptables?.full).toBe(false);
    expect(proxy.lastSync()?.durationMs).toBeGreaterThan(0);
  });
});
