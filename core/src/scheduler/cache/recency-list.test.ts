import { describe, expect, it } from "vitest";
import { RecencyList } from "./recency-list.ts";

describe("RecencyList", () => {
  it("keeps the most recently moved first (the module trace)", () => {
    const list = new RecencyList<string>();
    const a = list.add("a");
    list.add("b");
    const c = list.add("c");
    expect([...list.values()]).toEqual(["c", "b", "a"]);
    list.moveToFront(a);
    expect([...list.values()]).toEqual(["a", "c", "b"]);
    list.remove(c);
    expect([...list.values()]).toEqual(["a", "b"]);
    expect(list.front()).toBe("a");
    list.remove(a);
    expect(list.front()).toBe("b");
    expect(() => list.moveToFront(a)).toThrow(/removed/);
  });
});
