/**
 * The protobuf wire format, read one message at a time against its schema.
 *
 * A message is a run of fields. Each starts with a tag, the varint `fieldNumber << 3 | wireType`,
 * and the wire type says how long the value is:
 *
 *   0  varint                   bool, int32, int64
 *   1  8 bytes                  (not used by Kubernetes)
 *   2  length, then the bytes   string, bytes, an embedded message, a map entry, packed numbers
 *   5  4 bytes                  (not used by Kubernetes)
 *   3, 4 start and end a "group", a proto2 feature Kubernetes never uses: refused.
 *
 * Worked example, the ObjectMeta inside `kubectl create namespace x`:
 *
 *   0a 01 78   tag 0x0a = field 1 (name), wire type 2; 1 byte: "x"
 *   12 00      field 2 (generateName), wire type 2; 0 bytes: ""
 *   ...
 *   38 00      tag 0x38 = field 7 (generation), wire type 0; varint 0
 *   42 00      field 8 (creationTimestamp), wire type 2; 0 bytes: an empty Time message
 *
 * Go clients write every non-pointer field, zero or not, which is why "" and 0 travel at all.
 *
 * Guarantees: every step consumes input, and an embedded message comes back as bytes (read later
 * against its own type), so any input ends in a result or one of the decoder's errors, never in a
 * hang or a deep recursion. A field the schema does not know is skipped when its value is zero (Go
 * wrote it only because it is a non-pointer field) and refused with UnsupportedProtobufField
 * otherwise.
 */
import protobuf from "protobufjs";
import {
  ProtobufDecodeError,
  UnsupportedProtobufError,
  UnsupportedProtobufField,
} from "./errors.ts";

/**
 * A field's value as read: numbers and booleans decoded, strings decoded from UTF-8, bytes and
 * embedded messages (and map entries) left as bytes.
 */
export type WireValue = string | number | boolean | Uint8Array;

/** Every occurrence of each known field, in wire order, by field number. */
export type WireFields = Map<number, WireValue[]>;

/** What a field's values are; tinykube's .proto files use no other protobuf types. */
export type ValueKind = "bool" | "int32" | "int64" | "string" | "bytes" | "message";

const VARINT = 0;
const LENGTH_DELIMITED = 2;

export function valueKind(field: protobuf.FieldBase): ValueKind {
  if (field.resolvedType instanceof protobuf.Type) return "message";
  switch (field.type) {
    case "bool":
    case "int32":
    case "int64":
    case "string":
    case "bytes":
      return field.type;
    default:
      throw new Error(
        `${field.fullName} has type ${field.type}; the decoder reads only bool, int32, int64, ` +
          "string, bytes and messages",
      );
  }
}

/** Reads the fields of one message of `type`. `path` locates the message in the object. */
export function readFields(type: protobuf.Type, bytes: Uint8Array, path: string): WireFields {
  const fields: WireFields = new Map();
  const name = type.fullName.slice(1);
  return guard(name, path, () => {
    const reader = protobuf.Reader.create(bytes);
    while (reader.pos < reader.len) {
      const { number, wireType, offset } = readTag(reader);
      const field = type.fieldsById[number];
      if (field === undefined) {
        if (!skipUnknown(reader, wireType, offset)) {
          throw new UnsupportedProtobufField(name, number, path);
        }
        continue;
      }
      const values = fields.get(number) ?? [];
      fields.set(number, values);
      // A map field's wire value is one entry message ({key = 1, value = 2}) per key.
      const kind = field.map ? "message" : valueKind(field);
      if (field.repeated && wireTypeOf(kind) === VARINT && wireType === LENGTH_DELIMITED) {
        readPacked(reader, kind, values); // repeated numbers may come packed in one run
      } else {
        values.push(readValue(reader, kind, wireType, `${field.name} (${kind})`));
      }
    }
    return fields;
  });
}

