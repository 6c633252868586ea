/**
 * Authentication: who is making this request? kube-apiserver answers with a chain of
 * authenticators and takes the first that recognises the request. tinykube has two of them, in
 * kube-apiserver's order, and the anonymous fallback:
 *
 * 1. x509 client certificates. The TLS handshake already checked the certificate against the
 *    cluster CA; a verified certificate makes CN the user name and each O a group.
 * 2. Bearer tokens from a static token file (`--token-auth-file`), a CSV of
 *    `token,user,uid,"group1,group2"`.
 * 3. Anonymous: a request with no credentials at all is `system:anonymous` in the group
 *    `system:unauthenticated`. Credentials that fail are not anonymous: a wrong token, or a client
 *    certificate from another CA, is an error (401), as in kube-apiserver.
 *
 * Authentication only names the user. What the user may do is authorization's question (RBAC),
 * asked next; the user info built here is what RBAC, audit and `kubectl auth whoami` see.
 *
 * tinykube adds one rule Kubernetes leaves to RBAC: anonymous requests may reach only the health
 * and version endpoints (`isAnonymousAllowed`), whatever the roles say.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { TLSSocket } from "node:tls";
import { writeFileAtomically } from "./pki.ts";

/** user.Info: what the API server knows about the caller after authentication. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export const ANONYMOUS_USER = "system:anonymous";
/** Every request without credentials is in this group. */
export const UNAUTHENTICATED_GROUP = "system:unauthenticated";
/** Every authenticated request is in this group, added after the authenticator answers. */
export const AUTHENTICATED_GROUP = "system:authenticated";
/** The superuser group: the cluster-admin ClusterRoleBinding names it. */
export const MASTERS_GROUP = "system:masters";
export const NODES_GROUP = "system:nodes";
/** The `extra` key under which Kubernetes records which credential was used. */
export const CREDENTIAL_ID_KEY = "authentication.kubernetes.io/credential-id";

// --- the static token file -----------------------------------------------------------------

/** One user the token file should hold; `ensureTokenFile` gives each a token. */
export interface TokenUser {
  username: string;
  groups: string[];
}

export interface TokenRecord {
  token: string;
  user: UserInfo;
  /** Where the record starts in the file, 1-based, for messages. */
  line: number;
}

export interface ParsedTokenFile {
  records: TokenRecord[];
  /** Kubernetes logs these and carries on: empty tokens (skipped) and duplicate tokens (last wins). */
  warnings: string[];
}

export class TokenFileError extends Error {
  override name = "TokenFileError";
  constructor(
    readonly source: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`token file '${source}' line ${line}: ${detail}`);
  }
}

// #region parseTokenFile
/**
 * Reads a token file as kube-apiserver does (Go's encoding/csv, any number of fields per record):
 * `token,user name,user uid[,"group1,group2"]`, extra columns ignored, blank lines skipped,
 * fields may be quoted (`""` inside quotes is one `"`). There are no comments: a `#` line is a
 * record with too few columns.
 *
 * Stricter than Kubernetes: an empty user name is an error, not a user called "", and an empty
 * groups column means no groups rather than one group named "".
 */
export function parseTokenFile(text: string, source = "tokens.csv"): ParsedTokenFile {
  const records: TokenRecord[] = [];
  const warnings: string[] = [];
  const byToken = new Map<string, number>();
  for (const { fields, line } of readCsv(text, source)) {
    if (fields.length < 3) {
      throw new TokenFileError(
        source,
        line,
        `must have at least 3 columns (token, user name, user uid), found ${fields.length}: ${JSON.stringify(fields)}`,
      );
    }
    const [token = "", username = "", uid = "", groupsColumn] = fields;
    if (token === "") {
      warnings.push(`empty token has been found in token file '${source}', line ${line}`);
      continue;
    }
    if (username === "") {
      throw new TokenFileError(source, line, "the user name (column 2) is empty");
    }
    const groups =
      groupsColumn === undefined ? [] : groupsColumn.split(",").filter((g) => g !== "");
    const record: TokenRecord = { token, user: { username, uid, groups }, line };
    const previous = byToken.get(token);
    if (previous !== undefined) {
      warnings.push(`duplicate token has been found in token file '${source}', line ${line}`);
      records[previous] = record;
    } else {
      byToken.set(token, records.length);
      records.push(record);
    }
  }
  return { records, warnings };
}
// #endregion parseTokenFile

