/**
 * `tinykube kubelet`: one more node joining a running cluster from its own process — the
 * kubelet binary of a real node, with its kubeconfig as its only tie to the cluster.
 *
 *   tinykube kubelet --kubeconfig FILE --node-name NAME [--address IP] [--root-dir DIR]
 *                    [--pod-manifest-path DIR] [--tls-cert-file F --tls-private-key-file F]
 *                    [--cert-dir DIR] [--port N] [-v]
 *
 * - The kubeconfig names the API server, the CA to trust and the node's credentials: a client
 *   certificate for CN=system:node:NAME, O=system:nodes, as
 *   `tinykube kubeconfig user --client-name system:node:NAME --org system:nodes` makes one
 *   (kubeadm's `kubeadm kubeconfig user`), or a token.
 * - --address is the node's InternalIP. Without it: the address the Node NAME already reports
 *   (a kubelet coming back), else the lowest 127.1.0.N no Node reports — the next one after
 *   `tinykube up`'s nodes. Picking needs the API server; without it, pass --address.
 * - --root-dir holds the node's runtime, images and pods (default .tinykube/nodes/NAME in the
 *   repository, beside `tinykube up`'s nodes).
 * - --pod-manifest-path is the kubelet's staticPodPath: static pods run from there, with or
 *   without an API server, and show in the API as mirror pods.
 * - The kubelet serves HTTPS on <address>:<--port, 10250> (healthz, logs, stats; 0 picks a free
 *   port, which the Node reports in status.daemonEndpoints), with the certificate
 *   kubelet-serving.ts finds: --tls-cert-file/--tls-private-key-file, or one it signs itself and
 *   keeps in --cert-dir (default <root-dir>/pki). Clients must present a certificate the
 *   kubeconfig's CA signed, as the API server's kubelet client does.
 * - SIGINT or SIGTERM stops the kubelet, then the node's containers, as `tinykube up` stops its
 *   nodes: nothing of the node is left running.
 * - Quiet by default: a log line that repeats the previous one but for its numbers (a retry) is
 *   not printed again; -v prints every line.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Node } from "../api/types.ts";
import { resolveKubeconfig } from "../apiserver/kubeconfig.ts";
import { describeCertificate } from "../apiserver/pki.ts";
import { builtinType } from "../client/factory.ts";
import { RestClient } from "../client/rest.ts";
import { DEFAULT_KUBELET_PORT } from "../kubelet/server.ts";
import { messageOf } from "../util/errors.ts";
import { kubeletServingCertificate } from "./kubelet-serving.ts";
import { processNode } from "./node.ts";
import { repoRoot } from "./paths.ts";

/** Node addresses are 127.1.0.1 … 127.1.0.254 (DESIGN.md, network model). */
const NODE_ADDRESS_PREFIX = "127.1.0.";
const MAX_NODE_INDEX = 254;

