/**
 * The table for a kind without a printer (rest.NewDefaultTableConvertor): NAME and CREATED AT,
 * the creation time as an RFC 3339 timestamp in UTC rather than an age. Role, ClusterRole,
 * LimitRange and CustomResourceDefinition get this table in Kubernetes too.
 */
import type { KubeObject } from "../../../api/object.ts";
import { parseTime } from "../age.ts";
import {
  CREATION_TIMESTAMP_DESCRIPTION,
  column,
  definePrinter,
  nameColumn,
  nameOf,
} from "../printer.ts";

export const defaultColumns = [
  nameColumn(),
  column("Created At", "date", CREATION_TIMESTAMP_DESCRIPTION),
];

/** Go's time.Time{} formatted as RFC 3339: what an object without a creation time shows. */
const ZERO_TIME = "0001-01-01T00:00:00Z";

/** Go's `t.UTC().Format(time.RFC3339)`: whole seconds, "Z". */
export function formatRFC3339(timestamp: unknown): string {
  const ms = parseTime(timestamp);
  if (ms === undefined) return ZERO_TIME;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export const defaultPrinter = definePrinter<KubeObject>(defaultColumns, (obj) => [
  nameOf(obj),
  formatRFC3339(obj.metadata.creationTimestamp),
]);
