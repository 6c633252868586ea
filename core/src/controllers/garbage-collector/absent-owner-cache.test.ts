import { describe, expect, it } from "vitest";
import { AbsentOwnerCache } from "./absent-owner-cache.ts";
import type { ObjectIdentity } from "./graph.ts";

const id = (uid: string, namespace = "default"): ObjectIdentity => ({
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  name: `rs-${uid}`,
  uid,
  namespace,
});

describe("AbsentOwnerCache", () => {
  it("knows an identity only with the same coordinates and namespace", () => {
    const cache = new AbsentOwnerCache();
    cache.add(id("a"));
    expect(cache.has(id("a"))).toBe(true);
    expect(cache.has(id("a", "other"))).toBe(false);
    expect(cache.has({ ...id("a"), name: "renamed" })).toBe(false);
  });

  it("forgets the least recently used entry beyond its capacity", () => {
    const cache = new AbsentOwnerCache(2);
    cache.add(id("a"));
    cache.add(id("b"));
    expect(cache.has(id("a"))).toBe(true); // a is now the most recently used
    cache.add(id("c"));
    expect(cache.size).toBe(2);
    expect(cache.has(id("b"))).toBe(false);
    expect(cache.has(id("a"))).toBe(true);
    expect(cache.has(id("c"))).toBe(true);
  });
});
