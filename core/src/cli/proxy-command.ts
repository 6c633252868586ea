/**
 * `tinykube proxy rules`: the iptables rules kube-proxy's iptables mode would install on a node
 * of the running cluster, printed in iptables-save layout.
 *
 *   tinykube proxy rules [--mode iptables] [--node NAME] [--cluster-cidr CIDR] [--restore]
 *                        [--data-dir DIR]
 *
 * It reads the cluster as kube-proxy does — as system:kube-proxy (the token in DIR/tokens.csv),
 * listing Services and EndpointSlices with kube-proxy's label selector — and renders the rules
 * for node NAME (default node-1: which endpoints are local, and the node's InternalIP, depend on
 * it). --cluster-cidr is kube-proxy's --cluster-cidr, tinykube's pod range 127.128.0.0/9 by
 * default. --restore prints what a sync from scratch would hand `iptables-restore` instead of the
 * resulting tables. Nothing is applied to the kernel. Only --mode iptables exists; ipvs and
 * nftables are named in the error, since Kubernetes has them.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { KubeObject } from "../api/object.ts";
import type { EndpointSlice, Service } from "../api/types.ts";
import { parseTokenFile } from "../apiserver/authn.ts";
import { resolveKubeconfig } from "../apiserver/kubeconfig.ts";
import { COMPONENT_USERS } from "../apiserver/rbac/bootstrap.ts";
import { builtinType } from "../client/factory.ts";
import { isNotFound, RestClient } from "../client/rest.ts";
import { IptablesRenderer } from "../proxy/iptables/renderer.ts";
import { KUBE_PROXY_LABEL_SELECTOR, TINYKUBE_CLUSTER_CIDR } from "../proxy/kube-proxy.ts";
import { ProxyState } from "../proxy/state.ts";
import { messageOf } from "../util/errors.ts";
import { repoRoot } from "./paths.ts";

export interface RenderClusterRulesOptions {
  client: RestClient;
  nodeName: string;
  clusterCIDR?: string;
  /** The restore input of a full sync instead of the resulting tables. */
  restore?: boolean;
}

/** Lists the cluster as kube-proxy would and renders the rules for one node. */
export async function renderClusterRules(options: RenderClusterRulesOptions): Promise<string> {
  const { client, nodeName } = options;
  const [services, slices, nodeIP] = await Promise.all([
    client
      .resource<Service>(builtinType("services"))
      .list({ labelSelector: KUBE_PROXY_LABEL_SELECTOR }),
    client
      .resource<EndpointSlice>(builtinType("discovery.k8s.io/endpointslices"))
      .list({ labelSelector: KUBE_PROXY_LABEL_SELECTOR }),
    internalIP(client, nodeName),
  ]);
  const state = new ProxyState(nodeName);
  for (const service of services.items) state.onService(undefined, service);
  for (const slice of slices.items) state.onEndpointSlice(slice, false);
  state.applyChanges();
  const renderer = new IptablesRenderer({
    ...(nodeIP ? { nodeIP } : {}),
    clusterCIDR: options.clusterCIDR ?? TINYKUBE_CLUSTER_CIDR,
  });
  const result = renderer.sync(state, new Set());
  const header = [
    `# iptables mode's rules for node ${nodeName}${nodeIP ? ` (${nodeIP})` : " (no such Node: no node IP)"}, rendered by tinykube; nothing is applied`,
    `# ${result.servicePorts} service port(s), ${result.endpoints} endpoint(s): ${result.filterRules} filter and ${result.natRules} nat rules, in ${result.durationMs.toFixed(1)} ms`,
  ];
  return `${header.join("\n")}\n${options.restore ? result.restoreInput : renderer.save()}`;
}

// #region proxyRulesCommand
/** `tinykube proxy ...`: `args` is what follows "proxy", starting with the subcommand "rules". */
export async function proxyRulesCommand(
  args: string[],
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<void> {
  const [subcommand, ...rest] = args;
  if (subcommand !== "rules") {
    throw new Error(
      `proxy: expected the subcommand "rules", got ${JSON.stringify(subcommand ?? "")}`,
    );
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      mode: { type: "string", default: "iptables" },
      node: { type: "string", default: "node-1" },
      "cluster-cidr": { type: "string", default: TINYKUBE_CLUSTER_CIDR },
      restore: { type: "boolean", default: false },
      "data-dir": { type: "string", default: resolve(repoRoot, ".tinykube") },
    },
  });
  if (values.mode !== "iptables") {
    throw new Error(
      `--mode: only "iptables" is rendered (Kubernetes also has "ipvs" and "nftables"), got ${JSON.stringify(values.mode)}`,
    );
  }
  const dataDir = resolve(values["data-dir"] as string);
  const read = (file: string) =>
    readFile(join(dataDir, file), "utf8").catch((error: unknown) => {
      throw new Error(
        `${join(dataDir, file)}: ${messageOf(error)} (start tinykube first: tinykube up)`,
      );
    });
  const kubeconfig = resolveKubeconfig(await read("kubeconfig"));
  const tokens = parseTokenFile(await read("tokens.csv"));
  const token = tokens.records.find((r) => r.user.username === COMPONENT_USERS.proxy)?.token;
  if (!token)
    throw new Error(`${join(dataDir, "tokens.csv")} has no token for ${COMPONENT_USERS.proxy}`);
  const client = new RestClient({
    server: kubeconfig.server,
    caPem: kubeconfig.caCertPem ?? "",
    token,
    userAgent: "kube-proxy",
  });
  try {
    write(
      await renderClusterRules({
        client,
        nodeName: values.node as string,
        clusterCIDR: values["cluster-cidr"] as string,
        restore: values.restore as boolean,
      }),
    );
  } finally {
    client.close();
  }
}
// #endregion proxyRulesCommand

/** The Node's InternalIP, or undefined if there is no such Node. */
async function internalIP(client: RestClient, nodeName: string): Promise<string | undefined> {
  try {
    const node = await client.resource<KubeObject>(builtinType("nodes")).get(nodeName);
    const addresses = (
      node.status as { addresses?: { type: string; address: string }[] } | undefined
    )?.addresses;
    return addresses?.find((a) => a.type === "InternalIP")?.address;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
