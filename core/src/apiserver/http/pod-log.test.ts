import { createServer, type Server } from "node:https";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApiServer, type TestApiServer } from "../../testing/cluster.ts";
import { ensureClusterPki, issueServingCertificate } from "../pki.ts";

let api: TestApiServer;
let kubelet: Server;
let kubeletPort: number;
const seen: { path: string; user: string }[] = [];

beforeAll(async () => {
  api = await startTestApiServer();
  // A stand-in kubelet: serves a certificate from the cluster CA and wants the API server's.
  const pki = await ensureClusterPki(api.dataDir);
  const serving = await issueServingCertificate(pki, { commonName: "node-1", ips: ["127.0.0.1"] });
  kubelet = createServer(
    {
      cert: serving.certPem,
      key: serving.keyPem,
      ca: pki.ca.certPem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      seen.push({ path: req.url ?? "", user: String(peer.subject?.CN ?? "") });
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("hello from web\nsecond line\n");
    },
  );
  await new Promise<void>((resolve) => kubelet.listen(0, "127.0.0.1", resolve));
  kubeletPort = (kubelet.address() as { port: number }).port;
  await api.request("POST", "/api/v1/nodes", {
    body: {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "node-1" },
      status: {
        addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
        daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
      },
    },
  });
  const pod = (name: string, containers: string[], nodeName?: string) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      containers: containers.map((c) => ({ name: c, image: "tinykube/hello:1.0" })),
    },
  });
  await api.request("POST", "/api/v1/namespaces/default/pods", {
    body: pod("web", ["hello"], "node-1"),
  });
  await api.request("POST", "/api/v1/namespaces/default/pods", {
    body: pod("two", ["a", "b"], "node-1"),
  });
  await api.request("POST", "/api/v1/namespaces/default/pods", { body: pod("pending", ["hello"]) });
});
afterAll(async () => {
  kubelet?.close();
  await api?.stop();
});

describe("pods/log", () => {
  it("proxies to the pod's kubelet, with the API server's client certificate", async () => {
    const res = await api.request(
      "GET",
      "/api/v1/namespaces/default/pods/web/log?tailLines=2&timestamps=true",
      { accept: "*/*" },
    );
    expect(res.status).toBe(200);
    expect(res.text).toBe("hello from web\nsecond line\n");
    expect(seen.at(-1)).toEqual({
      path: "/containerLogs/default/web/hello?timestamps=true&tailLines=2",
      user: "kube-apiserver-kubelet-client",
    });
  });

  it("needs a container name when the pod has several, and a real one", async () => {
    const several = await api.request("GET", "/api/v1/namespaces/default/pods/two/log");
    expect(several.json()).toMatchObject({
      code: 400,
      message: "a container name must be specified for pod two, choose one of: [a b]",
    });
    const unknown = await api.request("GET", "/api/v1/namespaces/default/pods/two/log?container=c");
    expect(unknown.json<{ message: string }>().message).toBe(
      "container c is not valid for pod two",
    );
    const chosen = await api.request("GET", "/api/v1/namespaces/default/pods/two/log?container=b", {
      accept: "*/*",
    });
    expect(chosen.status).toBe(200);
    expect(seen.at(-1)?.path).toBe("/containerLogs/default/two/b");
  });

  it("refuses a pod with no node yet", async () => {
    const res = await api.request("GET", "/api/v1/namespaces/default/pods/pending/log");
    expect(res.json()).toMatchObject({
      code: 400,
      reason: "BadRequest",
      message: "pod pending does not have a host assigned",
    });
  });

  it("says which kubelet it could not reach", async () => {
    await new Promise<void>((resolve) => kubelet.close(() => resolve()));
    const res = await api.request("GET", "/api/v1/namespaces/default/pods/web/log");
    expect(res.status).toBe(500);
    expect(res.json<{ message: string }>().message).toMatch(
      new RegExp(
        `^Get "https://127\\.0\\.0\\.1:${kubeletPort}/containerLogs/default/web/hello": connect ECONNREFUSED`,
      ),
    );
  });
});
