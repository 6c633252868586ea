import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { GENERIC_INVALID_MESSAGE, PatchError } from "./errors.ts";
import { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from "./json-patch.ts";

/** Runs `fn`, expecting a PatchError, and returns it. */
function failure(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PatchError) return error;
    throw error;
  }
  throw new Error("expected a PatchError, the patch applied");
}

// RFC 6902, Appendix A.
describe("RFC 6902 examples", () => {
  const examples: { name: string; doc: unknown; patch: unknown; expected?: unknown }[] = [
    {
      name: "A.1 adding an object member",
      doc: { foo: "bar" },
      patch: [{ op: "add", path: "/baz", value: "qux" }],
      expected: { baz: "qux", foo: "bar" },
    },
    {
      name: "A.2 adding an array element",
      doc: { foo: ["bar", "baz"] },
      patch: [{ op: "add", path: "/foo/1", value: "qux" }],
      expected: { foo: ["bar", "qux", "baz"] },
    },
    {
      name: "A.3 removing an object member",
      doc: { baz: "qux", foo: "bar" },
      patch: [{ op: "remove", path: "/baz" }],
      expected: { foo: "bar" },
    },
    {
      name: "A.4 removing an array element",
      doc: { foo: ["bar", "qux", "baz"] },
      patch: [{ op: "remove", path: "/foo/1" }],
      expected: { foo: ["bar", "baz"] },
    },
    {
      name: "A.5 replacing a value",
      doc: { baz: "qux", foo: "bar" },
      patch: [{ op: "replace", path: "/baz", value: "boo" }],
      expected: { baz: "boo", foo: "bar" },
    },
    {
      name: "A.6 moving a value",
      doc: { foo: { bar: "baz", waldo: "fred" }, qux: { corge: "grault" } },
      patch: [{ op: "move", from: "/foo/waldo", path: "/qux/thud" }],
      expected: { foo: { bar: "baz" }, qux: { corge: "grault", thud: "fred" } },
    },
    {
      name: "A.7 moving an array element",
      doc: { foo: ["all", "grass", "cows", "eat"] },
      patch: [{ op: "move", from: "/foo/1", path: "/foo/3" }],
      expected: { foo: ["all", "cows", "eat", "grass"] },
    },
    {
      name: "A.8 testing a value: success",
      doc: { baz: "qux", foo: ["a", 2, "c"] },
      patch: [
        { op: "test", path: "/baz", value: "qux" },
        { op: "test", path: "/foo/1", value: 2 },
      ],
      expected: { baz: "qux", foo: ["a", 2, "c"] },
    },
    {
      name: "A.9 testing a value: error",
      doc: { baz: "qux" },
      patch: [{ op: "test", path: "/baz", value: "bar" }],
    },
    {
      name: "A.10 adding a nested member object",
      doc: { foo: "bar" },
      patch: [{ op: "add", path: "/child", value: { grandchild: {} } }],
      expected: { foo: "bar", child: { grandchild: {} } },
    },
    {
      name: "A.11 ignoring unrecognized elements",
      doc: { foo: "bar" },
      patch: [{ op: "add", path: "/baz", value: "qux", xyz: 123 }],
      expected: { foo: "bar", baz: "qux" },
    },
    {
      name: "A.12 adding to a nonexistent target",
      doc: { foo: "bar" },
      patch: [{ op: "add", path: "/baz/bat", value: "qux" }],
    },
    {
      // Decoded JSON keeps the last "op", so this is a remove of a missing member: still an error.
      name: "A.13 invalid JSON patch document",
      doc: { foo: "bar" },
      patch: JSON.parse('[{ "op": "add", "path": "/baz", "value": "qux", "op": "remove" }]'),
    },
    {
      name: "A.14 ~ escape ordering",
      doc: { "/": 9, "~1": 10 },
      patch: [{ op: "test", path: "/~01", value: 10 }],
      expected: { "/": 9, "~1": 10 },
    },
    {
      name: "A.15 comparing strings and numbers",
      doc: { "/": 9, "~1": 10 },
      patch: [{ op: "test", path: "/~01", value: "10" }],
    },
    {
      name: "A.16 adding an array value",
      doc: { foo: ["bar"] },
      patch: [{ op: "add", path: "/foo/-", value: ["abc", "def"] }],
      expected: { foo: ["bar", ["abc", "def"]] },
    },
  ];

  test.each(examples)("$name", ({ doc, patch, expected }) => {
    if (expected === undefined) {
      expect(failure(() => applyJsonPatch(doc, patch)).code).toBe(422);
    } else {
      expect(applyJsonPatch(doc, patch)).toEqual(expected);
    }
  });
});

