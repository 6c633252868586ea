/**
 * The HTTP/2 transport: the REST client over it against a real API server serving HTTP/2, and
 * its connections against a bare HTTP/2 server with a small stream limit.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from "node:http2";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../api/object.ts";
import { ensureClusterPki } from "../apiserver/pki.ts";
import { startTestApiServer, type TestApiServer } from "../testing/cluster.ts";
import { builtinType } from "./factory.ts";
import { Http2Transport } from "./http2-transport.ts";
import { isNotFound, RestClient } from "./rest.ts";

const configMap = (name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name },
  data: { k: name },
});

describe("the REST client over HTTP/2", () => {
  let api: TestApiServer;
  let transport: Http2Transport;
  const as = (user: string) =>
    new RestClient({
      server: api.url,
      caPem: api.caCertPem,
      token: api.tokenFor(user),
      qps: 0,
      http2: transport,
    });

  beforeAll(async () => {
    api = await startTestApiServer({ http2: true, nodes: ["node-1"] });
    transport = new Http2Transport({ server: api.url, caPem: api.caCertPem });
  });
  afterAll(async () => {
    transport?.close();
    await api?.stop();
  });

  it("writes, reads and watches, and errors arrive as Status", async () => {
    const admin = as("admin");
    const cms = admin.resource(builtinType("configmaps"), "default");
    const { metadata } = await cms.list();
    const watch = await cms.watch({ resourceVersion: metadata.resourceVersion });
    await cms.create(configMap("h2-a"));
    expect((await cms.get("h2-a")).data).toEqual({ k: "h2-a" });
    await expect(cms.get("h2-missing")).rejects.toSatisfy(isNotFound);
    const iterator = watch[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toMatchObject({ type: "ADDED", object: { metadata: { name: "h2-a" } } });
    watch.stop();
    expect((await iterator.next()).done).toBe(true);
    admin.close(); // the transport is shared: it stays open for the next client
    expect(
      (await as("admin").resource(builtinType("namespaces")).get("default")).metadata.name,
    ).toBe("default");
  });

  it("authenticates each request by its own token, on one connection", async () => {
    const node = as("system:node:node-1");
    await expect(
      node.resource(builtinType("configmaps"), "default").create(configMap("h2-by-node")),
    ).rejects.toMatchObject({ code: 403 });
    expect(await node.resource(builtinType("nodes")).list()).toMatchObject({ kind: "NodeList" });
  });

  it("still serves HTTP/1.1 on the same port, keeping idle connections 90 s", async () => {
    const answer = await new Promise<{ status: number; keepAlive: unknown }>((resolve, reject) => {
      const url = new URL("/version", api.url);
      httpsRequest(url, { ca: api.caCertPem }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, keepAlive: res.headers["keep-alive"] });
      })
        .on("error", reject)
        .end();
    });
    expect(answer).toEqual({ status: 200, keepAlive: "timeout=90" });
  });
});

describe("Http2Transport connections", () => {
  let dir = "";
  let server: Http2SecureServer;
  let transport: Http2Transport;
  /** Connections the server accepted. */
  let accepted = 0;
  const sessions: ServerHttp2Session[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tinykube-h2-"));
    const pki = await ensureClusterPki(dir);
    // Two streams a connection; each answers at once and stays open, as a watch does.
    server = createSecureServer(
      { key: pki.server.keyPem, cert: pki.server.certPem, settings: { maxConcurrentStreams: 2 } },
      (_, res) => {
        res.writeHead(200);
        res.write("open\n");
      },
    );
    server.on("secureConnection", () => accepted++);
    server.on("session", (session) => sessions.push(session));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    transport = new Http2Transport({ server: `https://127.0.0.1:${port}`, caPem: pki.ca.certPem });
  });
  afterAll(async () => {
    transport?.close();
    for (const s of sessions) s.destroy();
    await new Promise((resolve) => server?.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it("opens another connection once one has as many streams as the server allows", async () => {
    const open = [];
    // One at a time: the server's limit is known from the first answer on.
    for (let i = 0; i < 3; i++) open.push(await transport.request("GET", "/", {}, undefined));
    expect(open.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(accepted, "3 streams at 2 a connection").toBe(2);
    for (const r of open) r.destroy();
  });

  it("leaves a connection the server sent GOAWAY on, for a new one", async () => {
    const before = accepted;
    for (const s of sessions) s.goaway();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const answer = await transport.request("GET", "/", {}, undefined);
    expect(answer.statusCode).toBe(200);
    expect(accepted).toBe(before + 1);
    answer.destroy();
  });
});
