import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { builtinObject } from "../defaults/arbitraries.ts";
import { applyDefaults, defaulters } from "../defaults/index.ts";
import { kindKey } from "../kind-key.ts";
import { BUILTIN_TYPES } from "../scheme.ts";
import { validateCreate, validateUpdate, validators } from "./index.ts";

describe("the validators registry", () => {
  it("has create and update validators for every kind that has a defaulter", () => {
    for (const key of Object.keys(defaulters)) {
      expect(validators[key as keyof typeof validators], key).toBeDefined();
    }
    const stored = BUILTIN_TYPES.filter((t) => !t.virtual && t.kind !== "CustomResourceDefinition");
    for (const t of stored)
      expect(validators[kindKey(t.group, t.kind)], `${t.group}/${t.kind}`).toBeDefined();
  });

  it("dispatches by apiVersion and kind, and lets unknown kinds through", () => {
    const badNamespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: "Bad" } };
    expect(validateCreate(badNamespace).map((e) => e.field)).toEqual(["metadata.name"]);
    expect(validateCreate({ apiVersion: "example.com/v1", kind: "Widget", metadata: {} })).toEqual(
      [],
    );
  });
});

describe("validation, as a property", () => {
  it("never throws, whatever the body holds, on create and on update", () => {
    fc.assert(
      fc.property(builtinObject, builtinObject, (a, b) => {
        const next = applyDefaults(structuredClone(a));
        const old = {
          ...applyDefaults(structuredClone(b)),
          apiVersion: next.apiVersion,
          kind: next.kind,
        };
        validateCreate(next);
        validateCreate(a);
        validateUpdate(next, old);
      }),
      { numRuns: 1000 },
    );
  });

  it("every error names a field and a known reason", () => {
    const reasons = new Set([
      "FieldValueRequired",
      "FieldValueInvalid",
      "FieldValueNotSupported",
      "FieldValueDuplicate",
      "FieldValueTooLong",
      "FieldValueTooMany",
      "FieldValueNotFound",
      "FieldValueForbidden",
      "FieldValueTypeInvalid",
    ]);
    fc.assert(
      fc.property(builtinObject, (a) => {
        for (const e of validateCreate(applyDefaults(structuredClone(a)))) {
          expect(reasons.has(e.type), e.type).toBe(true);
          expect(typeof e.field).toBe("string");
        }
      }),
      { numRuns: 500 },
    );
  });
});
