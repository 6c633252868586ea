/**
 * Self-signed serving certificates: the controller's default certificate, served to TLS clients
 * whose host has no certificate of its own — ingress-nginx's "Kubernetes Ingress Controller Fake
 * Certificate" (internal/net/ssl/ssl.go, GetFakeSSLCert): RSA 2048, subject O=Acme Co and that
 * CN, DNS name ingress.local, valid for 365 days, key usage digitalSignature and
 * keyEncipherment, extended key usage serverAuth, not a CA. Browsers and curl refuse it unless
 * told to trust it; its job is to let the handshake finish so the client learns something is
 * misconfigured.
 *
 * Keys come from Node's crypto (OpenSSL, on the thread pool); node-forge builds and signs the
 * certificate, as core/src/apiserver/pki.ts does for the cluster's certificates.
 */
import { generateKeyPair, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import forge from "node-forge";
import { type Clock, realClock } from "../util/clock.ts";

export const FAKE_CERTIFICATE_SUBJECT = {
  commonName: "Kubernetes Ingress Controller Fake Certificate",
  organizations: ["Acme Co"],
} as const;
/** GetFakeSSLCert: "This certificate is valid for 365 days". */
const FAKE_VALIDITY_MS = 365 * 24 * 60 * 60 * 1000;
const RSA_BITS = 2048;

export interface CertificateAndKey {
  certPem: string;
  keyPem: string;
}

export interface SelfSignedOptions {
  commonName: string;
  organizations?: readonly string[];
  dnsNames?: readonly string[];
  validityMs?: number;
  clock?: Clock;
}

const generateKeyPairAsync = promisify(generateKeyPair);

export async function selfSignedCertificate(
  options: SelfSignedOptions,
): Promise<CertificateAndKey> {
  const { publicKey, privateKey } = await generateKeyPairAsync("rsa", {
    modulusLength: RSA_BITS,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  const now = (options.clock ?? realClock).now();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = positiveSerial();
  cert.validity.notBefore = new Date(now);
  cert.validity.notAfter = new Date(now + (options.validityMs ?? FAKE_VALIDITY_MS));
  const subject = [
    ...(options.organizations ?? []).map((value) => ({ shortName: "O", value })),
    { shortName: "CN", value: options.commonName },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", critical: true, digitalSignature: true, keyEncipherment: true },
    { name: "extKeyUsage", serverAuth: true },
    ...(options.dnsNames && options.dnsNames.length > 0
      ? [
          {
            name: "subjectAltName",
            altNames: options.dnsNames.map((value) => ({ type: 2, value })),
          },
        ]
      : []),
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: privateKey };
}

/** The default certificate: ingress-nginx's fake one, made fresh at every start. */
export function fakeCertificate(clock?: Clock): Promise<CertificateAndKey> {
  return selfSignedCertificate({
    ...FAKE_CERTIFICATE_SUBJECT,
    dnsNames: ["ingress.local"],
    clock,
  });
}

/** 128 random bits as a positive DER integer (GetFakeSSLCert: rand.Int below 2^128). */
function positiveSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f || 0x01;
  return bytes.toString("hex");
}
