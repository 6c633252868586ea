/**
 * The versions of one key that the store still keeps: etcd's keyIndex, flattened. Versions are
 * appended in revision order; a delete appends a tombstone (a KeyValue with version 0), and a later
 * put starts the key's life again with a new createRevision.
 *
 * A trace, for one key "a":
 *
 *   append put    a=1 @2     [2:a=1]
 *   append put    a=2 @4     [2:a=1, 4:a=2]
 *   append delete     @6     [2:a=1, 4:a=2, 6:✝]
 *   append put    a=3 @8     [2:a=1, 4:a=2, 6:✝, 8:a=3]        (createRevision 8, version 1)
 *   at(1) → none  at(3) → a=1  at(5) → a=2  at(6) → none  at(7) → none  at(9) → a=3
 *   compact(5)               [4:a=2, 6:✝, 8:a=3]   4 stays: it is what a read at 5 sees
 *   compact(7)               [8:a=3]               the newest version before 7 is a tombstone:
 *                                                   no read at 7 or later needs it
 *   append delete     @10    [8:a=3, 10:✝]
 *   compact(10)              [10:✝]                versions at the compact revision itself stay,
 *                                                   so a watch from 10 still sees the delete
 *   compact(11)              []                    empty: the store forgets the key entirely
 *
 * etcd drops a tombstone at exactly the compact revision; keeping it costs one entry until the
 * next compaction and means a watch may start at the compact revision and miss nothing.
 */
import type { KeyValue } from "./types.ts";

/** A deletion marker: etcd's tombstone, with the deleting revision as modRevision. */
export function tombstone(key: string, revision: number): KeyValue {
  return { key, value: "", createRevision: 0, modRevision: revision, version: 0 };
}

export function isTombstone(kv: KeyValue): boolean {
  return kv.version === 0;
}

/** What the store needs from a key's history; the lab re-implements it. */
export interface KeyHistoryLike {
  /** Adds a version (put or tombstone) with a modRevision above every kept one. */
  append(version: KeyValue): void;
  /** The key as a read at `revision` sees it: undefined if it did not exist then. */
  at(revision: number): KeyValue | undefined;
  /** The current version, or undefined when the key is deleted. */
  latest(): KeyValue | undefined;
  /**
   * Forgets what neither a read nor a watch at `revision` or later can see: keeps every version
   * from `revision` on, and the one before it when a read at `revision` returns it.
   */
  compact(revision: number): void;
  /** True when nothing is kept: the store may drop the key. */
  isEmpty(): boolean;
  /** Every kept version, oldest first (for snapshots). */
  versions(): readonly KeyValue[];
}

// #region KeyHistory
export class KeyHistory implements KeyHistoryLike {
  /** Kept versions, strictly increasing modRevision. */
  private kept: KeyValue[] = [];

  append(version: KeyValue): void {
    const last = this.kept.at(-1);
    if (last && version.modRevision <= last.modRevision) {
      throw new Error(
        `key ${version.key}: revision ${version.modRevision} is not after the newest kept ${last.modRevision}`,
      );
    }
    this.kept.push(version);
  }

  at(revision: number): KeyValue | undefined {
    const i = this.newestAtOrBefore(revision);
    if (i < 0) return undefined;
    const version = this.kept[i] as KeyValue;
    return isTombstone(version) ? undefined : version;
  }

  latest(): KeyValue | undefined {
    const last = this.kept.at(-1);
    return last && !isTombstone(last) ? last : undefined;
  }

  compact(revision: number): void {
    const i = this.newestAtOrBefore(revision);
    if (i < 0) return;
    const version = this.kept[i] as KeyValue;
    const keepFrom = isTombstone(version) && version.modRevision < revision ? i + 1 : i;
    this.kept = this.kept.slice(keepFrom);
  }

  isEmpty(): boolean {
    return this.kept.length === 0;
  }

  versions(): readonly KeyValue[] {
    return this.kept;
  }

  /** Binary search: index of the newest version with modRevision ≤ revision, or -1. */
  private newestAtOrBefore(revision: number): number {
    let lo = 0;
    let hi = this.kept.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.kept[mid] as KeyValue).modRevision <= revision) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
// #endregion KeyHistory
