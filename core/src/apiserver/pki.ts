/**
 * The cluster's public-key infrastructure, laid out as kubeadm lays out /etc/kubernetes/pki: one
 * certificate authority that every component trusts, a serving certificate for the API server,
 * and client certificates whose subject is an identity (CN = user name, O = each group).
 *
 * Guarantees:
 * - The first start creates `<dataDir>/pki/` in one step: the four files are written into a fresh
 *   temporary directory that is then renamed into place, so a crash never leaves half a CA.
 * - Later starts reuse the CA and never replace it, because every kubeconfig trusts it. A CA that
 *   cannot be read, has expired, or does not match its key stops the start with an error that
 *   names the file.
 * - The server certificate is re-issued on start only when it no longer fits: an address or name
 *   asked for is missing, it is not signed by the CA, its key does not match, or it expires soon.
 * - Private keys are mode 0600 and the pki directory 0700; every file is replaced atomically.
 *
 * Keys come from Node's crypto (OpenSSL generates an RSA key in about 0.1 s; node-forge's pure
 * JavaScript needs seconds); node-forge, a complete X.509 implementation, builds and signs the
 * certificates.
 */
import { createPrivateKey, generateKeyPair, randomBytes, X509Certificate } from "node:crypto";
import { chmod, mkdir, mkdtemp, open, readFile, rename, rm, stat } from "node:fs/promises";
import { isIP } from "node:net";
import { basename, dirname, join } from "node:path";
import { promisify } from "node:util";
import forge from "node-forge";
import { type Clock, realClock } from "../util/clock.ts";

/** The `kubernetes` Service's ClusterIP: the first address of the service range (10.96.0.1 in kubeadm). */
export const KUBERNETES_SERVICE_IP = "127.96.0.1";
export const CLUSTER_DOMAIN = "cluster.local";

/** Every server certificate covers these, whatever else is asked for. */
export const DEFAULT_SERVER_IPS: readonly string[] = ["127.0.0.1", KUBERNETES_SERVICE_IP];
/** The names a pod uses for the API server (kubeadm's list), and `localhost`. */
export const DEFAULT_SERVER_NAMES: readonly string[] = [
  "localhost",
  "kubernetes",
  "kubernetes.default",
  "kubernetes.default.svc",
  `kubernetes.default.svc.${CLUSTER_DOMAIN}`,
];

/** The files in `<dataDir>/pki/`, named as kubeadm names them. */
export const PKI_FILES = {
  caCert: "ca.crt",
  caKey: "ca.key",
  serverCert: "apiserver.crt",
  serverKey: "apiserver.key",
} as const;

export const CA_COMMON_NAME = "tinykube-ca";
/** kubeadm's CN for the API server's serving certificate. */
export const SERVER_COMMON_NAME = "kube-apiserver";

const DAY_MS = 24 * 60 * 60 * 1000;
/** kubeadm's default CACertificateValidityPeriod: 10 years. */
const CA_VALIDITY_MS = 10 * 365 * DAY_MS;
/** kubeadm's default CertificateValidityPeriod for what the CA signs: 1 year. */
const LEAF_VALIDITY_MS = 365 * DAY_MS;
/**
 * kubeadm's CertificateBackdate: notBefore lies 5 minutes in the past, so a peer whose clock runs
 * a little behind ours still accepts a certificate made a moment ago.
 */
const BACKDATE_MS = 5 * 60 * 1000;
/**
 * A server certificate with less than this left is re-issued on start. kubeadm renews certificates
 * on upgrade or on `kubeadm certs renew`; tinykube renews on start, early enough that a server
 * that then runs for weeks does not reach the expiry date.
 */
const RENEW_BEFORE_MS = 30 * DAY_MS;
/** kubeadm's default key: RSA 2048. */
const RSA_MODULUS_BITS = 2048;

const OID_SERVER_AUTH = "serverAuth";
const OID_CLIENT_AUTH = "clientAuth";

export class PkiError extends Error {
  override name = "PkiError";
}

/** What the API server and the tests need to know about a certificate, already parsed. */
export interface CertificateInfo {
  commonName: string;
  /** One per O attribute, in order: the groups of a client certificate. */
  organizations: string[];
  issuerCommonName: string;
  /** Hexadecimal, as `openssl x509 -serial` prints it. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  isCA: boolean;
  /** "serverAuth", "clientAuth". */
  extKeyUsage: string[];
  ipAddresses: string[];
  dnsNames: string[];
  /** SHA-256 of the DER bytes, lowercase hex: Kubernetes' credential id is `X509SHA256=<this>`. */
  sha256: string;
}

