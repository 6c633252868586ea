import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AuthnConfig,
  type AuthnRequest,
  type AuthnResult,
  authenticate,
  authnRequestFrom,
  defaultTokenUsers,
  ensureTokenFile,
  formatTokenRecord,
  isAnonymousAllowed,
  parseTokenFile,
  StaticTokenAuthenticator,
  TokenFileError,
} from "./authn.ts";
import { type ClusterPki, ensureClusterPki, issueClientCertificate } from "./pki.ts";

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tinykube-authn-test-"));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("parseTokenFile", () => {
  it("reads Kubernetes' token file format", () => {
    const text = [
      "t1,admin,uid-1,system:masters",
      'secret-2,system:node:node-1,uid-2,"system:nodes,team-a"',
      "",
      "t3,system:kube-scheduler,uid-3",
      't4,"alice, with a comma",uid-4,"",ignored,columns\r',
      't5,"say ""hi""",uid-5,"multi',
      'line"',
    ].join("\n");
    const { records, warnings } = parseTokenFile(text);
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      {
        token: "t1",
        user: { username: "admin", uid: "uid-1", groups: ["system:masters"] },
        line: 1,
      },
      {
        token: "secret-2",
        user: { username: "system:node:node-1", uid: "uid-2", groups: ["system:nodes", "team-a"] },
        line: 2,
      },
      {
        token: "t3",
        user: { username: "system:kube-scheduler", uid: "uid-3", groups: [] },
        line: 4,
      },
      { token: "t4", user: { username: "alice, with a comma", uid: "uid-4", groups: [] }, line: 5 },
      {
        token: "t5",
        user: { username: 'say "hi"', uid: "uid-5", groups: ["multi\nline"] },
        line: 6,
      },
    ]);
  });

  it("warns, as Kubernetes does, about empty and duplicate tokens; the last duplicate wins", () => {
    const { records, warnings } = parseTokenFile("t1,alice,1\n,bob,2\nt1,carol,3\n", "x.csv");
    expect(records.map((r) => r.user.username)).toEqual(["carol"]);
    expect(warnings).toEqual([
      "empty token has been found in token file 'x.csv', line 2",
      "duplicate token has been found in token file 'x.csv', line 3",
    ]);
  });

  it.each([
    [
      "t1,admin,1\n# a comment\n",
      2,
      'must have at least 3 columns (token, user name, user uid), found 1: ["# a comment"]',
    ],
    [
      "t1,admin\n",
      1,
      'must have at least 3 columns (token, user name, user uid), found 2: ["t1","admin"]',
    ],
    ["t1,,uid\n", 1, "the user name (column 2) is empty"],
    ['t1,ad"min,1\n', 1, 'bare " in non-quoted-field (column 6)'],
    ['t1,"admin"x,1\n', 1, 'extraneous or missing " in quoted-field (column 4)'],
    [
      't1,admin,1\nt2,bob,2,"unterminated\n',
      2,
      'extraneous or missing " in quoted-field (column 10)',
    ],
  ])("refuses %j at line %i: %s", (text, line, detail) => {
    const error = (() => {
      try {
        parseTokenFile(text, "tokens.csv");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TokenFileError);
    expect(error).toMatchObject({ line, detail });
    expect((error as Error).message).toBe(`token file 'tokens.csv' line ${line}: ${detail}`);
  });

  it("reads back what formatTokenRecord writes, whatever the characters", () => {
    // Without "\r": Go's reader (and ours) turns "\r\n" into "\n", even inside quotes.
    const text = fc.string({ minLength: 1, unit: "binary" }).filter((s) => !s.includes("\r"));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(text, text, fc.string(), fc.array(text.filter((g) => !g.includes(","))))),
        (rows) => {
          const unique = [...new Map(rows.map((r) => [r[0], r])).values()];
          const file = unique
            .map(([token, username, uid, groups]) =>
              formatTokenRecord(token, { username, uid, groups }),
            )
            .join("\n");
          const parsed = parseTokenFile(file).records.map((r) => [
            r.token,
            r.user.username,
            r.user.uid,
            r.user.groups,
          ]);
          expect(parsed).toEqual(unique);
        },
      ),
    );
  });
});

