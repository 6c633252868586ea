/**
 * Namespace (NAME STATUS AGE) and the ResourceQuota that caps one (NAME AGE REQUEST LIMIT).
 */
import type { KubeObject } from "../../../api/object.ts";
import { formatQuantity, parseQuantity, QuantityError } from "../../../api/quantity.ts";
import { age } from "../age.ts";
import { ageColumn, column, definePrinter, nameColumn, nameOf } from "../printer.ts";

interface NamespaceFields extends KubeObject {
  status?: { phase?: string };
}

export const namespaceColumns = [
  nameColumn(),
  column("Status", "string", "The status of the namespace"),
  ageColumn(),
];

export const namespacePrinter = definePrinter<NamespaceFields>(namespaceColumns, (ns, { now }) => [
  nameOf(ns),
  ns.status?.phase ?? "",
  age(ns.metadata.creationTimestamp, now),
]);

interface ResourceQuotaFields extends KubeObject {
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

// Kubernetes 1.32's order; 1.33 moved AGE to the end (kubernetes/kubernetes#129419).
export const resourceQuotaColumns = [
  nameColumn(),
  ageColumn(),
  column(
    "Request",
    "string",
    "Request represents a minimum amount of cpu/memory that a container may consume.",
  ),
  column(
    "Limit",
    "string",
    "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.",
  ),
];

/**
 * Each resource of status.hard as "name: used/hard", sorted by name; `limits.*` resources go to
 * LIMIT, all others to REQUEST. A hard limit not yet observed as used shows used "0".
 * Quantities print as Quantity.String() prints them ("1000m" as "1").
 * Example: hard {pods: "10", "limits.cpu": "2", "requests.cpu": "1"}, used {pods: "3"} gives
 * REQUEST "pods: 3/10, requests.cpu: 0/1" and LIMIT "limits.cpu: 0/2".
 */
/** A stored quantity as Kubernetes prints it; a missing one is the zero quantity, "0". */
function quantity(text: string | undefined): string {
  if (text === undefined) return "0";
  try {
    return formatQuantity(parseQuantity(text));
  } catch (error) {
    // The API server validates quantities on write, so this is only a hand-made object.
    if (error instanceof QuantityError) return text;
    throw error;
  }
}

export function quotaCells(status: ResourceQuotaFields["status"]): [string, string] {
  const hard = status?.hard ?? {};
  const used = status?.used ?? {};
  const requests: string[] = [];
  const limits: string[] = [];
  for (const resource of Object.keys(hard).sort()) {
    const entry = `${resource}: ${quantity(used[resource])}/${quantity(hard[resource])}`;
    const pieces = resource.split(".");
    (pieces.length > 1 && pieces[0] === "limits" ? limits : requests).push(entry);
  }
  return [requests.join(", "), limits.join(", ")];
}

export const resourceQuotaPrinter = definePrinter<ResourceQuotaFields>(
  resourceQuotaColumns,
  (quota, { now }) => {
    const [request, limit] = quotaCells(quota.status);
    return [nameOf(quota), age(quota.metadata.creationTimestamp, now), request, limit];
  },
);