export interface CertificateAndKey {
  certPem: string;
  /** PKCS#1 ("RSA PRIVATE KEY"), as kubeadm writes RSA keys. */
  keyPem: string;
  info: CertificateInfo;
}

/** What one start did, for the start-up log ("[apiserver] re-issued apiserver.crt: ..."). */
export interface PkiReport {
  ca: "created" | "reused";
  server: "created" | "reused" | "reissued";
  /** Why the server certificate was re-issued. */
  reason?: string;
}

export interface ClusterPki {
  /** `<dataDir>/pki`. */
  dir: string;
  ca: CertificateAndKey;
  server: CertificateAndKey;
  report: PkiReport;
}

export interface EnsureClusterPkiOptions {
  /** More addresses the server is reached at, beside DEFAULT_SERVER_IPS. */
  serverIps?: string[];
  /** More DNS names the server is reached at, beside DEFAULT_SERVER_NAMES. */
  serverNames?: string[];
  clock?: Clock;
}

// #region ensureClusterPki
/**
 * Loads the cluster's CA and server certificate from `<dataDir>/pki`, creating what is missing:
 * 1. work out the addresses and names the server certificate must cover (defaults + asked);
 * 2. no pki directory yet: create the CA and the server certificate in a temporary directory and
 *    rename it into place, which is the whole first start;
 * 3. otherwise load the CA, refusing one that is incomplete, expired or does not match its key
 *    (a pki directory with neither CA file gets a new CA);
 * 4. keep the server certificate if it still fits, or issue a new one and say why.
 */
export async function ensureClusterPki(
  dataDir: string,
  options: EnsureClusterPkiOptions = {},
): Promise<ClusterPki> {
  const clock = options.clock ?? realClock;
  const wanted = serverSubjectAltNames(options);
  const dir = join(dataDir, "pki");
  await mkdir(dataDir, { recursive: true, mode: 0o700 });

  if (!(await exists(dir))) {
    // The two keys are independent: generate them side by side on the thread pool.
    const [caKey, serverKey] = await Promise.all([newKeyPair(), newKeyPair()]);
    const ca = createCertificateAuthority(clock, caKey);
    const server = issueServerCertificate(ca, wanted, clock, serverKey);
    const staging = await mkdtemp(join(dataDir, ".pki-"));
    try {
      await writePair(staging, PKI_FILES.caCert, PKI_FILES.caKey, ca);
      await writePair(staging, PKI_FILES.serverCert, PKI_FILES.serverKey, server);
      await rename(staging, dir);
      await syncDirectory(dataDir);
      return { dir, ca, server, report: { ca: "created", server: "created" } };
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      // Another process created the directory first: use what it made.
      if (!isErrno(error, "ENOTEMPTY") && !isErrno(error, "EEXIST")) throw error;
    }
  }
  await chmod(dir, 0o700);

  let ca = await loadCertificateAuthority(dir, clock);
  let caReport: PkiReport["ca"] = "reused";
  if (!ca) {
    ca = createCertificateAuthority(clock, await newKeyPair());
    await writePair(dir, PKI_FILES.caCert, PKI_FILES.caKey, ca);
    caReport = "created";
  }

  const existing = await readPair(dir, PKI_FILES.serverCert, PKI_FILES.serverKey);
  const problem = existing && serverCertificateProblem(existing, ca, wanted, clock.now());
  if (existing && !problem) {
    return { dir, ca, server: describePair(existing), report: { ca: caReport, server: "reused" } };
  }
  const server = issueServerCertificate(ca, wanted, clock, await newKeyPair());
  await writePair(dir, PKI_FILES.serverCert, PKI_FILES.serverKey, server);
  const report: PkiReport =
    existing === undefined
      ? { ca: caReport, server: "created" }
      : { ca: caReport, server: "reissued", reason: problem };
  return { dir, ca, server, report };
}
// #endregion ensureClusterPki

export interface IssueClientCertificateOptions {
  /** Becomes the certificate's CN, which the API server takes as the user name. */
  user: string;
  /** Each becomes an O attribute, which the API server takes as a group. */
  groups?: string[];
  clock?: Clock;
}

