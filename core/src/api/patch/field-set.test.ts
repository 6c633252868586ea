import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { PatchError } from "./errors.ts";
import {
  compareFields,
  type FieldPath,
  FieldSet,
  fieldSetOf,
  fieldsOf,
  fromFieldsV1,
  pathString,
  toFieldsV1,
} from "./field-set.ts";
import { patchSchemaFor } from "./patch-meta.ts";

const deployment = patchSchemaFor("Deployment.apps");

describe("paths", () => {
  test.each<[FieldPath, string]>([
    [[{ field: "spec" }, { field: "replicas" }], ".spec.replicas"],
    [
      [{ field: "containers" }, { key: { name: "web" } }, { field: "image" }],
      '.containers[name="web"].image',
    ],
    [[{ field: "ports" }, { key: { containerPort: 80 } }], ".ports[containerPort=80]"],
    [[{ field: "finalizers" }, { value: "example.com/x" }], '.finalizers[="example.com/x"]'],
    [[{ field: "args" }, { index: 2 }], ".args[2]"],
  ])("%j is %s", (path, text) => {
    expect(pathString(path)).toBe(text);
  });

  test("a member name with dots is not confused with a deeper path", () => {
    const set = new FieldSet([[{ field: "labels" }, { field: "a.b" }]]);
    expect(set.has([{ field: "labels" }, { field: "a" }, { field: "b" }])).toBe(false);
    expect(set.hasDescendant([{ field: "labels" }])).toBe(true);
    expect(set.hasDescendant([{ field: "labels" }, { field: "a.b" }])).toBe(false);
  });
});

describe("what an object sets", () => {
  const object = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web" }, finalizers: ["a", "b"] },
    spec: {
      replicas: 2,
      strategy: {},
      template: {
        spec: {
          containers: [
            { name: "web", image: "nginx", args: ["-g"], ports: [{ containerPort: 80 }] },
          ],
          tolerations: [],
        },
      },
    },
  };

  test("leaves, atomic lists as one leaf, and each element of a merged list; no empty objects", () => {
    expect(toFieldsV1(fieldSetOf(fieldsOf(object, deployment)))).toEqual({
      "f:apiVersion": {},
      "f:kind": {},
      "f:metadata": {
        "f:finalizers": { 'v:"a"': {}, 'v:"b"': {} },
        "f:labels": { "f:app": {} },
        "f:name": {},
      },
      "f:spec": {
        "f:replicas": {},
        "f:template": {
          "f:spec": {
            "f:containers": {
              'k:{"name":"web"}': {
                ".": {},
                "f:args": {},
                "f:image": {},
                "f:name": {},
                "f:ports": { 'k:{"containerPort":80}': { ".": {}, "f:containerPort": {} } },
              },
            },
            "f:tolerations": {},
          },
        },
      },
    });
  });

  test("FieldsV1 lists '.' first, then fields, keys and values in order", () => {
    const set = new FieldSet([
      [{ field: "b" }],
      [{ field: "l" }, { value: 2 }],
      [{ field: "l" }, { value: 10 }],
      [{ field: "a" }],
    ]);
    expect(JSON.stringify(toFieldsV1(set))).toBe('{"f:a":{},"f:b":{},"f:l":{"v:2":{},"v:10":{}}}');
  });

  test("an applied configuration may not omit a list key or repeat one", () => {
    const missing = { spec: { template: { spec: { containers: [{ image: "x" }] } } } };
    expect(() => fieldsOf(missing, deployment, { strict: true })).toThrow(
      '.spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name"',
    );
    const twice = { spec: { template: { spec: { containers: [{ name: "a" }, { name: "a" }] } } } };
    expect(() => fieldsOf(twice, deployment, { strict: true })).toThrow(PatchError);
    expect(() => fieldsOf(twice, deployment, { strict: true })).toThrow(
      'duplicate entries for key [name="a"]',
    );
    expect(fieldsOf(twice, deployment).size).toBe(2); // a live object keeps the first
  });

  test("comparing two objects finds added, removed and modified fields", () => {
    const before = fieldsOf(
      { spec: { replicas: 1, paused: true, template: { spec: { containers: [{ name: "a" }] } } } },
      deployment,
    );
    const after = fieldsOf(
      { spec: { replicas: 2, template: { spec: { containers: [{ name: "a" }, { name: "b" }] } } } },
      deployment,
    );
    const { added, removed, modified } = compareFields(before, after);
    expect(added.sorted().map(pathString)).toEqual([
      '.spec.template.spec.containers[name="b"]',
      '.spec.template.spec.containers[name="b"].name',
    ]);
    expect(removed.sorted().map(pathString)).toEqual([".spec.paused"]);
    expect(modified.sorted().map(pathString)).toEqual([".spec.replicas"]);
  });
});

describe("properties", () => {
  const objects = fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 4 }), {
    maxKeys: 5,
  });

  test("FieldsV1 encodes a set without loss", () => {
    fc.assert(
      fc.property(objects, (object) => {
        const set = fieldSetOf(fieldsOf(object, undefined));
        const decoded = fromFieldsV1(JSON.parse(JSON.stringify(toFieldsV1(set))));
        expect(decoded.sorted()).toEqual(set.sorted());
      }),
    );
  });

  test("with keyed lists too", () => {
    const container = fc.record({
      name: fc.string({ maxLength: 3 }),
      image: fc.string(),
      args: fc.array(fc.string()),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(container, { selector: (c) => c.name }),
        fc.uniqueArray(fc.string()),
        (containers, finalizers) => {
          const object = { metadata: { finalizers }, spec: { template: { spec: { containers } } } };
          const set = fieldSetOf(fieldsOf(object, deployment, { strict: true }));
          expect(fromFieldsV1(toFieldsV1(set)).sorted()).toEqual(set.sorted());
        },
      ),
    );
  });
});
