/**
 * The in-memory heart of the embedded store: multi-version state with no I/O and no timers.
 *
 * Two structures, as in etcd: an index from key to its kept versions (etcd's treeIndex, here a Map
 * for lookups plus SortedKeys for range scans), and a log of changes by revision (etcd keeps them
 * in bbolt keyed by revision), which lets a watcher that starts in the past catch up.
 *
 * Guarantees:
 * - `revision` grows by exactly one per transaction that changed something.
 * - A read at revision R, compactRevision ≤ R ≤ revision, sees the state right after R.
 * - `changesFrom(R)` returns every change with revision ≥ R, for R ≥ compactRevision.
 */
import {
  CompactedError,
  FutureRevisionError,
  InvalidRequestError,
  LeaseNotFoundError,
} from "./errors.ts";
import { isTombstone, KeyHistory, type KeyHistoryLike, tombstone } from "./key-history.ts";
import { intervalContains, type KeyInterval, toInterval } from "./keys.ts";
import { SortedKeys } from "./sorted-keys.ts";
import type {
  Compare,
  KeyValue,
  RangeOptions,
  Txn,
  TxnOp,
  TxnOpResult,
  TxnResult,
  WatchEvent,
} from "./types.ts";

/** Everything one transaction changed, at one revision. */
export interface Change {
  revision: number;
  /** In the order the transaction's operations ran; prevKv set whenever the key existed. */
  events: WatchEvent[];
}

export type HistoryFactory = () => KeyHistoryLike;

export class Mvcc {
  /** The newest revision applied. */
  revision = 0;
  /** Reads below this revision fail; 0 until the first compaction. */
  compactRevision = 0;
  private readonly index = new Map<string, KeyHistoryLike>();
  private readonly keys = new SortedKeys();
  /** Changes with revision ≥ max(compactRevision, 1), dense: log[i].revision = logStart + i. */
  private log: Change[] = [];
  private logStart = 1;

  constructor(private readonly newHistory: HistoryFactory = () => new KeyHistory()) {}

  latest(key: string): KeyValue | undefined {
    return this.index.get(key)?.latest();
  }

  /** A range read. `revision` 0 means the newest; `upTo` caps what "newest" may be. */
  range(
    options: RangeOptions,
    upTo = this.revision,
  ): { kvs: KeyValue[]; count: number; more: boolean } {
    const revision = options.revision || upTo;
    this.checkReadable(revision, upTo);
    return this.read(toInterval(options), revision, options);
  }

  // #region txn
  /**
   * Runs a transaction on the newest state:
   * 1. check every operation of both branches is well-formed (nothing changes if not);
   * 2. evaluate the compares and pick a branch;
   * 3. run its operations in order at revision + 1 — a get sees the branch's earlier writes;
   * 4. if anything changed, the revision becomes revision + 1 and the change joins the log.
   * `leaseExists` lets the caller reject puts to unknown leases before anything changes.
   */
  txn(txn: Txn, leaseExists: (id: string) => boolean): { result: TxnResult; change?: Change } {
    const success = txn.success ?? [];
    const failure = txn.failure ?? [];
    checkBranch(success);
    checkBranch(failure);
    const succeeded = (txn.compare ?? []).every((c) => this.holds(c));
    const ops = succeeded ? success : failure;
    for (const op of ops) {
      if (op.type === "put" && op.lease !== undefined && !leaseExists(op.lease)) {
        throw new LeaseNotFoundError(op.lease);
      }
    }

    const next = this.revision + 1;
    const events: WatchEvent[] = [];
    const results: TxnOpResult[] = ops.map((op) => this.runOp(op, next, events));
    if (events.length === 0) return { result: { succeeded, revision: this.revision, results } };
    this.revision = next;
    const change = { revision: next, events };
    this.log.push(change);
    return { result: { succeeded, revision: next, results }, change };
  }
  // #endregion txn

