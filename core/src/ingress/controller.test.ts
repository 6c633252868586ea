/**
 * The ingress controller end to end: a real API server, the controller running as its own
 * ServiceAccount (so its RBAC role is exercised too), and small backend servers on pod addresses
 * whose EndpointSlices are written by hand, as an EndpointSlice controller would write them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../api/object.ts";
import { defaultTokenUsers, ensureTokenFile } from "../apiserver/authn.ts";
import { COMPONENT_USERS } from "../apiserver/rbac/bootstrap.ts";
import { builtinType } from "../client/factory.ts";
import { RestClient } from "../client/rest.ts";
import { eventually } from "../controllers/testing.ts";
import { startTestApiServer, type TestApiServer } from "../testing/cluster.ts";
import { ingressClassFor } from "./ingress-class.ts";
import { type CertificateAndKey, selfSignedCertificate } from "./self-signed.ts";
import {
  DEFAULT_CONTROLLER_NAME,
  type RunningIngressController,
  startIngressController,
} from "./start.ts";
import { type Backend, type Reply, send, startBackend } from "./testing.ts";
import type { HTTPIngressPath, Ingress } from "./types.ts";

const ADDRESS = "127.1.251.1";

let dataDir: string;
let api: TestApiServer;
let admin: RestClient;
let ingressIdentity: RestClient;
let running: RunningIngressController;
const logs: string[] = [];
const backends = new Map<string, Backend>();
let secureCert: CertificateAndKey;

const apply = (resource: string, object: KubeObject, namespace = "default") =>
  admin.resource(builtinType(resource), namespace).create(object);

/** A Service without a selector and an EndpointSlice listing the backends given. */
async function serviceFor(name: string, ready: Backend[], notReady: Backend[] = []) {
  await apply("services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "default" },
    spec: { ports: [{ name: "http", port: 80, targetPort: "http" }] },
  });
  if (ready.length + notReady.length === 0) return;
  await apply("discovery.k8s.io/endpointslices", slice(`${name}-abc`, name, ready, notReady));
}

function slice(
  name: string,
  service: string,
  ready: Backend[],
  notReady: Backend[] = [],
): KubeObject {
  const port = (ready[0] ?? notReady[0])?.port ?? 8080;
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name, namespace: "default", labels: { "kubernetes.io/service-name": service } },
    addressType: "IPv4",
    endpoints: [
      ...ready.map((b) => ({ addresses: [b.address], conditions: { ready: true } })),
      ...notReady.map((b) => ({ addresses: [b.address], conditions: { ready: false } })),
    ],
    ports: [{ name: "http", port, protocol: "TCP" }],
  };
}

const to = (service: string, path: string, pathType: HTTPIngressPath["pathType"] = "Prefix") => ({
  path,
  pathType,
  backend: { service: { name: service, port: { number: 80 } } },
});

function ingress(
  name: string,
  spec: Ingress["spec"],
  annotations?: Record<string, string>,
): Ingress {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: "default", ...(annotations ? { annotations } : {}) },
    spec,
  };
}

const request = (host: string, path: string, extra: Partial<Parameters<typeof send>[0]> = {}) =>
  send({
    address: ADDRESS,
    port: extra.https ? running.httpsPort : running.httpPort,
    host,
    path,
    ...extra,
  });

