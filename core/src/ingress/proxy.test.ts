import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Endpoint } from "./endpoints.ts";
import { createProxyHandler, type RoutingView, requestHead } from "./proxy.ts";
import { buildRouteTable } from "./route-table.ts";
import { type Backend, type Echo, send, startBackend } from "./testing.ts";
import type { Ingress } from "./types.ts";
import { Upstream } from "./upstream.ts";
import { UpstreamPool } from "./upstream-pool.ts";

const PROXY_ADDRESS = "127.1.250.1";

/** Routes "/" on any host to default/web:80, "/down" to default/down:80 (no endpoints). */
const ingress: Ingress = {
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name: "web", namespace: "default" },
  spec: {
    rules: [
      {
        host: "web.example.com",
        http: {
          paths: [
            {
              path: "/",
              pathType: "Prefix",
              backend: { service: { name: "web", port: { number: 80 } } },
            },
            {
              path: "/down",
              pathType: "Prefix",
              backend: { service: { name: "down", port: { number: 80 } } },
            },
          ],
        },
      },
    ],
  },
};

let view: RoutingView;
let proxy: Server;
let port: number;
/** A short read timeout, so that the silent backend is given up on quickly. */
const pool = new UpstreamPool({ timeoutMs: 200 });
const logs: string[] = [];
const backends: Backend[] = [];

function setEndpoints(endpoints: Endpoint[]) {
  view = {
    routes: buildRouteTable([ingress]),
    upstreams: new Map([
      ["default/web:80", new Upstream("default/web:80", endpoints)],
      ["default/down:80", new Upstream("default/down:80", [])],
    ]),
  };
}

async function backend(
  name: string,
  address: string,
  handler?: Parameters<typeof startBackend>[2],
) {
  const b = await startBackend(name, address, handler);
  backends.push(b);
  return b;
}

/** An address and port where nothing listens (a server opened, then closed). */
async function deadEndpoint(): Promise<Endpoint> {
  const b = await startBackend("dead", "127.128.250.99");
  await b.close();
  return { address: b.address, port: b.port };
}

const get = (path: string, extra: Partial<Parameters<typeof send>[0]> = {}) =>
  send({ address: PROXY_ADDRESS, port, host: "web.example.com", path, ...extra });

beforeAll(async () => {
  setEndpoints([]);
  proxy = createServer(
    createProxyHandler({
      current: () => view,
      scheme: "http",
      port: 8080,
      pool,
      log: (l) => logs.push(l),
    }),
  );
  await new Promise<void>((resolve) => proxy.listen(0, PROXY_ADDRESS, resolve));
  port = (proxy.address() as AddressInfo).port;
});

afterEach(async () => {
  await Promise.all(backends.splice(0).map((b) => b.close()));
  logs.length = 0;
});

afterAll(async () => {
  pool.close();
  proxy.closeAllConnections();
  await new Promise((r) => proxy.close(r));
});

describe("requestHead", () => {
  it("writes Host and ingress-nginx's fields first, then the client's end-to-end ones as sent", () => {
    const head = requestHead(
      {
        method: "GET",
        url: "/a?b=1",
        headers: { host: "web.example.com", connection: "X-Hop", "x-forwarded-for": "203.0.113.9" },
        rawHeaders: [
          ["Host", "web.example.com"],
          ["User-Agent", "curl/8"],
          ["Connection", "X-Hop"],
          ["X-Hop", "1"],
          ["X-Forwarded-For", "203.0.113.9"],
          ["Expect", "100-continue"],
          ["Cookie", "a=1"],
          ["Cookie", "b=2"],
        ].flat(),
        socket: { remoteAddress: "10.1.2.3" },
      },
      { address: "127.128.0.5", port: 8080 },
      "https",
      443,
    );
    expect(head.split("\r\n")).toEqual([
      "GET /a?b=1 HTTP/1.1",
      "Host: web.example.com",
      "X-Real-IP: 10.1.2.3",
      "X-Forwarded-For: 10.1.2.3",
      "X-Original-Forwarded-For: 203.0.113.9",
      "X-Forwarded-Host: web.example.com",
      "X-Forwarded-Port: 443",
      "X-Forwarded-Proto: https",
      "X-Forwarded-Scheme: https",
      "X-Scheme: https",
      "User-Agent: curl/8",
      "Cookie: a=1",
      "Cookie: b=2",
      "",
      "",
    ]);
  });

  it("names the endpoint as Host when the client sent none, an IPv6 address in brackets", () => {
    const head = requestHead(
      { method: "GET", url: "/", headers: {}, rawHeaders: [], socket: {} },
      { address: "fd00::5", port: 8080 },
      "http",
      80,
    );
    expect(head).toContain("\r\nHost: [fd00::5]:8080\r\n");
  });
});