/** One line of a token file, quoted where CSV needs it. */
export function formatTokenRecord(token: string, user: UserInfo): string {
  const fields = [token, user.username, user.uid ?? ""];
  if (user.groups.length > 0) fields.push(user.groups.join(","));
  return fields.map(csvField).join(",");
}

/**
 * The identities tinykube's components use, named as Kubernetes names them, so the bootstrap
 * RBAC roles (system:kube-scheduler, system:node-proxier, ...) apply to them unchanged.
 * Nodes are `system:node:<name>` in `system:nodes`: the names Kubernetes' Node authorizer and
 * NodeRestriction admission plugin take a kubelet's identity from.
 */
export function defaultTokenUsers(options: { nodes?: string[] } = {}): TokenUser[] {
  return [
    { username: "admin", groups: [MASTERS_GROUP] },
    { username: "system:kube-controller-manager", groups: [] },
    { username: "system:kube-scheduler", groups: [] },
    { username: "system:kube-proxy", groups: [] },
    // The add-ons `tinykube up` runs, as the ServiceAccounts kubeadm and the ingress-nginx chart
    // run them as (static tokens here, where Kubernetes mounts ServiceAccount tokens).
    ...["coredns", "ingress-controller"].map((name) => ({
      username: `system:serviceaccount:kube-system:${name}`,
      groups: ["system:serviceaccounts", "system:serviceaccounts:kube-system"],
    })),
    ...(options.nodes ?? []).map((node) => ({
      username: `system:node:${node}`,
      groups: [NODES_GROUP],
    })),
  ];
}

export const TOKEN_FILE = "tokens.csv";
/** 32 random bytes (256 bits, beyond any guessing), written as 43 base64url characters. */
const TOKEN_BYTES = 32;

export interface TokenFile {
  path: string;
  tokens: StaticTokenAuthenticator;
  /** The first token of each user name in the file, for writing kubeconfigs. */
  tokenFor(username: string): string | undefined;
  /** User names that got a token in this call. */
  created: string[];
  warnings: string[];
}

// #region ensureTokenFile
/**
 * Makes sure `<dataDir>/tokens.csv` holds a token for every user in `users`:
 * 1. read the file if there is one (a broken file stops the start: nothing is overwritten);
 * 2. give each listed user that has no record a fresh random token and uid;
 * 3. if anyone was added, append their lines and replace the file atomically (mode 0600).
 * Existing lines are kept as they are, so tokens survive restarts and hand edits stay.
 */
export async function ensureTokenFile(
  dataDir: string,
  users: TokenUser[] = defaultTokenUsers(),
): Promise<TokenFile> {
  const path = join(dataDir, TOKEN_FILE);
  let text = "";
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const parsed = parseTokenFile(text, path);
  const known = new Set(parsed.records.map((r) => r.user.username));
  const added: string[] = [];
  const created: string[] = [];
  for (const user of users) {
    if (known.has(user.username)) continue;
    known.add(user.username);
    const token = randomBytes(TOKEN_BYTES).toString("base64url");
    added.push(formatTokenRecord(token, { ...user, uid: randomUUID() }));
    created.push(user.username);
  }
  if (added.length > 0) {
    const separator = text === "" || text.endsWith("\n") ? "" : "\n";
    text = `${text}${separator}${added.join("\n")}\n`;
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await writeFileAtomically(path, text, 0o600);
  }
  const final = added.length > 0 ? parseTokenFile(text, path) : parsed;
  const tokens = new StaticTokenAuthenticator(final.records);
  const firstToken = new Map<string, string>();
  for (const r of final.records) {
    if (!firstToken.has(r.user.username)) firstToken.set(r.user.username, r.token);
  }
  return {
    path,
    tokens,
    tokenFor: (username) => firstToken.get(username),
    created,
    warnings: final.warnings,
  };
}
// #endregion ensureTokenFile