/** Waits until the controller routes the request as expected (routes change asynchronously). */
function until(
  host: string,
  path: string,
  check: (r: Reply) => boolean,
  extra: Partial<Parameters<typeof send>[0]> = {},
): Promise<Reply> {
  return eventually(
    () => request(host, path, extra),
    check,
    `${extra.https ? "https" : "http"}://${host}${path}`,
  );
}
const backendOf = (r: Reply) => (r.status === 200 ? r.json().backend : String(r.status));

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "tinykube-ingress-"));
  // The controller's own identity, as `tinykube up` would issue it.
  await ensureTokenFile(dataDir, [
    ...defaultTokenUsers(),
    {
      username: COMPONENT_USERS.ingress,
      groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system"],
    },
  ]);
  api = await startTestApiServer({ dataDir });
  const client = (user: string) =>
    new RestClient({ server: api.url, caPem: api.caCertPem, token: api.tokenFor(user), qps: 0 });
  admin = client("admin");
  ingressIdentity = client(COMPONENT_USERS.ingress);

  for (const [name, n] of [
    ["web", 1],
    ["api", 2],
    ["fallback", 4],
    ["wild", 5],
    ["secure", 6],
    ["classless", 7],
  ] as const) {
    backends.set(name, await startBackend(name, `127.128.251.${n}`));
  }
  const apiPort = (backends.get("api") as Backend).port;
  backends.set("api2", await startBackend("api2", "127.128.251.3", undefined, apiPort));
  backends.set(
    "reset",
    await startBackend("reset", "127.128.251.20", (req) => req.socket.destroy()),
  );
  const b = (name: string) => backends.get(name) as Backend;
  await serviceFor("web", [b("web")]);
  await serviceFor("api", [b("api"), b("api2")]);
  await serviceFor("fallback", [b("fallback")]);
  await serviceFor("wild", [b("wild")]);
  await serviceFor("secure", [b("secure")]);
  await serviceFor("classless", [b("classless")]);
  await serviceFor("reset", [b("reset")]);
  await serviceFor("empty", [], [b("web")]);

  secureCert = await selfSignedCertificate({
    commonName: "secure",
    dnsNames: ["secure.example.com"],
  });
  await apply("secrets", {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "secure-tls", namespace: "default" },
    type: "kubernetes.io/tls",
    data: {
      "tls.crt": Buffer.from(secureCert.certPem).toString("base64"),
      "tls.key": Buffer.from(secureCert.keyPem).toString("base64"),
    },
  });
  await apply(
    "networking.k8s.io/ingressclasses",
    ingressClassFor({ name: "tinykube", controller: DEFAULT_CONTROLLER_NAME, isDefault: true }),
  );
  await apply(
    "networking.k8s.io/ingressclasses",
    ingressClassFor({ name: "nginx", controller: "k8s.io/ingress-nginx" }),
  );
  // Two Ingresses share web.example.com; paths merge.
  await apply(
    "networking.k8s.io/ingresses",
    ingress("web", {
      ingressClassName: "tinykube",
      defaultBackend: { service: { name: "fallback", port: { number: 80 } } },
      rules: [
        {
          host: "web.example.com",
          http: { paths: [to("web", "/"), to("api", "/api/v1/health", "Exact")] },
        },
        { host: "*.wild.example.com", http: { paths: [to("wild", "/")] } },
      ],
    }),
  );

  running = await startIngressController({
    client: ingressIdentity,
    address: ADDRESS,
    httpPort: 0,
    httpsPort: 0,
    log: (line) => logs.push(line),
  });
});

