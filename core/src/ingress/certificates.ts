/**
 * TLS termination: which certificate a handshake gets. Rebuilt with the routing table, so a
 * handshake costs one or two Map lookups; a Secret is parsed again only when it changes.
 *
 * The choice, as ingress-nginx makes it (internal/ingress/controller/controller.go:
 * createServers, extractTLSSecretName; rootfs/etc/nginx/lua/certificate.lua):
 * 1. A server (a rule's host) takes its certificate from the first of its Ingresses that has a
 *    `tls` section: the Secret of the entry listing the host (case-insensitively), else of any
 *    entry whose certificate covers the host. If none does, the default certificate.
 * 2. The Secret, in the Ingress's namespace, must hold a PEM certificate `tls.crt` and its key
 *    `tls.key` (a kubernetes.io/tls Secret), and the certificate must cover the host. Otherwise:
 *    the default certificate, and a log line saying why.
 * 3. A certificate that has expired, or expires within 240 hours, is still served, with a warning.
 * 4. The handshake's SNI name selects a server as a request's Host does: the precise host, then the
 *    one-label wildcard. No SNI, no such server, a server without TLS, or the catch-all: the
 *    default certificate.
 */
import { X509Certificate } from "node:crypto";
import { createSecureContext, type SecureContext } from "node:tls";
import type { Clock } from "../util/clock.ts";
import { messageOf } from "../util/errors.ts";
import { CATCH_ALL, type RouteTable, type Server } from "./route-table.ts";
import type { Ingress, Secret } from "./types.ts";

/** ingress-nginx warns when a certificate "is about to expire": within 240 hours. */
const EXPIRY_WARNING_MS = 240 * 60 * 60 * 1000;

export interface ParsedCertificate {
  /** "namespace/name" of the Secret. */
  secret: string;
  x509: X509Certificate;
  context: SecureContext;
}

// #region parseTlsSecret
/** A kubernetes.io/tls Secret as a certificate, or what is wrong with it. */
export function parseTlsSecret(secret: Secret): ParsedCertificate | { problem: string } {
  const key = `${secret.metadata.namespace}/${secret.metadata.name}`;
  const certB64 = secret.data?.["tls.crt"];
  const keyB64 = secret.data?.["tls.key"];
  if (!certB64 || !keyB64)
    return { problem: `Secret "${key}" has no ${certB64 ? "tls.key" : "tls.crt"}` };
  const certPem = Buffer.from(certB64, "base64").toString("utf8");
  const keyPem = Buffer.from(keyB64, "base64").toString("utf8");
  try {
    const x509 = new X509Certificate(certPem);
    // Throws when the key is not the certificate's ("key values mismatch").
    const context = createSecureContext({ cert: certPem, key: keyPem });
    return { secret: key, x509, context };
  } catch (error) {
    return { problem: `Secret "${key}" does not hold a usable certificate: ${messageOf(error)}` };
  }
}
// #endregion parseTlsSecret

/**
 * Whether the certificate is valid for a server's host. A precise host is checked as a TLS client
 * checks it (SANs, the CN only without DNS SANs; a "*" only as a whole first label). A wildcard
 * host "*.example.com" needs the very same name among the SANs — Go's VerifyHostname, which
 * ingress-nginx uses, compares a non-hostname like this one exactly.
 */
export function coversHost(x509: X509Certificate, host: string): boolean {
  if (host.startsWith("*.")) {
    const names = (x509.subjectAltName ?? "").split(", ");
    return names.some((n) => n.toLowerCase() === `dns:${host}`);
  }
  return x509.checkHost(host, { partialWildcards: false }) !== undefined;
}

/** Parsed Secrets by "namespace/name" and resourceVersion, and the warnings already logged. */
export class CertificateStore {
  private readonly parsed = new Map<
    string,
    { resourceVersion: string | undefined; result: ParsedCertificate | { problem: string } }
  >();
  private readonly warned = new Map<string, string>();

  constructor(private readonly log: (line: string) => void) {}