export async function kubeletCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      kubeconfig: { type: "string" },
      "node-name": { type: "string" },
      address: { type: "string" },
      "root-dir": { type: "string" },
      "pod-manifest-path": { type: "string" },
      "tls-cert-file": { type: "string" },
      "tls-private-key-file": { type: "string" },
      "cert-dir": { type: "string" },
      port: { type: "string", default: String(DEFAULT_KUBELET_PORT) },
      verbose: { type: "boolean", short: "v", default: false },
    },
  });
  if (!values.kubeconfig) throw new Error("--kubeconfig: the node's kubeconfig file is required");
  const name = values["node-name"];
  if (!name) throw new Error("--node-name: the node's name is required");
  const kubeconfigText = await readFile(values.kubeconfig, "utf8").catch((error: unknown) => {
    throw new Error(`--kubeconfig: ${messageOf(error)}`);
  });
  const kc = resolveKubeconfig(kubeconfigText);
  const print = quietLog(values.verbose as boolean);
  if (kc.clientCertificatePem) {
    const cn = describeCertificate(kc.clientCertificatePem).commonName;
    if (cn !== `system:node:${name}`)
      print(
        `[kubelet ${name}] warning: the kubeconfig's certificate is for "${cn}", not system:node:${name}`,
      );
  }
  const client = new RestClient({
    server: kc.server,
    caPem: kc.caCertPem ?? "",
    ...(kc.token ? { token: kc.token } : {}),
    ...(kc.clientCertificatePem && kc.clientKeyPem
      ? { clientCert: { certPem: kc.clientCertificatePem, keyPem: kc.clientKeyPem } }
      : {}),
    userAgent: `kubelet/${name}`,
    // KubeletConfiguration's kubeAPIQPS 50 and kubeAPIBurst 100.
    qps: 50,
    burst: 100,
  });
  let address = values.address;
  if (!address) {
    try {
      address = await pickNodeAddress(client, name);
    } catch (error) {
      client.close();
      throw new Error(
        `--address: none given, and the API server could not say which addresses are taken (${messageOf(error)}); pass --address ${NODE_ADDRESS_PREFIX}N`,
      );
    }
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    client.close();
    throw new Error(`--port: ${JSON.stringify(values.port)} is not a port (0-65535)`);
  }
  const rootDir = resolve(values["root-dir"] ?? resolve(repoRoot, ".tinykube", "nodes", name));
  const manifests = values["pod-manifest-path"];
  let serving: Awaited<ReturnType<typeof kubeletServingCertificate>> | undefined;
  if (kc.caCertPem) {
    try {
      serving = await kubeletServingCertificate({
        ...(values["tls-cert-file"] ? { tlsCertFile: resolve(values["tls-cert-file"]) } : {}),
        ...(values["tls-private-key-file"]
          ? { tlsPrivateKeyFile: resolve(values["tls-private-key-file"]) }
          : {}),
        certDir: resolve(values["cert-dir"] ?? join(rootDir, "pki")),
        hostname: name,
        address,
      });
    } catch (error) {
      client.close();
      throw error;
    }
  } else {
    print(
      `[kubelet ${name}] no HTTPS server: the kubeconfig names no CA to check its clients against`,
    );
  }
  const node = processNode({
    client,
    name,
    address,
    rootDir,
    ...(manifests ? { staticPodPath: resolve(manifests) } : {}),
    ...(serving && kc.caCertPem
      ? {
          server: {
            port,
            tls: { certPem: serving.certPem, keyPem: serving.keyPem, caPem: kc.caCertPem },
          },
        }
      : {}),
    log: print,
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the kubelet and the node's containers`);
    await node.stop();
    console.log("stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  console.log(
    `[kubelet ${name}] starting at ${address} against ${kc.server}; root ${rootDir}` +
      (manifests ? `; static pods from ${resolve(manifests)}` : "") +
      (serving ? `; serving certificate ${serving.source}` : ""),
  );
  await node.kubelet.start();
  if (!stopping)
    console.log(
      `[kubelet ${name}] joined: node ${name} is registered. Ctrl-C stops it and its containers.`,
    );
}

// #region pickNodeAddress
/** The Node's own InternalIP if it exists, else the lowest 127.1.0.N no Node reports. */
export async function pickNodeAddress(client: RestClient, name: string): Promise<string> {
  const nodes = (await client.resource<Node>(builtinType("nodes")).list()).items;
  const internalIP = (node: Node) =>
    (node.status?.addresses as { type: string; address: string }[] | undefined)?.find(
      (a) => a.type === "InternalIP",
    )?.address;
  const own = nodes.find((n) => n.metadata.name === name);
  const ownAddress = own && internalIP(own);
  if (ownAddress) return ownAddress;
  const taken = new Set(nodes.map(internalIP));
  for (let n = 1; n <= MAX_NODE_INDEX; n++) {
    if (!taken.has(`${NODE_ADDRESS_PREFIX}${n}`)) return `${NODE_ADDRESS_PREFIX}${n}`;
  }
  throw new Error(`every address ${NODE_ADDRESS_PREFIX}1-${MAX_NODE_INDEX} is taken`);
}
// #endregion pickNodeAddress

/**
 * console.log, without a line that repeats the previous one but for its numbers (a retry every
 * few seconds while the API server is away) unless `verbose`.
 */
function quietLog(verbose: boolean): (line: string) => void {
  let previous = "";
  return (line) => {
    const shape = line.replace(/\d+/g, "#");
    if (!verbose && shape === previous) return;
    previous = shape;
    console.log(line);
  };
}
