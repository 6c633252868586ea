/**
 * IPAddress (NAME PARENTREF): which object holds each allocated address, as
 * "<resource>[.<group>]/<namespace>/<name>", e.g. services/default/kubernetes.
 *
 * Kubernetes' printIPAddress fills an AGE cell too, but its column list has no AGE column, so
 * kubectl shows two columns; the third cell travels in the Table all the same.
 */
import type { KubeObject } from "../../../api/object.ts";
import type { ParentReference } from "../../../api/types.ts";
import { age } from "../age.ts";
import { column, definePrinter, nameColumn, nameOf } from "../printer.ts";

interface IPAddressFields extends KubeObject {
  spec?: { parentRef?: ParentReference };
}

export const ipAddressColumns = [
  nameColumn(),
  column(
    "ParentRef",
    "string",
    "ParentRef references the resource that an IPAddress is attached to. An IPAddress must reference a parent object.",
  ),
];

/** schema.GroupResource.String(), lower-cased, then the namespace if any, then the name. */
export function parentRefName(ref: ParentReference | undefined): string {
  if (!ref) return "<none>";
  const groupResource = (ref.group ? `${ref.resource}.${ref.group}` : ref.resource).toLowerCase();
  return `${groupResource}${ref.namespace ? `/${ref.namespace}` : ""}/${ref.name}`;
}

export const ipAddressPrinter = definePrinter<IPAddressFields>(ipAddressColumns, (ip, { now }) => [
  nameOf(ip),
  parentRefName(ip.spec?.parentRef),
  age(ip.metadata.creationTimestamp, now),
]);
