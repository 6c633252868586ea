import { X509Certificate } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import forge from "node-forge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../util/clock.ts";
import {
  type ClusterPki,
  ensureClusterPki,
  issueClientCertificate,
  KUBERNETES_SERVICE_IP,
  PkiError,
  writeFileAtomically,
} from "./pki.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
const dirs: string[] = [];

async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tinykube-pki-test-"));
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("first start", () => {
  let dataDir: string;
  let pki: ClusterPki;

  beforeAll(async () => {
    dataDir = await freshDir();
    pki = await ensureClusterPki(join(dataDir, "data"));
  });

  it("creates the CA and server certificate, in kubeadm's file layout and modes", async () => {
    const data = join(dataDir, "data");
    expect(pki.report).toEqual({ ca: "created", server: "created" });
    expect(await readdir(data)).toEqual(["pki"]); // no staging directory left behind
    expect((await readdir(join(data, "pki"))).sort()).toEqual([
      "apiserver.crt",
      "apiserver.key",
      "ca.crt",
      "ca.key",
    ]);
    const mode = async (path: string) => (await stat(join(data, path))).mode & 0o777;
    expect(await mode("pki")).toBe(0o700);
    expect(await mode("pki/ca.key")).toBe(0o600);
    expect(await mode("pki/apiserver.key")).toBe(0o600);
    expect(await mode("pki/ca.crt")).toBe(0o644);
    expect(await readFile(join(data, "pki/ca.crt"), "utf8")).toBe(pki.ca.certPem);
    expect(pki.ca.keyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
  });

  it("makes a 10-year CA that may sign certificates and nothing else", () => {
    const ca = forge.pki.certificateFromPem(pki.ca.certPem);
    expect(pki.ca.info).toMatchObject({ commonName: "tinykube-ca", isCA: true, extKeyUsage: [] });
    const years = (ca.validity.notAfter.getTime() - Date.now()) / (365 * DAY_MS);
    expect(years).toBeGreaterThan(9.99);
    expect(years).toBeLessThan(10.01);
    expect(ca.getExtension("basicConstraints")).toMatchObject({ cA: true, critical: true });
    expect(ca.getExtension("keyUsage")).toMatchObject({
      critical: true,
      keyCertSign: true,
      cRLSign: true,
      keyEncipherment: false,
    });
    expect(
      new X509Certificate(pki.ca.certPem).verify(new X509Certificate(pki.ca.certPem).publicKey),
    ).toBe(true);
  });

  it("makes a server certificate, signed by the CA, for every name a client uses", () => {
    const server = new X509Certificate(pki.server.certPem);
    const ca = new X509Certificate(pki.ca.certPem);
    expect(server.checkIssued(ca) && server.verify(ca.publicKey)).toBe(true);
    expect(server.subject).toBe("CN=kube-apiserver");
    expect(server.ca).toBe(false);
    expect(server.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]); // serverAuth, only
    for (const ip of ["127.0.0.1", KUBERNETES_SERVICE_IP]) expect(server.checkIP(ip)).toBe(ip);
    for (const name of [
      "localhost",
      "kubernetes",
      "kubernetes.default",
      "kubernetes.default.svc",
      "kubernetes.default.svc.cluster.local",
    ]) {
      expect(server.checkHost(name)).toBe(name);
    }
    expect(server.checkHost("example.com")).toBeUndefined();
    expect(pki.server.info.ipAddresses).toEqual(["127.0.0.1", "127.96.0.1"]);
  });

  it("serves TLS that a client trusting only the cluster CA accepts, and others refuse", async () => {
    const server = await startHttpsServer(pki);
    try {
      const port = server.port;
      expect(await get({ port, ca: pki.ca.certPem })).toBe("hello over TLS");
      // Hostname verification against the DNS names, through SNI.
      expect(await get({ port, ca: pki.ca.certPem, servername: "kubernetes.default.svc" })).toBe(
        "hello over TLS",
      );
      await expect(get({ port, ca: pki.ca.certPem, servername: "example.com" })).rejects.toThrow(
        /Hostname\/IP does not match certificate's altnames/,
      );
      // The system roots do not know our CA; nor does another cluster's.
      await expect(get({ port })).rejects.toThrow(/unable to verify the first certificate/);
      const other = await ensureClusterPki(await freshDir());
      await expect(get({ port, ca: other.ca.certPem })).rejects.toThrow(
        /unable to verify the first certificate/,
      );
    } finally {
      await server.stop();
    }
  });
});

