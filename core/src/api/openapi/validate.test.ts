import { describe, expect, it } from "vitest";
import { builtinSchemas } from "./definitions/index.ts";
import { crdSchemas } from "./documents.ts";
import type { Schema, SchemaMap } from "./schema.ts";
import {
  type FieldValidation,
  formatFieldError,
  strictDecodingMessage,
  validateAgainstSchema,
} from "./validate.ts";

// biome-ignore lint/suspicious/noExplicitAny: the tests reach into parsed manifests freely.
type Manifest = any;

const DEPLOYMENT = "io.k8s.api.apps.v1.Deployment";

function deployment(spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "web", image: "nginx" }] },
      },
      ...spec,
    },
  };
}

function check(
  value: unknown,
  schema = DEPLOYMENT,
  unknownFields: FieldValidation = "Strict",
  components: SchemaMap = builtinSchemas,
) {
  const result = validateAgainstSchema(value, schema, components, { unknownFields });
  return { ...result, messages: result.errors.map(formatFieldError) };
}

/** A one-kind schema map: the schema under test is the component "T". */
function only(schema: Schema): SchemaMap {
  return { ...builtinSchemas, T: schema };
}

describe("unknown fields", () => {
  it("finds them at every depth, with Kubernetes' paths, in document order", () => {
    const value = deployment({ foo: 1 });
    const spec = value.spec as Manifest;
    spec.template.spec.containers[0].imagePullPolcy = "Always";
    spec.template.spec.containers.push({
      name: "b",
      image: "busybox",
      ports: [{ containerPort: 80, hostport: 8080 }],
    });
    const result = check(value);
    expect(result.unknownFields).toEqual([
      "spec.template.spec.containers[0].imagePullPolcy",
      "spec.template.spec.containers[1].ports[0].hostport",
      "spec.foo",
    ]);
    expect(result.errors).toEqual([]);
  });

  it("Strict: the message of the 400 lists every field", () => {
    expect(strictDecodingMessage(["spec.foo", "spec.bar"])).toBe(
      'strict decoding error: unknown field "spec.foo", unknown field "spec.bar"',
    );
  });

  it("Warn: one warning per field, worded as Kubernetes' Warning header", () => {
    const result = check(deployment({ foo: 1, bar: 2 }), DEPLOYMENT, "Warn");
    expect(result.warnings).toEqual(['unknown field "spec.foo"', 'unknown field "spec.bar"']);
    expect((result.pruned as Manifest).spec).not.toHaveProperty("foo");
  });

  it("Ignore: no warnings, and the fields are pruned", () => {
    const result = check(deployment({ foo: 1 }), DEPLOYMENT, "Ignore");
    expect(result.warnings).toEqual([]);
    expect(result.unknownFields).toEqual(["spec.foo"]);
    expect(result.pruned).toEqual(deployment());
  });

  it("top-level and metadata fields are checked too", () => {
    const value = { ...deployment(), extra: true, metadata: { name: "x", lables: { a: "b" } } };
    expect(check(value).unknownFields).toEqual(["metadata.lables", "extra"]);
  });

  it("maps accept any key; their values are still checked", () => {
    const value = deployment();
    (value.metadata as Manifest).labels = { "app.kubernetes.io/name": "web", count: 3 };
    const result = check(value);
    expect(result.unknownFields).toEqual([]);
    expect(result.messages).toEqual([
      'metadata.labels[count]: Invalid value: "integer": metadata.labels[count] in body must be of type string: "integer"',
    ]);
  });

  it("preserve-unknown-fields keeps everything below it", () => {
    const schema = only({
      type: "object",
      properties: {
        open: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        mixed: {
          type: "object",
          "x-kubernetes-preserve-unknown-fields": true,
          properties: { n: { type: "integer" } },
        },
      },
    });
    const value = { open: { a: { b: [1] } }, mixed: { n: "x", other: 1 } };
    const result = check(value, "T", "Strict", schema);
    expect(result.unknownFields).toEqual([]);
    expect(result.pruned).toEqual(value);
    expect(result.messages).toEqual([
      'mixed.n: Invalid value: "string": mixed.n in body must be of type integer: "string"',
    ]);
  });

  it("an object schema without properties drops every field, as CRD pruning does", () => {
    const schema = only({ type: "object", properties: { s: { type: "object" } } });
    const result = check({ s: { a: 1 } }, "T", "Ignore", schema);
    expect(result.unknownFields).toEqual(["s.a"]);
    expect(result.pruned).toEqual({ s: {} });
  });

  it("an embedded resource allows apiVersion, kind and metadata, and checks metadata", () => {
    const schema = only({
      type: "object",
      properties: {
        template: {
          type: "object",
          "x-kubernetes-embedded-resource": true,
          properties: { spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        },
      },
    });
    const value = {
      template: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p", nam: "typo" },
        spec: { x: 1 },
      },
    };
    expect(check(value, "T", "Strict", schema).unknownFields).toEqual(["template.metadata.nam"]);
  });
});