  /**
   * Applies a change recorded earlier (write-ahead log replay). Puts carry their createRevision
   * and version, so replay rebuilds exactly the versions the original transaction made.
   */
  replay(change: Change): void {
    if (change.revision !== this.revision + 1) {
      throw new Error(`replay of revision ${change.revision}, expected ${this.revision + 1}`);
    }
    for (const event of change.events) {
      const history = this.historyFor(event.kv.key);
      event.prevKv = history.latest();
      history.append(event.kv);
    }
    this.revision = change.revision;
    this.log.push(change);
  }

  /** Restores one version as it was (snapshot load); versions must come in revision order. */
  restore(version: KeyValue): void {
    this.historyFor(version.key).append(version);
  }

  /** After restoring versions: set the revisions a snapshot recorded. */
  restoreRevisions(revision: number, compactRevision: number): void {
    this.revision = revision;
    this.compactRevision = compactRevision;
    this.logStart = Math.max(compactRevision, 1);
    this.log = [];
  }

  /** Rebuilds the change log from the kept versions (after a snapshot load). */
  rebuildLog(): void {
    const byRevision = new Map<number, WatchEvent[]>();
    for (const history of this.index.values()) {
      let prev: KeyValue | undefined;
      for (const version of history.versions()) {
        if (version.modRevision >= this.logStart) {
          const events = byRevision.get(version.modRevision) ?? [];
          const event: WatchEvent = { type: isTombstone(version) ? "delete" : "put", kv: version };
          if (prev && !isTombstone(prev)) event.prevKv = prev;
          events.push(event);
          byRevision.set(version.modRevision, events);
        }
        prev = version;
      }
    }
    this.log = [];
    for (let rev = this.logStart; rev <= this.revision; rev++) {
      this.log.push({ revision: rev, events: byRevision.get(rev) ?? [] });
    }
  }

  // #region compact
  /**
   * Forgets what no read at `revision` or later can see: in every key's history the versions
   * older than the one current at `revision`, and the log of changes before it.
   */
  compact(revision: number, upTo = this.revision): void {
    if (revision > upTo) throw new FutureRevisionError(revision, upTo);
    if (revision <= this.compactRevision) throw new CompactedError(revision, this.compactRevision);
    for (const [key, history] of this.index) {
      history.compact(revision);
      if (history.isEmpty()) {
        this.index.delete(key);
        this.keys.delete(key);
      }
    }
    this.log = this.log.slice(revision - this.logStart);
    this.logStart = revision;
    this.compactRevision = revision;
  }
  // #endregion compact

  /** Changes with revision in [from, to], at most `max` of them; `from` must not be compacted. */
  changes(from: number, to: number, max: number): Change[] {
    if (from < this.compactRevision) throw new CompactedError(from, this.compactRevision);
    const start = Math.max(from, this.logStart) - this.logStart;
    const end = Math.min(to - this.logStart + 1, start + max);
    return this.log.slice(start, Math.max(start, end));
  }

  /** Every kept version with modRevision ≤ revision, in revision order (for snapshots). */
  versionsUpTo(revision: number): KeyValue[] {
    const out: KeyValue[] = [];
    for (const history of this.index.values()) {
      for (const v of history.versions()) if (v.modRevision <= revision) out.push(v);
    }
    return out.sort((a, b) => a.modRevision - b.modRevision || (a.key < b.key ? -1 : 1));
  }

  checkReadable(revision: number, upTo: number): void {
    if (revision < this.compactRevision) throw new CompactedError(revision, this.compactRevision);
    if (revision > upTo) throw new FutureRevisionError(revision, upTo);
  }

