/**
 * Small helpers for defaulting plain JSON objects the way Go defaulting treats typed structs.
 *
 * Kubernetes decodes a request into Go structs before defaulting, so "unset" has three shapes
 * there, and each default in `SetDefaults_*` is written against one of them:
 * - a string field is unset when it is "" (`if obj.DNSPolicy == ""`): `defaultString`;
 * - a pointer field is unset when it is nil (`if obj.Spec.Replicas == nil`), and 0 or false
 *   are real values: `defaultValue`;
 * - a plain int field is unset when it is 0 (`if obj.TimeoutSeconds == 0`): `defaultNumber`.
 * In JSON, a missing key and `null` both decode to Go's zero value, so both count as unset.
 *
 * Helpers never replace a value of the wrong type: the request decoder rejects those, and a
 * defaulter that "repaired" them would hide the error.
 */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const unset = (value: unknown) => value === undefined || value === null;

/** The object at `key`, or undefined when it is absent or not an object. */
export function objectAt(parent: JsonObject, key: string): JsonObject | undefined {
  const value = parent[key];
  return isObject(value) ? value : undefined;
}

/** The object at `key`, created empty when unset (a Go value struct, or a defaulted pointer). */
export function ensureObject(parent: JsonObject, key: string): JsonObject | undefined {
  if (unset(parent[key])) parent[key] = {};
  return objectAt(parent, key);
}

/** The elements of the array at `key` that are objects; other elements are left alone. */
export function objectsAt(parent: JsonObject, key: string): JsonObject[] {
  const value = parent[key];
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** Sets a string field that is missing, null or "". */
export function defaultString(o: JsonObject, key: string, value: string): void {
  if (unset(o[key]) || o[key] === "") o[key] = value;
}

/** Sets a pointer field that is missing or null; 0, false and "" are values the user chose. */
export function defaultValue(o: JsonObject, key: string, value: unknown): void {
  if (unset(o[key])) o[key] = value;
}

/** Sets a plain (non-pointer) number field that is missing, null or 0. */
export function defaultNumber(o: JsonObject, key: string, value: number): void {
  if (unset(o[key]) || o[key] === 0) o[key] = value;
}

/** Whether a map or list field holds at least one entry (Go's `len(x) > 0`). */
export function hasEntries(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return isObject(value) && Object.keys(value).length > 0;
}
