import { describe, expect, it, test } from "vitest";
import { ProtobufDecodeError, UnsupportedProtobufField } from "./errors.ts";
import { messageToJson } from "./json.ts";
import { messageType } from "./schema.ts";
import { bytesField, varintField } from "./testing.ts";
import { readFields } from "./wire.ts";

const objectMeta = messageType("k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta");
const read = (...fields: Uint8Array[]) => readFields(objectMeta, Buffer.concat(fields), "metadata");

describe("readFields", () => {
  it("returns every occurrence of a field, in wire order", () => {
    const fields = read(
      bytesField(1, "a"),
      varintField(7, 3),
      bytesField(1, "b"),
      bytesField(14, "f"),
    );
    expect(fields).toStrictEqual(
      new Map<number, unknown[]>([
        [1, ["a", "b"]],
        [7, [3]],
        [14, ["f"]],
      ]),
    );
  });

  it("reads repeated numbers packed or one by one", () => {
    const context = messageType("k8s.io.api.core.v1.PodSecurityContext");
    const packed = bytesField(4, Uint8Array.of(1, 2, 0xe8, 0x07)); // varints 1, 2, 1000
    const fields = readFields(context, Buffer.concat([packed, varintField(4, 5)]), "");
    expect(fields.get(4)).toEqual([1, 2, 1000, 5]);
  });

  test.each([
    { bytes: Uint8Array.of(0x22, 0x02, 0x80), message: "packed field runs past the end (2 bytes)" },
    { bytes: Uint8Array.of(0x22, 0x01, 0x80, 0x01), message: "packed field ends inside a varint" },
  ])("refuses a packed run that does not add up: $message", ({ bytes, message }) => {
    const context = messageType("k8s.io.api.core.v1.PodSecurityContext");
    expect(() => readFields(context, bytes, "spec.securityContext")).toThrow(
      new ProtobufDecodeError(
        `malformed k8s.io.api.core.v1.PodSecurityContext (at spec.securityContext): ${message}`,
      ),
    );
  });

  test.each([
    { wire: "a varint 0", bytes: varintField(99, 0) },
    { wire: "an over-long varint 0 (80 00)", bytes: Uint8Array.of(0x98, 0x06, 0x80, 0x00) },
    { wire: "an empty string or message", bytes: bytesField(99, "") },
    {
      wire: "eight zero bytes (fixed64)",
      bytes: Uint8Array.of(0x99, 0x06, 0, 0, 0, 0, 0, 0, 0, 0),
    },
    { wire: "four zero bytes (fixed32)", bytes: Uint8Array.of(0x9d, 0x06, 0, 0, 0, 0) },
  ])("skips a field it does not know when its value is zero: $wire", ({ bytes }) => {
    expect(read(bytesField(1, "x"), bytes)).toStrictEqual(new Map([[1, ["x"]]]));
  });

  test.each([
    { wire: "a varint", bytes: varintField(99, 1) },
    { wire: "a string", bytes: bytesField(99, "x") },
    { wire: "fixed64", bytes: Uint8Array.of(0x99, 0x06, 0, 0, 0, 0, 0, 0, 0, 0x80) },
  ])("refuses a field it does not know when its value is set: $wire", ({ bytes }) => {
    expect(() => read(bytes)).toThrow(
      new UnsupportedProtobufField(
        "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        99,
        "metadata",
      ),
    );
  });

  test.each([
    {
      what: "a string sent as a varint",
      bytes: varintField(1, 5),
      message: "field name (string) has wire type 0, expected 2",
    },
    {
      what: "a length beyond the end",
      bytes: Uint8Array.of(0x0a, 0x05, 0x61),
      message: "index out of range: 2 + 5 > 3",
    },
    {
      what: "field number 0",
      bytes: Uint8Array.of(0x02, 0x00),
      message: "field number 0 at byte 0",
    },
    {
      what: "a group (wire type 3)",
      bytes: Buffer.concat([bytesField(1, "x"), Uint8Array.of(0x9b, 0x06, 0x9c, 0x06)]),
      message: "wire type 3 at byte 3 is not used by Kubernetes (groups, or garbage)",
    },
    {
      what: "an int64 beyond 2^53",
      bytes: varintField(7, "9007199254740993"),
      message: "field generation (int64) is about 9007199254740992, beyond a safe integer",
    },
  ])("refuses $what, saying which message and where", ({ bytes, message }) => {
    let error: unknown;
    try {
      read(bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProtobufDecodeError);
    expect((error as Error).message).toContain(
      "malformed k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta (at metadata): ",
    );
    expect((error as Error).message).toContain(message);
  });
});

describe("repeated fields on the wire, as JSON", () => {
  it("a scalar sent twice keeps its last value; a message sent twice merges", () => {
    const deployment = messageType("k8s.io.api.apps.v1.Deployment");
    const bytes = Buffer.concat([
      bytesField(1, bytesField(1, "first")),
      bytesField(2, varintField(1, 1)), // spec.replicas = 1
      bytesField(1, bytesField(1, "second")),
      bytesField(2, varintField(5, 10)), // spec.minReadySeconds = 10
    ]);
    expect(messageToJson(deployment, bytes, "")).toStrictEqual({
      metadata: { name: "second" },
      spec: { replicas: 1, minReadySeconds: 10 },
    });
  });
});
