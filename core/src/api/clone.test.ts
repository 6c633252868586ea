import { describe, expect, it } from "vitest";
import { clone } from "./object.ts";

describe("clone", () => {
  it("copies a JSON value deeply: changing the copy leaves the original alone", () => {
    const original = { a: [1, { b: "x" }], c: { d: null, e: true }, f: undefined };
    const copy = clone(original);
    expect(copy).toEqual(original);
    (copy.a[1] as { b: string }).b = "y";
    copy.c.e = false;
    expect(original).toEqual({ a: [1, { b: "x" }], c: { d: null, e: true }, f: undefined });
    expect(Object.hasOwn(copy, "f"), "an undefined member stays a member").toBe(true);
  });

  it('keeps an own "__proto__" member a member, and the copy an ordinary object', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<
      string,
      unknown
    >;
    const copy = clone(parsed);
    expect(Object.keys(copy)).toEqual(["__proto__", "a"]);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(JSON.stringify(copy)).toBe(JSON.stringify(parsed));
  });

  it("hands what is not plain JSON to structuredClone", () => {
    const when = new Date("2026-11-27T10:00:00Z");
    const copy = clone({ when, tags: new Set(["a"]) });
    expect(copy.when).toBeInstanceOf(Date);
    expect(copy.when).not.toBe(when);
    expect(copy.when.getTime()).toBe(when.getTime());
    expect([...copy.tags]).toEqual(["a"]);
  });
});