// The messages are evanphx/json-patch v4's, as `kubectl patch --local --type json` (kubectl 1.32,
// which vendors the same library as kube-apiserver) printed them for these operations.
describe("failed operations say which operation failed and why, in the library's words", () => {
  const doc = {
    metadata: { name: "web" },
    spec: { replicas: 1, containers: [{ name: "a" }, { name: "b" }] },
  };
  const cases: [op: Record<string, unknown>, detail: string][] = [
    [
      { op: "test", path: "/spec/replicas", value: 2 },
      "testing value /spec/replicas failed: test failed",
    ],
    [
      { op: "test", path: "/spec/replicas", value: "1" },
      "testing value /spec/replicas failed: test failed",
    ],
    [{ op: "test", path: "/spec/replicas" }, "testing value /spec/replicas failed: test failed"],
    [{ op: "test", path: "/spec/nope", value: 1 }, "testing value /spec/nope failed: test failed"],
    [
      { op: "remove", path: "/spec/nope" },
      "error in remove for path: '/spec/nope': Unable to remove nonexistent key: nope: missing value",
    ],
    [
      { op: "add", path: "/spec/a/b", value: 1 },
      'add operation does not apply: doc is missing path: "/spec/a/b": missing value',
    ],
    [
      { op: "add", path: "spec", value: 1 },
      'add operation does not apply: doc is missing path: "spec": missing value',
    ],
    [
      { op: "remove", path: "/metadata/name/x" },
      'remove operation does not apply: doc is missing path: "/metadata/name/x": missing value',
    ],
    [
      { op: "replace", path: "/spec/a/b", value: 1 },
      "replace operation does not apply: doc is missing path: /spec/a/b: missing value",
    ],
    [
      { op: "replace", path: "/spec/containers/7", value: 1 },
      "replace operation does not apply: doc is missing key: /spec/containers/7: missing value",
    ],
    [
      { op: "move", from: "/spec/nope", path: "/spec/x" },
      "error in move for path: 'nope': Unable to remove nonexistent key: nope: missing value",
    ],
    [
      { op: "move", from: "/spec", path: "/spec/x" },
      "move operation does not apply: doc is missing destination path: /spec/x: missing value",
    ],
    [
      { op: "move", from: "/spec/containers/0", path: "/spec/containers/3" },
      "error in move for path: '/spec/containers/3': Unable to access invalid index: 3: invalid index referenced",
    ],
    [
      { op: "add", path: "/spec/containers/9", value: {} },
      "error in add for path: '/spec/containers/9': Unable to access invalid index: 9: invalid index referenced",
    ],
    [
      { op: "add", path: "/spec/containers/-5", value: {} },
      "error in add for path: '/spec/containers/-5': Unable to access invalid index: -5: invalid index referenced",
    ],
    [
      { op: "remove", path: "/spec/containers/9" },
      "error in remove for path: '/spec/containers/9': Unable to access invalid index: 9: invalid index referenced",
    ],
    [
      { op: "add", path: "/spec/containers/x", value: {} },
      `error in add for path: '/spec/containers/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax`,
    ],
    [
      { op: "test", path: "/spec/containers/5", value: 1 },
      "error in test for path: '/spec/containers/5': Unable to access invalid index: 5: invalid index referenced",
    ],
    [{ op: "bogus", path: "/spec" }, "Unexpected kind: bogus"],
    [{ path: "/spec" }, "Unexpected kind: unknown"],
    [{ op: "add", value: 1 }, "add operation failed to decode path: missing value"],
    [{ op: "add", path: 5, value: 1 }, "add operation failed to decode path: missing value"],
    [{ op: "remove" }, "remove operation failed to decode path: missing value"],
    [
      { op: "replace" },
      "replace operation failed to decode path: operation missing path field: missing value",
    ],
    [
      { op: "test" },
      "test operation failed to decode path: operation missing path field: missing value",
    ],
    [
      { op: "test", path: 5, value: 1 },
      "test operation failed to decode path: json: cannot unmarshal number into Go value of type string",
    ],
    [
      { op: "move", path: "/a" },
      "move operation failed to decode from: operation, missing from field: missing value",
    ],
    [
      { op: "move", from: "/spec/replicas" },
      "move operation failed to decode path: operation missing path field: missing value",
    ],
    [
      { op: "copy", path: "/a" },
      "copy operation failed to decode from: operation, missing from field: missing value",
    ],
    [{ op: "copy", from: "/spec/replicas" }, "copy operation failed to decode path: missing value"],
  ];

  test.each(cases)("%j", (op, detail) => {
    const error = failure(() =>
      applyJsonPatch(doc, [{ op: "test", path: "/metadata/name", value: "web" }, op]),
    );
    expect(error.detail).toBe(detail);
    expect(error.operation).toBe(1);
    expect(error.message).toBe(`operation 1: ${detail}`);
  });

  test("the Status hides the reason, as kube-apiserver's does", () => {
    const error = failure(() =>
      applyJsonPatch(doc, [{ op: "test", path: "/spec/replicas", value: 2 }]),
    );
    expect(error.toStatus()).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: GENERIC_INVALID_MESSAGE,
      reason: "Invalid",
      code: 422,
    });
  });

  test("nothing of a failed patch is kept, and the input is untouched", () => {
    const input = structuredClone(doc);
    failure(() =>
      applyJsonPatch(input, [
        { op: "replace", path: "/spec/replicas", value: 5 },
        { op: "remove", path: "/spec/nope" },
      ]),
    );
    expect(input).toEqual(doc);
  });
});

