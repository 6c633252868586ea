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
 * 4. Forward over a keep-alive connection to it (upstream-pool.ts) with the original request
 *    target and Host, adding the headers ingress-nginx adds (`requestHead`), and stream the
 *    response back as it comes (response-parser.ts), without hop-by-hop headers (hop-by-hop.ts).
 * 5. A failed attempt (connection refused or reset, no answer for 60 s, a malformed response)
 *    that sent nothing the backend could have acted on is tried on the next endpoint, up to 3
 *    attempts (proxy-next-upstream "error timeout", proxy-next-upstream-tries 3). nginx buffers
 *    request bodies and so can resend them; this proxy streams them, so only bodiless requests
 *    are retried, and — as nginx does — a POST, PATCH or LOCK only if the connection was refused.
 *    The last failure answers 502 Bad Gateway, or 504 Gateway Time-out for a timeout. A backend
 *    that fails after its response began cannot be hidden: the client's response is cut off.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Endpoint } from "./endpoints.ts";
import { connectionTokens, HOP_BY_HOP } from "./hop-by-hop.ts";
import { routingHost, routingPath } from "./request-target.ts";
import type { Target } from "./route-table.ts";
import type { Upstream } from "./upstream.ts";
import type {
  Exchange,
  UpstreamConnection,
  UpstreamPool,
  UpstreamRequest,
} from "./upstream-pool.ts";

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
  /** Keep-alive connections to endpoints, and the timeouts that end an attempt. */
  pool: UpstreamPool;
  log(line: string): void;
}

/** ingress-nginx's proxy-next-upstream-tries: 3 attempts in all. */
export const PROXY_NEXT_UPSTREAM_TRIES = 3;

/**
 * Client header fields that never reach the backend: hop-by-hop ones, those nginx's proxy module
 * replaces or drops (Host, Content-Length and Transfer-Encoding it frames itself, Expect), and
 * those ingress-nginx sets with proxy_set_header — nginx passes no client field of a name it sets.
 */
const NOT_PASSED = new Set([
  ...HOP_BY_HOP,
  "host",
  "expect",
  "x-real-ip",
  "x-forwarded-for",
  "x-original-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-port",
  "x-forwarded-proto",
  "x-forwarded-scheme",
  "x-scheme",
]);
/** nginx passes these to the next upstream only if nothing was sent (ngx_http_upstream.c). */
const NON_IDEMPOTENT = new Set(["POST", "LOCK", "PATCH"]);

// #region createProxyHandler
export function createProxyHandler(options: ProxyOptions) {
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
    new Forward(req, res, upstream, options).start();
  };
}
// #endregion createProxyHandler

// #region Forward
/** One request on its way to a backend: its attempts, and the response streamed back. */
class Forward implements Exchange {
  private readonly framing: UpstreamRequest["body"];
  private attempts = 0;
  /** The connection of the attempt in flight; undefined between attempts and once done. */
  private connection: UpstreamConnection | undefined;
  private endpoint: Endpoint | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly upstream: Upstream,
    private readonly options: ProxyOptions,
  ) {
    this.framing = framingOf(req);
  }

  start(): void {
    // The client went away first: stop the backend's work too.
    this.res.on("close", () => {
      if (!this.res.writableFinished) this.connection?.abort();
      this.connection = undefined;
    });
    this.attempt();
    if (this.framing !== "none") this.streamBody();
  }

  private attempt(): void {
    const endpoint = this.upstream.pick();
    if (!endpoint) {
      sendError(this.res, 503);
      return;
    }
    this.attempts++;
    this.endpoint = endpoint;
    const { scheme, port } = this.options;
    const connection = this.options.pool.connection(endpoint.address, endpoint.port);
    this.connection = connection;
    connection.send(this, {
      head: requestHead(this.req, endpoint, scheme, port),
      method: this.req.method ?? "GET",
      body: this.framing,
    });
  }

  /**
   * The attempt is over. A request body still arriving has nowhere to go now: let it flow, even if
   * it was paused for a connection that will never drain, so that Node can read past it.
   */
  private done(): void {
    this.connection = undefined;
    if (this.framing !== "none") this.req.resume();
  }

  /** The request body, as it arrives, to the first attempt's connection (never retried). */
  private streamBody(): void {
    this.req.on("data", (chunk: Buffer) => {
      const connection = this.connection;
      if (connection && !connection.write(chunk)) {
        this.req.pause();
        connection.drained(() => this.req.resume());
      }
    });
    this.req.on("end", () => this.connection?.finish());
  }

  head(status: number, headers: string[]): void {
    this.res.writeHead(status, headers);
  }

  body(chunk: Buffer): void {
    const connection = this.connection;
    if (this.res.write(chunk) || !connection) return;
    // The client reads slower than the backend writes: hold the backend back.
    connection.pause();
    this.res.once("drain", () => {
      if (this.connection === connection) connection.resume();
    });
  }

  end(last: Buffer | undefined): void {
    this.done();
    this.res.end(last);
  }

  fail(reason: string, timedOut: boolean): void {
    this.done();
    const { req, res } = this;
    if (res.headersSent || res.destroyed) {
      // The response began (the client must not take a truncated body as whole), or the client
      // is gone: nothing to retry for.
      res.destroy();
      return;
    }
    const canRetry =
      this.framing === "none" &&
      this.attempts < PROXY_NEXT_UPSTREAM_TRIES &&
      (!NON_IDEMPOTENT.has(req.method ?? "") || reason === "ECONNREFUSED");
    const endpoint = this.endpoint as Endpoint;
    this.options.log(
      `[ingress] ${req.method} ${req.headers.host ?? ""}${req.url} → ${endpoint.address}:${endpoint.port} (${this.upstream.key}) failed: ${reason}${canRetry ? ", trying the next endpoint" : ""}`,
    );
    if (canRetry) this.attempt();
    else sendError(res, timedOut ? 504 : 502);
  }
}
// #endregion Forward

