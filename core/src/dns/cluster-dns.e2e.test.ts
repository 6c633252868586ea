/**
 * Cluster DNS end to end: a real API server, Services and EndpointSlices written through it,
 * the DNS server watching them, and real clients asking — `dig` (BIND's, from dnsutils) and
 * Node's resolver (c-ares).
 */
import { execFile } from "node:child_process";
import { createSocket } from "node:dgram";
import { Resolver } from "node:dns/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { which } from "zx";
import { LABEL_SERVICE_NAME } from "../controllers/endpointslice/slice-labels.ts";
import { startTestApiServer, type TestApiServer } from "../testing/cluster.ts";
import { type RunningClusterDns, startClusterDns } from "./cluster-dns.ts";
import { Rcode, RRType } from "./constants.ts";
import { decodeMessage } from "./decode.ts";
import { encodeQuery } from "./encode.ts";

const DIG_NOT_FOUND =
  "dig not found: install it with `apt-get install -y dnsutils` (Debian) to run the dig cases of the cluster DNS tests";
const digBin = which.sync("dig", { nothrow: true }) ?? undefined;
if (!digBin) console.warn(DIG_NOT_FOUND);

const DNS_ADDRESS = "127.96.0.10";
let api: TestApiServer;
let dns: RunningClusterDns;
const logs: string[] = [];

async function create(path: string, body: Record<string, unknown>): Promise<void> {
  const response = await api.request("POST", path, { body });
  if (response.status !== 201) throw new Error(`POST ${path}: ${response.status} ${response.text}`);
}

const service = (name: string, spec: Record<string, unknown>) =>
  create("/api/v1/namespaces/default/services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name },
    spec,
  });

const slice = (
  service: string,
  endpoints: { ip: string; hostname?: string; ready?: boolean }[],
  ports: unknown[],
) =>
  create("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: `${service}-e2e`, labels: { [LABEL_SERVICE_NAME]: service } },
    addressType: "IPv4",
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true },
      ...(e.hostname ? { hostname: e.hostname } : {}),
    })),
    ports,
  });

/** Polls `check` until it returns true; throws naming `what` after 10 s. */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function resolver(): Resolver {
  const r = new Resolver({ timeout: 2_000, tries: 1 });
  r.setServers([`${DNS_ADDRESS}:${dns.port}`]);
  return r;
}

