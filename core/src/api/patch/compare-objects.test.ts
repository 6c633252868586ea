/**
 * The two shortcuts managed fields take on every write, checked against the long way round as
 * properties over random pods: compareObjects against compareFields of both objects' fieldsOf,
 * and managedFieldsAfterUpdate against decoding, changing and encoding every entry.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../object.ts";
import {
  compareFields,
  compareObjects,
  type FieldSet,
  fieldSetOf,
  fieldsOf,
  fieldsV1Of,
  toFieldsV1,
} from "./field-set.ts";
import {
  decodeManagedFields,
  encodeManagedFields,
  identityOf,
  inScope,
  managedFieldsAfterUpdate,
  ownableFields,
  type UpdateOptions,
} from "./managed-fields.ts";
import { patchSchemaFor } from "./patch-meta.ts";

const keys = (set: FieldSet) =>
  set
    .paths()
    .map((p) => JSON.stringify(p))
    .sort();
const POD_SCHEMA = patchSchemaFor("Pod");

// #region arbitraries
/** Few names, so that two random pods share containers, env entries and finalizers. */
const name = fc.constantFrom("a", "b", "c");
const scalar = fc.oneof(fc.constantFrom("x", "y"), fc.integer({ min: 0, max: 2 }), fc.boolean());
/** A value of any shape, to put where the schema expects another. */
const anything = fc.oneof(
  scalar,
  fc.array(scalar, { maxLength: 2 }),
  fc.dictionary(name, scalar, { maxKeys: 2 }),
);
const env = fc.array(
  fc.oneof(fc.record({ name, value: scalar }), fc.record({ value: scalar }), anything),
  { maxLength: 3 },
);
const container = fc.record(
  {
    name,
    image: fc.constantFrom("hello:1", "hello:2"),
    env,
    ports: fc.array(fc.record({ containerPort: fc.constantFrom(80, 8080), name }), {
      maxLength: 2,
    }),
    args: fc.array(fc.constantFrom("-v", "-q"), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const pod = fc.record(
  {
    apiVersion: fc.constant("v1"),
    kind: fc.constant("Pod"),
    metadata: fc.record(
      {
        name: fc.constant("p"),
        labels: fc.dictionary(name, fc.constantFrom("1", "2"), { maxKeys: 2 }),
        finalizers: fc.array(fc.constantFrom("f/1", "f/2", "f/1"), { maxLength: 3 }),
        resourceVersion: fc.constantFrom("1", "2"),
      },
      { requiredKeys: ["name"] },
    ),
    spec: fc.record(
      {
        containers: fc.oneof(fc.array(container, { maxLength: 3 }), anything),
        nodeName: fc.constantFrom("n1", "n2"),
        tolerations: fc.array(fc.record({ key: name, operator: fc.constant("Exists") }), {
          maxLength: 2,
        }),
      },
      { requiredKeys: [] },
    ),
    status: fc.oneof(
      fc.record(
        {
          phase: fc.constantFrom("Pending", "Running"),
          conditions: fc.array(
            fc.record({ type: name, status: fc.constantFrom("True", "False") }),
            { maxLength: 2 },
          ),
        },
        { requiredKeys: [] },
      ),
      anything,
    ),
  },
  { requiredKeys: ["apiVersion", "kind", "metadata"] },
) as fc.Arbitrary<KubeObject>;
// #endregion arbitraries

const settings = { numRuns: 1000 };

describe("compareObjects: the same result as comparing both objects' field lists", () => {
  it("knows the pod's merging lists (else the properties below would test little)", () => {
    const before = { spec: { containers: [{ name: "a", image: "x" }] } };
    const after = { spec: { containers: [{ name: "a", image: "y" }, { name: "b" }] } };
    const change = compareObjects(before, after, POD_SCHEMA);
    expect(keys(change.modified)).toEqual([
      JSON.stringify([
        { field: "spec" },
        { field: "containers" },
        { key: { name: "a" } },
        { field: "image" },
      ]),
    ]);
    expect(change.added.size).toBe(2); // the element [name="b"] and its name
  });

  it("for random pairs of pods", () => {
    fc.assert(
      fc.property(pod, pod, (before, after) => {
        const slow = compareFields(fieldsOf(before, POD_SCHEMA), fieldsOf(after, POD_SCHEMA));
        const fast = compareObjects(before, after, POD_SCHEMA);
        expect(keys(fast.added), "added").toEqual(keys(slow.added));
        expect(keys(fast.removed), "removed").toEqual(keys(slow.removed));
        expect(keys(fast.modified), "modified").toEqual(keys(slow.modified));
      }),
      settings,
    );
  });

  it("fieldsV1Of builds the same tree, in the same order, as toFieldsV1 of fieldsOf", () => {
    fc.assert(
      fc.property(pod, (object) => {
        const slow = toFieldsV1(fieldSetOf(fieldsOf(object, POD_SCHEMA)));
        expect(JSON.stringify(fieldsV1Of(object, POD_SCHEMA))).toBe(JSON.stringify(slow));
      }),
      settings,
    );
  });

  it("for a pod and itself: nothing changed", () => {
    fc.assert(
      fc.property(pod, (object) => {
        const same = compareObjects(object, structuredClone(object), POD_SCHEMA);
        expect([same.added.size, same.removed.size, same.modified.size]).toEqual([0, 0, 0]);
      }),
    );
  });
});

// #region reference
/** updateManagedFields as it was first written: every entry decoded, changed and encoded. */
function referenceEntries(
  oldObject: KubeObject | undefined,
  newObject: KubeObject,
  options: UpdateOptions,
) {
  const scope = { ...(options.subresource ? { subresource: options.subresource } : {}) };
  const before = oldObject ? ownableFields(oldObject, scope) : new Map();
  const { added, modified, removed } = compareFields(before, ownableFields(newObject, scope));
  const taken = added.union(modified);
  const managers = decodeManagedFields(oldObject?.metadata.managedFields);
  for (const m of managers) m.set = m.set.difference(taken).difference(removed);
  const self = {
    manager: options.manager,
    operation: "Update" as const,
    apiVersion: newObject.apiVersion,
    ...scope,
  };
  if (taken.size > 0) {
    const existing = managers.find((m) => identityOf(m) === identityOf(self));
    if (existing) {
      existing.set = existing.set.union(taken);
      existing.time = options.now;
    } else managers.push({ ...self, set: taken, time: options.now });
  }
  const entries = encodeManagedFields(managers);
  return entries.length > 0 ? entries : undefined;
}
// #endregion reference

describe("managedFieldsAfterUpdate: the same entries as decoding every entry", () => {
  const manager = fc.constantFrom("kubelet", "kubectl", "scheduler");
  const write = fc.record({
    manager,
    subresource: fc.constantFrom(undefined, "status"),
    second: fc.integer({ min: 0, max: 3 }),
  });

  it("for a chain of writes by several managers, main resource and status", () => {
    fc.assert(
      fc.property(
        pod,
        fc.array(fc.tuple(pod, write), { minLength: 1, maxLength: 5 }),
        (first, writes) => {
          let current: KubeObject | undefined;
          let reference: KubeObject | undefined;
          for (const [object, { manager, subresource, second }] of [
            [first, { manager: "kubectl", subresource: undefined, second: 0 }] as const,
            ...writes,
          ]) {
            const options = {
              manager,
              now: `2026-11-27T10:00:0${second}Z`,
              ...(subresource ? { subresource } : {}),
            };
            const fast = managedFieldsAfterUpdate(current, object, options);
            const slow = referenceEntries(reference, object, options);
            expect(fast).toEqual(slow);
            // The same bytes too: the order of members is what kubectl shows.
            expect(JSON.stringify(fast)).toBe(JSON.stringify(slow));
            current = { ...object, metadata: { ...object.metadata, managedFields: fast } };
            reference = { ...object, metadata: { ...object.metadata, managedFields: slow } };
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("checks paths against the scope: a status write owns only status, a main write never status", () => {
    const before = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: { nodeName: "n1" },
      status: { phase: "Pending" },
    };
    const after = { ...before, spec: { nodeName: "n2" }, status: { phase: "Running" } };
    const status = managedFieldsAfterUpdate(before, after, {
      manager: "kubelet",
      now: "2026-11-27T10:00:00Z",
      subresource: "status",
    });
    expect(status?.[0]?.fieldsV1).toEqual({ "f:status": { "f:phase": {} } });
    const main = managedFieldsAfterUpdate(before, after, {
      manager: "kubectl",
      now: "2026-11-27T10:00:00Z",
    });
    expect(main?.[0]?.fieldsV1).toEqual({ "f:spec": { "f:nodeName": {} } });
    expect(inScope([{ field: "status" }], {})).toBe(false);
  });
});
