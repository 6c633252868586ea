/**
 * The processes of the network benchmark besides the benchmark itself, each in its own, as a
 * cluster runs them: the API server; the backend pods (a bulk source, an echo server, the
 * ingress routes' web servers); kube-proxy; cluster DNS; the ingress controller. Each one's
 * event loop is then its own, and none waits on the load generator's.
 *
 *   network-child.ts apiserver <dataDir> | backends | proxy | dns | ingress
 *
 * Talks to the benchmark over the IPC channel:
 *   apiserver → { ready: { url, caCertPem, tokens: { admin, kubeProxy, ingress } } }
 *   others    → { listening: true }   once it can take the next message
 *             ← { start: <its options below> }
 *             → { ready: <where it serves> }   or { failed: message }
 * and all answer "memory", "cpu" and "stop" as every benchmark child does (child.ts).
 */
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import type { Service } from "../src/api/types.ts";
import { RestClient } from "../src/client/rest.ts";
import { ClusterState } from "../src/dns/cluster-state.ts";
import { ClusterDnsHandler } from "../src/dns/handler.ts";
import { DnsServer } from "../src/dns/server.ts";
import { startIngressController } from "../src/ingress/start.ts";
import { KubeProxy } from "../src/proxy/kube-proxy.ts";
import { messageOf } from "../src/util/errors.ts";
import { answerTheBench, send, startBenchApiServer } from "./child.ts";
import {
  BULK_POD,
  CLUSTER_DOMAIN,
  DNS_TTL_SECONDS,
  dnsServiceIP,
  dnsServiceName,
  ECHO_POD,
  NAMESPACE,
  podAddress,
  type Route,
} from "./network-workload.ts";

/** Where the API server is, and the identity a component speaks as. */
export interface ApiAccess {
  server: string;
  caPem: string;
  token: string;
}

export interface ApiServerReady {
  url: string;
  caCertPem: string;
  tokens: { admin: string; kubeProxy: string; ingress: string };
}

export interface BackendsStart {
  routes: Route[];
}
export interface BackendsReady {
  bulkPort: number;
  echoPort: number;
  /** Each route's backend port, in the order of `routes`. */
  routePorts: number[];
}

export interface ProxyStart extends ApiAccess {
  nodeName: string;
  nodeAddress: string;
}

export interface DnsStart {
  address: string;
  names: number;
}
export interface DnsReady {
  address: string;
  port: number;
}

export interface IngressStart extends ApiAccess {
  address: string;
}
export interface IngressReady {
  httpPort: number;
}

/** Every log line of a child, indented under the benchmark's progress lines. */
const log = (line: string) => process.stderr.write(`    ${line}\n`);

/**
 * ingress-nginx's keep-alive toward clients (75 s), given to the backends too: Node's default
 * (5 s) would close an upstream connection nginx is about to reuse between two load runs.
 */
const BACKEND_KEEP_ALIVE_MS = 75_000;
/** The bulk source writes this much per write: large enough that writes are not the cost. */
const BULK_CHUNK = Buffer.alloc(256 * 1024, 0x61);

const [role, ...args] = process.argv.slice(2);
let stopAll: () => Promise<void> = async () => {};
answerTheBench(() => stopAll());

if (role === "apiserver") {
  const running = await startBenchApiServer(args[0] as string, undefined);
  stopAll = () => running.stop();
  const token = (user: string) => {
    const t = running.tokenFor(user);
    if (!t)
      throw new Error(`expected a token for ${user} in the API server's token file, got none`);
    return t;
  };
  send({
    ready: {
      url: running.url,
      caCertPem: running.caCertPem,
      tokens: {
        admin: token("admin"),
        kubeProxy: token("system:kube-proxy"),
        ingress: token("system:serviceaccount:kube-system:ingress-controller"),
      },
    } satisfies ApiServerReady,
  });
} else if (role === "backends" || role === "proxy" || role === "dns" || role === "ingress") {
  const starters: Record<string, (start: never) => Promise<unknown>> = {
    backends: startBackends,
    proxy: startProxy,
    dns: startDns,
    ingress: startIngress,
  };
  let started = false;
  process.on("message", (message) => {
    const start = (message as { start?: never }).start;
    if (!start || started) return;
    started = true;
    (starters[role] as (start: never) => Promise<unknown>)(start).then(
      (ready) => send({ ready }),
      (error: unknown) => send({ failed: messageOf(error) }),
    );
  });
  send({ listening: true });
} else {
  process.stderr.write(
    `network-child.ts: expected apiserver, backends, proxy, dns or ingress, got ${role}\n`,
  );
  process.exit(2);
}

