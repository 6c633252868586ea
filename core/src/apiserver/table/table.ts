/**
 * Server-side tables: what the API server answers when a client sends
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, as `kubectl get` does. The server, not
 * kubectl, decides the columns of each kind and computes every cell; kubectl only lays them out.
 * That is why an old kubectl prints new kinds correctly.
 *
 * Guarantees (each as kube-apiserver behaves):
 * - Columns and cells come from the kind's printer (printers/), or the default NAME / CREATED AT
 *   table for kinds without one; custom resources use crdTable (crd.ts).
 * - Wide by default: the server always computes `-o wide` cells and sends the priority-1 columns;
 *   kubectl hides them unless asked. `wide: false` is what Kubernetes' printers do for a
 *   non-wide request: priority-1 columns and their cells are left out.
 * - Each row carries an object, per `includeObject`: the object's metadata as a
 *   PartialObjectMetadata (the default; kubectl reads namespace and labels from it for -A and
 *   --show-labels), the whole object, or none.
 * - metadata.resourceVersion is the list's (or the single object's), so a watch can follow on.
 * - Pure: `now` is passed in, nothing is read from the clock, the input is not modified.
 */
import {
  clone,
  type KubeList,
  type KubeObject,
  type ListMeta,
  type ObjectMeta,
} from "../../api/object.ts";
import type {
  Cell,
  KindKey,
  PrintContext,
  PrintedRow,
  TableColumnDefinition,
  TableRowCondition,
} from "./printer.ts";
import { printerFor } from "./printers/index.ts";

/** metav1.IncludeObjectPolicy, the `includeObject` query parameter of a table request. */
export type IncludeObjectPolicy = "None" | "Metadata" | "Object";

/** The versions of meta.k8s.io that define Table; a request names one in its Accept header. */
export type TableVersion = "v1" | "v1beta1";

/** metav1.PartialObjectMetadata: an object reduced to its metadata. */
export interface PartialObjectMetadata {
  kind: "PartialObjectMetadata";
  apiVersion: `meta.k8s.io/${TableVersion}`;
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: Cell[];
  /** Only set when the printer marks the row (a finished pod is "Completed"). */
  conditions?: TableRowCondition[];
  /** null with includeObject=None. */
  object: PartialObjectMetadata | KubeObject | null;
}

export interface Table {
  kind: "Table";
  apiVersion: `meta.k8s.io/${TableVersion}`;
  metadata: ListMeta;
  /** null with noHeaders, as Kubernetes sends it (watch events after the first do that). */
  columnDefinitions: TableColumnDefinition[] | null;
  rows: TableRow[];
}

export interface TableOptions {
  /** Milliseconds since the epoch: ages are computed against it. */
  now: number;
  /** Default true, as kube-apiserver always generates wide tables. */
  wide?: boolean;
  /** Default "Metadata". */
  includeObject?: IncludeObjectPolicy;
  /** metav1.TableOptions.noHeaders: leave out the column definitions. */
  noHeaders?: boolean;
  /** Default "v1". */
  tableVersion?: TableVersion;
}

/** Raised for an includeObject value Kubernetes does not know; the handler answers 400 with it. */
export class InvalidIncludeObjectError extends Error {
  override name = "InvalidIncludeObjectError";
  constructor(readonly value: string) {
    super(`unrecognized includeObject value: ${JSON.stringify(value)}`);
  }
}

/**
 * The `includeObject` query parameter: absent or empty means Metadata, as in Kubernetes.
 * Anything but None, Metadata or Object throws InvalidIncludeObjectError.
 */
export function parseIncludeObject(value: string | null | undefined): IncludeObjectPolicy {
  if (value === undefined || value === null || value === "") return "Metadata";
  if (value === "None" || value === "Metadata" || value === "Object") return value;
  throw new InvalidIncludeObjectError(value);
}

export function isList(source: KubeList | KubeObject): source is KubeList {
  return Array.isArray((source as { items?: unknown }).items);
}

/** The table's ListMeta: a list's resourceVersion, continue and remainingItemCount, or an object's resourceVersion. */
function tableMeta(source: KubeList | KubeObject): ListMeta {
  const meta: ListMeta = {};
  if (isList(source)) {
    const { resourceVersion, continue: next, remainingItemCount } = source.metadata ?? {};
    if (resourceVersion) meta.resourceVersion = resourceVersion;
    if (next) meta.continue = next;
    if (remainingItemCount !== undefined) meta.remainingItemCount = remainingItemCount;
  } else if (source.metadata?.resourceVersion) {
    meta.resourceVersion = source.metadata.resourceVersion;
  }
  return meta;
}

function rowObject(
  obj: KubeObject,
  policy: IncludeObjectPolicy,
  version: TableVersion,
): TableRow["object"] {
  switch (policy) {
    case "None":
      return null;
    case "Object":
      return clone(obj);
    case "Metadata":
      return {
        kind: "PartialObjectMetadata",
        apiVersion: `meta.k8s.io/${version}`,
        metadata: clone(obj.metadata ?? {}),
      };
  }
}

/**
 * Assembles a Table from column definitions and a row function: the part every table convertor
 * shares (built-in printers, the default table, custom resources). Used by toTable and crdTable.
 */
export function buildTable(
  source: KubeList | KubeObject,
  columns: readonly TableColumnDefinition[],
  printRow: (obj: KubeObject) => PrintedRow,
  options: Omit<TableOptions, "now" | "wide">,
): Table {
  const version = options.tableVersion ?? "v1";
  const policy = options.includeObject ?? "Metadata";
  const items = isList(source) ? source.items : [source];
  return {
    kind: "Table",
    apiVersion: `meta.k8s.io/${version}`,
    metadata: tableMeta(source),
    columnDefinitions: options.noHeaders ? null : columns.map((c) => ({ ...c })),
    rows: items.map((obj) => {
      const { cells, conditions } = printRow(obj);
      const row: TableRow = { cells, object: rowObject(obj, policy, version) };
      if (conditions) row.conditions = conditions.map((c) => ({ ...c }));
      return row;
    }),
  };
}

/**
 * The Table for a list (or one object) of a built-in kind. Example: two pods of "/Pod" give
 * columns Name, Ready, Status, Restarts, Age, IP, Node, Nominated Node, Readiness Gates and rows
 * like ["web-1", "1/1", "Running", "0", "5m", "127.128.0.5", "node-1", "<none>", "<none>"].
 */
export function toTable(
  source: KubeList | KubeObject,
  kind: KindKey,
  options: TableOptions,
): Table {
  const printer = printerFor(kind);
  const ctx: PrintContext = { now: options.now, wide: options.wide ?? true };
  const columns = ctx.wide ? printer.columns : printer.columns.filter((c) => c.priority === 0);
  return buildTable(source, columns, (obj) => printer.print(obj, ctx), options);
}
