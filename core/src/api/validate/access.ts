/**
 * Reading a JSON body the way Go's typed structs would see it, so validators can stay short:
 * a missing, null or wrongly typed field reads as the zero value ("" / 0 / [] / {}), as it would
 * after Go decoding. (Wrong types never get this far in Kubernetes: the decoder rejects them.)
 * Lists keep their indexes, so error paths like `spec.containers[2]` point at the right element.
 */
import { isObject, type JsonObject } from "../defaults/fields.ts";
import type { LabelSelectorObject, LabelSelectorRequirementObject } from "../validation.ts";

export { isObject, type JsonObject };

export const str = (value: unknown): string => (typeof value === "string" ? value : "");

export const num = (value: unknown): number | undefined =>
  typeof value === "number" ? value : undefined;

export const obj = (value: unknown): JsonObject => (isObject(value) ? value : {});

/** The elements of a list as objects (non-objects read as `{}`), indexes preserved. */
export const objects = (value: unknown): JsonObject[] =>
  Array.isArray(value) ? value.map(obj) : [];

export const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map(str) : []);

/** A `map[string]string` field; non-string values read as "". */
export function stringMap(value: unknown): Record<string, string> | undefined {
  if (!isObject(value)) return undefined;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, str(v)]));
}

/** Whether a field is set at all (Go: a non-nil pointer). */
export const isSet = (value: unknown): boolean => value !== undefined && value !== null;

/**
 * apiequality.Semantic.DeepEqual on decoded JSON. Go cannot tell a missing field from its zero
 * value, and Semantic equality treats nil and empty lists and maps alike, so a missing field,
 * null, "", [] and {} are all equal here.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b || (isEmpty(a) && isEmpty(b))) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.keys(value).every((k) => value[k] === undefined);
}

/** A metav1.LabelSelector read as typed: matchLabels a string map, expressions as strings. */
export function labelSelectorOf(value: unknown): LabelSelectorObject {
  const s = obj(value);
  const selector: LabelSelectorObject = {};
  if (isSet(s.matchLabels)) selector.matchLabels = stringMap(s.matchLabels) ?? {};
  if (isSet(s.matchExpressions)) {
    selector.matchExpressions = objects(s.matchExpressions).map((e) => ({
      key: str(e.key),
      // An unknown operator is kept as written, for validation to name it.
      operator: str(e.operator) as LabelSelectorRequirementObject["operator"],
      ...(isSet(e.values) ? { values: strings(e.values) } : {}),
    }));
  }
  return selector;
}