describe("type errors", () => {
  it.each([
    [
      "a string for an integer",
      { replicas: "3" },
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
    ],
    [
      "a fraction for an integer",
      { replicas: 1.5 },
      'spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"',
    ],
    [
      "a string for a boolean",
      { paused: "yes" },
      'spec.paused: Invalid value: "string": spec.paused in body must be of type boolean: "string"',
    ],
    [
      "an object for an array",
      { template: { spec: { containers: { name: "web" } } } },
      'spec.template.spec.containers: Invalid value: "object": spec.template.spec.containers in body must be of type array: "object"',
    ],
    [
      "a boolean for an int-or-string",
      { strategy: { rollingUpdate: { maxSurge: true } } },
      'spec.strategy.rollingUpdate.maxSurge: Invalid value: "boolean": spec.strategy.rollingUpdate.maxSurge in body must be of type integer,string: "boolean"',
    ],
  ])("%s", (_, spec, message) => {
    expect(check(deployment(spec)).messages).toContain(message);
  });

  it("a value of the wrong type is not looked into", () => {
    const result = check(deployment({ selector: ["app=web"] }));
    expect(result.messages).toEqual([
      'spec.selector: Invalid value: "array": spec.selector in body must be of type object: "array"',
    ]);
  });

  it("int-or-string and quantities accept both of their types", () => {
    const result = check(
      deployment({
        strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: "25%" } },
        template: {
          spec: {
            containers: [
              {
                name: "a",
                resources: { limits: { cpu: 1, memory: "128Mi" }, requests: { cpu: 0.5 } },
              },
            ],
          },
        },
      }),
    );
    expect(result.messages).toEqual([]);
  });

  it("timestamps must be RFC 3339", () => {
    const value = deployment();
    (value.metadata as Manifest).creationTimestamp = "yesterday";
    expect(check(value).messages).toEqual([
      'metadata.creationTimestamp: Invalid value: "yesterday": metadata.creationTimestamp in body must be of type date-time: "yesterday"',
    ]);
    (value.metadata as Manifest).creationTimestamp = "2024-05-01T12:00:00.5+02:00";
    expect(check(value).messages).toEqual([]);
  });

  it("Secret data must be base64", () => {
    const secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s" },
      data: { a: "not base64!" },
    };
    expect(check(secret, "io.k8s.api.core.v1.Secret").messages).toEqual([
      'data[a]: Invalid value: "not base64!": data[a] in body must be of type byte: "not base64!"',
    ]);
  });
});

describe("null", () => {
  it("means 'not set' for a field that is not nullable: dropped, no error", () => {
    const value = deployment({ strategy: null });
    (value.metadata as Manifest).creationTimestamp = null;
    const result = check(value);
    expect(result.messages).toEqual([]);
    expect(result.pruned).toEqual(deployment());
  });

  it("is kept where the schema is nullable", () => {
    const schema = only({ type: "object", properties: { t: { type: "string", nullable: true } } });
    expect(check({ t: null }, "T", "Strict", schema).pruned).toEqual({ t: null });
  });

  it("is a type error inside an array", () => {
    const value = deployment({ template: { spec: { containers: [null] } } });
    expect(check(value).messages).toEqual([
      'spec.template.spec.containers[0]: Invalid value: "null": spec.template.spec.containers[0] in body must be of type object: "null"',
    ]);
  });

  it("a dropped null leaves a required field missing", () => {
    const value = deployment({ selector: null });
    expect(check(value).messages).toEqual(["spec.selector: Required value"]);
  });
});

