/**
 * busybox's nslookup and wget (core/images/busybox) end to end: run as processes through their
 * bin/ wrappers, with the environment the kubelet gives a ClusterFirst pod (dnsEnvironment),
 * against the real cluster DNS server on a loopback address and a port of its choosing, whose
 * upstream answers NXDOMAIN for every name outside the cluster, as a real one does for "nosuch".
 * Every question the cluster DNS gets is recorded, so the tests see the search walk itself.
 */
import { execFile } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ClusterState } from "../../dns/cluster-state.ts";
import { decodeMessage } from "../../dns/decode.ts";
import { Forwarder } from "../../dns/forward.ts";
import { ClusterDnsHandler } from "../../dns/handler.ts";
import { DnsServer } from "../../dns/server.ts";
import { namespaceObject, serviceObject } from "../../dns/testing.ts";
import { dnsEnvironment } from "../../kubelet/dns-config.ts";
import { FakeClock } from "../../util/clock.ts";
import { DEFAULT_REGISTRY_DIR } from "./registry.ts";
import { temporaryDir } from "./testing.ts";

const BUSYBOX = join(DEFAULT_REGISTRY_DIR, "busybox");
/** Addresses of this test's own: the DNS Service's ClusterIP and web's. */
const DNS_IP = "127.96.9.10";
const WEB_IP = "127.96.9.20";
const SEARCH = ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"];
const RUN_TIMEOUT_MS = 15_000;

let dnsPort = 0;
let webPort = 0;
let dns: DnsServer;
let web: Server;
let upstream: Socket;
let cwd = "";
/** The names the cluster DNS was asked, in order. */
const asked: string[] = [];

/** The environment of a ClusterFirst pod's container, as the kubelet and runtime build it. */
function podEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    TINYKUBE_NODE: process.execPath,
  };
  const dnsConfig = { servers: [DNS_IP], searches: SEARCH, options: ["ndots:5"] };
  for (const { name, value } of dnsEnvironment(dnsConfig, { clusterDNS: [DNS_IP], port: dnsPort }))
    env[name] = value;
  return { ...env, ...extra };
}

/** Runs an applet through its bin/ wrapper; resolves with its exit code and output. */
function run(
  applet: "nslookup" | "wget",
  args: string[],
  env = podEnv(),
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      join(BUSYBOX, "bin", applet),
      args,
      { env, cwd, timeout: RUN_TIMEOUT_MS },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") reject(error);
        else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  web = createServer((req, res) => {
    if (req.url === "/") res.writeHead(200).end(`hello from web, Host ${req.headers.host}\n`);
    else if (req.url === "/old") res.writeHead(302, { location: "/" }).end();
    else res.writeHead(404).end("no\n");
  });
  await new Promise<void>((resolve) => web.listen(0, WEB_IP, resolve));
  webPort = (web.address() as { port: number }).port;

  // The node's resolver, where CoreDNS forwards what is not cluster.local: nothing exists there.
  upstream = createSocket("udp4");
  upstream.on("message", (query, from) => {
    const answer = Buffer.from(query);
    answer[2] = ((answer[2] as number) | 0x80) & ~0x04; // QR: a response; not authoritative
    answer[3] = 0x80 | 3; // RA, RCODE NXDOMAIN
    upstream.send(answer, from.port, from.address);
  });
  await new Promise<void>((resolve) => upstream.bind(0, "127.0.0.1", resolve));

  const state = new ClusterState(new FakeClock());
  state.setNamespace(namespaceObject("default"), true);
  state.setService(
    serviceObject("web", {
      clusterIP: WEB_IP,
      ports: [{ name: "http", port: webPort, protocol: "TCP" }],
    }),
    true,
  );
  state.markSynced();
  const cluster = new ClusterDnsHandler(state, {
    nameserverAddress: DNS_IP,
    forwarder: new Forwarder({ upstreams: [{ host: "127.0.0.1", port: upstream.address().port }] }),
  });
  dns = new DnsServer({
    address: DNS_IP,
    port: 0,
    log: () => undefined,
    handler: {
      answer(packet, transport) {
        asked.push(decodeMessage(packet).questions[0]?.name ?? "?");
        return cluster.answer(packet, transport);
      },
    },
  });
  ({ port: dnsPort } = await dns.start());
  cwd = await temporaryDir("busybox-applets");
});

afterAll(async () => {
  await dns?.stop();
  upstream?.close();
  await new Promise((resolve) => web?.close(resolve));
  await rm(cwd, { recursive: true, force: true });
});

beforeEach(() => {
  asked.length = 0;
});

const header = () => `Server:\t\t${DNS_IP}\nAddress:\t${DNS_IP}:${dnsPort}\n\n`;

