import { X509Certificate } from "node:crypto";
import { createSecureContext } from "node:tls";
import { beforeAll, describe, expect, it } from "vitest";
import { FakeClock } from "../util/clock.ts";
import {
  buildCertificateTable,
  CertificateStore,
  coversHost,
  type ParsedCertificate,
  parseTlsSecret,
} from "./certificates.ts";
import { buildRouteTable } from "./route-table.ts";
import { type CertificateAndKey, selfSignedCertificate } from "./self-signed.ts";
import type { Ingress, IngressTLS, Secret } from "./types.ts";

const clock = new FakeClock(Date.parse("2026-03-01T00:00:00Z"));
let web: CertificateAndKey;
let wild: CertificateAndKey;
let other: CertificateAndKey;

beforeAll(async () => {
  [web, wild, other] = await Promise.all([
    selfSignedCertificate({ commonName: "web", dnsNames: ["web.example.com"], clock }),
    selfSignedCertificate({ commonName: "wild", dnsNames: ["*.wild.example.com"], clock }),
    selfSignedCertificate({ commonName: "other", dnsNames: ["other.example.com"], clock }),
  ]);
});

function tlsSecret(name: string, pair: CertificateAndKey, resourceVersion = "1"): Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/tls",
    metadata: { name, namespace: "default", resourceVersion },
    data: {
      "tls.crt": Buffer.from(pair.certPem).toString("base64"),
      "tls.key": Buffer.from(pair.keyPem).toString("base64"),
    },
  };
}

function ingress(name: string, hosts: string[], tls: IngressTLS[], created: string): Ingress {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name, namespace: "default", creationTimestamp: created },
    spec: {
      rules: hosts.map((host) => ({
        host,
        http: {
          paths: [
            {
              path: "/",
              pathType: "Prefix",
              backend: { service: { name: "s", port: { number: 80 } } },
            },
          ],
        },
      })),
      tls,
    },
  };
}

describe("parseTlsSecret", () => {
  it("accepts a kubernetes.io/tls Secret and says what is wrong with others", () => {
    expect("context" in parseTlsSecret(tlsSecret("web-tls", web))).toBe(true);
    const noKey = tlsSecret("no-key", web);
    delete noKey.data?.["tls.key"];
    expect(parseTlsSecret(noKey)).toEqual({ problem: 'Secret "default/no-key" has no tls.key' });
    const mismatched = tlsSecret("mismatch", { certPem: web.certPem, keyPem: other.keyPem });
    expect(parseTlsSecret(mismatched)).toMatchObject({
      problem: expect.stringContaining(
        'Secret "default/mismatch" does not hold a usable certificate',
      ),
    });
    const garbage = tlsSecret("garbage", { certPem: "not a certificate", keyPem: web.keyPem });
    expect("problem" in parseTlsSecret(garbage)).toBe(true);
  });
});

describe("coversHost", () => {
  it("checks precise hosts as a client would, wildcard hosts by the very same SAN", () => {
    const webX = new X509Certificate(web.certPem);
    const wildX = new X509Certificate(wild.certPem);
    expect(coversHost(webX, "web.example.com")).toBe(true);
    expect(coversHost(webX, "other.example.com")).toBe(false);
    expect(coversHost(wildX, "a.wild.example.com")).toBe(true);
    expect(coversHost(wildX, "a.b.wild.example.com")).toBe(false);
    expect(coversHost(wildX, "*.wild.example.com")).toBe(true);
    expect(coversHost(webX, "*.example.com")).toBe(false);
  });
});