function dig(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      digBin as string,
      [`@${DNS_ADDRESS}`, "-p", String(dns.port), "+time=2", "+tries=1", ...args],
      { timeout: 10_000 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
}

beforeAll(async () => {
  api = await startTestApiServer();
  await service("web", {
    clusterIP: "127.96.5.20",
    selector: { app: "web" },
    ports: [
      { name: "http", port: 80, protocol: "TCP", targetPort: 8080 },
      { name: "metrics", port: 9090, protocol: "TCP" },
    ],
  });
  await slice(
    "web",
    [{ ip: "127.128.0.5" }, { ip: "127.128.1.5" }],
    [{ name: "http", port: 8080, protocol: "TCP" }],
  );
  await service("db", {
    clusterIP: "None",
    selector: { app: "db" },
    ports: [{ name: "pg", port: 5432 }],
  });
  await slice(
    "db",
    [
      { ip: "127.128.0.7", hostname: "db-0" },
      { ip: "127.128.0.8", hostname: "db-1" },
      { ip: "127.128.0.9", hostname: "db-2", ready: false },
    ],
    [{ name: "pg", port: 5432, protocol: "TCP" }],
  );
  await service("big", {
    clusterIP: "None",
    selector: { app: "big" },
    ports: [{ name: "http", port: 80 }],
  });
  await slice(
    "big",
    Array.from({ length: 100 }, (_, i) => ({ ip: `127.128.2.${i + 1}` })),
    [{ name: "http", port: 80, protocol: "TCP" }],
  );
  dns = await startClusterDns({
    server: api.url,
    caPem: api.caCertPem,
    token: api.tokenFor("admin") as string,
    address: DNS_ADDRESS,
    port: 0,
    log: (line) => logs.push(line),
  });
});

afterAll(async () => {
  await dns?.stop();
  await api?.stop();
});

describe("cluster DNS with Node's resolver", () => {
  it("resolves a Service to its ClusterIP", async () => {
    expect(await resolver().resolve4("web.default.svc.cluster.local")).toEqual(["127.96.5.20"]);
  });

  it("resolves a named port's SRV record", async () => {
    expect(await resolver().resolveSrv("_http._tcp.web.default.svc.cluster.local")).toEqual([
      { name: "web.default.svc.cluster.local", port: 80, priority: 0, weight: 100 },
    ]);
  });

  it("resolves a headless Service to its ready endpoints, and each endpoint by hostname", async () => {
    expect((await resolver().resolve4("db.default.svc.cluster.local")).sort()).toEqual([
      "127.128.0.7",
      "127.128.0.8",
    ]);
    expect(await resolver().resolve4("db-1.db.default.svc.cluster.local")).toEqual(["127.128.0.8"]);
    const srv = await resolver().resolveSrv("_pg._tcp.db.default.svc.cluster.local");
    expect(srv.map((r) => r.name).sort()).toEqual([
      "db-0.db.default.svc.cluster.local",
      "db-1.db.default.svc.cluster.local",
    ]);
  });

  it("answers PTR for a ClusterIP and for a headless endpoint", async () => {
    expect(await resolver().reverse("127.96.5.20")).toEqual(["web.default.svc.cluster.local"]);
    expect(await resolver().reverse("127.128.0.7")).toEqual(["db-0.db.default.svc.cluster.local"]);
  });

  it("tells NXDOMAIN (ENOTFOUND) from NODATA (ENODATA)", async () => {
    await expect(resolver().resolve4("nope.default.svc.cluster.local")).rejects.toMatchObject({
      code: "ENOTFOUND",
    });
    await expect(resolver().resolve6("web.default.svc.cluster.local")).rejects.toMatchObject({
      code: "ENODATA",
    });
    await expect(resolver().resolve4("default.svc.cluster.local")).rejects.toMatchObject({
      code: "ENODATA",
    });
  });

  it("gets all 100 endpoints of a big headless Service (the truncated UDP answer retried over TCP)", async () => {
    expect(await resolver().resolve4("big.default.svc.cluster.local")).toHaveLength(100);
  });

  it("answers a client that sent garbage first", async () => {
    const socket = createSocket("udp4");
    const answer = new Promise<Buffer>((resolve) => socket.once("message", resolve));
    socket.send(Buffer.from("not dns at all"), dns.port, DNS_ADDRESS);
    socket.send(
      encodeQuery({ id: 99, name: "web.default.svc.cluster.local", type: RRType.A }),
      dns.port,
      DNS_ADDRESS,
    );
    // "not dns at all" reads as a header: ID "no", flags "t " = 0x7420, whose opcode bits say 14.
    const first = decodeMessage(await answer);
    expect(first).toMatchObject({ id: 0x6e6f, rcode: Rcode.NOTIMP });
    const second = decodeMessage(
      await new Promise<Buffer>((resolve) => socket.once("message", resolve)),
    );
    expect(second).toMatchObject({ id: 99, rcode: Rcode.NOERROR });
    socket.close();
  });

  it("forgets a Service once it is deleted", async () => {
    await service("gone", { clusterIP: "127.96.5.30", ports: [{ port: 80 }] });
    await until(
      "gone to resolve",
      async () =>
        (await resolver().resolve4("gone.default.svc.cluster.local"))[0] === "127.96.5.30",
    );
    const deleted = await api.request("DELETE", "/api/v1/namespaces/default/services/gone");
    expect(deleted.status).toBe(200);
    await until("gone to be NXDOMAIN", async () => {
      const error = await resolver()
        .resolve4("gone.default.svc.cluster.local")
        .then(
          () => undefined,
          (e: { code?: string }) => e,
        );
      return error?.code === "ENOTFOUND";
    });
  });
});

describe.skipIf(!digBin)("cluster DNS with dig", () => {
  it("dig web.default.svc.cluster.local gives the ClusterIP, authoritatively, TTL 30", async () => {
    const out = await dig("web.default.svc.cluster.local");
    expect(out).toMatch(/status: NOERROR/);
    expect(out).toMatch(/flags: qr aa rd;/);
    expect(out).toMatch(/^web\.default\.svc\.cluster\.local\.\s+30\s+IN\s+A\s+127\.96\.5\.20$/m);
  });

  it("dig SRV, and over TCP", async () => {
    expect((await dig("+short", "SRV", "_http._tcp.web.default.svc.cluster.local")).trim()).toBe(
      "0 100 80 web.default.svc.cluster.local.",
    );
    expect((await dig("+tcp", "+short", "web.default.svc.cluster.local")).trim()).toBe(
      "127.96.5.20",
    );
  });

  it("dig a headless Service and a PTR", async () => {
    expect((await dig("+short", "db.default.svc.cluster.local")).trim().split("\n").sort()).toEqual(
      ["127.128.0.7", "127.128.0.8"],
    );
    expect((await dig("+short", "-x", "127.96.5.20")).trim()).toBe(
      "web.default.svc.cluster.local.",
    );
  });

  it("dig NXDOMAIN and NODATA both show the SOA in the authority section", async () => {
    const nx = await dig("nope.default.svc.cluster.local");
    expect(nx).toMatch(/status: NXDOMAIN/);
    expect(nx).toMatch(
      /AUTHORITY SECTION:\ncluster\.local\.\s+30\s+IN\s+SOA\s+ns\.dns\.cluster\.local\. hostmaster\.cluster\.local\. \d+ 7200 1800 86400 30/,
    );
    const nodata = await dig("AAAA", "web.default.svc.cluster.local");
    expect(nodata).toMatch(/status: NOERROR/);
    expect(nodata).toMatch(/ANSWER: 0, AUTHORITY: 1/);
  });

  it("dig without EDNS gets a truncated answer over UDP and falls back to TCP by itself", async () => {
    const out = await dig("+noedns", "+ignore", "big.default.svc.cluster.local");
    expect(out).toMatch(/flags: qr aa tc rd;/);
    const whole = await dig("+noedns", "+short", "big.default.svc.cluster.local");
    expect(whole.trim().split("\n")).toHaveLength(100);
  });
});

if (!digBin) it.skip(DIG_NOT_FOUND, () => {});
