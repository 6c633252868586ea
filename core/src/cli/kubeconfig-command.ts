/**
 * `tinykube kubeconfig user`: a kubeconfig for any identity, signed by the cluster's CA — as
 * kubeadm's `kubeadm kubeconfig user --client-name NAME --org GROUP`, which is how an admin
 * hands a new node (or a person) its credentials.
 *
 *   tinykube kubeconfig user --client-name NAME [--org GROUP]... [--data-dir DIR]
 *
 * It prints the kubeconfig on standard output: the server and CA from DIR/kubeconfig (the one
 * `tinykube up` wrote), and a client certificate with CN=NAME and one O per --org, valid for a
 * year, signed with DIR/pki/ca.key. The API server takes CN as the user name and each O as a
 * group, so `--client-name system:node:node-9 --org system:nodes` is node-9's kubelet identity.
 * A certificate cannot be revoked: whoever holds the file is that user until it expires.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  buildKubeconfig,
  CLUSTER_NAME,
  kubeconfigToYaml,
  resolveKubeconfig,
} from "../apiserver/kubeconfig.ts";
import { issueClientCertificate, PKI_FILES } from "../apiserver/pki.ts";
import { messageOf } from "../util/errors.ts";
import { repoRoot } from "./paths.ts";

export async function kubeconfigCommand(args: string[]): Promise<void> {
  const [subcommand, ...rest] = args;
  if (subcommand !== "user")
    throw new Error(
      `kubeconfig: expected the subcommand "user", got ${JSON.stringify(subcommand ?? "")}`,
    );
  const { values } = parseArgs({
    args: rest,
    options: {
      "client-name": { type: "string" },
      org: { type: "string", multiple: true, default: [] },
      "data-dir": { type: "string", default: resolve(repoRoot, ".tinykube") },
    },
  });
  const user = values["client-name"];
  if (!user) throw new Error("--client-name: the user name (the certificate's CN) is required");
  const dataDir = resolve(values["data-dir"] as string);
  const read = (file: string) =>
    readFile(file, "utf8").catch((error: unknown) => {
      throw new Error(`${file}: ${messageOf(error)} (start tinykube first: tinykube up)`);
    });
  const admin = resolveKubeconfig(await read(join(dataDir, "kubeconfig")));
  const ca = {
    certPem: await read(join(dataDir, "pki", PKI_FILES.caCert)),
    keyPem: await read(join(dataDir, "pki", PKI_FILES.caKey)),
  };
  const cert = await issueClientCertificate({ ca }, { user, groups: values.org as string[] });
  const config = buildKubeconfig({
    server: admin.server,
    caCertPem: ca.certPem,
    userName: user,
    credentials: { clientCertificatePem: cert.certPem, clientKeyPem: cert.keyPem },
    // kubeadm names the context <user>@<cluster>.
    contextName: `${user}@${CLUSTER_NAME}`,
  });
  process.stdout.write(kubeconfigToYaml(config));
}