  private read(
    interval: KeyInterval,
    revision: number,
    options: Omit<RangeOptions, "key" | "prefix" | "end">,
  ): { kvs: KeyValue[]; count: number; more: boolean } {
    const limit = options.limit ?? 0;
    if (!Number.isInteger(limit) || limit < 0) {
      throw new InvalidRequestError(`limit must be a non-negative integer, got ${limit}`);
    }
    const kvs: KeyValue[] = [];
    let count = 0;
    const visit = (kv: KeyValue | undefined) => {
      if (!kv) return;
      count++;
      if (options.countOnly || (limit > 0 && kvs.length >= limit)) return;
      kvs.push(options.keysOnly ? { ...kv, value: "" } : kv);
    };
    if (interval.end === undefined) {
      visit(this.index.get(interval.start)?.at(revision));
    } else {
      const end = interval.end === "\0" ? undefined : interval.end;
      for (const key of this.keys.scan(interval.start, end))
        visit(this.index.get(key)?.at(revision));
    }
    return { kvs, count, more: kvs.length < count && !options.countOnly };
  }

  private holds(compare: Compare): boolean {
    const kv = this.latest(compare.key);
    if (compare.target === "value") {
      if (!kv) return false;
      return compareWith(kv.value, compare.op, compare.value);
    }
    const actual = kv ? kv[compare.target] : 0;
    return compareWith(actual, compare.op, compare.value);
  }

  private runOp(op: TxnOp, revision: number, events: WatchEvent[]): TxnOpResult {
    switch (op.type) {
      case "get": {
        const { kvs, count, more } = this.read(toInterval(op), revision, op);
        return { type: "get", kvs, count, more };
      }
      case "put": {
        const history = this.historyFor(op.key);
        const prev = history.latest();
        const kv: KeyValue = {
          key: op.key,
          value: op.value,
          createRevision: prev ? prev.createRevision : revision,
          modRevision: revision,
          version: prev ? prev.version + 1 : 1,
          ...(op.lease !== undefined ? { lease: op.lease } : {}),
        };
        history.append(kv);
        events.push(prev ? { type: "put", kv, prevKv: prev } : { type: "put", kv });
        return prev && op.prevKv ? { type: "put", prevKv: prev } : { type: "put" };
      }
      case "delete": {
        const interval = toInterval(op);
        const { kvs } = this.read(interval, revision, {});
        for (const prev of kvs) {
          const gone = tombstone(prev.key, revision);
          this.historyFor(prev.key).append(gone);
          events.push({ type: "delete", kv: gone, prevKv: prev });
        }
        return { type: "delete", deleted: kvs.length, prevKvs: op.prevKv ? kvs : [] };
      }
    }
  }

  private historyFor(key: string): KeyHistoryLike {
    let history = this.index.get(key);
    if (!history) {
      history = this.newHistory();
      this.index.set(key, history);
      this.keys.add(key);
    }
    return history;
  }
}

function compareWith<T extends number | string>(
  actual: T,
  op: Compare["op"],
  expected: T,
): boolean {
  switch (op) {
    case "=":
      return actual === expected;
    case "!=":
      return actual !== expected;
    case "<":
      return actual < expected;
    case ">":
      return actual > expected;
  }
}

/**
 * etcd's rule for one branch: a put may not touch a key that another put or a delete of the same
 * branch touches, since the order of their effects would be ambiguous.
 */
function checkBranch(ops: TxnOp[]): void {
  const puts = new Set<string>();
  const deletes: KeyInterval[] = [];
  for (const op of ops) {
    if (op.type === "put") {
      if (typeof op.key !== "string" || op.key === "") {
        throw new InvalidRequestError("etcdserver: key is not provided");
      }
      if (typeof op.value !== "string") {
        throw new InvalidRequestError(
          `put ${op.key}: value must be a string, got ${typeof op.value}`,
        );
      }
      if (puts.has(op.key)) {
        throw new InvalidRequestError(
          `etcdserver: duplicate key given in txn request (key ${op.key})`,
        );
      }
      puts.add(op.key);
    } else if (op.type === "delete") {
      deletes.push(toInterval(op));
    } else if (op.type === "get") {
      toInterval(op);
    } else {
      throw new InvalidRequestError(
        `unknown operation ${JSON.stringify((op as { type: unknown }).type)}`,
      );
    }
  }
  for (const key of puts) {
    if (deletes.some((d) => intervalContains(d, key))) {
      throw new InvalidRequestError(`etcdserver: duplicate key given in txn request (key ${key})`);
    }
  }
}