describe("buildCertificateTable", () => {
  function build(ingresses: Ingress[], secrets: Secret[]) {
    const lines: string[] = [];
    const store = new CertificateStore((l) => lines.push(l));
    const defaultContext = createSecureContext({ cert: other.certPem, key: other.keyPem });
    const routes = buildRouteTable(ingresses);
    const byKey = new Map(secrets.map((s) => [`default/${s.metadata.name}`, s]));
    const table = buildCertificateTable({
      routes,
      secret: (k) => byKey.get(k),
      store,
      defaultContext,
      clock,
    });
    const contextOf = (secret: Secret) => (store.get(secret) as ParsedCertificate).context;
    return { table, lines, defaultContext, contextOf, store };
  }

  it("SNI picks the Secret listed for the host, precise or wildcard; others get the default", () => {
    const webSecret = tlsSecret("web-tls", web);
    const wildSecret = tlsSecret("wild-tls", wild);
    const { table, defaultContext, contextOf, lines } = build(
      [
        ingress(
          "a",
          ["web.example.com", "*.wild.example.com", "plain.example.com"],
          [
            { hosts: ["web.example.com"], secretName: "web-tls" },
            { hosts: ["*.wild.example.com"], secretName: "wild-tls" },
          ],
          "2026-01-01T00:00:00Z",
        ),
      ],
      [webSecret, wildSecret],
    );
    expect(table.contextFor("web.example.com")).toBe(contextOf(webSecret));
    expect(table.contextFor("WEB.example.com")).toBe(contextOf(webSecret));
    expect(table.contextFor("x.wild.example.com")).toBe(contextOf(wildSecret));
    expect(table.contextFor("x.y.wild.example.com")).toBe(defaultContext);
    expect(table.contextFor("unknown.example.com")).toBe(defaultContext);
    expect(table.contextFor(undefined)).toBe(defaultContext);
    // plain.example.com: the Ingress has TLS, but not for this host, and no certificate covers it.
    expect(table.contextFor("plain.example.com")).toBe(defaultContext);
    expect(lines).toEqual([
      '[ingress] using the default certificate for plain.example.com: Ingress "default/a" has no tls entry for plain.example.com',
    ]);
  });

  it("a host not listed is served by a tls entry whose certificate covers it", () => {
    const webSecret = tlsSecret("web-tls", web);
    const { table, contextOf } = build(
      [ingress("a", ["web.example.com"], [{ secretName: "web-tls" }], "2026-01-01T00:00:00Z")],
      [webSecret],
    );
    expect(table.contextFor("web.example.com")).toBe(contextOf(webSecret));
  });

  it("falls back to the default certificate, saying why: missing Secret, wrong host", () => {
    const { table, defaultContext, lines } = build(
      [
        ingress(
          "a",
          ["web.example.com", "other.example.com"],
          [
            { hosts: ["web.example.com"], secretName: "missing" },
            { hosts: ["other.example.com"], secretName: "web-tls" },
          ],
          "2026-01-01T00:00:00Z",
        ),
      ],
      [tlsSecret("web-tls", web)],
    );
    expect(table.contextFor("web.example.com")).toBe(defaultContext);
    expect(table.contextFor("other.example.com")).toBe(defaultContext);
    expect(lines.sort()).toEqual([
      '[ingress] using the default certificate for other.example.com: the certificate in Secret "default/web-tls" is not valid for other.example.com',
      '[ingress] using the default certificate for web.example.com: Secret "default/missing" not found',
    ]);
  });

  it("the first Ingress with tls for a host decides; later ones do not", () => {
    const webSecret = tlsSecret("web-tls", web);
    const { table, defaultContext } = build(
      [
        ingress(
          "older",
          ["web.example.com"],
          [{ hosts: ["web.example.com"], secretName: "missing" }],
          "2026-01-01T00:00:00Z",
        ),
        ingress(
          "newer",
          ["web.example.com"],
          [{ hosts: ["web.example.com"], secretName: "web-tls" }],
          "2026-01-02T00:00:00Z",
        ),
      ],
      [webSecret],
    );
    expect(table.contextFor("web.example.com")).toBe(defaultContext);
  });

  it("warns once about a certificate near its end, and parses a Secret again only when it changes", async () => {
    const soon = await selfSignedCertificate({
      commonName: "soon",
      dnsNames: ["soon.example.com"],
      validityMs: 24 * 3600 * 1000,
      clock,
    });
    const secret = tlsSecret("soon-tls", soon);
    const ing = ingress(
      "a",
      ["soon.example.com"],
      [{ hosts: ["soon.example.com"], secretName: "soon-tls" }],
      "2026-01-01T00:00:00Z",
    );
    const { store, lines } = build([ing], [secret]);
    const first = store.get(secret);
    expect(store.get(secret)).toBe(first);
    expect(
      store.get({ ...secret, metadata: { ...secret.metadata, resourceVersion: "2" } }),
    ).not.toBe(first);
    expect(lines).toEqual([
      expect.stringMatching(
        /^\[ingress\] the certificate for soon.example.com \(Secret "default\/soon-tls"\) expires on /,
      ),
    ]);
  });
});