describe("what kube-apiserver's json-patch library allows beyond the RFC", () => {
  const doc = { spec: { list: ["a", "b", "c"] } };
  test.each([
    [
      "replace of a missing member adds it",
      { op: "replace", path: "/spec/new", value: 1 },
      { list: ["a", "b", "c"], new: 1 },
    ],
    [
      "copy from a missing member copies null",
      { op: "copy", from: "/spec/nope", path: "/spec/x" },
      { list: ["a", "b", "c"], x: null },
    ],
    [
      "-1 inserts before the end",
      { op: "add", path: "/spec/list/-1", value: "z" },
      { list: ["a", "b", "c", "z"] },
    ],
    [
      "a leading zero is an index",
      { op: "add", path: "/spec/list/01", value: "z" },
      { list: ["a", "z", "b", "c"] },
    ],
    ["remove -1 removes the last", { op: "remove", path: "/spec/list/-1" }, { list: ["a", "b"] }],
    [
      "null and absent test equal",
      { op: "test", path: "/spec/nope", value: null },
      { list: ["a", "b", "c"] },
    ],
  ])("%s", (_name, op, spec) => {
    expect(applyJsonPatch(doc, [op])).toEqual({ spec });
  });

  test("the whole document cannot be replaced", () => {
    expect(failure(() => applyJsonPatch(doc, [{ op: "add", path: "", value: {} }])).detail).toBe(
      'add operation does not apply: doc is missing path: "": missing value',
    );
  });

  test("objects compare by content, not key order", () => {
    const d = { env: [{ name: "A", value: "1" }] };
    expect(
      applyJsonPatch(d, [{ op: "test", path: "/env", value: [{ value: "1", name: "A" }] }]),
    ).toEqual(d);
    expect(
      failure(() => applyJsonPatch(d, [{ op: "test", path: "/env/0", value: { name: "A" } }])).code,
    ).toBe(422);
  });
});