/**
 * Looks tokens up without leaking, through timing, how much of a guess was right. A Map lookup
 * keyed by the token itself (what kube-apiserver's token file does) compares strings byte by byte
 * and stops at the first difference. Here the Map is keyed by each token's SHA-256: a lookup's
 * time can depend only on how much of the guess's digest matches a real one, which says nothing
 * about the token — finding a guess whose digest shares a prefix with a token's is no step
 * towards the token. One lookup per request, whatever the number of tokens: a 5,000-node cluster
 * holds over 5,000 of them (one per kubelet), and comparing against every entry cost about half a
 * microsecond each — milliseconds per request. The first line of a token wins.
 */
export class StaticTokenAuthenticator {
  /** Hex SHA-256 of each token → the user of its first line. */
  private readonly byDigest = new Map<string, UserInfo>();

  constructor(records: TokenRecord[]) {
    for (const r of records) {
      const digest = sha256(r.token).toString("hex");
      if (!this.byDigest.has(digest)) this.byDigest.set(digest, r.user);
    }
  }

  authenticateToken(token: string): UserInfo | undefined {
    return this.byDigest.get(sha256(token).toString("hex"));
  }
}

// --- authenticating a request --------------------------------------------------------------

/** The parts of a TLS peer certificate authentication reads (a tls.PeerCertificate fits). */
export interface ClientCertificate {
  /** Node gives a string, or an array when the subject has the attribute more than once. */
  subject?: { CN?: string | string[]; O?: string | string[] };
  serialNumber?: string;
  fingerprint256?: string;
  ext_key_usage?: string[];
}

/** What the authenticators look at: the Authorization header and the TLS layer's verdict. */
export interface AuthnRequest {
  authorization?: string;
  /** `{}` or undefined when the client sent no certificate. */
  peerCertificate?: ClientCertificate;
  /** socket.authorized: the certificate chains to the CA given to https.createServer. */
  authorized?: boolean;
  /** socket.authorizationError: why it does not. */
  authorizationError?: string | Error;
}

export interface AuthnConfig {
  tokens?: StaticTokenAuthenticator;
  /** kube-apiserver's --anonymous-auth, default true. */
  anonymous?: boolean;
}

export type AuthnResult =
  | { user: UserInfo; via: "x509" | "token" }
  | { anonymous: true; user: UserInfo }
  | { error: string };

/** A step in the chain: a user, "not mine" (undefined), or a failure. */
type Step = { user: UserInfo } | { error: string } | undefined;

// #region authenticate
/**
 * Runs the chain as kube-apiserver's union authenticator does:
 * 1. each authenticator in turn (client certificate, then bearer token); the first user wins,
 *    errors are collected and the next one is tried;
 * 2. a user gets the group `system:authenticated` (unless it already has it);
 * 3. nobody recognised the request: if some authenticator failed, that is the answer (401);
 * 4. otherwise the request carried no credentials at all: anonymous, if allowed.
 */
export function authenticate(request: AuthnRequest, config: AuthnConfig): AuthnResult {
  const errors: string[] = [];
  const steps: [via: "x509" | "token", step: () => Step][] = [
    ["x509", () => fromClientCertificate(request)],
    ["token", () => fromBearerToken(request.authorization, config.tokens)],
  ];
  for (const [via, step] of steps) {
    const result = step();
    if (result === undefined) continue;
    if ("error" in result) {
      errors.push(result.error);
      continue;
    }
    return { user: withAuthenticatedGroup(result.user), via };
  }
  if (errors.length === 1) return { error: errors[0] ?? "" };
  // Go's error aggregate prints several errors as "[a, b]".
  if (errors.length > 1) return { error: `[${errors.join(", ")}]` };
  if (config.anonymous === false) {
    return { error: "no credentials: anonymous requests are disabled" };
  }
  return { anonymous: true, user: { username: ANONYMOUS_USER, groups: [UNAUTHENTICATED_GROUP] } };
}
// #endregion authenticate

