import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { builtinObject } from "./arbitraries.ts";
import { applyDefaults } from "./index.ts";

describe("defaulting, as a property", () => {
  it("is idempotent: defaulting a defaulted object changes nothing", () => {
    fc.assert(
      fc.property(builtinObject, (obj) => {
        const once = applyDefaults(structuredClone(obj));
        const twice = applyDefaults(structuredClone(once));
        expect(twice).toEqual(once);
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws, whatever shape the body has", () => {
    fc.assert(
      fc.property(builtinObject, fc.jsonValue({ maxDepth: 3 }), (obj, junk) => {
        applyDefaults(obj);
        applyDefaults({ ...obj, spec: junk });
      }),
      { numRuns: 1000 },
    );
  });
});
