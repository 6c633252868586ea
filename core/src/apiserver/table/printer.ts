/**
 * What a printer is: the column definitions of one kind, and a function from one object to the
 * cells of its row. This is the shape of `h.TableHandler(columns, printFunc)` in
 * kubernetes/pkg/printers/internalversion/printers.go, where every built-in kind registers one.
 *
 * A printer always computes every cell when `wide` is set, because kube-apiserver calls the
 * printers with `Wide: true`; kubectl then hides the `priority: 1` columns unless asked for
 * `-o wide`. With `wide` unset a printer leaves those cells out, as Kubernetes' do.
 */
import type { KubeObject } from "../../api/object.ts";

/** A cell as it travels in JSON. `null` is a missing value; kubectl prints it as nothing. */
export type Cell = string | number | boolean | null;

/**
 * metav1.TableColumnDefinition. `type` is an OpenAPI type ("string", "integer", "number",
 * "boolean") or "date"; `format` is "name" for the column that holds the object's name, so that
 * kubectl can prefix it ("pod/web-1") with --show-kind.
 */
export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  /** 0 is always shown; 1 (and above) only with `kubectl get -o wide`. */
  priority: number;
}

/** metav1.TableRowCondition: pods that finished mark their row Completed. */
export interface TableRowCondition {
  type: "Completed";
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
}

export interface PrintContext {
  /** Milliseconds since the epoch; every age is computed against it. */
  now: number;
  /** Whether to compute the cells of priority-1 columns (the API server always does). */
  wide: boolean;
}

export interface PrintedRow {
  cells: Cell[];
  conditions?: TableRowCondition[];
}

export interface Printer {
  readonly columns: readonly TableColumnDefinition[];
  print(obj: KubeObject, ctx: PrintContext): PrintedRow;
}

/**
 * Builds a Printer for objects of shape T: a narrow view of the fields this printer reads
 * (each printer declares its own, as a consumer should), checked at the one place it is cast.
 */
export function definePrinter<T extends KubeObject>(
  columns: readonly TableColumnDefinition[],
  print: (obj: T, ctx: PrintContext) => Cell[] | PrintedRow,
): Printer {
  return {
    columns,
    print(obj, ctx) {
      const printed = print(obj as T, ctx);
      return Array.isArray(printed) ? { cells: printed } : printed;
    },
  };
}

interface ColumnOptions {
  format?: string;
  priority?: number;
}

export function column(
  name: string,
  type: string,
  description: string,
  options: ColumnOptions = {},
): TableColumnDefinition {
  return { name, type, format: options.format ?? "", description, priority: options.priority ?? 0 };
}

/** A column shown only with `-o wide`. */
export function wideColumn(name: string, type: string, description: string): TableColumnDefinition {
  return column(name, type, description, { priority: 1 });
}

// metav1.ObjectMeta{}.SwaggerDoc()["name"] and ["creationTimestamp"]: Kubernetes describes the
// NAME and AGE columns of every kind with the documentation of these two fields.
export const NAME_DESCRIPTION =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
export const CREATION_TIMESTAMP_DESCRIPTION =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

export const nameColumn = (): TableColumnDefinition =>
  column("Name", "string", NAME_DESCRIPTION, { format: "name" });

export const ageColumn = (): TableColumnDefinition =>
  column("Age", "string", CREATION_TIMESTAMP_DESCRIPTION);

export const CONTAINERS_DESCRIPTION = "Names of each container in the template.";
export const IMAGES_DESCRIPTION = "Images referenced by each container in the template.";

/** The metadata.name of any object, "" when unset (Go's zero value). */
export function nameOf(obj: KubeObject): string {
  return obj.metadata?.name ?? "";
}

/** Kubernetes prints the length of a nil map or slice as 0. */
export function countOf(value: Record<string, unknown> | readonly unknown[] | undefined): number {
  if (value === undefined || value === null) return 0;
  return Array.isArray(value) ? value.length : Object.keys(value).length;
}

/**
 * The CONTAINERS and IMAGES cells of workloads (layoutContainerCells):
 * names and images of the template's containers, each joined with ",".
 */
export function containerCells(
  containers: readonly { name?: string; image?: string }[] | undefined,
): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? "").join(","), list.map((c) => c.image ?? "").join(",")];
}

/** Which printer a kind gets: the kind's KindKey ("/Pod", "apps/Deployment"; see api/kind-key.ts). */
export type { KindKey } from "../../api/kind-key.ts";
