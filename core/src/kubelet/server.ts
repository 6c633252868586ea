/**
 * The kubelet's HTTPS server (port 10250): what the API server and monitoring reach on a node —
 * pkg/kubelet/server/server.go. tinykube serves four of its endpoints:
 *
 *   GET /healthz                                  "ok"
 *   GET /pods                                     the kubelet's pods, a v1 PodList
 *   GET /stats/summary                            the Summary API (stats-summary.ts)
 *   GET /containerLogs/{namespace}/{pod}/{container}   `kubectl logs` (container-logs.ts)
 *
 * Every request, the health check included, passes the kubelet's auth filter (InstallAuthFilter):
 * 1. Authentication: a client certificate signed by the cluster CA; its CN is the user, each O a
 *    group — the API server's x509 authenticator (apiserver/authn.ts), run here as the kubelet
 *    runs the same library. No certificate, or another CA's: 401 "Unauthorized" (anonymous
 *    requests are refused, as kubeadm configures kubelets).
 * 2. Authorization: the request becomes attributes on the node object — verb from the method,
 *    resource nodes, subresource by path: /stats → stats, /metrics → metrics, /logs → log,
 *    anything else (container logs, pods, healthz) → proxy (auth.go). The kubelet asks the API
 *    server with a SubjectAccessReview; tinykube's API server does not serve those, so the
 *    default here allows the group system:masters — the API server's kubelet client
 *    (kube-apiserver-kubelet-client) and cluster admins — and refuses anyone else with the
 *    kubelet's 403 "Forbidden (user=..., verb=..., resource=..., subresource=...)".
 *
 * The server depends on a narrow view of the kubelet (KubeletServerHost), not on the kubelet.
 * close() ends open log streams and every connection.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Pod } from "../api/types.ts";
import {
  authenticate,
  authnRequestFrom,
  MASTERS_GROUP,
  type UserInfo,
} from "../apiserver/authn.ts";
import type { RuntimeService } from "../runtime/cri.ts";
import { type Clock, realClock } from "../util/clock.ts";
import { messageOf } from "../util/errors.ts";
import { serveContainerLogs } from "./container-logs.ts";
import { SummaryProvider } from "./stats-summary.ts";

/** The kubelet's --port. */
export const DEFAULT_KUBELET_PORT = 10250;

/** What the server needs from the kubelet. */
export interface KubeletServerHost {
  nodeName: string;
  /** The pods bound to this node as the kubelet last saw them, spec and status. */
  pods(): Pod[];
  runtime: Pick<
    RuntimeService,
    "containerStatus" | "listPodSandbox" | "listContainers" | "listContainerStats"
  >;
  /** When the kubelet started, in ms since the epoch. */
  startTime: number;
}

/** authorizer.Attributes for a request to the kubelet: always a resource request on the node. */
export interface NodeRequestAttributes {
  verb: string;
  resource: "nodes";
  subresource: "stats" | "metrics" | "log" | "proxy";
  name: string;
  path: string;
}

export interface KubeletServerOptions {
  /** The node's address (127.1.0.N); the API server dials its InternalIP. */
  address: string;
  /** 10250 by default in Kubernetes; 0 picks a free port (tests). */
  port: number;
  /** The serving certificate and key, and the CA client certificates must chain to. */
  tls: { certPem: string; keyPem: string; caPem: string };
  host: KubeletServerHost;
  /** Default: allow system:masters only (see the module comment). */
  authorize?: (user: UserInfo, attributes: NodeRequestAttributes) => boolean;
  clock?: Clock;
  log?: (line: string) => void;
}

export interface RunningKubeletServer {
  address: string;
  port: number;
  close(): Promise<void>;
}

const mastersOnly = (user: UserInfo) => user.groups.includes(MASTERS_GROUP);

const VERBS: Record<string, string> = {
  POST: "create",
  GET: "get",
  PUT: "update",
  PATCH: "patch",
  DELETE: "delete",
};

// #region requestAttributes
/** GetRequestAttributes (pkg/kubelet/server/auth.go), without the KubeletFineGrainedAuthz gate. */
export function requestAttributes(
  nodeName: string,
  method: string,
  path: string,
): NodeRequestAttributes {
  const under = (prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  const subresource = under("/stats")
    ? "stats"
    : under("/metrics")
      ? "metrics"
      : under("/logs")
        ? "log"
        : "proxy";
  return { verb: VERBS[method] ?? "", resource: "nodes", subresource, name: nodeName, path };
}
// #endregion requestAttributes

const CONTAINER_LOGS = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/;

// #region startKubeletServer
export async function startKubeletServer(
  options: KubeletServerOptions,
): Promise<RunningKubeletServer> {
  const { host } = options;
  const clock = options.clock ?? realClock;
  const authorize = options.authorize ?? mastersOnly;
  const summaries = new SummaryProvider({
    nodeName: host.nodeName,
    runtime: host.runtime,
    clock,
    startTime: host.startTime,
  });
  /** Ended at close(): open log follows. */
  const streams = new Set<AbortController>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "https://kubelet");
    const auth = authenticate(authnRequestFrom(req), { anonymous: false });
    if ("error" in auth || "anonymous" in auth) return text(res, 401, "Unauthorized");
    const attributes = requestAttributes(host.nodeName, req.method ?? "", url.pathname);
    if (!authorize(auth.user, attributes)) {
      const { verb, resource, subresource } = attributes;
      return text(
        res,
        403,
        `Forbidden (user=${auth.user.username}, verb=${verb}, resource=${resource}, subresource=${subresource})`,
      );
    }
    if (req.method !== "GET") return text(res, 405, "405: Method Not Allowed");

    const logs = CONTAINER_LOGS.exec(url.pathname);
    if (logs) {
      const [namespace, pod, container] = logs.slice(1).map(decodeURIComponent) as [
        string,
        string,
        string,
      ];
      const stream = new AbortController();
      streams.add(stream);
      res.on("close", () => stream.abort()); // the client went away: stop following
      try {
        await serveContainerLogs(
          req,
          res,
          { namespace, pod, container },
          { pods: () => host.pods(), runtime: host.runtime, clock, ...logTo(options.log) },
          stream.signal,
        );
      } finally {
        streams.delete(stream);
      }
      return;
    }
    switch (url.pathname) {
      case "/healthz":
        return text(res, 200, "ok");
      case "/pods":
        return json(res, {
          kind: "PodList",
          apiVersion: "v1",
          metadata: {},
          items: host.pods(),
        });
      case "/stats/summary":
        return json(res, await summaries.summary());
      default:
        return text(res, 404, "404 page not found\n");
    }
  };

  const server = createServer(
    {
      cert: options.tls.certPem,
      key: options.tls.keyPem,
      ca: options.tls.caPem,
      requestCert: true,
      // Finish the handshake without a valid certificate: the answer is then a 401, not a
      // dropped connection.
      rejectUnauthorized: false,
    },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        options.log?.(`${req.method} ${req.url}: ${messageOf(error)}`);
        if (!res.headersSent) text(res, 500, messageOf(error));
        else res.end();
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.address, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: bound.address,
    port: bound.port,
    async close() {
      for (const stream of streams) stream.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
// #endregion startKubeletServer

const logTo = (log: ((line: string) => void) | undefined) => (log ? { log } : {});

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" });
  res.end(body);
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}
