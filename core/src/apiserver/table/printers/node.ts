/**
 * `kubectl get nodes`: NAME STATUS ROLES AGE VERSION, and with -o wide INTERNAL-IP EXTERNAL-IP
 * OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME (printNode).
 *
 * - STATUS reads only the Ready condition: "Ready" when True, "NotReady" when False or Unknown,
 *   "Unknown" when the node never reported one; a cordoned node (spec.unschedulable) adds
 *   ",SchedulingDisabled".
 * - ROLES come from labels: `node-role.kubernetes.io/<role>` (any value) and the older
 *   `kubernetes.io/role=<role>`, sorted and joined with ","; "<none>" without any.
 */
import type { KubeObject } from "../../../api/object.ts";
import { age } from "../age.ts";
import { ageColumn, column, definePrinter, nameColumn, nameOf, wideColumn } from "../printer.ts";

interface NodeFields extends KubeObject {
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: { type?: string; status?: string }[];
    addresses?: { type?: string; address?: string }[];
    nodeInfo?: {
      kubeletVersion?: string;
      osImage?: string;
      kernelVersion?: string;
      containerRuntimeVersion?: string;
    };
  };
}

const LABEL_NODE_ROLE_PREFIX = "node-role.kubernetes.io/";
const NODE_LABEL_ROLE = "kubernetes.io/role";

const ADDRESSES_DESCRIPTION =
  "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";

export const nodeColumns = [
  nameColumn(),
  column("Status", "string", "The status of the node"),
  column("Roles", "string", "The roles of the node"),
  ageColumn(),
  column("Version", "string", "Kubelet Version reported by the node."),
  wideColumn("Internal-IP", "string", ADDRESSES_DESCRIPTION),
  wideColumn("External-IP", "string", ADDRESSES_DESCRIPTION),
  wideColumn(
    "OS-Image",
    "string",
    "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).",
  ),
  wideColumn(
    "Kernel-Version",
    "string",
    "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
  ),
  wideColumn(
    "Container-Runtime",
    "string",
    "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).",
  ),
];

/** findNodeRoles: a sorted set of role names. */
export function nodeRoles(labels: Record<string, string> | undefined): string[] {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (key.startsWith(LABEL_NODE_ROLE_PREFIX)) {
      const role = key.slice(LABEL_NODE_ROLE_PREFIX.length);
      if (role !== "") roles.add(role);
    } else if (key === NODE_LABEL_ROLE && value !== "") {
      roles.add(value);
    }
  }
  return [...roles].sort();
}

function address(node: NodeFields, type: string): string {
  const found = node.status?.addresses?.find((a) => a.type === type);
  return found ? (found.address ?? "") : "<none>";
}

export const nodePrinter = definePrinter<NodeFields>(nodeColumns, (node, { now, wide }) => {
  // The last condition of a type wins, as Kubernetes builds a map by type.
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === "Ready").at(-1);
  const status: string[] = [];
  if (ready) status.push(ready.status === "True" ? "Ready" : "NotReady");
  if (status.length === 0) status.push("Unknown");
  if (node.spec?.unschedulable) status.push("SchedulingDisabled");

  const roles = nodeRoles(node.metadata.labels).join(",");
  const info = node.status?.nodeInfo ?? {};
  const cells = [
    nameOf(node),
    status.join(","),
    roles === "" ? "<none>" : roles,
    age(node.metadata.creationTimestamp, now),
    info.kubeletVersion ?? "",
  ];
  if (wide) {
    cells.push(
      address(node, "InternalIP"),
      address(node, "ExternalIP"),
      info.osImage || "<unknown>",
      info.kernelVersion || "<unknown>",
      info.containerRuntimeVersion || "<unknown>",
    );
  }
  return cells;
});