/** The fields `authenticate` needs from a request to an `https.createServer({ requestCert: true })`. */
export function authnRequestFrom(req: IncomingMessage): AuthnRequest {
  const request: AuthnRequest = { authorization: req.headers.authorization };
  if (req.socket instanceof TLSSocket) {
    request.peerCertificate = req.socket.getPeerCertificate();
    request.authorized = req.socket.authorized;
    request.authorizationError = req.socket.authorizationError;
  }
  return request;
}

// #region isAnonymousAllowed
/**
 * tinykube's rule for anonymous requests, stricter than a default Kubernetes: only the health
 * checks (`/healthz`, `/livez`, `/readyz`, with `?verbose` or `?exclude=...`, and single checks
 * such as `/readyz/etcd` or `/livez/poststarthook/start-kube-apiserver-admission-initializer`) and
 * `/version` (and `/version/`) are reachable without credentials. Any other anonymous request is
 * refused as unauthenticated (401) before authorization runs.
 *
 * A default kube-apiserver lets every anonymous request through to RBAC, where the bootstrap
 * ClusterRole system:public-info-viewer grants `/healthz`, `/livez`, `/readyz`, `/version` and
 * `/version/` to everyone; one careless binding to `system:anonymous` opens anything. Kubernetes
 * 1.32 can close that hole (KEP-4633, beta): an AuthenticationConfiguration whose
 * `anonymous.conditions` lists the only paths anonymous requests may reach. tinykube always runs
 * with such a list. RBAC still decides what passes this gate.
 */
export function isAnonymousAllowed(path: string): boolean {
  const question = path.indexOf("?");
  const pathname = question < 0 ? path : path.slice(0, question);
  if (pathname === "/version" || pathname === "/version/") return true;
  return HEALTH_PATH.test(pathname);
}
// #endregion isAnonymousAllowed

/**
 * `/healthz`, `/livez` or `/readyz`, then optionally a check name made of segments that start with
 * a letter or digit: no `.` or `..` segment, no empty segment, no percent-encoding to smuggle one.
 */
const HEALTH_PATH = /^\/(healthz|livez|readyz)(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

// --- the authenticators --------------------------------------------------------------------

/** x509: the leaf certificate's CN is the user, each O a group, once the chain is verified. */
function fromClientCertificate(request: AuthnRequest): Step {
  const cert = request.peerCertificate;
  if (!cert || cert.subject === undefined) return undefined;
  if (request.authorized !== true) {
    return {
      error: `verifying certificate SN=${decimalSerial(cert.serialNumber)} failed: ${x509Reason(request.authorizationError)}`,
    };
  }
  // The server verifies with OpenSSL's "SSL client" purpose, which already refuses a certificate
  // whose extended key usage excludes clientAuth; checked again so the rule is visible here.
  const eku = cert.ext_key_usage;
  if (eku && !eku.includes(OID_CLIENT_AUTH) && !eku.includes(OID_ANY_EXTENDED_KEY_USAGE)) {
    return {
      error: `verifying certificate SN=${decimalSerial(cert.serialNumber)} failed: x509: certificate specifies an incompatible key usage`,
    };
  }
  const username = lastOf(cert.subject.CN);
  // A certificate without a CN names nobody: not an error, the next authenticator may know.
  if (!username) return undefined;
  const groups = cert.subject.O === undefined ? [] : [cert.subject.O].flat();
  const user: UserInfo = { username, groups };
  if (cert.fingerprint256) {
    const sha = cert.fingerprint256.replaceAll(":", "").toLowerCase();
    user.extra = { [CREDENTIAL_ID_KEY]: [`X509SHA256=${sha}`] };
  }
  return { user };
}

/**
 * `Authorization: Bearer <token>`. A header that is not a bearer token (Basic, or "Bearer" with
 * nothing after it) is not this authenticator's business; a bearer token nobody issued is an error.
 */
function fromBearerToken(
  header: string | undefined,
  tokens: StaticTokenAuthenticator | undefined,
): Step {
  const value = header?.trim() ?? "";
  if (value === "") return undefined;
  const [scheme = "", token = ""] = value.split(" ", 3);
  if (scheme.toLowerCase() !== "bearer" || token === "") return undefined;
  const user = tokens?.authenticateToken(token);
  return user ? { user: { ...user, groups: [...user.groups] } } : { error: "invalid bearer token" };
}

/** As Kubernetes' AuthenticatedGroupAdder: not twice, and never onto an unauthenticated user. */
function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.groups.includes(AUTHENTICATED_GROUP) || user.groups.includes(UNAUTHENTICATED_GROUP)) {
    return user;
  }
  return { ...user, groups: [...user.groups, AUTHENTICATED_GROUP] };
}