describe("ensureTokenFile", () => {
  it("gives every default user a fresh token on first start, in a 0600 file", async () => {
    const dataDir = await freshDir();
    const file = await ensureTokenFile(dataDir, defaultTokenUsers({ nodes: ["node-1"] }));
    expect(file.path).toBe(join(dataDir, "tokens.csv"));
    expect((await stat(file.path)).mode & 0o777).toBe(0o600);
    expect(file.created).toEqual([
      "admin",
      "system:kube-controller-manager",
      "system:kube-scheduler",
      "system:kube-proxy",
      "system:serviceaccount:kube-system:coredns",
      "system:serviceaccount:kube-system:ingress-controller",
      "system:node:node-1",
    ]);
    const { records } = parseTokenFile(await readFile(file.path, "utf8"));
    expect(records.map((r) => [r.user.username, r.user.groups])).toEqual([
      ["admin", ["system:masters"]],
      ["system:kube-controller-manager", []],
      ["system:kube-scheduler", []],
      ["system:kube-proxy", []],
      [
        "system:serviceaccount:kube-system:coredns",
        ["system:serviceaccounts", "system:serviceaccounts:kube-system"],
      ],
      [
        "system:serviceaccount:kube-system:ingress-controller",
        ["system:serviceaccounts", "system:serviceaccounts:kube-system"],
      ],
      ["system:node:node-1", ["system:nodes"]],
    ]);
    for (const r of records) {
      expect(r.token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes, base64url
      expect(r.user.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(file.tokenFor(r.user.username)).toBe(r.token);
    }
    expect(new Set(records.map((r) => r.token)).size).toBe(records.length);
    expect(file.tokens.authenticateToken(file.tokenFor("admin") ?? "")).toMatchObject({
      username: "admin",
    });
  });

  it("keeps existing tokens and lines on later starts, adding only new users", async () => {
    const dataDir = await freshDir();
    const path = join(dataDir, "tokens.csv");
    const handMade = "hand-made,admin,u1,system:masters"; // no final newline
    await writeFile(path, handMade);
    const first = await ensureTokenFile(dataDir, [
      { username: "admin", groups: ["system:masters"] },
    ]);
    expect(first.created).toEqual([]);
    expect(first.tokenFor("admin")).toBe("hand-made");
    expect(await readFile(path, "utf8")).toBe(handMade);

    const second = await ensureTokenFile(dataDir, defaultTokenUsers({ nodes: ["node-2"] }));
    expect(second.created).toEqual([
      "system:kube-controller-manager",
      "system:kube-scheduler",
      "system:kube-proxy",
      "system:serviceaccount:kube-system:coredns",
      "system:serviceaccount:kube-system:ingress-controller",
      "system:node:node-2",
    ]);
    const after = await readFile(path, "utf8");
    expect(after.startsWith(`${handMade}\n`)).toBe(true);
    expect(second.tokenFor("admin")).toBe("hand-made");
    const third = await ensureTokenFile(dataDir, defaultTokenUsers({ nodes: ["node-2"] }));
    expect(third.created).toEqual([]);
    expect(await readFile(path, "utf8")).toBe(after);
  });

  it("refuses a broken file and leaves it as it was", async () => {
    const dataDir = await freshDir();
    const path = join(dataDir, "tokens.csv");
    await writeFile(path, "t1,admin\n");
    await expect(ensureTokenFile(dataDir)).rejects.toThrow(
      `token file '${path}' line 1: must have at least 3 columns`,
    );
    expect(await readFile(path, "utf8")).toBe("t1,admin\n");
  });
});

describe("StaticTokenAuthenticator", () => {
  it("knows exactly the tokens in the file: no prefix, no extension, no case folding", () => {
    const tokens = new StaticTokenAuthenticator(parseTokenFile("abcdef,alice,1\n").records);
    expect(tokens.authenticateToken("abcdef")?.username).toBe("alice");
    for (const wrong of ["abcde", "abcdefg", "ABCDEF", ""]) {
      expect(tokens.authenticateToken(wrong)).toBeUndefined();
    }
  });
});

describe("authenticate", () => {
  const tokens = new StaticTokenAuthenticator(
    parseTokenFile("admin-token,admin,u1,system:masters\nsched-token,system:kube-scheduler,u2\n")
      .records,
  );
  const config: AuthnConfig = { tokens };
  const anonymous: AuthnResult = {
    anonymous: true,
    user: { username: "system:anonymous", groups: ["system:unauthenticated"] },
  };
  const verified = (subject: { CN?: string | string[]; O?: string | string[] }): AuthnRequest => ({
    peerCertificate: { subject, serialNumber: "0A", fingerprint256: "AB:CD" },
    authorized: true,
  });

  it.each<[string, AuthnRequest, AuthnResult]>([
    ["no credentials", {}, anonymous],
    [
      "no certificate ({} from getPeerCertificate)",
      { peerCertificate: {}, authorized: false },
      anonymous,
    ],
    [
      "a known bearer token",
      { authorization: "Bearer admin-token" },
      {
        via: "token",
        user: { username: "admin", uid: "u1", groups: ["system:masters", "system:authenticated"] },
      },
    ],
    [
      "the scheme in any case, extra words ignored",
      { authorization: "  bearer sched-token trailing " },
      {
        via: "token",
        user: { username: "system:kube-scheduler", uid: "u2", groups: ["system:authenticated"] },
      },
    ],
    [
      "an unknown bearer token",
      { authorization: "Bearer nope" },
      { error: "invalid bearer token" },
    ],
    ["basic auth: not a bearer token", { authorization: "Basic YWRtaW46YWRtaW4=" }, anonymous],
    ["'Bearer' with nothing after it", { authorization: "Bearer " }, anonymous],
    ["two spaces before the token", { authorization: "Bearer  admin-token" }, anonymous],
    [
      "a verified client certificate",
      verified({ CN: "alice", O: ["devs", "ops"] }),
      {
        via: "x509",
        user: {
          username: "alice",
          groups: ["devs", "ops", "system:authenticated"],
          extra: { "authentication.kubernetes.io/credential-id": ["X509SHA256=abcd"] },
        },
      },
    ],
    [
      "a certificate already in system:authenticated gets it once",
      verified({ CN: "bob", O: "system:authenticated" }),
      {
        via: "x509",
        user: {
          username: "bob",
          groups: ["system:authenticated"],
          extra: { "authentication.kubernetes.io/credential-id": ["X509SHA256=abcd"] },
        },
      },
    ],
    [
      "a certificate the TLS layer did not verify",
      {
        peerCertificate: { subject: { CN: "mallory" }, serialNumber: "FF" },
        authorized: false,
        authorizationError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      },
      {
        error: "verifying certificate SN=255 failed: x509: certificate signed by unknown authority",
      },
    ],
    [
      "an unverified certificate, but a good token",
      {
        peerCertificate: { subject: { CN: "mallory" }, serialNumber: "FF" },
        authorized: false,
        authorizationError: "CERT_HAS_EXPIRED",
        authorization: "Bearer sched-token",
      },
      {
        via: "token",
        user: { username: "system:kube-scheduler", uid: "u2", groups: ["system:authenticated"] },
      },
    ],
    [
      "an unverified certificate and a bad token: both errors",
      {
        peerCertificate: { subject: { CN: "mallory" }, serialNumber: "10" },
        authorized: false,
        authorizationError: "CERT_HAS_EXPIRED",
        authorization: "Bearer nope",
      },
      {
        error:
          "[verifying certificate SN=16 failed: x509: certificate has expired or is not yet valid, invalid bearer token]",
      },
    ],
    [
      "a verified certificate without CN: the token decides",
      { ...verified({ O: "devs" }), authorization: "Bearer admin-token" },
      {
        via: "token",
        user: { username: "admin", uid: "u1", groups: ["system:masters", "system:authenticated"] },
      },
    ],
    [
      "a verified certificate that is not for client auth",
      {
        peerCertificate: {
          subject: { CN: "kube-apiserver" },
          serialNumber: "01",
          ext_key_usage: ["1.3.6.1.5.5.7.3.1"],
        },
        authorized: true,
      },
      {
        error:
          "verifying certificate SN=1 failed: x509: certificate specifies an incompatible key usage",
      },
    ],
  ])("%s", (_name, request, expected) => {
    expect(authenticate(request, config)).toEqual(expected);
  });

  it("refuses requests without credentials when anonymous auth is off", () => {
    expect(authenticate({}, { tokens, anonymous: false })).toEqual({
      error: "no credentials: anonymous requests are disabled",
    });
  });
});

describe("isAnonymousAllowed", () => {
  it.each([
    ["/healthz", true],
    ["/livez", true],
    ["/readyz", true],
    ["/readyz?verbose", true],
    ["/livez?verbose&exclude=etcd", true],
    ["/readyz/etcd", true],
    ["/livez/poststarthook/start-kube-apiserver-admission-initializer", true],
    ["/healthz/ping?verbose", true],
    ["/version", true],
    ["/version/", true],
    ["/version?timeout=5s", true],
    ["/", false],
    ["", false],
    ["/api", false],
    ["/api/v1/namespaces/default/secrets", false],
    ["/apis", false],
    ["/openapi/v3", false],
    ["/metrics", false],
    ["/healthz/", false],
    ["/healthzz", false],
    ["/healthz/../api/v1/secrets", false],
    ["/healthz/./x", false],
    ["/healthz//x", false],
    ["/healthz/%2e%2e/api", false],
    ["/version/x", false],
    ["//healthz", false],
  ])("%s → %s", (path, allowed) => {
    expect(isAnonymousAllowed(path)).toBe(allowed);
  });
});

describe("through a real TLS handshake", () => {
  let pki: ClusterPki;
  let server: { port: number; stop(): Promise<void> };

  beforeAll(async () => {
    pki = await ensureClusterPki(await freshDir());
    server = await startAuthnServer(pki, { tokens });
  });
  afterAll(async () => {
    await server.stop();
  });
  const tokens = new StaticTokenAuthenticator(
    parseTokenFile("admin-token,admin,u1,system:masters\n").records,
  );

  it("a certificate signed by the cluster CA: CN is the user, each O a group", async () => {
    const client = await issueClientCertificate(pki, {
      user: "jane",
      groups: ["system:masters", "team-a"],
    });
    const result = await whoami(server.port, pki, { cert: client.certPem, key: client.keyPem });
    const sha = new X509Certificate(client.certPem).fingerprint256
      .replaceAll(":", "")
      .toLowerCase();
    expect(result).toEqual({
      via: "x509",
      user: {
        username: "jane",
        groups: ["system:masters", "team-a", "system:authenticated"],
        extra: { "authentication.kubernetes.io/credential-id": [`X509SHA256=${sha}`] },
      },
    });
  });

  it("a certificate signed by another CA is an error, not a user and not anonymous", async () => {
    const other = await ensureClusterPki(await freshDir());
    const client = await issueClientCertificate(other, {
      user: "admin",
      groups: ["system:masters"],
    });
    const result = await whoami(server.port, pki, { cert: client.certPem, key: client.keyPem });
    const serial = BigInt(`0x${client.info.serialNumber}`).toString();
    expect(result).toEqual({
      error: `verifying certificate SN=${serial} failed: x509: certificate signed by unknown authority`,
    });
  });

  it("a serving certificate presented as a client certificate is refused", async () => {
    const result = await whoami(server.port, pki, {
      cert: pki.server.certPem,
      key: pki.server.keyPem,
    });
    expect(result).toMatchObject({
      error: expect.stringMatching(/x509: certificate specifies an incompatible key usage$/),
    });
  });

  it("a bearer token over TLS; nothing at all is anonymous", async () => {
    expect(await whoami(server.port, pki, { authorization: "Bearer admin-token" })).toMatchObject({
      via: "token",
      user: { username: "admin" },
    });
    expect(await whoami(server.port, pki, {})).toEqual({
      anonymous: true,
      user: { username: "system:anonymous", groups: ["system:unauthenticated"] },
    });
  });
});

// --- helpers -------------------------------------------------------------------------------

/** An HTTPS server that asks for client certificates and answers with what authenticate() says. */
async function startAuthnServer(
  pki: ClusterPki,
  config: AuthnConfig,
): Promise<{ port: number; stop(): Promise<void> }> {
  const server: Server = createServer(
    {
      key: pki.server.keyPem,
      cert: pki.server.certPem,
      ca: pki.ca.certPem,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(authenticate(authnRequestFrom(req), config)));
    },
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

function whoami(
  port: number,
  pki: ClusterPki,
  options: { cert?: string; key?: string; authorization?: string },
): Promise<AuthnResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/whoami",
        ca: pki.ca.certPem,
        cert: options.cert,
        key: options.key,
        headers: options.authorization ? { authorization: options.authorization } : {},
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve(JSON.parse(body) as AuthnResult));
      },
    );
    req.on("error", reject);
    req.end();
  });
}
