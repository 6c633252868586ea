/**
 * The data path: one HTTP request in, routed, and forwarded to a ready endpoint of its backend —
 * what nginx does for ingress-nginx, with ingress-nginx's default configuration where it matters.
 *
 * For each request:
 * 1. Normalise the path (request-target.ts); a path nginx would refuse gets 400.
 * 2. Route by host and path (route-table.ts). Nothing matches: 404 from the controller itself
 *    (ingress-nginx's built-in default backend answers nginx's plain "404 Not Found" page).
 * 3. Pick an endpoint, round robin (upstream.ts). The backend has no ready endpoint, or its Service
 *    or port does not exist: 503 (ingress-nginx has no balancer for such a backend and answers
 *    503 Service Temporarily Unavailable, balancer.lua).
 * 4. Forward with the original request target and Host, over a keep-alive connection, adding the
 *    headers ingress-nginx adds (its nginx.tmpl, default ConfigMap):
 *      X-Real-IP, X-Forwarded-For   the client's address (replacing any X-Forwarded-For sent:
 *                                   use-forwarded-headers and compute-full-forwarded-for are off)
 *      X-Original-Forwarded-For     the X-Forwarded-For the client sent, if any
 *      X-Forwarded-Host             the Host header as sent
 *      X-Forwarded-Port             the port the client connected to
 *      X-Forwarded-Proto, X-Forwarded-Scheme, X-Scheme   http or https
 *    and dropping hop-by-hop headers and `Proxy` (the httpoxy mitigation).
 * 5. A failed attempt (connection refused or reset, no answer for 60 s) that sent nothing the
 *    backend could have acted on is tried on the next endpoint, up to 3 attempts
 *    (proxy-next-upstream "error timeout", proxy-next-upstream-tries 3). nginx buffers request
 *    bodies and so can resend them; this proxy streams them, so only bodiless requests are
 *    retried, and — as nginx does — a POST, PATCH or LOCK only if the connection was refused.
 *    The last failure answers 502 Bad Gateway, or 504 Gateway Time-out for a timeout. A backend
 *    that fails after its response began cannot be hidden: the client's response is cut off.
 */
import {
  type Agent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from "node:http";
import { messageOf } from "../util/errors.ts";
import { routingHost, routingPath } from "./request-target.ts";
import type { Target } from "./route-table.ts";
import type { Upstream } from "./upstream.ts";

/** What the proxy needs of the controller's current state (snapshot.ts has it). */
export interface RoutingView {
  routes: { route(host: string, path: string): Target | undefined };
  upstreams: ReadonlyMap<string, Upstream>;
}

export interface ProxyOptions {
  /** The state to route by, read afresh for every request. */
  current(): RoutingView;
  scheme: "http" | "https";
  /** The port clients connect to, for X-Forwarded-Port. */
  port: number;
  /** Keep-alive connections to endpoints. */
  agent: Agent;
  log(line: string): void;
  /** proxy-read-timeout: silence from the backend this long ends the attempt. */
  readTimeoutMs?: number;
}

/** ingress-nginx's proxy-read-timeout and proxy-send-timeout: 60 s. */
export const PROXY_READ_TIMEOUT_MS = 60_000;
/** ingress-nginx's proxy-next-upstream-tries: 3 attempts in all. */
export const PROXY_NEXT_UPSTREAM_TRIES = 3;

/** RFC 9110 §7.6.1 hop-by-hop headers, plus Proxy (httpoxy) and the non-standard Proxy-Connection. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "proxy",
]);
/** nginx passes these to the next upstream only if nothing was sent (ngx_http_upstream.c). */
const NON_IDEMPOTENT = new Set(["POST", "LOCK", "PATCH"]);

// #region createProxyHandler
export function createProxyHandler(options: ProxyOptions) {
  const readTimeoutMs = options.readTimeoutMs ?? PROXY_READ_TIMEOUT_MS;
  const forwardedPort = String(options.port);

  return function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = routingPath(req.url ?? "");
    if (path === undefined) {
      sendError(res, 400);
      return;
    }
    const view = options.current();
    const target = view.routes.route(routingHost(req.headers.host), path);
    if (!target) {
      sendError(res, 404);
      return;
    }
    const upstream = view.upstreams.get(target.key);
    if (!upstream || upstream.endpoints.length === 0) {
      sendError(res, 503);
      return;
    }
    const headers = forwardedHeaders(req, options.scheme, forwardedPort);
    forward(req, res, { upstream, headers, attempt: 1, readTimeoutMs, options });
  };
}
// #endregion createProxyHandler

interface Attempt {
  upstream: Upstream;
  headers: OutgoingHttpHeaders;
  attempt: number;
  readTimeoutMs: number;
  options: ProxyOptions;
}

