/**
 * Test helpers for the ingress controller: small backend HTTP servers on pod-like addresses
 * (127.128.0.0/9, DESIGN.md "Network model"), a client that speaks to the controller with any
 * Host header, and object builders.
 */
import {
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { TLSSocket } from "node:tls";

export interface Echo {
  backend: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Backend {
  name: string;
  address: string;
  port: number;
  /** Requests seen, in order. */
  seen: Echo[];
  close(): Promise<void>;
}

/**
 * A backend that answers every request with JSON describing it (an Echo), unless `handler` takes
 * over. Port 0 picks a free one; pods behind one EndpointSlice share a port number, each on its
 * own address. `close()` also ends idle keep-alive connections, so nothing is left behind.
 */
export async function startBackend(
  name: string,
  address: string,
  handler?: (req: IncomingMessage, res: ServerResponse, body: string) => void,
  port = 0,
): Promise<Backend> {
  const seen: Echo[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const echo = {
        backend: name,
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body,
      };
      seen.push(echo);
      if (handler) return handler(req, res, body);
      res.writeHead(200, { "content-type": "application/json", "x-backend": name });
      res.end(JSON.stringify(echo));
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, address, () => resolve());
  });
  return {
    name,
    address,
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The certificate the server presented (HTTPS only). */
  peerSubject?: string;
  json<T = Echo>(): T;
}

/**
 * One request to the controller at address:port with the given Host header (and SNI name, for
 * HTTPS) — what curl --resolve does. A fresh connection each time unless `agent` is given.
 */
export function send(options: {
  address: string;
  port: number;
  host?: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  https?: boolean;
}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.host !== undefined) headers.host = options.host;
    if (options.body !== undefined)
      headers["content-length"] = String(Buffer.byteLength(options.body));
    const common = {
      host: options.address,
      port: options.port,
      path: options.path,
      method: options.method ?? "GET",
      headers,
      agent: false as const,
    };
    const req = options.https
      ? httpsRequest({
          ...common,
          servername: options.host?.replace(/:\d+$/, ""),
          rejectUnauthorized: false,
        })
      : request(common);
    req.on("error", reject);
    req.on("response", (res) => {
      const peer = options.https ? (res.socket as TLSSocket).getPeerCertificate() : undefined;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", reject);
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          ...(peer ? { peerSubject: `${peer.subject?.O ?? ""}/${peer.subject?.CN ?? ""}` } : {}),
          json: () => JSON.parse(body),
        });
      });
    });
    req.end(options.body);
  });
}