describe("required, enum and bounds", () => {
  it("reports missing required fields by path", () => {
    const value = deployment({ template: { spec: { containers: [{ image: "nginx" }] } } });
    delete (value.spec as Manifest).selector;
    expect(check(value).messages).toEqual([
      "spec.template.spec.containers[0].name: Required value",
      "spec.selector: Required value",
    ]);
  });

  it("can leave required fields to the kind's own validation", () => {
    const value = deployment();
    delete (value.spec as Manifest).selector;
    const result = validateAgainstSchema(value, DEPLOYMENT, builtinSchemas, {
      unknownFields: "Strict",
      checkRequired: false,
    });
    expect(result.errors).toEqual([]);
  });

  const crd = crdSchemas({
    spec: {
      group: "example.com",
      scope: "Namespaced",
      names: { kind: "Widget", plural: "widgets" },
      versions: [
        {
          name: "v1",
          served: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: {
                  type: "object",
                  properties: {
                    size: { type: "integer", minimum: 1, maximum: 10 },
                    ratio: { type: "number", minimum: 0, exclusiveMinimum: true },
                    color: { type: "string", enum: ["red", "green"] },
                    level: { type: "integer", enum: [1, 2] },
                    name: { type: "string", maxLength: 3, pattern: "^[a-z]+$" },
                    tags: { type: "array", items: { type: "string" }, maxItems: 2 },
                  },
                },
              },
            },
          },
        },
      ],
    },
  });
  const components = { ...builtinSchemas, ...crd };
  const widget = (spec: Record<string, unknown>) => ({
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name: "w" },
    spec,
  });

  it.each([
    [
      { size: 0 },
      "spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1",
    ],
    [
      { size: 11 },
      "spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10",
    ],
    [{ ratio: 0 }, "spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0"],
    [{ color: "blue" }, 'spec.color: Unsupported value: "blue": supported values: "red", "green"'],
    [{ level: 3 }, 'spec.level: Unsupported value: 3: supported values: "1", "2"'],
    [{ name: "abcd" }, "spec.name: Too long: may not be more than 3 bytes"],
    [{ name: "AB" }, "spec.name: Invalid value: \"AB\": spec.name in body should match '^[a-z]+$'"],
    [{ tags: ["a", "b", "c"] }, "spec.tags: Too many: 3: must have at most 2 items"],
  ])("%j → %s", (spec, message) => {
    expect(check(widget(spec), "com.example.v1.Widget", "Strict", components).messages).toEqual([
      message,
    ]);
  });

  it("a wrong type and an enum are both reported, as for custom resources", () => {
    const result = check(widget({ level: "x" }), "com.example.v1.Widget", "Strict", components);
    expect(result.messages).toEqual([
      'spec.level: Invalid value: "string": spec.level in body must be of type integer: "string"',
    ]);
  });
});

describe("value validations (allOf, anyOf, oneOf, not)", () => {
  const schema = only({
    type: "object",
    properties: { a: { type: "string" }, b: { type: "string" } },
    oneOf: [{ required: ["a"] }, { required: ["b"] }],
    not: { required: ["c"] },
  });

  it("pass when exactly one branch holds", () => {
    expect(check({ a: "x" }, "T", "Strict", schema).messages).toEqual([]);
  });

  it("fail with the junctor's message otherwise", () => {
    expect(check({ a: "x", b: "y" }, "T", "Strict", schema).messages).toEqual([
      ': Invalid value: {"a":"x","b":"y"}: body must validate one and only one schema (oneOf)',
    ]);
  });

  it("never declare fields: a field named only in a branch is still unknown", () => {
    expect(check({ a: "x", c: 1 }, "T", "Strict", schema).unknownFields).toEqual(["c"]);
  });
});
