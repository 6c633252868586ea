import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { objectMessage, PROTOBUF_KINDS, schema } from "./schema.ts";
import { valueKind } from "./wire.ts";

/** Every message in every .proto file, as [full name, type]. */
function allTypes(namespace: protobuf.NamespaceBase = schema()): protobuf.Type[] {
  return namespace.nestedArray.flatMap((nested) => [
    ...(nested instanceof protobuf.Type ? [nested] : []),
    ...(nested instanceof protobuf.Namespace ? allTypes(nested) : []),
  ]);
}

const GO_OPTIONS = ["(pointer)", "(omitempty)", "(inline)"];

describe("tinykube's .proto files", () => {
  it("parse, and every field has a type the decoder reads", () => {
    const fields = allTypes().flatMap((type) => type.fieldsArray);
    expect(fields.length).toBeGreaterThan(100);
    for (const field of fields) expect(() => valueKind(field)).not.toThrow();
  });

  it("use only the Go options the decoder knows, where they mean something", () => {
    for (const field of allTypes().flatMap((type) => type.fieldsArray)) {
      const options = field.options ?? {};
      const where = field.fullName;
      const unknown = Object.keys(options).filter((o) => !GO_OPTIONS.includes(o));
      expect(unknown, where).toEqual([]);
      const message = field.resolvedType instanceof protobuf.Type;
      const list = field.repeated || field.map;
      // (pointer): how a sent zero scalar prints. (omitempty): how a zero scalar or an empty list
      // prints; a struct always prints. (inline): merges an embedded struct into its parent.
      if ("(pointer)" in options) {
        expect({ where, value: options["(pointer)"], message, list }).toEqual({
          where,
          value: true,
          message: false,
          list: false,
        });
      }
      if ("(omitempty)" in options) {
        expect({ where, value: options["(omitempty)"], struct: message && !list }).toEqual({
          where,
          value: false,
          struct: false,
        });
      }
      if ("(inline)" in options) {
        expect({ where, value: options["(inline)"], message, list }).toEqual({
          where,
          value: true,
          message: true,
          list: false,
        });
      }
    }
  });

  it("give every supported kind a message whose field 1 is its ObjectMeta", () => {
    for (const { apiVersion, kind, message } of PROTOBUF_KINDS) {
      const type = objectMessage(apiVersion, kind);
      expect(type?.fullName).toBe(`.${message}`);
      expect(message.endsWith(`.${kind}`)).toBe(true);
      expect(type?.fieldsById[1]?.resolvedType?.fullName).toBe(
        ".k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta",
      );
    }
    expect(objectMessage("batch/v1", "Job")).toBeUndefined();
    expect(objectMessage("v1", "PodSpec")).toBeUndefined();
  });
});
