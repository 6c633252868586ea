/**
 * The contract of one key's history (KeyHistoryLike), run against the core's KeyHistory and
 * against the lab's. Each case follows the trace at the top of key-history.ts.
 */
import { describe, expect, it } from "vitest";
import { type KeyHistoryLike, tombstone } from "./key-history.ts";
import type { KeyValue } from "./types.ts";

const put = (value: string, rev: number, createRevision: number, version: number): KeyValue => ({
  key: "a",
  value,
  createRevision,
  modRevision: rev,
  version,
});

/** The trace's history: a=1 @2, a=2 @4, deleted @6, a=3 @8 (a new life: created at 8). */
function traced(make: () => KeyHistoryLike): KeyHistoryLike {
  const h = make();
  h.append(put("1", 2, 2, 1));
  h.append(put("2", 4, 2, 2));
  h.append(tombstone("a", 6));
  h.append(put("3", 8, 8, 1));
  return h;
}

const values = (h: KeyHistoryLike) =>
  h.versions().map((v) => `${v.modRevision}:${v.version === 0 ? "✝" : v.value}`);

export function describeKeyHistory(name: string, make: () => KeyHistoryLike): void {
  describe(`key history: ${name}`, () => {
    it("at(revision) returns the version current at that revision", () => {
      const h = traced(make);
      expect(h.at(2)?.value, "at(2): the put at 2").toBe("1");
      expect(h.at(3)?.value, "at(3): still the put at 2").toBe("1");
      expect(h.at(5)?.value, "at(5): the put at 4").toBe("2");
      expect(h.at(9)?.value, "at(9): the put at 8").toBe("3");
      expect(h.at(8)?.createRevision, "at(8): the new life starts at 8").toBe(8);
    });

    it("at(revision) is undefined before the key existed and while it was deleted", () => {
      const h = traced(make);
      expect(h.at(1), "at(1): before the first put").toBeUndefined();
      expect(h.at(6), "at(6): deleted at 6").toBeUndefined();
      expect(h.at(7), "at(7): still deleted").toBeUndefined();
    });

    it("latest() is the newest version, or undefined after a delete", () => {
      const h = make();
      expect(h.latest()).toBeUndefined();
      h.append(put("1", 2, 2, 1));
      expect(h.latest()?.value).toBe("1");
      h.append(tombstone("a", 3));
      expect(h.latest(), "latest() after a delete").toBeUndefined();
    });

    it("compact(revision) keeps the version a read at that revision sees", () => {
      const h = traced(make);
      h.compact(5);
      expect(values(h), "after compact(5): 2:1 goes, 4:2 stays (a read at 5 sees it)").toEqual([
        "4:2",
        "6:✝",
        "8:3",
      ]);
      expect(h.at(5)?.value).toBe("2");
    });

    it("compact(revision) drops a tombstone older than the revision, and what it hid", () => {
      const h = traced(make);
      h.compact(7);
      expect(
        values(h),
        "after compact(7): only 8:3 is still visible to reads at 7 or later",
      ).toEqual(["8:3"]);
      expect(h.at(7)).toBeUndefined();
    });

    it("compact(revision) keeps a tombstone at exactly the revision, so a watch from there sees it", () => {
      const h = traced(make);
      h.append(tombstone("a", 10));
      h.compact(10);
      expect(values(h), "after compact(10)").toEqual(["10:✝"]);
      expect(h.isEmpty()).toBe(false);
      h.compact(11);
      expect(values(h), "after compact(11)").toEqual([]);
      expect(h.isEmpty(), "isEmpty() once everything is compacted").toBe(true);
    });

    it("compact(revision) before the first version changes nothing", () => {
      const h = traced(make);
      h.compact(1);
      expect(values(h)).toEqual(["2:1", "4:2", "6:✝", "8:3"]);
    });
  });
}
