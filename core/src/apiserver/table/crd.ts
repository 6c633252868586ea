/**
 * Tables for custom resources, from the CRD version's additionalPrinterColumns
 * (apiextensions-apiserver's tableconvertor).
 *
 * - Columns: NAME, then one per printer column, in order; with none declared, a single AGE
 *   column (a "date" of .metadata.creationTimestamp). Priority-1 columns are sent like the rest;
 *   kubectl hides them without -o wide.
 * - Cells: the first value the column's JSONPath selects, typed by the column:
 *     string   printed as Go prints it (numbers "3", objects "map[a:1]", null "<no value>")
 *     integer  a JSON number, truncated toward zero
 *     number   a JSON number
 *     boolean  true/false
 *     date     an RFC 3339 string shown as an age ("5m"), "<invalid>" when it does not parse
 *   A path that selects nothing, fails, or finds a value of the wrong type gives null, which
 *   kubectl prints as an empty cell.
 * - A column whose JSONPath does not parse is dropped with every column after it, as Kubernetes
 *   serves the columns it managed to build (it logs the error; CRD validation normally prevents it).
 */
import type { KubeList, KubeObject } from "../../api/object.ts";
import { age, parseRFC3339 } from "./age.ts";
import { goPrint, type JsonPath, JsonPathError, parseJsonPath } from "./jsonpath.ts";
import {
  type Cell,
  CREATION_TIMESTAMP_DESCRIPTION,
  column,
  nameColumn,
  nameOf,
  type TableColumnDefinition,
} from "./printer.ts";
import { buildTable, type Table, type TableOptions } from "./table.ts";

/** apiextensions/v1 CustomResourceColumnDefinition. */
export interface CustomResourceColumnDefinition {
  name: string;
  type: "integer" | "number" | "string" | "boolean" | "date" | (string & {});
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** What Kubernetes serves for a CRD version without additionalPrinterColumns. */
export const DEFAULT_CRD_COLUMNS: readonly CustomResourceColumnDefinition[] = [
  {
    name: "Age",
    type: "date",
    description: CREATION_TIMESTAMP_DESCRIPTION,
    jsonPath: ".metadata.creationTimestamp",
  },
];

interface CompiledColumn {
  definition: TableColumnDefinition;
  path: JsonPath;
}

/** Column definitions and parsed paths; stops at the first path that does not parse. */
function compileColumns(
  columns: readonly CustomResourceColumnDefinition[] | undefined,
): CompiledColumn[] {
  const given = columns && columns.length > 0 ? columns : DEFAULT_CRD_COLUMNS;
  const compiled: CompiledColumn[] = [];
  for (const c of given) {
    let path: JsonPath;
    try {
      path = parseJsonPath(c.jsonPath);
    } catch (error) {
      if (error instanceof JsonPathError) break;
      throw error;
    }
    const description =
      c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`;
    compiled.push({
      definition: column(c.name, c.type, description, {
        format: c.format ?? "",
        priority: c.priority ?? 0,
      }),
      path,
    });
  }
  return compiled;
}

/** cellForJSONValue: the value if it has the column's type, converted; else null. */
function typedCell(type: string, value: unknown, now: number): Cell {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "integer":
      return typeof value === "number" ? Math.trunc(value) : null;
    case "number":
      return typeof value === "number" ? value : null;
    case "boolean":
      return typeof value === "boolean" ? value : null;
    case "date": {
      if (typeof value !== "string") return null;
      // metav1.Time accepts "" (and "null") as the zero time, which prints "<unknown>".
      if (value === "" || value === "null") return "<unknown>";
      return parseRFC3339(value) === undefined ? "<invalid>" : age(value, now);
    }
    default:
      return null;
  }
}

function cellFor(column: CompiledColumn, obj: KubeObject, now: number): Cell {
  let results: unknown[];
  try {
    results = column.path.find(obj);
  } catch (error) {
    if (error instanceof JsonPathError) return null;
    throw error;
  }
  if (results.length === 0) return null;
  const value = results[0];
  // Go's jsonpath prints a JSON null as "<no value>" (reflect sees no value to print).
  if (column.definition.type === "string") return value === null ? "<no value>" : goPrint(value);
  return typedCell(column.definition.type, value, now);
}

// #region crdTable
/**
 * The Table for custom resources of one CRD version. `columns` is that version's
 * additionalPrinterColumns (undefined or empty for none). `wide` does not apply: like Kubernetes,
 * every column is always sent.
 */
export function crdTable(
  columns: readonly CustomResourceColumnDefinition[] | undefined,
  source: KubeList | KubeObject,
  options: Omit<TableOptions, "wide">,
): Table {
  const compiled = compileColumns(columns);
  const definitions = [nameColumn(), ...compiled.map((c) => c.definition)];
  return buildTable(
    source,
    definitions,
    (obj) => ({ cells: [nameOf(obj), ...compiled.map((c) => cellFor(c, obj, options.now))] }),
    options,
  );
}
// #endregion crdTable
