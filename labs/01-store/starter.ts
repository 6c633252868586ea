/**
 * Lab 1: the versions of one key, as etcd's keyIndex keeps them.
 *
 * Versions are appended in revision order. A delete appends a tombstone (a version with
 * version 0); a later put starts the key's life again. Implement `at` and `compact`; the rest is
 * done. Chapter 1's docs page walks through this trace.
 *
 *   append put    a=1 @2     [2:a=1]
 *   append put    a=2 @4     [2:a=1, 4:a=2]
 *   append delete     @6     [2:a=1, 4:a=2, 6:✝]
 *   append put    a=3 @8     [2:a=1, 4:a=2, 6:✝, 8:a=3]
 *   at(1) → none  at(3) → a=1  at(5) → a=2  at(6) → none  at(7) → none  at(9) → a=3
 *   compact(5)               [4:a=2, 6:✝, 8:a=3]
 *   compact(7)               [8:a=3]
 *
 * Check your work with `npm run lab -- check 1`; stuck? `npm run lab -- hint 1`.
 */
import { isTombstone, type KeyHistoryLike, type KeyValue } from "@tinykube/core/store";

export class KeyHistory implements KeyHistoryLike {
  /** Kept versions, oldest first, strictly increasing modRevision. */
  private kept: KeyValue[] = [];

  append(version: KeyValue): void {
    const last = this.kept.at(-1);
    if (last && version.modRevision <= last.modRevision) {
      throw new Error(
        `key ${version.key}: revision ${version.modRevision} is not after ${last.modRevision}`,
      );
    }
    this.kept.push(version);
  }

  /** The key as a read at `revision` sees it: undefined if it did not exist then. */
  at(revision: number): KeyValue | undefined {
    throw new Error(`KeyHistory.at(${revision}) is not implemented yet`);
  }

  latest(): KeyValue | undefined {
    const last = this.kept.at(-1);
    return last && !isTombstone(last) ? last : undefined;
  }

  /**
   * Forgets what neither a read nor a watch at `revision` or later can see: keep every version
   * from `revision` on, and the one before it when a read at `revision` returns it.
   */
  compact(revision: number): void {
    throw new Error(`KeyHistory.compact(${revision}) is not implemented yet`);
  }

  isEmpty(): boolean {
    return this.kept.length === 0;
  }

  versions(): readonly KeyValue[] {
    return this.kept;
  }
}
