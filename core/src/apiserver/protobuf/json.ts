/**
 * From a protobuf message to the JSON a Go client would have sent for the same object.
 *
 * kubectl builds a Go struct and marshals it, to protobuf (1.32+) or to JSON (before). Decoding
 * the protobuf into that struct and printing it with Go's encoding/json gives back the JSON, so
 * this module follows what each of the two steps does with a field:
 *
 *   on the wire          Go struct field                     JSON
 *   absent               nil pointer                         left out
 *   "", 0 or false       has omitempty                       left out
 *   "", 0 or false       pointer: (pointer) = true           printed ("replicas": 0)
 *   "", 0 or false       no omitempty: (omitempty) = false   printed ("allowed": false)
 *   a message            struct, or non-nil pointer          printed, even as {}: omitempty
 *                                                            never hides a struct
 *   a message, (inline)  embedded struct, json:",inline"     its fields join the parent's
 *   no items or entries  nil slice or map                    left out, or null when it has
 *                                                            no omitempty ("rules": null)
 *
 * and four types print themselves their own way (custom MarshalJSON in Go):
 *
 *   meta/v1 Time                "2026-01-02T03:04:05Z" (whole seconds, UTC); null for the zero
 *                               time, which travels as an empty message
 *   intstr.IntOrString          8080 or "http", by its type field
 *   resource.Quantity           its string ("500m"); "0" when absent
 *   authentication ExtraValue   the list of strings itself
 *
 * Bytes print base64-encoded (Go's []byte), which is how Secret data gets its JSON form.
 */
import protobuf from "protobufjs";
import { ProtobufDecodeError } from "./errors.ts";
import { readFields, readMapEntry, type WireFields, type WireValue } from "./wire.ts";

/** Decodes `bytes` as a message of `type` and returns its JSON. `path` locates it, for errors. */
export function messageToJson(type: protobuf.Type, bytes: Uint8Array, path: string): unknown {
  const fields = readFields(type, bytes, path);
  const custom = CUSTOM_JSON[type.fullName];
  if (custom) return custom(fields, path);

  const json: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const values = fields.get(field.id) ?? [];
    const at = path ? `${path}.${field.name}` : field.name;
    if (field.map || field.repeated) {
      if (values.length > 0) json[field.name] = listOrMapToJson(field, values, at);
      else if (field.options?.["(omitempty)"] === false) json[field.name] = null;
    } else if (values.length === 0) {
      // absent: a nil pointer (or a field a non-Go client left out)
    } else if (field.resolvedType instanceof protobuf.Type) {
      // A message field sent twice is merged, as protobuf defines it: decode the concatenation.
      const value = messageToJson(field.resolvedType, concat(values), at);
      if (field.options?.["(inline)"] === true) Object.assign(json, value);
      else json[field.name] = value;
    } else {
      const value = values[values.length - 1] as WireValue; // the last one wins
      const keepZero =
        field.options?.["(pointer)"] === true || field.options?.["(omitempty)"] === false;
      if (keepZero || !isZero(value)) json[field.name] = scalarToJson(value);
    }
  }
  return json;
}

function listOrMapToJson(field: protobuf.Field, values: WireValue[], at: string): unknown {
  const itemType = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
  if (field instanceof protobuf.MapField) {
    const entries = values.map((bytes) => {
      const { key, value } = readMapEntry(field, bytes as Uint8Array, at);
      const where = `${at}[${JSON.stringify(key)}]`;
      if (itemType) return [key, messageToJson(itemType, (value ?? EMPTY) as Uint8Array, where)];
      return [key, scalarToJson(value ?? (field.type === "bytes" ? EMPTY : ""))];
    });
    // fromEntries defines own properties, so even a "__proto__" key stays an ordinary key;
    // a repeated key keeps its last value, as a Go map does.
    return Object.fromEntries(entries);
  }
  return values.map((value, i) =>
    itemType ? messageToJson(itemType, value as Uint8Array, `${at}[${i}]`) : scalarToJson(value),
  );
}

function scalarToJson(value: WireValue): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString("base64") : value;
}

function isZero(value: WireValue): boolean {
  return value === "" || value === 0 || value === false;
}

const EMPTY = new Uint8Array(0);

function concat(values: WireValue[]): Uint8Array {
  return values.length === 1 ? (values[0] as Uint8Array) : Buffer.concat(values as Uint8Array[]);
}

function last(fields: WireFields, number: number): WireValue | undefined {
  const values = fields.get(number);
  return values?.[values.length - 1];
}

// ---- the types with their own JSON form ----

const CUSTOM_JSON: Record<string, (fields: WireFields, path: string) => unknown> = {
  ".k8s.io.apimachinery.pkg.apis.meta.v1.Time": timeToJson,
  ".k8s.io.apimachinery.pkg.util.intstr.IntOrString": intOrStringToJson,
  ".k8s.io.apimachinery.pkg.api.resource.Quantity": quantityToJson,
  ".k8s.io.api.authentication.v1.ExtraValue": (fields) => fields.get(1) ?? null,
};

/** Go's zero time, 0001-01-01T00:00:00Z, in seconds from the Unix epoch. */
const GO_ZERO_TIME = -62_135_596_800;
/** 9999-12-31T23:59:59Z, the last second a Kubernetes Timestamp may hold. */
const LAST_TIME = 253_402_300_799;

/**
 * metav1.Time: Go marshals the zero time as null and any other time as RFC 3339 in UTC with
 * whole seconds. Go clients send the zero time as an empty message (the creationTimestamp of
 * every object kubectl creates), which decodes to the zero time again.
 */
function timeToJson(fields: WireFields, path: string): string | null {
  if (fields.size === 0) return null;
  const seconds = (last(fields, 1) ?? 0) as number;
  const nanos = (last(fields, 2) ?? 0) as number;
  // Go's time.Unix carries whole seconds out of nanos, then the fraction is not printed.
  const carried = seconds + Math.floor(nanos / 1e9);
  const fraction = nanos - Math.floor(nanos / 1e9) * 1e9;
  if (carried === GO_ZERO_TIME && fraction === 0) return null;
  if (carried < GO_ZERO_TIME || carried > LAST_TIME) {
    throw new ProtobufDecodeError(
      `${path}: time ${seconds}s is outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59Z`,
    );
  }
  return `${new Date(carried * 1000).toISOString().slice(0, 19)}Z`;
}

function intOrStringToJson(fields: WireFields, path: string): number | string {
  const type = last(fields, 1) ?? 0;
  if (type === 0) return (last(fields, 2) ?? 0) as number;
  if (type === 1) return (last(fields, 3) ?? "") as string;
  throw new ProtobufDecodeError(
    `${path}: IntOrString type must be 0 (Int) or 1 (String), got ${type}`,
  );
}

/**
 * Passed on as sent: Go clients send the canonical form ("1G", "500m"), which is also what Go's
 * JSON would print. Parsing quantities is the API layer's job.
 */
function quantityToJson(fields: WireFields, path: string): string {
  const value = last(fields, 1);
  if (value === undefined) return "0";
  if (value === "") throw new ProtobufDecodeError(`${path}: a quantity must not be empty`);
  return value as string;
}
