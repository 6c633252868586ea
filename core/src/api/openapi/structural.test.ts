import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Schema } from "./schema.ts";
import { isStructuralSchema, structuralSchemaErrors } from "./structural.ts";
import { FIXTURES_DIR } from "./test-fixtures.ts";
import { formatFieldError } from "./validate.ts";

const P = "spec.versions[0].schema.openAPIV3Schema";

function messages(schema: Schema): string[] {
  return structuralSchemaErrors(schema).map(formatFieldError);
}

function crdSchema(file: string): Schema {
  const crd = parse(readFileSync(join(FIXTURES_DIR, file), "utf8"));
  return crd.spec.versions[0].schema.openAPIV3Schema;
}

describe("structuralSchemaErrors", () => {
  it("accepts the structural CRD fixture", () => {
    expect(messages(crdSchema("crd-structural.yaml"))).toEqual([]);
    expect(isStructuralSchema(crdSchema("crd-structural.yaml"))).toBe(true);
  });

  it("lists what makes the non-structural fixture non-structural, sorted", () => {
    expect(messages(crdSchema("crd-nonstructural.yaml"))).toEqual([
      `${P}.properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
      `${P}.properties[spec].anyOf[0].type: Forbidden: must be empty to be structural`,
      `${P}.properties[spec].properties[size].type: Required value: must not be empty for specified object fields`,
    ]);
    expect(isStructuralSchema(crdSchema("crd-nonstructural.yaml"))).toBe(false);
  });

  it("uses the caller's path", () => {
    expect(structuralSchemaErrors({}, "spec.validation.openAPIV3Schema")[0]?.field).toBe(
      "spec.validation.openAPIV3Schema.type",
    );
  });

  it.each<[string, Schema, string[]]>([
    ["no type at the root", {}, [`${P}.type: Required value: must not be empty at the root`]],
    [
      "a root that is not an object",
      { type: "string" },
      [`${P}.type: Invalid value: "string": must be object at the root`],
    ],
    [
      "an array without items",
      { type: "object", properties: { a: { type: "array" } } },
      [`${P}.properties[a].items: Required value: must be specified`],
    ],
    [
      "array items without a type",
      { type: "object", properties: { a: { type: "array", items: {} } } },
      [
        `${P}.properties[a].items.type: Required value: must not be empty for specified array items`,
      ],
    ],
    [
      "additionalProperties at the root",
      { type: "object", additionalProperties: { type: "string" } },
      [`${P}.additionalProperties: Forbidden: must not be used at the root`],
    ],
    [
      "int-or-string with preserve-unknown-fields",
      {
        type: "object",
        properties: {
          p: { "x-kubernetes-int-or-string": true, "x-kubernetes-preserve-unknown-fields": true },
        },
      },
      [
        `${P}.properties[p].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true`,
      ],
    ],
    [
      "an embedded resource that is not an object",
      { type: "object", properties: { e: { "x-kubernetes-embedded-resource": true } } },
      [
        `${P}.properties[e].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`,
        `${P}.properties[e].type: Required value: must be object if x-kubernetes-embedded-resource is true`,
      ],
    ],
    [
      "metadata restricting more than name and generateName",
      {
        type: "object",
        properties: {
          metadata: { type: "object", properties: { labels: { type: "object" } } },
        },
      },
      [
        `${P}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
      ],
    ],
    [
      "extensions and descriptions inside a value validation",
      {
        type: "object",
        properties: { a: { type: "string" } },
        allOf: [
          {
            description: "no",
            nullable: true,
            "x-kubernetes-preserve-unknown-fields": true,
            properties: { a: { default: "x" } },
          },
        ],
      },
      [
        `${P}.allOf[0].description: Forbidden: must be empty to be structural`,
        `${P}.allOf[0].nullable: Forbidden: must be false to be structural`,
        `${P}.allOf[0].properties[a].default: Forbidden: must be undefined to be structural`,
        `${P}.allOf[0].x-kubernetes-preserve-unknown-fields: Forbidden: must be false to be structural`,
      ],
    ],
    [
      "a field only a value validation mentions",
      { type: "object", properties: { a: { type: "string" } }, anyOf: [{ properties: { b: {} } }] },
      [`${P}.properties[b]: Required value: because it is defined in ${P}.anyOf[0].properties[b]`],
    ],
    [
      "$ref and uniqueItems",
      {
        type: "object",
        properties: {
          r: { $ref: "#/definitions/x", type: "object" },
          u: { type: "array", items: { type: "string" }, uniqueItems: true },
        },
      },
      [
        `${P}.properties[r].$ref: Forbidden: $ref is not supported`,
        `${P}.properties[u].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
      ],
    ],
    [
      "a map list without keys",
      {
        type: "object",
        properties: {
          l: {
            type: "array",
            items: { type: "object" },
            "x-kubernetes-list-type": "map",
          },
        },
      },
      [
        `${P}.properties[l].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`,
      ],
    ],
  ])("rejects %s", (_, schema, expected) => {
    expect(messages(schema)).toEqual(expected);
  });

  it.each<[string, Schema]>([
    [
      "int-or-string with its anyOf pattern",
      {
        type: "object",
        properties: {
          port: {
            "x-kubernetes-int-or-string": true,
            anyOf: [{ type: "integer" }, { type: "string" }],
          },
        },
      },
    ],
    [
      "preserve-unknown-fields without a type",
      { type: "object", properties: { any: { "x-kubernetes-preserve-unknown-fields": true } } },
    ],
    [
      "metadata restricting name only",
      {
        type: "object",
        properties: {
          metadata: { type: "object", properties: { name: { type: "string", maxLength: 10 } } },
        },
      },
    ],
    [
      "value validations that only constrain declared fields",
      {
        type: "object",
        properties: { a: { type: "string" }, b: { type: "string" } },
        oneOf: [{ required: ["a"] }, { required: ["b"] }],
      },
    ],
  ])("accepts %s", (_, schema) => {
    expect(messages(schema)).toEqual([]);
  });
});
