import { type AddressInfo, createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../controllers/testing.ts";
import { type Backend, type Echo, startBackend } from "./testing.ts";
import { type UpstreamConnection, UpstreamPool, type UpstreamRequest } from "./upstream-pool.ts";

interface Outcome {
  status: number;
  body: string;
  failed?: string;
  timedOut?: boolean;
}

const pools: UpstreamPool[] = [];
const backends: Backend[] = [];

function newPool(options: ConstructorParameters<typeof UpstreamPool>[0] = {}) {
  const pool = new UpstreamPool(options);
  pools.push(pool);
  return pool;
}

async function backend(handler?: Parameters<typeof startBackend>[2], address = "127.128.251.1") {
  const b = await startBackend("b", address, handler);
  backends.push(b);
  return b;
}

afterEach(async () => {
  for (const p of pools.splice(0)) p.close();
  await Promise.all(backends.splice(0).map((b) => b.close()));
});

const get = (path = "/"): UpstreamRequest => ({
  head: `GET ${path} HTTP/1.1\r\nHost: web.example.com\r\n\r\n`,
  method: "GET",
  body: "none",
});

/** Sends `request` on `connection` and resolves with how it ended. */
function exchange(connection: UpstreamConnection, request: UpstreamRequest): Promise<Outcome> {
  return new Promise((resolve) => {
    let status = 0;
    const chunks: Buffer[] = [];
    connection.send(
      {
        head: (s) => {
          status = s;
        },
        body: (chunk) => chunks.push(chunk),
        end: (last) => {
          if (last) chunks.push(last);
          resolve({ status, body: Buffer.concat(chunks).toString() });
        },
        fail: (failed, timedOut) => resolve({ status, body: "", failed, timedOut }),
      },
      request,
    );
  });
}

const key = (b: Backend) => `${b.address}:${b.port}`;

describe("reuse", () => {
  it("carries requests in turn over one connection, kept idle between them", async () => {
    const ports = new Set<number>();
    const b = await backend((req, res) => {
      ports.add(req.socket.remotePort ?? 0);
      res.end("ok");
    });
    const pool = newPool();
    for (let i = 0; i < 3; i++) {
      expect(await exchange(pool.connection(b.address, b.port), get())).toEqual({
        status: 200,
        body: "ok",
      });
      expect(pool.idleCount(key(b))).toBe(1);
    }
    expect(ports.size).toBe(1);
  });

  it("hands out the most recently used idle connection first", async () => {
    const b = await backend();
    const pool = newPool();
    const first = pool.connection(b.address, b.port);
    const second = pool.connection(b.address, b.port);
    expect(second).not.toBe(first);
    await exchange(first, get());
    await exchange(second, get());
    expect(pool.idleCount(key(b))).toBe(2);
    expect(pool.connection(b.address, b.port)).toBe(second);
    expect(pool.connection(b.address, b.port)).toBe(first);
  });

  it("keeps at most maxIdlePerEndpoint idle", async () => {
    const b = await backend();
    const pool = newPool({ maxIdlePerEndpoint: 1 });
    await Promise.all([
      exchange(pool.connection(b.address, b.port), get()),
      exchange(pool.connection(b.address, b.port), get()),
    ]);
    expect(pool.idleCount(key(b))).toBe(1);
  });

  it("closes a connection after maxRequestsPerConnection requests", async () => {
    const ports: number[] = [];
    const b = await backend((req, res) => {
      ports.push(req.socket.remotePort ?? 0);
      res.end("ok");
    });
    const pool = newPool({ maxRequestsPerConnection: 2 });
    await exchange(pool.connection(b.address, b.port), get());
    await exchange(pool.connection(b.address, b.port), get());
    expect(pool.idleCount(key(b))).toBe(0);
    await exchange(pool.connection(b.address, b.port), get());
    expect(ports[0]).toBe(ports[1]);
    expect(ports[2]).not.toBe(ports[0]);
  });

  it("does not reuse a connection whose response said Connection: close", async () => {
    const b = await backend((_req, res) => {
      res.setHeader("connection", "close");
      res.end("bye");
    });
    const pool = newPool();
    expect((await exchange(pool.connection(b.address, b.port), get())).body).toBe("bye");
    expect(pool.idleCount(key(b))).toBe(0);
  });

  it("drops an idle connection the backend closes, and one idle past the timeout", async () => {
    const b = await backend();
    const pool = newPool();
    await exchange(pool.connection(b.address, b.port), get());
    expect(pool.idleCount(key(b))).toBe(1);
    await b.close();
    await eventually(
      async () => pool.idleCount(key(b)),
      (n) => n === 0,
      "the idle connection to go",
    );

    const c = await backend(undefined, "127.128.251.2");
    const quick = newPool({ timeoutMs: 50 });
    await exchange(quick.connection(c.address, c.port), get());
    expect(quick.idleCount(key(c))).toBe(1);
    await eventually(
      async () => quick.idleCount(key(c)),
      (n) => n === 0,
      "the idle timeout",
    );
  });
});

describe("bodies", () => {
  it("sends a Content-Length body as is, and a chunked one in chunks", async () => {
    const b = await backend();
    const pool = newPool();
    const sized = pool.connection(b.address, b.port);
    const sizedDone = exchange(sized, {
      head: "PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n",
      method: "PUT",
      body: "length",
    });
    sized.write(Buffer.from("hello "));
    sized.write(Buffer.from("world"));
    sized.finish();
    const echo: Echo = JSON.parse((await sizedDone).body);
    expect(echo).toMatchObject({ method: "PUT", body: "hello world" });

    const chunked = pool.connection(b.address, b.port);
    const chunkedDone = exchange(chunked, {
      head: "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
      method: "POST",
      body: "chunked",
    });
    chunked.write(Buffer.from("in "));
    chunked.write(Buffer.from("chunks"));
    chunked.finish();
    expect(JSON.parse((await chunkedDone).body)).toMatchObject({ body: "in chunks" });
    expect(pool.idleCount(key(b))).toBe(1);
  });

  it("closes a connection whose response came before the request body was sent whole", async () => {
    // A backend that refuses the upload as soon as the head is in, as a 413 would.
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.once("data", () =>
        socket.write("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n"),
      );
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, "127.128.251.3", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const pool = newPool();
      const connection = pool.connection("127.128.251.3", port);
      const done = exchange(connection, {
        head: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n",
        method: "POST",
        body: "length",
      });
      connection.write(Buffer.from("only part"));
      expect((await done).status).toBe(413);
      expect(pool.idleCount(`127.128.251.3:${port}`)).toBe(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("failures", () => {
  it("a refused connection fails the request with ECONNREFUSED", async () => {
    const b = await backend();
    await b.close();
    const pool = newPool();
    expect(await exchange(pool.connection(b.address, b.port), get())).toMatchObject({
      failed: "ECONNREFUSED",
      timedOut: false,
    });
  });

  it("silence past the timeout fails the request with ETIMEDOUT", async () => {
    const b = await backend(() => {});
    const pool = newPool({ timeoutMs: 100 });
    expect(await exchange(pool.connection(b.address, b.port), get())).toMatchObject({
      failed: "ETIMEDOUT",
      timedOut: true,
    });
  });

  it("a malformed response fails the request and closes the connection", async () => {
    const b = await backend((req) => req.socket.end("HTTP/9 OK\r\n\r\n"));
    const pool = newPool();
    const outcome = await exchange(pool.connection(b.address, b.port), get());
    expect(outcome.failed).toMatch(/^invalid response: expected a status line/);
    expect(pool.idleCount(key(b))).toBe(0);
  });

  it("a backend that closes mid-body fails the request", async () => {
    const b = await backend((req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write("partial");
      setImmediate(() => req.socket.destroy());
    });
    const pool = newPool();
    const outcome = await exchange(pool.connection(b.address, b.port), get());
    expect(outcome).toMatchObject({ status: 200, failed: "ECONNRESET" });
  });
});
