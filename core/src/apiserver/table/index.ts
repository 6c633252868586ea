export { age, humanDuration, parseRFC3339, parseTime, shortHumanDuration } from "./age.ts";
export {
  type CustomResourceColumnDefinition,
  crdTable,
  DEFAULT_CRD_COLUMNS,
} from "./crd.ts";
export { goPrint, type JsonPath, JsonPathError, parseJsonPath } from "./jsonpath.ts";
export type {
  Cell,
  KindKey,
  Printer,
  TableColumnDefinition,
  TableRowCondition,
} from "./printer.ts";
export { printerFor, printers } from "./printers/index.ts";
export {
  type IncludeObjectPolicy,
  InvalidIncludeObjectError,
  type PartialObjectMetadata,
  parseIncludeObject,
  type Table,
  type TableOptions,
  type TableRow,
  type TableVersion,
  toTable,
} from "./table.ts";