describe("nslookup", () => {
  it("answers a Service's short name with its ClusterIP, found under the first search domain", async () => {
    expect(await run("nslookup", ["web"])).toEqual({
      code: 0,
      stdout: `${header()}Name:\tweb.default.svc.cluster.local\nAddress: ${WEB_IP}\n\n`,
      stderr: "",
    });
    expect(asked).toEqual(["web.default.svc.cluster.local"]);
  });

  it("walks the search list for web.default (1 dot < ndots 5) before finding it", async () => {
    const { code, stdout } = await run("nslookup", ["web.default"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Name:\tweb.default.svc.cluster.local\n");
    expect(asked).toEqual([
      "web.default.default.svc.cluster.local",
      "web.default.svc.cluster.local",
    ]);
  });

  it("asks an absolute name once, as it is", async () => {
    const { code } = await run("nslookup", ["web.default.svc.cluster.local."]);
    expect(code).toBe(0);
    expect(asked).toEqual(["web.default.svc.cluster.local"]);
  });

  it("exits 1 with NXDOMAIN for a name nobody has, after every search domain and the name itself", async () => {
    expect(await run("nslookup", ["nosuch"])).toEqual({
      code: 1,
      stdout: `${header()}** server can't find nosuch: NXDOMAIN\n\n`,
      stderr: "",
    });
    expect(asked).toEqual([
      "nosuch.default.svc.cluster.local",
      "nosuch.svc.cluster.local",
      "nosuch.cluster.local",
      "nosuch",
    ]);
  });

  it("reads the pod's resolv.conf under $TINYKUBE_ROOT without the variables; a server argument takes a port", async () => {
    const root = join(cwd, "root");
    await writeFile(join(cwd, "resolv.conf"), `search ${SEARCH.join(" ")}\noptions ndots:5\n`);
    await rm(root, { recursive: true, force: true });
    await mkdir(join(root, "etc"), { recursive: true });
    await symlink(join(cwd, "resolv.conf"), join(root, "etc", "resolv.conf"));
    const env = { PATH: process.env.PATH ?? "", TINYKUBE_NODE: process.execPath };
    const { code, stdout } = await run("nslookup", ["web", `${DNS_IP}:${dnsPort}`], {
      ...env,
      TINYKUBE_ROOT: root,
    });
    expect(code).toBe(0);
    expect(stdout).toContain("Name:\tweb.default.svc.cluster.local\n");
  });

  it("says no server could be reached when the server stays silent for timeout × attempts", async () => {
    const silent = createSocket("udp4");
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", resolve));
    try {
      const server = `127.0.0.1:${silent.address().port}`;
      const env = podEnv({ TINYKUBE_DNS_OPTIONS: "ndots:5 timeout:1 attempts:1" });
      expect(await run("nslookup", ["web.", server], env)).toEqual({
        code: 1,
        stdout: ";; connection timed out; no servers could be reached\n\n",
        stderr: "",
      });
    } finally {
      silent.close();
    }
  });
});

describe("wget", () => {
  it("fetches http://web:PORT/ to stdout with -qO-, resolving web like nslookup", async () => {
    expect(await run("wget", ["-qO-", `http://web:${webPort}/`])).toEqual({
      code: 0,
      stdout: `hello from web, Host web:${webPort}\n`,
      stderr: "",
    });
  });

  it("saves to -O FILE and says so on stderr; follows a redirect", async () => {
    const { code, stderr } = await run("wget", ["-O", "page.txt", `web:${webPort}/old`]);
    expect(code).toBe(0);
    expect(stderr).toBe(
      [
        `Connecting to web:${webPort} (${WEB_IP}:${webPort})`,
        "saving to 'page.txt'",
        "'page.txt' saved",
        "",
      ].join("\n"),
    );
    expect(await readFile(join(cwd, "page.txt"), "utf8")).toBe(
      `hello from web, Host web:${webPort}\n`,
    );
  });

  it("uses an IP address as it is, without asking the DNS", async () => {
    const { code, stdout } = await run("wget", ["-q", "-O", "-", `http://${WEB_IP}:${webPort}/`]);
    expect(code).toBe(0);
    expect(stdout).toBe(`hello from web, Host ${WEB_IP}:${webPort}\n`);
    expect(asked).toEqual([]);
  });

  it("exits 1 with busybox's words: a bad address, an HTTP error, a refused connection", async () => {
    expect(await run("wget", ["-qO-", "http://nosuch/"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "wget: bad address 'nosuch'\n",
    });
    expect(await run("wget", ["-qO-", `http://web:${webPort}/missing`])).toMatchObject({
      code: 1,
      stderr: "wget: server returned error: HTTP/1.1 404 Not Found\n",
    });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    expect(await run("wget", ["-qO-", `http://127.0.0.1:${port}/`])).toMatchObject({
      code: 1,
      stderr: "wget: can't connect to remote host (127.0.0.1): Connection refused\n",
    });
  });
});