// #region backends
/**
 * The pods: on the bulk pod, a source that reads a byte count ("1000000\n") and sends that many
 * bytes, then closes; on the echo pod, a server that sends back whatever it receives; on each
 * ingress route's pod, a web server answering "hello from <service>", as tinykube/hello does.
 */
async function startBackends(start: BackendsStart): Promise<BackendsReady> {
  const servers: (Server | HttpServer)[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
  };
  stopAll = async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  };
  const listen = async (server: Server | HttpServer, pod: number) => {
    servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, podAddress(pod), () => resolve());
    });
    return (server.address() as { port: number }).port;
  };

  const bulk = createServer({ noDelay: true }, (socket) => {
    track(socket);
    let head = "";
    const onData = (chunk: Buffer) => {
      head += chunk.toString("latin1");
      const newline = head.indexOf("\n");
      if (newline < 0) return;
      socket.off("data", onData);
      void sendBytes(socket, Number(head.slice(0, newline)));
    };
    socket.on("data", onData);
  });
  const echo = createServer({ noDelay: true }, (socket) => {
    track(socket);
    socket.pipe(socket);
  });
  const bulkPort = await listen(bulk, BULK_POD);
  const echoPort = await listen(echo, ECHO_POD);
  const routePorts: number[] = [];
  for (const route of start.routes) {
    const body = `hello from ${route.service}\n`;
    const web = createHttpServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "text/plain", "content-length": body.length });
        res.end(body);
      });
    });
    web.keepAliveTimeout = BACKEND_KEEP_ALIVE_MS;
    web.on("connection", track);
    routePorts.push(await listen(web, route.pod));
  }
  return { bulkPort, echoPort, routePorts };
}

/** Writes `total` bytes, waiting for the socket to drain whenever its buffer is full. */
async function sendBytes(socket: Socket, total: number): Promise<void> {
  let left = total;
  while (left > 0 && !socket.destroyed) {
    const chunk = left >= BULK_CHUNK.length ? BULK_CHUNK : BULK_CHUNK.subarray(0, left);
    left -= chunk.length;
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once("drain", resolve));
  }
  socket.end();
}
// #endregion backends

/** kube-proxy as `tinykube up` runs it: its own identity, the Services and slices it watches. */
async function startProxy(start: ProxyStart): Promise<Record<string, never>> {
  const client = new RestClient({
    server: start.server,
    caPem: start.caPem,
    token: start.token,
    userAgent: `kube-proxy/${start.nodeName}`,
  });
  const proxy = new KubeProxy({
    client,
    nodeName: start.nodeName,
    nodeAddress: start.nodeAddress,
    log,
  });
  stopAll = async () => {
    await proxy.stop();
    client.close();
  };
  await proxy.start();
  return {};
}

// #region dns
/**
 * Cluster DNS over a fixed state: `names` ClusterIP Services in one namespace, filed into the
 * ClusterState as the informers of startClusterDns would file them, then the same handler and
 * server it runs. The informers are left out: the query path is the subject.
 */
async function startDns(start: DnsStart): Promise<DnsReady> {
  const state = new ClusterState();
  state.setNamespace({ apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } }, true);
  for (let i = 0; i < start.names; i++) state.setService(dnsService(i), true);
  state.markSynced();
  const server = new DnsServer({
    handler: new ClusterDnsHandler(state, {
      clusterDomain: CLUSTER_DOMAIN,
      ttl: DNS_TTL_SECONDS,
      nameserverAddress: start.address,
    }),
    address: start.address,
    port: 0,
    log,
  });
  stopAll = () => server.stop();
  return server.start();
}

function dnsService(i: number): Service {
  const ip = dnsServiceIP(i);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: dnsServiceName(i), namespace: NAMESPACE },
    spec: {
      type: "ClusterIP",
      clusterIP: ip,
      clusterIPs: [ip],
      ports: [{ name: "http", port: 80, protocol: "TCP" }],
    },
  };
}
// #endregion dns

/** The ingress controller as `tinykube up` runs it, on `address`, any free HTTP port. */
async function startIngress(start: IngressStart): Promise<IngressReady> {
  const client = new RestClient({
    server: start.server,
    caPem: start.caPem,
    token: start.token,
    userAgent: "ingress-controller",
  });
  stopAll = async () => client.close();
  const running = await startIngressController({
    client,
    address: start.address,
    httpPort: 0,
    httpsPort: 0,
    log,
  });
  stopAll = async () => {
    await running.stop();
    client.close();
  };
  return { httpPort: running.httpPort };
}