afterAll(async () => {
  await running?.stop();
  admin?.close();
  ingressIdentity?.close();
  await Promise.all([...backends.values()].map((b) => b.close()));
  await api?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("routing", () => {
  it("routes by host and path from the first request (the table is built before listening)", async () => {
    expect(backendOf(await request("web.example.com", "/"))).toBe("web");
    expect(backendOf(await request("web.example.com", "/index.html"))).toBe("web");
  });

  it("merges Ingresses for one host: a second Ingress adds /api; the longest path wins", async () => {
    await apply(
      "networking.k8s.io/ingresses",
      ingress("api", {
        ingressClassName: "tinykube",
        rules: [{ host: "web.example.com", http: { paths: [to("api", "/api")] } }],
      }),
    );
    const isApi = (r: Reply) => ["api", "api2"].includes(backendOf(r));
    await until("web.example.com", "/api/users", isApi);
    expect(backendOf(await request("web.example.com", "/apiary"))).toBe("web");
    expect(isApi(await request("web.example.com", "/api"))).toBe(true);
    // The first Ingress's Exact path is longer than the second's Prefix.
    expect(isApi(await request("web.example.com", "/api/v1/health"))).toBe(true);
  });

  it("balances over the backend's ready endpoints in turn", async () => {
    await until("web.example.com", "/api/x", (r) => backendOf(r).startsWith("api"));
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(backendOf(await request("web.example.com", "/api/x")));
    expect(seen.sort()).toEqual(["api", "api", "api2", "api2"]);
  });

  it("matches a wildcard host to exactly one label", async () => {
    expect(backendOf(await request("a.wild.example.com", "/"))).toBe("wild");
    expect(backendOf(await request("a.b.wild.example.com", "/"))).toBe("404");
  });

  it("sends unmatched paths of its hosts to the Ingress's defaultBackend, unknown hosts to the 404", async () => {
    await apply(
      "networking.k8s.io/ingresses",
      ingress("narrow", {
        ingressClassName: "tinykube",
        defaultBackend: { service: { name: "fallback", port: { number: 80 } } },
        rules: [{ host: "narrow.example.com", http: { paths: [to("web", "/only", "Exact")] } }],
      }),
    );
    await until("narrow.example.com", "/only", (r) => backendOf(r) === "web");
    expect(backendOf(await request("narrow.example.com", "/only/not"))).toBe("fallback");
    const unknown = await request("nobody.example.com", "/");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toContain("404 Not Found");
  });

  it("adds X-Forwarded-* and X-Real-IP", async () => {
    const echo = (
      await request("web.example.com", "/headers", {
        headers: { "x-forwarded-for": "198.51.100.7" },
      })
    ).json();
    expect(echo.headers).toMatchObject({
      host: "web.example.com",
      "x-forwarded-host": "web.example.com",
      "x-forwarded-proto": "http",
      "x-forwarded-port": String(running.httpPort),
      "x-forwarded-for": "127.0.0.1",
      "x-real-ip": "127.0.0.1",
      "x-original-forwarded-for": "198.51.100.7",
    });
  });
});

describe("backends without endpoints", () => {
  it("answers 503 until an endpoint is ready, then routes to it", async () => {
    await apply(
      "networking.k8s.io/ingresses",
      ingress("empty", {
        ingressClassName: "tinykube",
        rules: [{ host: "empty.example.com", http: { paths: [to("empty", "/")] } }],
      }),
    );
    const unavailable = await until("empty.example.com", "/", (r) => r.status !== 404);
    expect(unavailable.status).toBe(503);
    expect(unavailable.body).toContain("503 Service Temporarily Unavailable");
    const web = backends.get("web") as Backend;
    await apply("discovery.k8s.io/endpointslices", slice("empty-ready", "empty", [web]));
    await until("empty.example.com", "/", (r) => backendOf(r) === "web");
  });

  it("answers 503 for a Service that does not exist, and says why in the log", async () => {
    await apply(
      "networking.k8s.io/ingresses",
      ingress("ghost", {
        ingressClassName: "tinykube",
        rules: [{ host: "ghost.example.com", http: { paths: [to("ghost", "/")] } }],
      }),
    );
    await until("ghost.example.com", "/", (r) => r.status === 503);
    expect(logs).toContain(
      '[ingress] backend default/ghost:80: no endpoints (Service "default/ghost" not found)',
    );
  });
});

describe("classes", () => {
  it("leaves another controller's Ingress alone, and serves classless ones since its class is the default", async () => {
    await apply(
      "networking.k8s.io/ingresses",
      ingress("theirs", {
        ingressClassName: "nginx",
        rules: [{ host: "theirs.example.com", http: { paths: [to("web", "/")] } }],
      }),
    );
    await apply(
      "networking.k8s.io/ingresses",
      ingress("classless", {
        rules: [{ host: "classless.example.com", http: { paths: [to("classless", "/")] } }],
      }),
    );
    await until("classless.example.com", "/", (r) => backendOf(r) === "classless");
    expect((await request("theirs.example.com", "/")).status).toBe(404);
    const theirs = await admin
      .resource<Ingress>(builtinType("networking.k8s.io/ingresses"), "default")
      .get("theirs");
    expect(theirs.status?.loadBalancer?.ingress ?? []).toEqual([]);
  });
});

describe("status", () => {
  it("shows the controller's address in status.loadBalancer of the Ingresses it serves, and records a Sync event", async () => {
    const ingresses = admin.resource<Ingress>(
      builtinType("networking.k8s.io/ingresses"),
      "default",
    );
    const web = await eventually(
      () => ingresses.get("web"),
      (i) => (i.status?.loadBalancer?.ingress ?? []).length > 0,
      "status of default/web",
    );
    expect(web.status?.loadBalancer?.ingress).toEqual([{ ip: ADDRESS }]);
    const events = await eventually(
      () => admin.resource(builtinType("events"), "default").list(),
      (list) =>
        list.items.some(
          (e) => (e as { involvedObject?: { name?: string } }).involvedObject?.name === "web",
        ),
      "a Sync event for default/web",
    );
    expect(
      events.items.find(
        (e) => (e as { involvedObject?: { name?: string } }).involvedObject?.name === "web",
      ),
    ).toMatchObject({
      reason: "Sync",
      message: "Scheduled for sync",
      type: "Normal",
      source: { component: "tinykube-ingress-controller" },
    });
  });
});

describe("TLS", () => {
  beforeAll(async () => {
    await apply(
      "networking.k8s.io/ingresses",
      ingress("secure", {
        ingressClassName: "tinykube",
        tls: [{ hosts: ["secure.example.com"], secretName: "secure-tls" }],
        rules: [{ host: "secure.example.com", http: { paths: [to("secure", "/")] } }],
      }),
    );
  });

  it("terminates TLS with the Secret's certificate for a host listed in tls (SNI picks it)", async () => {
    const reply = await until("secure.example.com", "/", (r) => r.peerSubject === "/secure", {
      https: true,
    });
    expect(backendOf(reply)).toBe("secure");
    expect(reply.json().headers["x-forwarded-proto"]).toBe("https");
    expect(reply.json().headers["x-forwarded-port"]).toBe(String(running.httpsPort));
  });

  it("serves other hosts over HTTPS with the fake certificate", async () => {
    const reply = await request("web.example.com", "/", { https: true });
    expect(backendOf(reply)).toBe("web");
    expect(reply.peerSubject).toBe("Acme Co/Kubernetes Ingress Controller Fake Certificate");
  });
});

describe("bad input", () => {
  it("a backend that resets: that request gets 502, everyone else is still served", async () => {
    await apply(
      "networking.k8s.io/ingresses",
      ingress("reset", {
        ingressClassName: "tinykube",
        rules: [{ host: "reset.example.com", http: { paths: [to("reset", "/")] } }],
      }),
    );
    const reply = await until("reset.example.com", "/", (r) => r.status !== 404);
    expect(reply.status).toBe(502);
    expect(backendOf(await request("web.example.com", "/"))).toBe("web");
  });

  it("a client that connects and sends nothing does not hold anyone up", async () => {
    const silent: Socket[] = [];
    for (let i = 0; i < 5; i++) {
      silent.push(
        await new Promise<Socket>((resolve, reject) => {
          const s = connect(running.httpPort, ADDRESS, () => resolve(s));
          s.on("error", reject);
        }),
      );
    }
    try {
      const replies = await Promise.all(
        Array.from({ length: 10 }, () => request("web.example.com", "/")),
      );
      expect(replies.map(backendOf)).toEqual(Array(10).fill("web"));
    } finally {
      for (const s of silent) s.destroy();
    }
  });

  it("a malformed request gets 400 and the connection closes; others are served", async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect(running.httpPort, ADDRESS, () => s.write("NOT HTTP AT ALL\r\n\r\n"));
      let data = "";
      s.on("data", (d) => (data += d.toString()));
      s.on("close", () => resolve(data));
      s.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(backendOf(await request("web.example.com", "/"))).toBe("web");
  });
});
