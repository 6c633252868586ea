import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runKubectl } from "../testing/kubectl.ts";
import {
  authenticate,
  authnRequestFrom,
  parseTokenFile,
  StaticTokenAuthenticator,
  type UserInfo,
} from "./authn.ts";
import {
  buildKubeconfig,
  kubeconfigToYaml,
  resolveKubeconfig,
  writeKubeconfigAtomically,
} from "./kubeconfig.ts";
import { type ClusterPki, ensureClusterPki, issueClientCertificate } from "./pki.ts";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tinykube-kubeconfig-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("buildKubeconfig", () => {
  it("writes one cluster, user and context, as kubectl lays out YAML", () => {
    const config = buildKubeconfig({
      server: "https://127.0.0.1:6443",
      caCertPem: CA,
      userName: "admin",
      credentials: { token: "s3cret" },
    });
    expect(kubeconfigToYaml(config)).toBe(
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: tinykube",
        "  cluster:",
        `    certificate-authority-data: ${Buffer.from(CA).toString("base64")}`,
        "    server: https://127.0.0.1:6443",
        "contexts:",
        "- name: tinykube",
        "  context:",
        "    cluster: tinykube",
        "    namespace: default",
        "    user: admin",
        "current-context: tinykube",
        "preferences: {}",
        "users:",
        "- name: admin",
        "  user:",
        "    token: s3cret",
        "",
      ].join("\n"),
    );
  });

  it("embeds a client certificate and key as base64 data", () => {
    const config = buildKubeconfig({
      server: "https://127.0.0.1:6443",
      caCertPem: CA,
      userName: "system:kube-scheduler",
      credentials: { clientCertificatePem: "CERT\n", clientKeyPem: "KEY\n" },
      namespace: "kube-system",
    });
    expect(config.users).toEqual([
      {
        name: "system:kube-scheduler",
        user: { "client-certificate-data": "Q0VSVAo=", "client-key-data": "S0VZCg==" },
      },
    ]);
    expect(resolveKubeconfig(kubeconfigToYaml(config))).toEqual({
      server: "https://127.0.0.1:6443",
      caCertPem: CA,
      namespace: "kube-system",
      clientCertificatePem: "CERT\n",
      clientKeyPem: "KEY\n",
    });
  });

  it("refuses a plain http server: kubectl would not send the credentials", () => {
    expect(() =>
      buildKubeconfig({
        server: "http://127.0.0.1:8080",
        caCertPem: CA,
        userName: "admin",
        credentials: { token: "t" },
      }),
    ).toThrow(
      'kubeconfig server must be an https:// URL (kubectl never sends credentials over http), got "http://127.0.0.1:8080"',
    );
  });
});

describe("resolveKubeconfig", () => {
  it.each([
    ["apiVersion: v1\n", "kubeconfig has no current-context"],
    ["current-context: x\ncontexts: []\n", 'kubeconfig: context "x" not found'],
    [
      "current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nclusters: []\n",
      'kubeconfig: cluster "c" not found or has no server',
    ],
    [
      "current-context: x\ncontexts: [{name: x, context: {cluster: c, user: u}}]\nclusters: [{name: c, cluster: {server: 'https://a', certificate-authority: /ca.crt}}]\n",
      "kubeconfig: file references and exec plugins are not supported (certificate-authority); embed the data",
    ],
  ])("explains what is wrong with %j", (text, message) => {
    expect(() => resolveKubeconfig(text)).toThrow(message);
  });
});

describe("writeKubeconfigAtomically", () => {
  it("writes mode 0600 through a temporary file, and replaces an older kubeconfig whole", async () => {
    const path = join(dir, "atomic", "kubeconfig");
    const config = (token: string) =>
      buildKubeconfig({
        server: "https://127.0.0.1:6443",
        caCertPem: CA,
        userName: "admin",
        credentials: { token },
      });
    await writeKubeconfigAtomically(path, config("one"));
    await writeFile(path, await readFile(path), { mode: 0o644 });
    await writeKubeconfigAtomically(path, config("two"));
    expect(resolveKubeconfig(await readFile(path, "utf8")).token).toBe("two");
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, "atomic"))).toEqual(["kubeconfig"]);
  });
});