describe("forwarding", () => {
  it("sends method, target, body and Host unchanged, with ingress-nginx's X-Forwarded-* headers", async () => {
    const a = await backend("a", "127.128.250.1");
    setEndpoints([{ address: a.address, port: a.port }]);
    const reply = await get("/api/items?x=1&y=%2F", {
      method: "POST",
      body: "hello",
      headers: {
        "x-forwarded-for": "203.0.113.9",
        "x-custom": "kept",
        proxy: "http://evil.example",
        connection: "keep-alive, x-drop-me",
        "x-drop-me": "hop-by-hop",
        "x-real-ip": "198.51.100.7",
        "x-forwarded-proto": "https",
      },
      host: "web.example.com:8080",
    });
    expect(reply.status).toBe(200);
    expect(reply.headers["x-backend"]).toBe("a");
    const echo = reply.json();
    expect(echo).toMatchObject({ method: "POST", url: "/api/items?x=1&y=%2F", body: "hello" });
    expect(echo.headers).toMatchObject({
      host: "web.example.com:8080",
      "x-real-ip": "127.0.0.1",
      "x-forwarded-for": "127.0.0.1",
      "x-original-forwarded-for": "203.0.113.9",
      "x-forwarded-host": "web.example.com:8080",
      "x-forwarded-port": "8080",
      "x-forwarded-proto": "http",
      "x-forwarded-scheme": "http",
      "x-scheme": "http",
      "x-custom": "kept",
    });
    expect(echo.headers.proxy).toBeUndefined();
    expect(echo.headers["x-drop-me"]).toBeUndefined();
    expect(echo.headers.connection).toBeUndefined();
  });

  it("passes no X-Original-Forwarded-For the client made up, as nginx passes no header it sets", async () => {
    const a = await backend("a", "127.128.250.1");
    setEndpoints([{ address: a.address, port: a.port }]);
    const echo = (await get("/", { headers: { "x-original-forwarded-for": "1.2.3.4" } })).json();
    expect(echo.headers["x-original-forwarded-for"]).toBeUndefined();
  });

  it("sends a chunked request body on in chunks", async () => {
    const a = await backend("a", "127.128.250.1");
    setEndpoints([{ address: a.address, port: a.port }]);
    const echo = await new Promise<Echo>((resolve, reject) => {
      const req = request(
        {
          host: PROXY_ADDRESS,
          port,
          path: "/up",
          method: "PUT",
          headers: { host: "web.example.com" },
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
        },
      );
      req.on("error", reject);
      req.write("hello, ");
      setImmediate(() => req.end("world"));
    });
    expect(echo).toMatchObject({ method: "PUT", body: "hello, world" });
    expect(echo.headers["transfer-encoding"]).toBe("chunked");
  });

  it("keeps one connection to a backend for requests in turn", async () => {
    const ports = new Set<number>();
    const a = await backend("a", "127.128.250.1", (req, res) => {
      ports.add(req.socket.remotePort ?? 0);
      res.end("ok");
    });
    setEndpoints([{ address: a.address, port: a.port }]);
    for (let i = 0; i < 3; i++) expect((await get("/")).body).toBe("ok");
    expect(ports.size).toBe(1);
    expect(pool.idleCount(`${a.address}:${a.port}`)).toBe(1);
  });

  it("streams a body without Content-Length through, re-framed for the client", async () => {
    const big = "x".repeat(1 << 20);
    const a = await backend("a", "127.128.250.1", (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("hello ");
      setImmediate(() => res.end(big));
    });
    setEndpoints([{ address: a.address, port: a.port }]);
    const reply = await get("/");
    expect(reply.headers["transfer-encoding"]).toBe("chunked");
    expect(reply.body).toBe(`hello ${big}`);
  });

  it("a HEAD response has no body, whatever its Content-Length says; the connection is kept", async () => {
    const a = await backend("a", "127.128.250.1", (_req, res) => {
      res.writeHead(200, { "content-length": "5" });
      res.end();
    });
    setEndpoints([{ address: a.address, port: a.port }]);
    const reply = await get("/", { method: "HEAD" });
    expect(reply.status).toBe(200);
    expect(reply.headers["content-length"]).toBe("5");
    expect(pool.idleCount(`${a.address}:${a.port}`)).toBe(1);
  });

  it("an HTTP/1.0 response without a length runs until the backend closes", async () => {
    const a = await backend("a", "127.128.250.1", (req) =>
      req.socket.end("HTTP/1.0 200 OK\r\nX-Old: yes\r\n\r\nuntil the end"),
    );
    setEndpoints([{ address: a.address, port: a.port }]);
    const reply = await get("/");
    expect(reply).toMatchObject({ status: 200, body: "until the end" });
    expect(reply.headers["x-old"]).toBe("yes");
    expect(pool.idleCount(`${a.address}:${a.port}`)).toBe(0);
  });

  it("takes the endpoints in turn", async () => {
    const a = await backend("a", "127.128.250.1");
    const b = await backend("b", "127.128.250.2");
    setEndpoints([
      { address: a.address, port: a.port },
      { address: b.address, port: b.port },
    ]);
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) seen.push((await get("/")).json().backend);
    expect(seen.sort()).toEqual(["a", "a", "b", "b"]);
  });

  it("passes the backend's status, repeated headers and body through", async () => {
    const a = await backend("a", "127.128.250.1", (_req, res) => {
      res.writeHead(
        418,
        [
          ["set-cookie", "a=1"],
          ["set-cookie", "b=2"],
          ["x-thing", "yes"],
        ].flat(),
      );
      res.end("teapot");
    });
    setEndpoints([{ address: a.address, port: a.port }]);
    const reply = await get("/");
    expect(reply.status).toBe(418);
    expect(reply.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    expect(reply.body).toBe("teapot");
  });
});