// #region forward
function forward(req: IncomingMessage, res: ServerResponse, a: Attempt): void {
  const endpoint = a.upstream.pick();
  if (!endpoint) {
    sendError(res, 503);
    return;
  }
  const hasBody = requestHasBody(req.headers);
  const proxyReq = httpRequest({
    host: endpoint.address,
    port: endpoint.port,
    method: req.method,
    path: req.url,
    headers: a.headers,
    agent: a.options.agent,
    timeout: a.readTimeoutMs,
  });
  let timedOut = false;
  proxyReq.on("timeout", () => {
    timedOut = true;
    proxyReq.destroy();
  });
  proxyReq.on("response", (proxyRes) => {
    res.writeHead(proxyRes.statusCode ?? 502, responseHeaders(proxyRes.rawHeaders));
    proxyRes.pipe(res);
    // The backend went away mid-response: the client must not take a truncated body as whole.
    proxyRes.on("close", () => {
      if (!proxyRes.complete) res.destroy();
    });
  });
  proxyReq.on("error", (error: NodeJS.ErrnoException) => {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const code = timedOut ? "ETIMEDOUT" : (error.code ?? messageOf(error));
    const canRetry =
      !hasBody &&
      a.attempt < PROXY_NEXT_UPSTREAM_TRIES &&
      (!NON_IDEMPOTENT.has(req.method ?? "") || code === "ECONNREFUSED");
    a.options.log(
      `[ingress] ${req.method} ${req.headers.host ?? ""}${req.url} → ${endpoint.address}:${endpoint.port} (${a.upstream.key}) failed: ${code}${canRetry ? ", trying the next endpoint" : ""}`,
    );
    if (canRetry) forward(req, res, { ...a, attempt: a.attempt + 1 });
    else sendError(res, timedOut ? 504 : 502);
  });
  // The client went away first: stop the backend's work too.
  res.on("close", () => {
    if (!res.writableFinished) proxyReq.destroy();
  });
  if (hasBody) req.pipe(proxyReq);
  else proxyReq.end();
}
// #endregion forward

function requestHasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers["content-length"];
  return (length !== undefined && length !== "0") || headers["transfer-encoding"] !== undefined;
}

// #region forwardedHeaders
/** The request's headers for the backend: end-to-end ones as sent, plus ingress-nginx's. */
export function forwardedHeaders(
  req: Pick<IncomingMessage, "headers"> & { socket: { remoteAddress?: string } },
  scheme: "http" | "https",
  port: string,
): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  const listed = connectionTokens(req.headers.connection);
  for (const name in req.headers) {
    if (HOP_BY_HOP.has(name) || listed?.has(name)) continue;
    headers[name] = req.headers[name];
  }
  const client = req.socket.remoteAddress ?? "";
  const sentFor = req.headers["x-forwarded-for"];
  headers["x-real-ip"] = client;
  headers["x-forwarded-for"] = client;
  if (sentFor !== undefined) headers["x-original-forwarded-for"] = sentFor;
  headers["x-forwarded-host"] = req.headers.host ?? "";
  headers["x-forwarded-port"] = port;
  headers["x-forwarded-proto"] = scheme;
  headers["x-forwarded-scheme"] = scheme;
  headers["x-scheme"] = scheme;
  return headers;
}
// #endregion forwardedHeaders

/** Header names a Connection header lists: hop-by-hop for this connection only. */
function connectionTokens(value: string | undefined): Set<string> | undefined {
  if (!value) return undefined;
  const tokens = value.toLowerCase().split(",");
  const out = new Set<string>();
  for (const t of tokens) {
    const name = t.trim();
    if (name !== "close" && name !== "keep-alive" && name !== "") out.add(name);
  }
  return out.size > 0 ? out : undefined;
}

/** The backend's response headers, raw (case and repeats kept), without hop-by-hop ones. */
function responseHeaders(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (HOP_BY_HOP.has(name.toLowerCase())) continue;
    out.push(name, raw[i + 1] as string);
  }
  return out;
}

/** nginx's built-in error pages, with their titles; tinykube's name where nginx signs its own. */
const ERROR_TITLES: Record<number, string> = {
  400: "400 Bad Request",
  404: "404 Not Found",
  502: "502 Bad Gateway",
  503: "503 Service Temporarily Unavailable",
  504: "504 Gateway Time-out",
};
const ERROR_PAGES = new Map(
  Object.entries(ERROR_TITLES).map(([status, title]) => [
    Number(status),
    Buffer.from(
      `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>tinykube</center>\r\n</body>\r\n</html>\r\n`,
    ),
  ]),
);

export function sendError(res: ServerResponse, status: 400 | 404 | 502 | 503 | 504): void {
  const body = ERROR_PAGES.get(status) as Buffer;
  res.writeHead(status, { "content-type": "text/html", "content-length": body.length });
  res.end(body);
}