describe("later starts", () => {
  it("reuse the CA and server certificate, byte for byte", async () => {
    const dataDir = await freshDir();
    const first = await ensureClusterPki(dataDir);
    const second = await ensureClusterPki(dataDir, { serverIps: ["0:0:0:0:0:0:0:1"] });
    const third = await ensureClusterPki(dataDir, { serverIps: ["::1"] });
    expect(third.report).toEqual({ ca: "reused", server: "reused" });
    expect(third.ca.certPem).toBe(first.ca.certPem);
    expect(third.server.certPem).toBe(second.server.certPem);
  });

  it("re-issue the server certificate when it does not cover an address or name asked for", async () => {
    const dataDir = await freshDir();
    const first = await ensureClusterPki(dataDir);
    const second = await ensureClusterPki(dataDir, {
      serverIps: ["127.1.0.7"],
      serverNames: ["api.tinykube.test"],
    });
    expect(second.report).toEqual({
      ca: "reused",
      server: "reissued",
      reason: "it does not cover 127.1.0.7, api.tinykube.test",
    });
    expect(second.ca.certPem).toBe(first.ca.certPem);
    const cert = new X509Certificate(second.server.certPem);
    expect(cert.checkIP("127.1.0.7")).toBe("127.1.0.7");
    expect(cert.checkHost("api.tinykube.test")).toBe("api.tinykube.test");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(await readFile(join(dataDir, "pki/apiserver.crt"), "utf8")).toBe(second.server.certPem);
  });

  it("re-issue a server certificate that another CA signed, or whose key does not match", async () => {
    const dataDir = await freshDir();
    const other = await ensureClusterPki(await freshDir());
    await ensureClusterPki(dataDir);
    await writeFile(join(dataDir, "pki/apiserver.crt"), other.server.certPem);
    await writeFile(join(dataDir, "pki/apiserver.key"), other.server.keyPem);
    expect((await ensureClusterPki(dataDir)).report).toEqual({
      ca: "reused",
      server: "reissued",
      reason: "it is not signed by the CA in ca.crt",
    });

    await writeFile(join(dataDir, "pki/apiserver.key"), other.server.keyPem);
    expect((await ensureClusterPki(dataDir)).report.reason).toBe(
      "apiserver.key is not the key of apiserver.crt",
    );
    await rm(join(dataDir, "pki/apiserver.key"));
    expect((await ensureClusterPki(dataDir)).report).toEqual({ ca: "reused", server: "created" });
  });

  it("renew a server certificate within 30 days of its expiry, and only then", async () => {
    const clock = new FakeClock();
    const dataDir = await freshDir();
    const first = await ensureClusterPki(dataDir, { clock });
    clock.advance(330 * DAY_MS);
    expect((await ensureClusterPki(dataDir, { clock })).report.server).toBe("reused");
    clock.advance(10 * DAY_MS);
    const renewed = await ensureClusterPki(dataDir, { clock });
    expect(renewed.report).toMatchObject({
      server: "reissued",
      reason: expect.stringMatching(/^it expires on 20/),
    });
    expect(renewed.server.info.notAfter.getTime()).toBeGreaterThan(
      first.server.info.notAfter.getTime(),
    );
  });

  it("refuse an expired CA, and a CA without its key, naming the files", async () => {
    const clock = new FakeClock();
    const dataDir = await freshDir();
    await ensureClusterPki(dataDir, { clock });
    clock.advance(11 * 365 * DAY_MS);
    await expect(ensureClusterPki(dataDir, { clock })).rejects.toThrow(
      new RegExp(`the CA certificate ${join(dataDir, "pki/ca.crt")} expired on .*: delete`),
    );

    const other = await freshDir();
    await ensureClusterPki(other);
    await rm(join(other, "pki/ca.key"));
    const error = await ensureClusterPki(other).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PkiError);
    expect((error as Error).message).toBe(
      `${join(other, "pki/ca.crt")} exists but ${join(other, "pki/ca.key")} does not: restore it, or delete ${join(other, "pki")} to create a new cluster CA (every kubeconfig must then be re-issued)`,
    );
  });

  it("refuse a CA whose key is another key", async () => {
    const dataDir = await freshDir();
    const other = await ensureClusterPki(await freshDir());
    await ensureClusterPki(dataDir);
    await writeFile(join(dataDir, "pki/ca.key"), other.ca.keyPem);
    await expect(ensureClusterPki(dataDir)).rejects.toThrow(
      `cannot use the CA in ${join(dataDir, "pki/ca.crt")}: ${join(dataDir, "pki/ca.key")} is not the key of this certificate`,
    );
  });
});