// #region issueClientCertificate
/**
 * A client certificate signed by the cluster CA, as in a kubeadm kubeconfig (admin.conf has
 * CN=kubernetes-admin, O=kubeadm:cluster-admins). Whoever holds it is that user until it
 * expires: Kubernetes has no way to revoke a client certificate.
 */
export async function issueClientCertificate(
  pki: { ca: Pick<CertificateAndKey, "certPem" | "keyPem"> },
  options: IssueClientCertificateOptions,
): Promise<CertificateAndKey> {
  if (options.user === "") throw new PkiError("a client certificate needs a user (its CN)");
  const clock = options.clock ?? realClock;
  const key = await newKeyPair();
  const certPem = signCertificate({
    subject: { commonName: options.user, organizations: options.groups ?? [] },
    publicKeyPem: key.publicKeyPem,
    isCA: false,
    extKeyUsage: OID_CLIENT_AUTH,
    validity: leafValidity(clock),
    issuer: pki.ca,
  });
  return { certPem, keyPem: key.privateKeyPem, info: describeCertificate(certPem) };
}
// #endregion issueClientCertificate

export interface IssueServingCertificateOptions {
  /** The certificate's CN, e.g. the node name of a kubelet. */
  commonName: string;
  ips: string[];
  dnsNames?: string[];
  clock?: Clock;
}

/**
 * A serving certificate signed by the cluster CA, for a server other than the API server: each
 * kubelet gets one for its address, so the API server can verify who it talks to when it
 * proxies `kubectl logs` (Kubernetes leaves that check off unless --kubelet-certificate-authority
 * is set; tinykube's kubelets all have CA-signed certificates, so it is always on).
 */
export async function issueServingCertificate(
  pki: { ca: CertificateAndKey },
  options: IssueServingCertificateOptions,
): Promise<CertificateAndKey> {
  if (options.commonName === "") throw new PkiError("a serving certificate needs a common name");
  const key = await newKeyPair();
  return issueServerCertificate(
    pki.ca,
    { ips: options.ips, names: options.dnsNames ?? [] },
    options.clock ?? realClock,
    key,
    options.commonName,
  );
}

/**
 * What a kubelet serves with when it is given no certificate (no --tls-cert-file): one it signs
 * itself for its hostname and address, CN "<hostname>@<unix seconds>", as kubelet's
 * GenerateSelfSignedCertKey does (which also makes a one-off CA "<hostname>-ca@<seconds>" to sign
 * it; here the certificate signs itself). Nothing can verify it: an API server that checks
 * kubelets' certificates against the cluster CA (tinykube's does; kube-apiserver does with
 * --kubelet-certificate-authority) refuses to proxy to it.
 */
export async function selfSignedServingCertificate(options: {
  hostname: string;
  ips: string[];
  clock?: Clock;
}): Promise<CertificateAndKey> {
  const clock = options.clock ?? realClock;
  const key = await newKeyPair();
  const certPem = signCertificate({
    subject: {
      commonName: `${options.hostname}@${Math.floor(clock.now() / 1000)}`,
      organizations: [],
    },
    publicKeyPem: key.publicKeyPem,
    isCA: false,
    extKeyUsage: OID_SERVER_AUTH,
    subjectAltNames: { ips: options.ips, names: [options.hostname] },
    validity: leafValidity(clock),
    issuer: "self",
    selfKeyPem: key.privateKeyPem,
  });
  return { certPem, keyPem: key.privateKeyPem, info: describeCertificate(certPem) };
}

/** Parses a PEM certificate into the facts tinykube uses. */
export function describeCertificate(certPem: string): CertificateInfo {
  const cert = forge.pki.certificateFromPem(certPem);
  const attribute = (attributes: forge.pki.CertificateField[], shortName: string) =>
    decoded(attributes)
      .filter((a) => a.shortName === shortName)
      .map((a) => String(a.value));
  const altNames =
    (cert.getExtension("subjectAltName") as { altNames?: AltName[] } | undefined)?.altNames ?? [];
  const basic = cert.getExtension("basicConstraints") as { cA?: boolean } | undefined;
  const eku = (cert.getExtension("extKeyUsage") ?? {}) as Record<string, unknown>;
  return {
    commonName: attribute(cert.subject.attributes, "CN").at(-1) ?? "",
    organizations: attribute(cert.subject.attributes, "O"),
    issuerCommonName: attribute(cert.issuer.attributes, "CN").at(-1) ?? "",
    serialNumber: cert.serialNumber.toUpperCase(),
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
    isCA: basic?.cA === true,
    extKeyUsage: [OID_SERVER_AUTH, OID_CLIENT_AUTH].filter((usage) => eku[usage] === true),
    ipAddresses: altNames.filter((n) => n.type === SAN_IP).map((n) => n.ip ?? ""),
    dnsNames: altNames.filter((n) => n.type === SAN_DNS).map((n) => n.value),
    sha256: new X509Certificate(certPem).fingerprint256.replaceAll(":", "").toLowerCase(),
  };
}