  get(secret: Secret): ParsedCertificate | { problem: string } {
    const key = `${secret.metadata.namespace}/${secret.metadata.name}`;
    const cached = this.parsed.get(key);
    if (cached && cached.resourceVersion === secret.metadata.resourceVersion) return cached.result;
    const result = parseTlsSecret(secret);
    this.parsed.set(key, { resourceVersion: secret.metadata.resourceVersion, result });
    return result;
  }

  /** Logs a server's warning once, until it changes. */
  warn(host: string, line: string | undefined): void {
    if (line === undefined) {
      this.warned.delete(host);
      return;
    }
    if (this.warned.get(host) === line) return;
    this.warned.set(host, line);
    this.log(line);
  }

  /** Forgets Secrets no longer referenced, so the cache does not grow without end. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.parsed.keys()) if (!keys.has(key)) this.parsed.delete(key);
  }
}

export class CertificateTable {
  constructor(
    private readonly routes: RouteTable,
    private readonly byServer: ReadonlyMap<Server, SecureContext>,
    readonly defaultContext: SecureContext,
  ) {}

  /** The context for a handshake's SNI name. */
  contextFor(servername: string | undefined): SecureContext {
    if (!servername) return this.defaultContext;
    const server = this.routes.serverFor(servername.toLowerCase());
    return (server && this.byServer.get(server)) ?? this.defaultContext;
  }
}

export interface CertificateTableInput {
  routes: RouteTable;
  secret(key: string): Secret | undefined;
  store: CertificateStore;
  defaultContext: SecureContext;
  clock: Clock;
}

// #region buildCertificateTable
export function buildCertificateTable(input: CertificateTableInput): CertificateTable {
  const byServer = new Map<Server, SecureContext>();
  const used = new Set<string>();
  for (const server of input.routes.servers()) {
    if (server.host === CATCH_ALL) continue;
    const ingress = server.ingresses.find((i) => (i.spec?.tls ?? []).length > 0);
    if (!ingress) continue;
    const chosen = chooseCertificate(server.host, ingress, input, used);
    if ("problem" in chosen) {
      input.store.warn(
        server.host,
        `[ingress] using the default certificate for ${server.host}: ${chosen.problem}`,
      );
      continue;
    }
    byServer.set(server, chosen.context);
    input.store.warn(server.host, expiryWarning(server.host, chosen, input.clock.now()));
  }
  input.store.retain(used);
  return new CertificateTable(input.routes, byServer, input.defaultContext);
}
// #endregion buildCertificateTable

function chooseCertificate(
  host: string,
  ingress: Ingress,
  input: CertificateTableInput,
  used: Set<string>,
): ParsedCertificate | { problem: string } {
  const namespace = ingress.metadata.namespace ?? "";
  const where = `Ingress "${namespace}/${ingress.metadata.name}"`;
  const load = (secretName: string) => {
    const key = `${namespace}/${secretName}`;
    used.add(key);
    const secret = input.secret(key);
    return secret ? input.store.get(secret) : { problem: `Secret "${key}" not found` };
  };
  const tls = ingress.spec?.tls ?? [];
  const listed = tls.find((t) => (t.hosts ?? []).some((h) => h.toLowerCase() === host));
  if (listed) {
    if (!listed.secretName)
      return { problem: `${where} lists ${host} under tls without a secretName` };
    const parsed = load(listed.secretName);
    if ("problem" in parsed) return parsed;
    if (!coversHost(parsed.x509, host))
      return { problem: `the certificate in Secret "${parsed.secret}" is not valid for ${host}` };
    return parsed;
  }
  for (const entry of tls) {
    if (!entry.secretName) continue;
    const parsed = load(entry.secretName);
    if (!("problem" in parsed) && coversHost(parsed.x509, host)) return parsed;
  }
  return { problem: `${where} has no tls entry for ${host}` };
}

function expiryWarning(host: string, cert: ParsedCertificate, now: number): string | undefined {
  const notAfter = Date.parse(cert.x509.validTo);
  if (notAfter < now)
    return `[ingress] the certificate for ${host} (Secret "${cert.secret}") expired on ${cert.x509.validTo}`;
  if (notAfter < now + EXPIRY_WARNING_MS)
    return `[ingress] the certificate for ${host} (Secret "${cert.secret}") expires on ${cert.x509.validTo}`;
  return undefined;
}
