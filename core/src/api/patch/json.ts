/**
 * Small helpers for the decoded JSON every patch works on. Values are whatever `JSON.parse`
 * returns: null, booleans, numbers, strings, arrays and plain objects. Nothing here mutates its
 * arguments.
 */
import { clone } from "../object.ts";

export type JsonObject = Record<string, unknown>;

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Structural equality of two JSON values; object key order does not matter, array order does. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
    );
  }
  return false;
}

/** A deep copy of a JSON value. */
export function copyJson<T>(value: T): T {
  return clone(value);
}

/**
 * The value as Go's `fmt` prints a decoded `interface{}` with `%v`, so our error messages read
 * like the API server's: `map[image:q name:b]` (keys sorted), `[a b]`, `<nil>`.
 */
export function goFormat(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (Array.isArray(value)) return `[${value.map(goFormat).join(" ")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((k) => `${k}:${goFormat(value[k])}`).join(" ")}]`;
  }
  return String(value);
}

/** The word Go's encoding/json uses for a JSON value's type in "cannot unmarshal X into ...". */
export function jsonTypeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "boolean") return "bool";
  return typeof value === "object" ? "object" : typeof value;
}

/**
 * The Go type of a decoded JSON value as reflect prints it, for messages like "expected a
 * []interface {}, but received a string". Integers are int64 because the API server decodes
 * patches with sigs.k8s.io/json's PreserveInts.
 */
export function goTypeName(value: unknown): string {
  if (value === null || value === undefined) return "%!s(<nil>)";
  if (Array.isArray(value)) return "[]interface {}";
  if (isObject(value)) return "map[string]interface {}";
  if (typeof value === "number") return Number.isInteger(value) ? "int64" : "float64";
  return typeof value === "boolean" ? "bool" : "string";
}

/**
 * `object[key] = value` that also works for the key "__proto__", which is an ordinary member in
 * JSON (a ConfigMap may have a data key "__proto__") but would set the prototype if assigned.
 */
export function setMember(object: JsonObject, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(object, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    object[key] = value;
  }
}