describe("options", () => {
  it.each([
    [{ serverIps: ["127.0.0.300"] }, 'serverIps: "127.0.0.300" is not an IP address'],
    [
      { serverNames: ["10.0.0.1"] },
      'serverNames: "10.0.0.1" is an IP address; pass it in serverIps',
    ],
    [{ serverNames: ["Bad_Name"] }, 'serverNames: "Bad_Name" is not a valid DNS name'],
  ])("%j is refused before anything is written", async (options, message) => {
    const dataDir = await freshDir();
    await expect(ensureClusterPki(join(dataDir, "data"), options)).rejects.toThrow(message);
    expect(await readdir(dataDir)).toEqual([]);
  });
});

describe("issueClientCertificate", () => {
  it("makes a clientAuth certificate with CN = user and one O per group, signed by the CA", async () => {
    const pki = await ensureClusterPki(await freshDir());
    const client = await issueClientCertificate(pki, {
      user: "system:kube-scheduler",
      groups: ["team_a", "tinykube:ops"],
    });
    const cert = new X509Certificate(client.certPem);
    const ca = new X509Certificate(pki.ca.certPem);
    expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subject).toBe("O=team_a\nO=tinykube:ops\nCN=system:kube-scheduler");
    expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]); // clientAuth, only
    expect(client.info).toMatchObject({
      commonName: "system:kube-scheduler",
      organizations: ["team_a", "tinykube:ops"],
      issuerCommonName: "tinykube-ca",
      isCA: false,
    });
    const accented = await issueClientCertificate(pki, { user: "zoë", groups: ["équipe"] });
    expect(new X509Certificate(accented.certPem).subject).toBe("O=équipe\nCN=zoë");
    expect(accented.info).toMatchObject({ commonName: "zoë", organizations: ["équipe"] });
    await expect(issueClientCertificate(pki, { user: "" })).rejects.toThrow(
      "a client certificate needs a user (its CN)",
    );
  });
});

describe("writeFileAtomically", () => {
  it("replaces the file whole, with the mode asked for, leaving no temporary file", async () => {
    const dir = await freshDir();
    const path = join(dir, "secret");
    await writeFile(path, "old", { mode: 0o644 });
    await writeFileAtomically(path, "new", 0o600);
    expect(await readFile(path, "utf8")).toBe("new");
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(["secret"]);
    await expect(writeFileAtomically(join(dir, "missing/secret"), "x")).rejects.toThrow(/ENOENT/);
    expect(await readdir(dir)).toEqual(["secret"]);
  });
});

// --- helpers -------------------------------------------------------------------------------

async function startHttpsServer(pki: ClusterPki): Promise<{ port: number; stop(): Promise<void> }> {
  const server: Server = createServer(
    { key: pki.server.keyPem, cert: pki.server.certPem },
    (_req, res) => res.end("hello over TLS"),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function get(options: { port: number; ca?: string; servername?: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: options.port,
        path: "/",
        ca: options.ca,
        servername: options.servername,
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve(body));
      },
    );
    req.on("error", reject);
    req.end();
  });
}
