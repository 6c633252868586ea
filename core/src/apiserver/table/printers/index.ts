/**
 * The printer of every kind that has one, by KindKey; `printerFor` falls back to the default
 * NAME / CREATED AT table, as kube-apiserver does for kinds without a printer.
 */
import type { KindKey, Printer } from "../printer.ts";
import { leasePrinter, priorityClassPrinter } from "./cluster.ts";
import { configMapPrinter, secretPrinter, serviceAccountPrinter } from "./config.ts";
import { defaultPrinter } from "./default.ts";
import { eventPrinter } from "./event.ts";
import { ingressClassPrinter, ingressPrinter } from "./ingress.ts";
import { ipAddressPrinter } from "./ipaddress.ts";
import { namespacePrinter, resourceQuotaPrinter } from "./namespace.ts";
import { nodePrinter } from "./node.ts";
import { podPrinter } from "./pod.ts";
import { clusterRoleBindingPrinter, roleBindingPrinter } from "./rbac.ts";
import { endpointSlicePrinter, endpointsPrinter, servicePrinter } from "./service.ts";
import { deploymentPrinter, replicaSetPrinter } from "./workloads.ts";

export const printers: ReadonlyMap<KindKey, Printer> = new Map<KindKey, Printer>([
  ["/Pod", podPrinter],
  ["/Node", nodePrinter],
  ["/Namespace", namespacePrinter],
  ["/Service", servicePrinter],
  ["/Endpoints", endpointsPrinter],
  ["/ConfigMap", configMapPrinter],
  ["/Secret", secretPrinter],
  ["/ServiceAccount", serviceAccountPrinter],
  ["/Event", eventPrinter],
  ["/ResourceQuota", resourceQuotaPrinter],
  ["apps/Deployment", deploymentPrinter],
  ["apps/ReplicaSet", replicaSetPrinter],
  ["discovery.k8s.io/EndpointSlice", endpointSlicePrinter],
  ["networking.k8s.io/Ingress", ingressPrinter],
  ["networking.k8s.io/IngressClass", ingressClassPrinter],
  ["networking.k8s.io/IPAddress", ipAddressPrinter],
  ["rbac.authorization.k8s.io/RoleBinding", roleBindingPrinter],
  ["rbac.authorization.k8s.io/ClusterRoleBinding", clusterRoleBindingPrinter],
  ["coordination.k8s.io/Lease", leasePrinter],
  ["scheduling.k8s.io/PriorityClass", priorityClassPrinter],
]);

export function printerFor(kind: KindKey): Printer {
  return printers.get(kind) ?? defaultPrinter;
}