describe("patches that are not a list of operations", () => {
  test.each([
    [{ op: "add" }, "json: cannot unmarshal object into Go value of type jsonpatch.Patch"],
    ["x", "json: cannot unmarshal string into Go value of type jsonpatch.Patch"],
    [[1], "json: cannot unmarshal number into Go value of type jsonpatch.Operation"],
    [[true], "json: cannot unmarshal bool into Go value of type jsonpatch.Operation"],
  ])("%j is a bad request", (patch, message) => {
    const error = failure(() => applyJsonPatch({}, patch));
    expect(error.code).toBe(400);
    expect(error.toStatus()).toMatchObject({ reason: "BadRequest", message, code: 400 });
  });

  test("null is an empty patch; a null operation has no kind", () => {
    expect(applyJsonPatch({ a: 1 }, null)).toEqual({ a: 1 });
    expect(failure(() => applyJsonPatch({}, [null])).detail).toBe("Unexpected kind: unknown");
  });

  test("more than 10,000 operations is too large", () => {
    const patch = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({
      op: "test",
      path: "/a",
      value: 1,
    }));
    const error = failure(() => applyJsonPatch({ a: 1 }, patch));
    expect(error.toStatus()).toMatchObject({
      code: 413,
      reason: "RequestEntityTooLarge",
      message:
        "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001",
    });
    expect(applyJsonPatch({ a: 1 }, patch.slice(1))).toEqual({ a: 1 });
  });

  test("copies may add only so many bytes", () => {
    const patch = [
      { op: "copy", from: "/a", path: "/b" },
      { op: "copy", from: "/a", path: "/c" },
    ];
    expect(applyJsonPatch({ a: "xxxx" }, patch, { maxCopyBytes: 12 })).toEqual({
      a: "xxxx",
      b: "xxxx",
      c: "xxxx",
    });
    expect(failure(() => applyJsonPatch({ a: "xxxx" }, patch, { maxCopyBytes: 11 })).detail).toBe(
      "Unable to complete the copy, the accumulated size increase of copy is 12, exceeding the limit 11",
    );
  });
});

describe("properties", () => {
  const escapeToken = (key: string) => key.replaceAll("~", "~0").replaceAll("/", "~1");
  const json = fc.jsonValue({ maxDepth: 3 });
  const docs = fc.dictionary(fc.string(), json, { maxKeys: 5 });

  test("add then remove of a new member gives the document back, whatever the key", () => {
    fc.assert(
      fc.property(docs, fc.string(), json, (doc, key, value) => {
        fc.pre(!Object.hasOwn(doc, key));
        const path = `/${escapeToken(key)}`;
        const added = applyJsonPatch(doc, [
          { op: "add", path, value },
          { op: "test", path, value },
        ]) as Record<string, unknown>;
        expect(added[key]).toEqual(value);
        expect(applyJsonPatch(added, [{ op: "remove", path }])).toEqual(doc);
      }),
    );
  });

  test("insert then remove at an index gives the list back", () => {
    fc.assert(
      fc.property(fc.array(json, { maxLength: 6 }), json, fc.nat(), (list, value, at) => {
        const index = at % (list.length + 1);
        const inserted = applyJsonPatch({ list }, [{ op: "add", path: `/list/${index}`, value }]);
        expect(inserted.list[index]).toEqual(value);
        expect(applyJsonPatch(inserted, [{ op: "remove", path: `/list/${index}` }])).toEqual({
          list,
        });
      }),
    );
  });

  test("move there and back gives the document back; copy leaves the source", () => {
    const withMember = docs
      .filter((doc) => Object.keys(doc).length > 0)
      .chain((doc) =>
        fc.tuple(fc.constant(doc), fc.constantFrom(...Object.keys(doc)), fc.string()),
      );
    fc.assert(
      fc.property(withMember, ([doc, from, to]) => {
        fc.pre(!Object.hasOwn(doc, to));
        const [f, t] = [`/${escapeToken(from)}`, `/${escapeToken(to)}`];
        const moved = applyJsonPatch(doc, [{ op: "move", from: f, path: t }]);
        expect(applyJsonPatch(moved, [{ op: "move", from: t, path: f }])).toEqual(doc);
        const copied = applyJsonPatch(doc, [{ op: "copy", from: f, path: t }]) as Record<
          string,
          unknown
        >;
        expect(copied[to]).toEqual(doc[from]);
        expect(copied[from]).toEqual(doc[from]);
      }),
    );
  });

  test("inputs are never mutated", () => {
    fc.assert(
      fc.property(
        docs,
        fc.array(
          fc.record({
            op: fc.constantFrom("add", "remove", "replace", "test"),
            path: fc.constantFrom("/a", "/b/0", "/-"),
            value: json,
          }),
        ),
        (doc, patch) => {
          const [docBefore, patchBefore] = [structuredClone(doc), structuredClone(patch)];
          try {
            const result = applyJsonPatch(doc, patch) as Record<string, unknown>;
            for (const key of Object.keys(result)) result[key] = "changed";
          } catch (error) {
            if (!(error instanceof PatchError)) throw error;
          }
          expect(doc).toEqual(docBefore);
          expect(patch).toEqual(patchBefore);
        },
      ),
    );
  });
});