/** Reads one map entry: the key (field 1) and the value (field 2), either possibly absent. */
export function readMapEntry(
  field: protobuf.MapField,
  bytes: Uint8Array,
  path: string,
): { key: string; value: WireValue | undefined } {
  const name = `${field.parent?.fullName.slice(1)}.${field.name} entry`;
  return guard(name, path, () => {
    const reader = protobuf.Reader.create(bytes);
    const kind = valueKind(field);
    let key = "";
    let value: WireValue | undefined;
    while (reader.pos < reader.len) {
      const { number, wireType, offset } = readTag(reader);
      if (number === 1) key = readValue(reader, "string", wireType, "key (string)") as string;
      else if (number === 2) value = readValue(reader, kind, wireType, `value (${kind})`);
      else if (!skipUnknown(reader, wireType, offset)) {
        throw new UnsupportedProtobufField(name, number, path);
      }
    }
    return { key, value };
  });
}

/**
 * Turns any failure while reading one message (protobufjs' RangeError for truncated input, a bad
 * varint, a wrong wire type) into a ProtobufDecodeError that says which message and where.
 */
function guard<T>(name: string, path: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof UnsupportedProtobufError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new ProtobufDecodeError(`malformed ${name} (at ${path || "the top level"}): ${message}`, {
      cause: err,
    });
  }
}

/** The next field's number and wire type, and the offset of its tag (for messages). */
function readTag(reader: protobuf.Reader): { number: number; wireType: number; offset: number } {
  const offset = reader.pos;
  const tag = reader.uint32();
  const number = tag >>> 3;
  if (number === 0) throw new ProtobufDecodeError(`field number 0 at byte ${offset}`);
  return { number, wireType: tag & 7, offset };
}

function wireTypeOf(kind: ValueKind): number {
  return kind === "bool" || kind === "int32" || kind === "int64" ? VARINT : LENGTH_DELIMITED;
}

function readValue(
  reader: protobuf.Reader,
  kind: ValueKind,
  wireType: number,
  what: string,
): WireValue {
  const expected = wireTypeOf(kind);
  if (wireType !== expected) {
    throw new ProtobufDecodeError(`field ${what} has wire type ${wireType}, expected ${expected}`);
  }
  switch (kind) {
    case "bool":
      return reader.bool();
    case "int32":
      return reader.int32();
    case "int64":
      return safeInteger(reader.int64(), what);
    case "string":
      return Buffer.from(reader.bytes()).toString("utf8");
    case "bytes":
    case "message":
      return reader.bytes();
  }
}

function readPacked(reader: protobuf.Reader, kind: ValueKind, values: WireValue[]): void {
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) {
    throw new ProtobufDecodeError(`packed field runs past the end (${length} bytes)`);
  }
  while (reader.pos < end) values.push(readValue(reader, kind, VARINT, `packed ${kind}`));
  if (reader.pos !== end) throw new ProtobufDecodeError("packed field ends inside a varint");
}

/** Skips a value of a field the schema does not know; true when that value is zero or empty. */
function skipUnknown(reader: protobuf.Reader, wireType: number, tagOffset: number): boolean {
  const start = reader.pos;
  const skipped = () => reader.buf.subarray(start, reader.pos);
  switch (wireType) {
    case 0:
      reader.skip();
      // Zero is 00, or an over-long 80 80 00: no byte has any of its seven value bits set.
      return skipped().every((byte) => (byte & 0x7f) === 0);
    case 1:
      reader.skip(8);
      return skipped().every((byte) => byte === 0);
    case 2:
      return reader.bytes().length === 0;
    case 5:
      reader.skip(4);
      return skipped().every((byte) => byte === 0);
    default:
      throw new ProtobufDecodeError(
        `wire type ${wireType} at byte ${tagOffset} is not used by Kubernetes (groups, or garbage)`,
      );
  }
}

/** int64 arrives as a Long; numbers beyond 2^53 would silently lose digits in JavaScript. */
function safeInteger(value: protobuf.Long | number, what: string): number {
  const n = typeof value === "number" ? value : protobuf.util.LongBits.from(value).toNumber();
  if (!Number.isSafeInteger(n)) {
    throw new ProtobufDecodeError(`field ${what} is about ${n}, beyond a safe integer`);
  }
  return n;
}