const OID_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const OID_ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

/** OpenSSL's verify codes, in the words Go's crypto/x509 uses for the same failure. */
const X509_REASONS: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "x509: certificate signed by unknown authority",
  UNABLE_TO_GET_ISSUER_CERT: "x509: certificate signed by unknown authority",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "x509: certificate signed by unknown authority",
  DEPTH_ZERO_SELF_SIGNED_CERT: "x509: certificate signed by unknown authority",
  SELF_SIGNED_CERT_IN_CHAIN: "x509: certificate signed by unknown authority",
  CERT_SIGNATURE_FAILURE: "x509: certificate signed by unknown authority",
  CERT_HAS_EXPIRED: "x509: certificate has expired or is not yet valid",
  CERT_NOT_YET_VALID: "x509: certificate has expired or is not yet valid",
  INVALID_PURPOSE: "x509: certificate specifies an incompatible key usage",
};

function x509Reason(error: string | Error | undefined): string {
  const code = typeof error === "string" ? error : (error as { code?: string } | undefined)?.code;
  if (code === undefined) return "x509: certificate was not verified";
  return X509_REASONS[code] ?? `x509: ${code}`;
}

/** Node prints serials in hex; Kubernetes' message prints them in decimal. */
function decimalSerial(hex: string | undefined): string {
  if (!hex || !/^[0-9A-Fa-f]+$/.test(hex)) return "unknown";
  return BigInt(`0x${hex}`).toString(10);
}

function lastOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.at(-1) : value;
}

function sha256(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

// --- CSV, as Go's encoding/csv reads it ------------------------------------------------------

/**
 * Splits text into records of fields. Quoted fields may hold commas, newlines and `""`; a quote in
 * an unquoted field, or text after a closing quote, is an error, with Go's wording.
 */
function* readCsv(text: string, source: string): Generator<{ fields: string[]; line: number }> {
  const input = text.replaceAll("\r\n", "\n");
  let i = 0;
  let line = 1;
  while (i < input.length) {
    if (input[i] === "\n") {
      i++;
      line++;
      continue; // blank line
    }
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field = "";
      if (input[i] === '"') {
        const column = i - input.lastIndexOf("\n", i - 1);
        i++;
        for (;;) {
          if (i >= input.length) {
            throw new TokenFileError(
              source,
              start,
              `extraneous or missing " in quoted-field (column ${column})`,
            );
          }
          const c = input[i];
          if (c === '"' && input[i + 1] === '"') {
            field += '"';
            i += 2;
          } else if (c === '"') {
            i++;
            break;
          } else {
            if (c === "\n") line++;
            field += c;
            i++;
          }
        }
        if (i < input.length && input[i] !== "," && input[i] !== "\n") {
          throw new TokenFileError(
            source,
            line,
            `extraneous or missing " in quoted-field (column ${column})`,
          );
        }
      } else {
        while (i < input.length && input[i] !== "," && input[i] !== "\n") {
          if (input[i] === '"') {
            const column = i - input.lastIndexOf("\n", i - 1);
            throw new TokenFileError(source, line, `bare " in non-quoted-field (column ${column})`);
          }
          field += input[i];
          i++;
        }
      }
      fields.push(field);
      if (input[i] === ",") {
        i++;
        continue;
      }
      break;
    }
    yield { fields, line: start };
    if (input[i] === "\n") {
      i++;
      line++;
    }
  }
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) || value.startsWith(" ")
    ? `"${value.replaceAll('"', '""')}"`
    : value;
}