describe("answers of its own", () => {
  it("404 for no match, 503 for a backend without endpoints, 400 for a path above /", async () => {
    const notFound = await get("/", { host: "nobody.example.com" });
    expect(notFound.status).toBe(404);
    expect(notFound.body).toContain("<title>404 Not Found</title>");
    const unavailable = await get("/down/x");
    expect(unavailable.status).toBe(503);
    expect(unavailable.body).toContain("503 Service Temporarily Unavailable");
    expect((await get("/../etc/passwd")).status).toBe(400);
  });
});

describe("failures", () => {
  it("a GET whose endpoint refuses is tried on the next one", async () => {
    const a = await backend("a", "127.128.250.1");
    setEndpoints([await deadEndpoint(), { address: a.address, port: a.port }]);
    const reply = await get("/");
    expect(reply.status).toBe(200);
    expect(logs).toEqual([
      expect.stringMatching(/failed: ECONNREFUSED, trying the next endpoint$/),
    ]);
  });

  it("a POST with a body is not retried: 502", async () => {
    const a = await backend("a", "127.128.250.1");
    setEndpoints([await deadEndpoint(), { address: a.address, port: a.port }]);
    const reply = await get("/", { method: "POST", body: "x" });
    expect(reply.status).toBe(502);
    expect(reply.body).toContain("502 Bad Gateway");
    expect(a.seen).toEqual([]);
  });

  it("a backend that resets the connection: retried, then 502 when every attempt failed", async () => {
    const reset = await backend("reset", "127.128.250.3", (req) => req.socket.destroy());
    const good = await backend("good", "127.128.250.1");
    setEndpoints([
      { address: reset.address, port: reset.port },
      { address: good.address, port: good.port },
    ]);
    expect((await get("/")).json().backend).toBe("good");
    setEndpoints([{ address: reset.address, port: reset.port }]);
    expect((await get("/")).status).toBe(502);
    expect(reset.seen.length).toBe(1 + 3);
  });

  it("a backend that dies mid-response cuts the client's response off", async () => {
    const a = await backend("a", "127.128.250.1", (req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("partial");
      setImmediate(() => req.socket.destroy());
    });
    setEndpoints([{ address: a.address, port: a.port }]);
    await expect(get("/")).rejects.toThrow();
  });

  it("a malformed response is a failed attempt: retried, then 502", async () => {
    const bad = await backend("bad", "127.128.250.3", (req) =>
      req.socket.end("HTTP/1.1 200 OK\r\nNot A Header\r\n\r\n"),
    );
    setEndpoints([{ address: bad.address, port: bad.port }]);
    expect((await get("/")).status).toBe(502);
    expect(bad.seen.length).toBe(3);
    expect(logs[2]).toMatch(/failed: invalid response: expected a header line/);
  });

  it("a client that goes away mid-response closes the backend's connection too", async () => {
    let backendClosed!: () => void;
    const closed = new Promise<void>((resolve) => {
      backendClosed = resolve;
    });
    const a = await backend("a", "127.128.250.1", (req, res) => {
      req.socket.on("close", backendClosed);
      res.writeHead(200, { "content-length": "100" });
      res.write("partial");
    });
    setEndpoints([{ address: a.address, port: a.port }]);
    const client = connect(port, PROXY_ADDRESS);
    client.write("GET / HTTP/1.1\r\nHost: web.example.com\r\n\r\n");
    client.once("data", () => client.destroy());
    await closed;
  });

  it("a backend that never answers: 504 after the read timeout", async () => {
    const silent = await backend("silent", "127.128.250.4", () => {});
    setEndpoints([{ address: silent.address, port: silent.port }]);
    const reply = await get("/");
    expect(reply.status).toBe(504);
    expect(reply.body).toContain("504 Gateway Time-out");
  });
});
