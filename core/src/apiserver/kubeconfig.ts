/**
 * Kubeconfig files: how kubectl and every other client find the API server, decide to trust it
 * (the CA, embedded) and prove who they are (a bearer token or a client certificate and key).
 *
 * A kubeconfig names three lists and picks one entry of each through the current context:
 * a cluster (server URL + CA), a user (credentials), and a context (cluster + user + namespace).
 * tinykube writes one cluster, one user and one context, all named so that `kubectl config view`
 * reads naturally, with every certificate and key embedded as base64 `*-data` fields, as kubeadm
 * writes admin.conf.
 *
 * Guarantees: a written kubeconfig is complete or absent (temporary file + rename) and mode 0600,
 * because it holds credentials.
 */
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { parse, stringify } from "yaml";
import { writeFileAtomically } from "./pki.ts";

export const CLUSTER_NAME = "tinykube";
export const CONTEXT_NAME = "tinykube";

/** The fields of client-go's clientcmd v1 Config that tinykube writes, with their YAML names. */
export interface Kubeconfig {
  apiVersion: "v1";
  kind: "Config";
  clusters: { name: string; cluster: KubeconfigCluster }[];
  contexts: { name: string; context: KubeconfigContext }[];
  "current-context": string;
  preferences: Record<string, never>;
  users: { name: string; user: KubeconfigUser }[];
}

export interface KubeconfigCluster {
  server: string;
  "certificate-authority-data"?: string;
}

export interface KubeconfigContext {
  cluster: string;
  user: string;
  namespace?: string;
}

export interface KubeconfigUser {
  token?: string;
  "client-certificate-data"?: string;
  "client-key-data"?: string;
}

/** A bearer token, or a client certificate with its key (PEM). */
export type KubeconfigCredentials =
  | { token: string }
  | { clientCertificatePem: string; clientKeyPem: string };

export interface BuildKubeconfigOptions {
  /** The API server's URL, `https://127.0.0.1:<port>`: clients send no token over plain http. */
  server: string;
  /** The cluster CA that signed the server certificate (PEM). */
  caCertPem: string;
  /** The name of the users[] entry; the identity itself is in the credentials. */
  userName: string;
  credentials: KubeconfigCredentials;
  /** Default "default". */
  namespace?: string;
  clusterName?: string;
  contextName?: string;
}

// #region buildKubeconfig
export function buildKubeconfig(options: BuildKubeconfigOptions): Kubeconfig {
  if (!options.server.startsWith("https://")) {
    throw new Error(
      `kubeconfig server must be an https:// URL (kubectl never sends credentials over http), got "${options.server}"`,
    );
  }
  const clusterName = options.clusterName ?? CLUSTER_NAME;
  const contextName = options.contextName ?? CONTEXT_NAME;
  const credentials = options.credentials;
  const user: KubeconfigUser =
    "token" in credentials
      ? { token: credentials.token }
      : {
          "client-certificate-data": base64(credentials.clientCertificatePem),
          "client-key-data": base64(credentials.clientKeyPem),
        };
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name: clusterName,
        cluster: {
          "certificate-authority-data": base64(options.caCertPem),
          server: options.server,
        },
      },
    ],
    contexts: [
      {
        name: contextName,
        context: {
          cluster: clusterName,
          namespace: options.namespace ?? "default",
          user: options.userName,
        },
      },
    ],
    "current-context": contextName,
    preferences: {},
    users: [{ name: options.userName, user }],
  };
}
// #endregion buildKubeconfig

/** YAML as kubectl writes it: sequences not indented under their key, no line folding. */
export function kubeconfigToYaml(config: Kubeconfig): string {
  return stringify(config, { indentSeq: false, lineWidth: 0 });
}

/** Writes the kubeconfig so that a reader sees the old file or the new one, never a part. */
export async function writeKubeconfigAtomically(path: string, config: Kubeconfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomically(path, kubeconfigToYaml(config), 0o600);
}

/** What a client needs from a kubeconfig: the current context, resolved. */
export interface ResolvedKubeconfig {
  server: string;
  caCertPem?: string;
  namespace: string;
  token?: string;
  clientCertificatePem?: string;
  clientKeyPem?: string;
}

// #region resolveKubeconfig
/**
 * Follows current-context to its cluster and user, as a client does before its first request.
 * Reads the embedded `*-data` fields and `token`; file references (`certificate-authority`,
 * `client-certificate`, `tokenFile`) and exec plugins are not supported and say so.
 */
export function resolveKubeconfig(text: string): ResolvedKubeconfig {
  const config = parse(text) as Partial<Kubeconfig> | null;
  const contextName = config?.["current-context"];
  if (!contextName) throw new Error("kubeconfig has no current-context");
  const context = config.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) throw new Error(`kubeconfig: context "${contextName}" not found`);
  const cluster = config.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster?.server)
    throw new Error(`kubeconfig: cluster "${context.cluster}" not found or has no server`);
  const user = config.users?.find((u) => u.name === context.user)?.user ?? {};
  const unsupported = [
    "certificate-authority",
    "client-certificate",
    "client-key",
    "tokenFile",
    "exec",
  ].filter((field) => field in cluster || field in user);
  if (unsupported.length > 0) {
    throw new Error(
      `kubeconfig: file references and exec plugins are not supported (${unsupported.join(", ")}); embed the data`,
    );
  }
  const resolved: ResolvedKubeconfig = {
    server: cluster.server,
    namespace: context.namespace || "default",
  };
  const ca = cluster["certificate-authority-data"];
  if (ca) resolved.caCertPem = unbase64(ca);
  if (user.token) resolved.token = user.token;
  const cert = user["client-certificate-data"];
  const key = user["client-key-data"];
  if (cert) resolved.clientCertificatePem = unbase64(cert);
  if (key) resolved.clientKeyPem = unbase64(key);
  return resolved;
}
// #endregion resolveKubeconfig

function base64(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

function unbase64(data: string): string {
  return Buffer.from(data, "base64").toString("utf8");
}