/**
 * Writes a file so that readers see the old content or the new, never a mix: write a temporary
 * file beside it, fsync, rename over the target, fsync the directory (which makes the rename
 * itself durable). The mode is set explicitly, so the umask cannot widen or narrow it.
 */
export async function writeFileAtomically(
  path: string,
  data: string | Uint8Array,
  mode = 0o600,
): Promise<void> {
  const directory = dirname(path);
  const temp = join(directory, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await open(temp, "wx", mode);
    try {
      await handle.chmod(mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(directory);
}

// --- helpers -------------------------------------------------------------------------------

interface SubjectAltNames {
  ips: string[];
  names: string[];
}

interface AltName {
  type: number;
  value: string;
  ip?: string;
}

/** GeneralName tags (RFC 5280): 2 = dNSName, 7 = iPAddress. */
const SAN_DNS = 2;
const SAN_IP = 7;

/** RFC 1123 subdomain, optionally with a leading `*.` label, as kubeadm accepts in certSANs. */
const DNS_NAME = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

function serverSubjectAltNames(options: EnsureClusterPkiOptions): SubjectAltNames {
  for (const ip of options.serverIps ?? []) {
    if (isIP(ip) === 0) throw new PkiError(`serverIps: "${ip}" is not an IP address`);
  }
  for (const name of options.serverNames ?? []) {
    if (isIP(name) !== 0) {
      throw new PkiError(`serverNames: "${name}" is an IP address; pass it in serverIps`);
    }
    if (!DNS_NAME.test(name) || name.length > 253) {
      throw new PkiError(
        `serverNames: "${name}" is not a valid DNS name (lowercase RFC 1123 subdomain, e.g. "api.example.com")`,
      );
    }
  }
  const ips = dedupe([...DEFAULT_SERVER_IPS, ...(options.serverIps ?? [])], ipKey);
  const names = dedupe([...DEFAULT_SERVER_NAMES, ...(options.serverNames ?? [])], (n) => n);
  return { ips, names };
}

/** The canonical spelling of an address, so "::1" and "0:0:0:0:0:0:0:1" compare equal. */
function ipKey(ip: string): string {
  return isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
}

function dedupe(values: string[], key: (value: string) => string): string[] {
  const seen = new Map<string, string>();
  for (const value of values) if (!seen.has(key(value))) seen.set(key(value), value);
  return [...seen.values()];
}

function createCertificateAuthority(clock: Clock, key: KeyPair): CertificateAndKey {
  const now = clock.now();
  const certPem = signCertificate({
    subject: { commonName: CA_COMMON_NAME, organizations: [] },
    publicKeyPem: key.publicKeyPem,
    isCA: true,
    validity: { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + CA_VALIDITY_MS) },
    issuer: "self",
    selfKeyPem: key.privateKeyPem,
  });
  return { certPem, keyPem: key.privateKeyPem, info: describeCertificate(certPem) };
}

function issueServerCertificate(
  ca: CertificateAndKey,
  sans: SubjectAltNames,
  clock: Clock,
  key: KeyPair,
  commonName = SERVER_COMMON_NAME,
): CertificateAndKey {
  const certPem = signCertificate({
    subject: { commonName, organizations: [] },
    publicKeyPem: key.publicKeyPem,
    isCA: false,
    extKeyUsage: OID_SERVER_AUTH,
    subjectAltNames: sans,
    validity: leafValidity(clock),
    issuer: ca,
  });
  return { certPem, keyPem: key.privateKeyPem, info: describeCertificate(certPem) };
}

function leafValidity(clock: Clock): { notBefore: Date; notAfter: Date } {
  const now = clock.now();
  return { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + LEAF_VALIDITY_MS) };
}

const generateKeyPairAsync = promisify(generateKeyPair);

interface KeyPair {
  publicKeyPem: string;
  privateKeyPem: string;
}

/** On the thread pool, so generating keys does not block the event loop. */
async function newKeyPair(): Promise<KeyPair> {
  const { publicKey, privateKey } = await generateKeyPairAsync("rsa", {
    modulusLength: RSA_MODULUS_BITS,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

interface CertificateTemplate {
  subject: { commonName: string; organizations: string[] };
  publicKeyPem: string;
  isCA: boolean;
  extKeyUsage?: typeof OID_SERVER_AUTH | typeof OID_CLIENT_AUTH;
  subjectAltNames?: SubjectAltNames;
  validity: { notBefore: Date; notAfter: Date };
  /** The CA that signs, or "self" for the CA's own certificate. */
  issuer: Pick<CertificateAndKey, "certPem" | "keyPem"> | "self";
  selfKeyPem?: string;
}

/**
 * Builds and signs an X.509 v3 certificate with the extensions Go's crypto/x509 gives kubeadm's
 * certificates: basicConstraints and keyUsage (both critical), extKeyUsage, subject and
 * authority key identifiers, and the subject alternative names of a serving certificate.
 */
function signCertificate(template: CertificateTemplate): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(template.publicKeyPem);
  cert.serialNumber = randomSerialNumber();
  cert.validity.notBefore = template.validity.notBefore;
  cert.validity.notAfter = template.validity.notAfter;
  cert.setSubject(distinguishedName(template.subject));

  const extensions: Record<string, unknown>[] = [
    { name: "basicConstraints", cA: template.isCA, critical: true },
    template.isCA
      ? {
          name: "keyUsage",
          critical: true,
          digitalSignature: true,
          keyCertSign: true,
          cRLSign: true,
        }
      : { name: "keyUsage", critical: true, digitalSignature: true, keyEncipherment: true },
    { name: "subjectKeyIdentifier" },
  ];
  if (template.extKeyUsage) extensions.push({ name: "extKeyUsage", [template.extKeyUsage]: true });
  if (template.subjectAltNames) {
    extensions.push({
      name: "subjectAltName",
      altNames: [
        ...template.subjectAltNames.names.map((value) => ({ type: SAN_DNS, value })),
        ...template.subjectAltNames.ips.map((ip) => ({ type: SAN_IP, ip })),
      ],
    });
  }

  let signingKeyPem: string;
  if (template.issuer === "self") {
    if (!template.selfKeyPem) throw new PkiError("a self-signed certificate needs its own key");
    cert.setIssuer(cert.subject.attributes);
    signingKeyPem = template.selfKeyPem;
  } else {
    const caCert = forge.pki.certificateFromPem(template.issuer.certPem);
    cert.setIssuer(decoded(caCert.subject.attributes));
    extensions.push({
      name: "authorityKeyIdentifier",
      keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes(),
    });
    signingKeyPem = template.issuer.keyPem;
  }
  cert.setExtensions(extensions);
  cert.sign(forge.pki.privateKeyFromPem(signingKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/**
 * O attributes first, then CN, in separate RDNs, which is the order Go writes a pkix.Name in. Values
 * are UTF8String: PrintableString cannot hold `_`, `@` or non-ASCII, which user names may contain.
 */
function distinguishedName(subject: { commonName: string; organizations: string[] }) {
  const utf8 = forge.asn1.Type.UTF8;
  return [
    ...subject.organizations.map((value) => ({ shortName: "O", value, valueTagClass: utf8 })),
    { shortName: "CN", value: subject.commonName, valueTagClass: utf8 },
  ] as unknown as forge.pki.CertificateField[];
}

/**
 * node-forge hands back UTF8String values as their raw UTF-8 bytes (and would encode them again
 * when writing): decode them, so "zoë" reads as "zoë" and an issuer name is copied unchanged.
 */
function decoded(attributes: forge.pki.CertificateField[]): forge.pki.CertificateField[] {
  return attributes.map((a) =>
    (a.valueTagClass as unknown) === forge.asn1.Type.UTF8 && typeof a.value === "string"
      ? { ...a, value: forge.util.decodeUtf8(a.value) }
      : a,
  );
}

/**
 * A random positive serial of 63 bits, like kubeadm's (uniform in [1, 2^63-1)). DER integers are
 * signed and minimal, so the first byte must be 0x01..0x7f: clear the top bit, never zero.
 */
function randomSerialNumber(): string {
  const bytes = randomBytes(8);
  bytes[0] = (bytes[0] ?? 0) & 0x7f || 0x01;
  return bytes.toString("hex");
}

async function loadCertificateAuthority(
  dir: string,
  clock: Clock,
): Promise<CertificateAndKey | undefined> {
  const certPath = join(dir, PKI_FILES.caCert);
  const keyPath = join(dir, PKI_FILES.caKey);
  const [certPem, keyPem] = await Promise.all([readIfExists(certPath), readIfExists(keyPath)]);
  if (certPem === undefined && keyPem === undefined) return undefined;
  const replace = `delete ${dir} to create a new cluster CA (every kubeconfig must then be re-issued)`;
  if (certPem === undefined || keyPem === undefined) {
    const [present, missing] = certPem === undefined ? [keyPath, certPath] : [certPath, keyPath];
    throw new PkiError(`${present} exists but ${missing} does not: restore it, or ${replace}`);
  }
  let info: CertificateInfo;
  try {
    info = describeCertificate(certPem);
    if (!new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem))) {
      throw new Error(`${keyPath} is not the key of this certificate`);
    }
  } catch (error) {
    throw new PkiError(`cannot use the CA in ${certPath}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!info.isCA)
    throw new PkiError(`${certPath} is not a CA certificate (basicConstraints CA is false)`);
  const now = clock.now();
  if (now > info.notAfter.getTime()) {
    throw new PkiError(
      `the CA certificate ${certPath} expired on ${info.notAfter.toISOString()}: ${replace}`,
    );
  }
  if (now < info.notBefore.getTime()) {
    throw new PkiError(
      `the CA certificate ${certPath} is not valid until ${info.notBefore.toISOString()} (is the clock right?)`,
    );
  }
  return { certPem, keyPem, info };
}

/** Why an existing server certificate must be re-issued, or undefined if it can stay. */
function serverCertificateProblem(
  pair: { certPem: string; keyPem: string },
  ca: CertificateAndKey,
  wanted: SubjectAltNames,
  now: number,
): string | undefined {
  let info: CertificateInfo;
  let cert: X509Certificate;
  try {
    info = describeCertificate(pair.certPem);
    cert = new X509Certificate(pair.certPem);
    if (!cert.checkPrivateKey(createPrivateKey(pair.keyPem))) {
      return `${PKI_FILES.serverKey} is not the key of ${PKI_FILES.serverCert}`;
    }
  } catch (error) {
    return `it cannot be read (${(error as Error).message})`;
  }
  const caCert = new X509Certificate(ca.certPem);
  if (!cert.checkIssued(caCert) || !cert.verify(caCert.publicKey)) {
    return `it is not signed by the CA in ${PKI_FILES.caCert}`;
  }
  if (!info.extKeyUsage.includes(OID_SERVER_AUTH)) return "it is not for serverAuth";
  const haveIps = new Set(info.ipAddresses.map(ipKey));
  const haveNames = new Set(info.dnsNames);
  const missing = [
    ...wanted.ips.filter((ip) => !haveIps.has(ipKey(ip))),
    ...wanted.names.filter((name) => !haveNames.has(name)),
  ];
  if (missing.length > 0) return `it does not cover ${missing.join(", ")}`;
  if (now < info.notBefore.getTime())
    return `it is not valid until ${info.notBefore.toISOString()}`;
  if (now + RENEW_BEFORE_MS > info.notAfter.getTime()) {
    return `it expires on ${info.notAfter.toISOString()}`;
  }
  return undefined;
}

async function readPair(
  dir: string,
  certFile: string,
  keyFile: string,
): Promise<{ certPem: string; keyPem: string } | undefined> {
  const [certPem, keyPem] = await Promise.all([
    readIfExists(join(dir, certFile)),
    readIfExists(join(dir, keyFile)),
  ]);
  return certPem === undefined || keyPem === undefined ? undefined : { certPem, keyPem };
}

function describePair(pair: { certPem: string; keyPem: string }): CertificateAndKey {
  return { ...pair, info: describeCertificate(pair.certPem) };
}

/** The key first: a crash between the two leaves a key that matches no certificate, re-issued next start. */
async function writePair(
  dir: string,
  certFile: string,
  keyFile: string,
  pair: CertificateAndKey,
): Promise<void> {
  await writeFileAtomically(join(dir, keyFile), pair.keyPem, 0o600);
  await writeFileAtomically(join(dir, certFile), pair.certPem, 0o644);
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isErrno(error, "ENOENT")) return false;
    throw error;
  }
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}
