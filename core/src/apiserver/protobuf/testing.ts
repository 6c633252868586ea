/**
 * Test helpers: protobuf bodies built with protobufjs' own encoder from tinykube's schema, so
 * tests can state an input the way a Go client would write it (zero fields included) without
 * going through the decoder under test. Values use the protobuf field names and shapes:
 * `creationTimestamp: { seconds: 1 }`, `targetPort: { type: 0, intVal: 80 }`.
 */
import protobuf from "protobufjs";
import { messageType } from "./schema.ts";

export function encodeMessage(name: string, value: Record<string, unknown>): Uint8Array {
  const type = messageType(name);
  const problem = type.verify(value);
  if (problem) throw new Error(`${name}: ${problem}`);
  return type.encode(type.fromObject(value)).finish();
}

/** "k8s\0" + runtime.Unknown around `raw`, as kubectl sends it. */
export function encodeKubernetesProtobuf(
  apiVersion: string,
  kind: string,
  raw: Uint8Array,
  envelope: { contentEncoding?: string; contentType?: string } = {},
): Buffer {
  const unknown = encodeMessage("k8s.io.apimachinery.pkg.runtime.Unknown", {
    typeMeta: { apiVersion, kind },
    raw,
    contentEncoding: envelope.contentEncoding ?? "",
    contentType: envelope.contentType ?? "",
  });
  return Buffer.concat([Buffer.from("k8s\0", "latin1"), unknown]);
}

/** A length-delimited field (wire type 2), for bytes no encoder would write on its own. */
export function bytesField(number: number, value: Uint8Array | string): Uint8Array {
  const bytes = typeof value === "string" ? Buffer.from(value) : value;
  return protobuf.Writer.create()
    .uint32((number << 3) | 2)
    .bytes(bytes)
    .finish();
}

/** A varint field (wire type 0); a string value is a decimal int64 beyond JavaScript numbers. */
export function varintField(number: number, value: number | string): Uint8Array {
  return protobuf.Writer.create()
    .uint32(number << 3)
    .int64(value)
    .finish();
}
