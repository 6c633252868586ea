/**
 * The certificate a joining kubelet serves port 10250 with, found as the kubelet finds it
 * (cmd/kubelet/app/server.go InitializeTLS):
 * - --tls-cert-file and --tls-private-key-file, when given (both or neither);
 * - else kubelet.crt and kubelet.key in --cert-dir, when both can be read: a certificate made on
 *   an earlier start is reused;
 * - else a new self-signed one for the node's hostname and address (selfSignedServingCertificate),
 *   written there for the next start.
 * A self-signed certificate serves /healthz and the rest to whoever skips verification, but
 * tinykube's API server verifies kubelets against the cluster CA, so `kubectl logs` through it
 * needs a certificate the CA signed (DESIGN.md; the chapter 6 page shows how to make one).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describeCertificate, selfSignedServingCertificate } from "../apiserver/pki.ts";
import type { Clock } from "../util/clock.ts";
import { messageOf } from "../util/errors.ts";

export interface KubeletServingOptions {
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  /** --cert-dir: where a self-signed certificate is kept (kubelet's default /var/lib/kubelet/pki). */
  certDir: string;
  /** The node's name, which a kubelet also uses as its hostname. */
  hostname: string;
  address: string;
  clock?: Clock;
}

export interface KubeletServing {
  certPem: string;
  keyPem: string;
  /** Where it came from, for the log: the files given, the cert dir, or "self-signed, new". */
  source: string;
}

export async function kubeletServingCertificate(
  options: KubeletServingOptions,
): Promise<KubeletServing> {
  const { tlsCertFile, tlsPrivateKeyFile } = options;
  if ((tlsCertFile === undefined) !== (tlsPrivateKeyFile === undefined))
    throw new Error("--tls-cert-file and --tls-private-key-file go together: give both or neither");
  if (tlsCertFile !== undefined && tlsPrivateKeyFile !== undefined) {
    const [certPem, keyPem] = await Promise.all([
      readPem(tlsCertFile, "--tls-cert-file"),
      readPem(tlsPrivateKeyFile, "--tls-private-key-file"),
    ]);
    describeCertificate(certPem); // refuses what is not a certificate, before anything listens
    return { certPem, keyPem, source: tlsCertFile };
  }
  const certFile = join(options.certDir, "kubelet.crt");
  const keyFile = join(options.certDir, "kubelet.key");
  const existing = await Promise.all([
    readFile(certFile, "utf8").catch(() => undefined),
    readFile(keyFile, "utf8").catch(() => undefined),
  ]);
  if (existing[0] !== undefined && existing[1] !== undefined)
    return { certPem: existing[0], keyPem: existing[1], source: certFile };
  const made = await selfSignedServingCertificate({
    hostname: options.hostname,
    ips: [options.address],
    ...(options.clock ? { clock: options.clock } : {}),
  });
  await mkdir(options.certDir, { recursive: true, mode: 0o700 });
  await writeFile(certFile, made.certPem, { mode: 0o644 });
  await writeFile(keyFile, made.keyPem, { mode: 0o600 });
  return { certPem: made.certPem, keyPem: made.keyPem, source: `${certFile} (self-signed, new)` };
}

async function readPem(file: string, flag: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new Error(`${flag}: ${messageOf(error)}`);
  }
}
