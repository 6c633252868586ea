import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { KubeObject } from "../object.ts";
import { PatchError } from "./errors.ts";
import { applyMergePatch, createMergePatch, mergePatchValue } from "./merge-patch.ts";

// RFC 7386, Appendix A.
describe("RFC 7386 examples", () => {
  test.each([
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [
      ["a", "b"],
      ["c", "d"],
      ["c", "d"],
    ],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])("%j + %j = %j", (target, patch, expected) => {
    expect(mergePatchValue(target, patch)).toEqual(expected);
  });
});

describe("applyMergePatch, as kube-apiserver applies it", () => {
  const deployment: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web", tier: "x" } },
    spec: {
      replicas: 1,
      template: { spec: { containers: [{ name: "a", image: "a:1" }, { name: "b" }] } },
    },
  };

  test("kubectl scale's patch sets one field", () => {
    const result = applyMergePatch(deployment, { spec: { replicas: 3 } });
    expect(result.spec).toEqual({ ...(deployment.spec as object), replicas: 3 });
  });

  test("a list is replaced whole: a merge patch cannot change one container", () => {
    const result = applyMergePatch(deployment, {
      spec: { template: { spec: { containers: [{ name: "a", image: "a:2" }] } } },
    });
    expect(result.spec).toEqual({
      replicas: 1,
      template: { spec: { containers: [{ name: "a", image: "a:2" }] } },
    });
  });

  test("null members of copied values are dropped, also in objects inside lists", () => {
    // evanphx/json-patch prunes them; `kubectl patch --local --type merge` shows [{"b":1}, null].
    const result = applyMergePatch(deployment, {
      x: [{ a: null, b: 1 }, null],
      y: { c: null, d: 2 },
    });
    expect(result.x).toEqual([{ b: 1 }, null]);
    expect(result.y).toEqual({ d: 2 });
  });

  test.each([null, 5, "x", true])("a %j patch is refused with 400 Invalid JSON Patch", (patch) => {
    const error = (() => {
      try {
        applyMergePatch(deployment, patch);
      } catch (e) {
        return e as PatchError;
      }
    })();
    expect(error).toBeInstanceOf(PatchError);
    expect(error?.toStatus()).toMatchObject({
      code: 400,
      reason: "BadRequest",
      message: "Invalid JSON Patch",
    });
  });

  test("a list patch would replace the object: 422", () => {
    expect(() => applyMergePatch(deployment, [1])).toThrow(PatchError);
    try {
      applyMergePatch(deployment, [1]);
    } catch (e) {
      expect((e as PatchError).code).toBe(422);
      expect((e as PatchError).reason).toBe("Invalid");
    }
  });

  test("inputs are not mutated", () => {
    const before = structuredClone(deployment);
    const patch = {
      metadata: { labels: { tier: null } },
      spec: { template: { spec: { hostname: "h" } } },
    };
    const result = applyMergePatch(deployment, patch);
    (result.metadata.labels as Record<string, string>).app = "changed";
    expect(deployment).toEqual(before);
    expect(patch).toEqual({
      metadata: { labels: { tier: null } },
      spec: { template: { spec: { hostname: "h" } } },
    });
  });
});

describe("createMergePatch", () => {
  test("deleted keys become null, changed objects recurse, changed lists are sent whole", () => {
    expect(
      createMergePatch(
        { a: 1, b: { c: 1, d: 2 }, e: [1, 2], f: "same" },
        { b: { c: 1, d: 3 }, e: [1], f: "same", g: true },
      ),
    ).toEqual({ a: null, b: { d: 3 }, e: [1], g: true });
  });

  // Merge patches cannot set a value to null, so the property holds for null-free documents.
  const nullFree = fc.jsonValue({ maxDepth: 3 }).filter((v) => !JSON.stringify(v).includes("null"));
  const objects = fc.dictionary(fc.string({ maxLength: 3 }), nullFree, { maxKeys: 5 });

  test("applying the diff of a and b to a gives b", () => {
    fc.assert(
      fc.property(objects, objects, (a, b) => {
        expect(mergePatchValue(a, createMergePatch(a, b))).toEqual(b);
      }),
    );
  });

  test("a merge patch applied twice is applied once", () => {
    fc.assert(
      fc.property(objects, fc.jsonValue({ maxDepth: 3 }), (a, patch) => {
        const once = mergePatchValue(a, patch);
        expect(mergePatchValue(once, patch)).toEqual(once);
      }),
    );
  });
});