/**
 * How the request body follows its head: a Content-Length body as is; a chunked one (Node has
 * decoded the chunks) in new chunks; nothing when neither header is there or the length is 0.
 */
function framingOf(req: IncomingMessage): UpstreamRequest["body"] {
  if (req.headers["transfer-encoding"] !== undefined) return "chunked";
  const length = req.headers["content-length"];
  return length !== undefined && length !== "0" ? "length" : "none";
}

// #region requestHead
/**
 * The request as the backend gets it, in nginx's order: the request line as the client sent it;
 * Host as the client sent it (none: the endpoint's address, as an HTTP client would); the fields
 * ingress-nginx sets (its nginx.tmpl, default ConfigMap); then the client's other end-to-end
 * fields in their order and spelling. ingress-nginx's:
 *   X-Real-IP, X-Forwarded-For   the client's address (replacing any X-Forwarded-For sent:
 *                                use-forwarded-headers and compute-full-forwarded-for are off)
 *   X-Original-Forwarded-For     the X-Forwarded-For the client sent, if any
 *   X-Forwarded-Host             the Host header as sent
 *   X-Forwarded-Port             the port the client connected to
 *   X-Forwarded-Proto, X-Forwarded-Scheme, X-Scheme   http or https
 * No Connection header: HTTP/1.1 connections persist unless told otherwise, which is how nginx
 * keeps them (ingress-nginx sets Connection to "" for upstream keep-alive).
 */
export function requestHead(
  req: Pick<IncomingMessage, "method" | "url" | "headers" | "rawHeaders"> & {
    socket: { remoteAddress?: string };
  },
  endpoint: Endpoint,
  scheme: "http" | "https",
  port: number,
): string {
  const host = req.headers.host;
  const client = req.socket.remoteAddress ?? "";
  const sentFor = req.headers["x-forwarded-for"];
  let head = `${req.method} ${req.url} HTTP/1.1\r\nHost: ${host ?? hostOf(endpoint)}\r\n`;
  head += `X-Real-IP: ${client}\r\nX-Forwarded-For: ${client}\r\n`;
  if (sentFor) head += `X-Original-Forwarded-For: ${sentFor}\r\n`;
  head += `X-Forwarded-Host: ${host ?? ""}\r\nX-Forwarded-Port: ${port}\r\n`;
  head += `X-Forwarded-Proto: ${scheme}\r\nX-Forwarded-Scheme: ${scheme}\r\nX-Scheme: ${scheme}\r\n`;
  if (req.headers["transfer-encoding"] !== undefined) head += "Transfer-Encoding: chunked\r\n";
  const listed = connectionTokens(req.headers.connection);
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (NOT_PASSED.has(lower) || listed?.has(lower)) continue;
    head += `${name}: ${raw[i + 1]}\r\n`;
  }
  return `${head}\r\n`;
}
// #endregion requestHead

/** "10.0.0.5:8080"; an IPv6 address in brackets, "[fd00::5]:8080". */
function hostOf(endpoint: Endpoint): string {
  const address = endpoint.address.includes(":") ? `[${endpoint.address}]` : endpoint.address;
  return `${address}:${endpoint.port}`;
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
