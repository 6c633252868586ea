import { createPrivateKey, X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../util/clock.ts";
import { fakeCertificate, selfSignedCertificate } from "./self-signed.ts";

const clock = new FakeClock(Date.parse("2026-03-01T00:00:00Z"));

describe("self-signed certificates", () => {
  it("the fake one is ingress-nginx's: O=Acme Co, CN=Kubernetes Ingress Controller Fake Certificate, 365 days", async () => {
    const fake = await fakeCertificate(clock);
    const x509 = new X509Certificate(fake.certPem);
    expect(x509.subject).toBe("O=Acme Co\nCN=Kubernetes Ingress Controller Fake Certificate");
    expect(x509.issuer).toBe(x509.subject);
    expect(x509.subjectAltName).toBe("DNS:ingress.local");
    expect(x509.validFrom).toBe("Mar  1 00:00:00 2026 GMT");
    expect(Date.parse(x509.validTo) - Date.parse(x509.validFrom)).toBe(365 * 24 * 3600 * 1000);
    expect(x509.ca).toBe(false);
    expect(x509.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]); // serverAuth
    expect(x509.checkPrivateKey(createPrivateKey(fake.keyPem))).toBe(true);
    expect(x509.verify(x509.publicKey)).toBe(true);
  });

  it("covers the DNS names asked for", async () => {
    const cert = await selfSignedCertificate({
      commonName: "web",
      dnsNames: ["web.example.com", "*.web.example.com"],
      clock,
    });
    const x509 = new X509Certificate(cert.certPem);
    expect(x509.checkHost("web.example.com")).toBe("web.example.com");
    expect(x509.checkHost("a.web.example.com")).toBe("*.web.example.com"); // the name that matched
    expect(x509.checkHost("other.example.com")).toBeUndefined();
  });
});