describe("real kubectl with a written kubeconfig", () => {
  const version = {
    major: "1",
    minor: "32",
    gitVersion: "v1.32.0-tinykube-test",
    platform: "linux/amd64",
  };
  let pki: ClusterPki;
  let server: VersionServer;
  const tokens = new StaticTokenAuthenticator(
    parseTokenFile("admin-token,admin,u1,system:masters\n").records,
  );

  beforeAll(async () => {
    pki = await ensureClusterPki(join(dir, "data"));
    server = await startVersionServer(pki, tokens, version);
  });
  afterAll(async () => {
    await server.stop();
  });

  const write = async (name: string, options: Parameters<typeof buildKubeconfig>[0]) => {
    const path = join(dir, name);
    await writeKubeconfigAtomically(path, buildKubeconfig(options));
    return path;
  };

  it("authenticates with a bearer token", async () => {
    const kubeconfig = await write("token.kubeconfig", {
      server: `https://127.0.0.1:${server.port}`,
      caCertPem: pki.ca.certPem,
      userName: "admin",
      credentials: { token: "admin-token" },
    });
    const result = await runKubectl(["get", "--raw", "/version"], { kubeconfig });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual(version);
    expect(server.lastUser()).toEqual({
      username: "admin",
      uid: "u1",
      groups: ["system:masters", "system:authenticated"],
    });
  });

  it("authenticates with a client certificate", async () => {
    const client = await issueClientCertificate(pki, { user: "jane", groups: ["team-a"] });
    const kubeconfig = await write("cert.kubeconfig", {
      server: `https://127.0.0.1:${server.port}`,
      caCertPem: pki.ca.certPem,
      userName: "jane",
      credentials: { clientCertificatePem: client.certPem, clientKeyPem: client.keyPem },
    });
    const result = await runKubectl(["get", "--raw", "/version"], { kubeconfig });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual(version);
    expect(server.lastUser()).toMatchObject({
      username: "jane",
      groups: ["team-a", "system:authenticated"],
    });
  });

  it("is refused with a wrong token, and refuses a server its CA did not sign", async () => {
    const wrongToken = await write("wrong-token.kubeconfig", {
      server: `https://127.0.0.1:${server.port}`,
      caCertPem: pki.ca.certPem,
      userName: "admin",
      credentials: { token: "guess" },
    });
    const refused = await runKubectl(["get", "--raw", "/version"], { kubeconfig: wrongToken });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("Unauthorized");

    const otherCa = await ensureClusterPki(join(dir, "other"));
    const untrusted = await write("other-ca.kubeconfig", {
      server: `https://127.0.0.1:${server.port}`,
      caCertPem: otherCa.ca.certPem,
      userName: "admin",
      credentials: { token: "admin-token" },
    });
    const result = await runKubectl(["get", "--raw", "/version"], { kubeconfig: untrusted });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("x509: certificate signed by unknown authority");
  });
});

// --- helpers -------------------------------------------------------------------------------

interface VersionServer {
  port: number;
  lastUser(): UserInfo | undefined;
  stop(): Promise<void>;
}

/**
 * Answers GET /version for an authenticated caller, and 401 with a metav1.Status otherwise, as
 * kube-apiserver does for a failed authentication.
 */
async function startVersionServer(
  pki: ClusterPki,
  tokens: StaticTokenAuthenticator,
  version: object,
): Promise<VersionServer> {
  let last: UserInfo | undefined;
  const server: Server = createServer(
    {
      key: pki.server.keyPem,
      cert: pki.server.certPem,
      ca: pki.ca.certPem,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const result = authenticate(authnRequestFrom(req), { tokens });
      res.setHeader("content-type", "application/json");
      if ("error" in result || "anonymous" in result) {
        res.statusCode = 401;
        res.end(
          JSON.stringify({
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Failure",
            message: "Unauthorized",
            reason: "Unauthorized",
            code: 401,
          }),
        );
        return;
      }
      last = result.user;
      if (req.url !== "/version") {
        res.statusCode = 404;
        res.end("{}");
        return;
      }
      res.end(JSON.stringify(version));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    lastUser: () => last,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
