/**
 * The embedded store: tinykube's default etcd. One process, state in memory (Mvcc), durability
 * from a write-ahead log with group commit, snapshots that let the log be truncated, and leases
 * on an injected clock. Without a data directory it is memory-only, for tests and teaching.
 *
 * Two revisions matter here. `mvcc.revision` is the newest applied: transactions are checked and
 * applied against it in the order they arrive, so two compare-and-swaps on one key can never
 * both win. `committed` is the newest on disk: reads and watches see only committed state, and
 * a write is acknowledged only when it is committed. Between the two sit writes waiting for the
 * next group commit.
 */
import { mkdir, readdir, readFile, rm, truncate } from "node:fs/promises";
import { join } from "node:path";
import { type Clock, realClock } from "../util/clock.ts";
import { InvalidRequestError, StoreClosedError, WatchCancelledError } from "./errors.ts";
import { isTombstone } from "./key-history.ts";
import { toInterval } from "./keys.ts";
import { Lessor } from "./lessor.ts";
import { type Change, type HistoryFactory, Mvcc } from "./mvcc.ts";
import { readSnapshot, type SnapshotHeader, writeSnapshot } from "./snapshot.ts";
import type {
  DeleteResult,
  KeySelector,
  KeyValue,
  LeaseGrant,
  LeaseId,
  LeaseStatus,
  ProgressWatch,
  PutResult,
  RangeOptions,
  RangeResult,
  Store,
  Txn,
  TxnResult,
  Watch,
  WatchOptions,
} from "./types.ts";
import { readRecords, WriteAheadLog } from "./wal.ts";
import { WatchHub } from "./watch-hub.ts";
import { DEFAULT_WATCH_BUFFER } from "./watch-stream.ts";

export interface EmbeddedStoreOptions {
  /** Directory for the log and snapshots. Absent: memory only, nothing survives the process. */
  dataDir?: string;
  /** Sync each group commit to disk (default true). */
  fsync?: boolean;
  clock?: Clock;
  /**
   * Snapshot and truncate the log after this many log records (default 10,000, as etcd 3.6), or
   * after as many as the last snapshot held versions, if more (maybeSnapshot).
   */
  snapshotEvery?: number;
  /** Unread events a watcher may hold before it is cancelled. */
  watchBuffer?: number;
  /** The class that keeps one key's versions (the lab swaps in the reader's). */
  history?: HistoryFactory;
}

/** One record in the log: everything needed to redo a change exactly. */
type LogRecord =
  | { t: "commit"; rev: number; kvs: KeyValue[]; revoke?: LeaseId }
  | { t: "grant"; id: LeaseId; ttl: number }
  | { t: "revoke"; id: LeaseId }
  | { t: "compact"; rev: number };

/** What recovery found, for the chapter to narrate and tests to check. */
export interface RecoveryReport {
  snapshot?: string;
  segments: string[];
  records: number;
  /** A torn final record that was cut off, if there was one. */
  torn?: string;
  millis: number;
}

export class EmbeddedStore implements Store {
  private readonly mvcc: Mvcc;
  private readonly lessor: Lessor;
  private readonly hub: WatchHub;
  private wal: WriteAheadLog | undefined;
  private committed = 0;
  private commitWaiters: { revision: number; resolve: () => void; reject: (e: Error) => void }[] =
    [];
  private closedBecause: Error | undefined;
  private recordsSinceSnapshot = 0;
  /** Versions the last snapshot wrote: the next waits for at least as many records. */
  private lastSnapshotVersions = 0;
  private snapshotting: Promise<void> | undefined;
  readonly supportsProgress = true;
  /** Set by open() when there was something to recover. */
  recovery: RecoveryReport | undefined;
  /** The newest snapshot file written or loaded. */
  lastSnapshot: string | undefined;

  private constructor(private readonly options: EmbeddedStoreOptions) {
    this.mvcc = new Mvcc(options.history);
    this.lessor = new Lessor(options.clock ?? realClock, (id) => this.expire(id));
    this.hub = new WatchHub(
      {
        committedRevision: () => this.committed,
        changes: (from, to, max) => this.mvcc.changes(from, to, max),
      },
      options.watchBuffer ?? DEFAULT_WATCH_BUFFER,
    );
  }

  static async open(options: EmbeddedStoreOptions = {}): Promise<EmbeddedStore> {
    const store = new EmbeddedStore(options);
    if (options.dataDir) await store.recover(options.dataDir);
    store.lessor.arm();
    return store;
  }

  get compactRevision(): number {
    return this.mvcc.compactRevision;
  }

  /** Group-commit counters: records written and syncs that wrote them. */
  get walStats(): { records: number; syncs: number; bytes: number } | undefined {
    return this.wal?.stats;
  }

  async revision(): Promise<number> {
    this.checkOpen();
    return this.committed;
  }

  async get(key: string, options: { revision?: number } = {}): Promise<KeyValue | undefined> {
    return (await this.range({ key, ...options })).kvs[0];
  }

  async range(options: RangeOptions): Promise<RangeResult> {
    this.checkOpen();
    return { ...this.mvcc.range(options, this.committed), revision: this.committed };
  }

  async put(
    key: string,
    value: string,
    options: { lease?: LeaseId; prevKv?: boolean } = {},
  ): Promise<PutResult> {
    const { revision, results } = await this.txn({
      success: [{ type: "put", key, value, ...options }],
    });
    const result = results[0];
    return result?.type === "put" && result.prevKv
      ? { revision, prevKv: result.prevKv }
      : { revision };
  }

  async delete(selector: KeySelector, options: { prevKv?: boolean } = {}): Promise<DeleteResult> {
    const { revision, results } = await this.txn({
      success: [{ type: "delete", ...selector, ...options }],
    });
    const result = results[0];
    if (result?.type !== "delete") throw new Error("delete returned no delete result");
    return { revision, deleted: result.deleted, prevKvs: result.prevKvs };
  }

  // #region commit
  async txn(txn: Txn): Promise<TxnResult> {
    this.checkOpen();
    const { result, change } = this.mvcc.txn(txn, (id) => this.lessor.has(id));
    if (change) {
      await this.commit(change);
    } else {
      // A read-only transaction may have seen writes still waiting for their group commit: answer
      // only once those are durable, so nothing uncommitted ever leaves the store.
      await this.waitCommitted(this.mvcc.revision);
      result.revision = this.committed;
    }
    return result;
  }

  /**
   * Makes an applied change durable, then visible: once the log has it on disk (or at once with
   * no log), `committed` advances and synced watchers get the change.
   */
  private commit(change: Change, revokedLease?: LeaseId): Promise<void> {
    this.trackLeases(change);
    const kvs = change.events.map((e) => e.kv);
    const record: LogRecord =
      revokedLease === undefined
        ? { t: "commit", rev: change.revision, kvs }
        : { t: "commit", rev: change.revision, kvs, revoke: revokedLease };
    return this.persist(record, () => {
      this.committed = change.revision;
      this.hub.notify([change]);
      this.resolveWaiters();
    });
  }

  /** Appends a record to the log and runs `durable` once it is on disk; without a log, at once. */
  private persist(record: LogRecord, durable: () => void = () => {}): Promise<void> {
    if (!this.wal) {
      durable();
      return Promise.resolve();
    }
    this.recordsSinceSnapshot++;
    const written = this.wal.append(record, (error) => (error ? this.stop(error) : durable()));
    this.maybeSnapshot();
    return written;
  }
  // #endregion commit

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    if (!Number.isInteger(revision) || revision < 0) {
      throw new InvalidRequestError(
        `compact revision must be a non-negative integer, got ${revision}`,
      );
    }
    this.mvcc.compact(revision, this.committed);
    await this.persist({ t: "compact", rev: revision });
  }

  watch(options: WatchOptions & { progress: true }): Promise<ProgressWatch>;
  watch(options: WatchOptions): Promise<Watch>;
  async watch(options: WatchOptions): Promise<Watch | ProgressWatch> {
    this.checkOpen();
    const interval = toInterval(options);
    const start = options.startRevision || this.committed + 1;
    if (!Number.isInteger(start) || start < 0) {
      throw new InvalidRequestError(
        `startRevision must be a non-negative integer, got ${options.startRevision}`,
      );
    }
    this.mvcc.checkReadable(start, Number.POSITIVE_INFINITY);
    return this.hub.watch(interval, start, options.prevKv ?? false);
  }

  async grantLease(ttlSeconds: number): Promise<LeaseGrant> {
    this.checkOpen();
    Lessor.checkTtl(ttlSeconds);
    const id = this.lessor.allocateId();
    this.lessor.grant(id, ttlSeconds);
    await this.persist({ t: "grant", id, ttl: ttlSeconds });
    return { id, ttl: ttlSeconds };
  }

  async keepAlive(id: LeaseId): Promise<LeaseGrant> {
    this.checkOpen();
    return { id, ttl: this.lessor.keepAlive(id) };
  }

  async revokeLease(id: LeaseId): Promise<void> {
    this.checkOpen();
    await this.revoke(id);
  }

  async leaseStatus(id: LeaseId): Promise<LeaseStatus | undefined> {
    this.checkOpen();
    return this.lessor.status(id);
  }

  async close(): Promise<void> {
    if (this.closedBecause) return;
    this.stop(new StoreClosedError("store is closed"));
    await this.snapshotting?.catch(() => {});
    await this.wal?.close();
  }

  // #region revoke
  /** Deletes a lease's keys in one transaction, as etcd's lessor does when a lease ends. */
  private async revoke(id: LeaseId): Promise<void> {
    const keys = this.lessor.remove(id);
    const { change } = this.mvcc.txn(
      { success: keys.map((key) => ({ type: "delete", key })) },
      () => true,
    );
    if (change) await this.commit(change, id);
    else await this.persist({ t: "revoke", id });
  }

  private expire(id: LeaseId): void {
    if (this.closedBecause) return;
    // Nobody awaits an expiry; a failure here has already stopped the store and failed its callers.
    this.revoke(id).catch(() => {});
  }
  // #endregion revoke

  /** Keeps each lease's key set in step with the puts and deletes of a change. */
  private trackLeases(change: Change): void {
    for (const { kv, prevKv } of change.events) {
      if (prevKv?.lease !== undefined) this.lessor.detach(prevKv.lease, kv.key);
      if (!isTombstone(kv) && kv.lease !== undefined) this.lessor.attach(kv.lease, kv.key);
    }
  }

  private waitCommitted(revision: number): Promise<void> {
    if (revision <= this.committed) return Promise.resolve();
    return new Promise((resolve, reject) => this.commitWaiters.push({ revision, resolve, reject }));
  }

  private resolveWaiters(): void {
    if (this.commitWaiters.length === 0) return;
    const ready = this.commitWaiters.filter((w) => w.revision <= this.committed);
    this.commitWaiters = this.commitWaiters.filter((w) => w.revision > this.committed);
    for (const w of ready) w.resolve();
  }

  /** Ends the store: every later call and every waiting read fails with `reason`. */
  private stop(reason: Error): void {
    if (this.closedBecause) return;
    this.closedBecause = reason;
    this.lessor.stop();
    this.hub.closeAll(new WatchCancelledError("closed", reason.message));
    for (const w of this.commitWaiters) w.reject(reason);
    this.commitWaiters = [];
  }

  private checkOpen(): void {
    if (this.closedBecause) throw this.closedBecause;
  }

  // #region snapshot
  /**
   * Every `snapshotEvery` records, or every as many records as the last snapshot held versions if
   * that is more. etcd's snapshot is cheap — its bbolt file already is the state — but this one
   * writes every kept version, so taken at a fixed interval its cost would grow with the store
   * and, until the API server compacts, with the history: 5,000 kubelets renewing Leases made
   * snapshots a twentieth of the API server's CPU. Spacing them by the size of the last one keeps
   * the cost per record constant and the log to replay at most about as long as the snapshot (as
   * Redis rewrites its append-only file when it has doubled).
   *
   * 1. capture the kept versions and leases as of the newest applied revision (synchronously, so
   *    no write slips in between);
   * 2. rotate the log at the same instant: later records go to a new segment;
   * 3. once the old segment is durable, write the snapshot beside it (temporary name, sync, rename);
   * 4. delete the segments and snapshots it replaces.
   * A crash anywhere leaves either the old snapshot and segments or the new ones.
   */
  private maybeSnapshot(): void {
    const every = Math.max(this.options.snapshotEvery ?? 10_000, this.lastSnapshotVersions);
    if (
      this.snapshotting ||
      this.recordsSinceSnapshot < every ||
      !this.wal ||
      !this.options.dataDir
    )
      return;
    const dir = this.options.dataDir;
    const wal = this.wal;
    this.recordsSinceSnapshot = 0;
    const revision = this.mvcc.revision;
    const versions = this.mvcc.versionsUpTo(revision);
    this.lastSnapshotVersions = versions.length;
    const leases = this.lessor.all();
    const nextLeaseId = this.lessor.nextId;
    const compactRevision = this.mvcc.compactRevision;
    const rotated = wal.rotate();
    this.snapshotting = (async () => {
      const segment = await rotated;
      const header: SnapshotHeader = {
        t: "snapshot",
        revision,
        compactRevision,
        segment,
        leases,
        nextLeaseId,
      };
      const name = await writeSnapshot(dir, { header, versions });
      for (const file of await readdir(dir)) {
        const seq = fileSeq(file);
        if (
          seq !== undefined &&
          seq < segment &&
          (file.startsWith("wal-") || file.startsWith("snap-"))
        ) {
          await rm(join(dir, file), { force: true });
        }
      }
      this.lastSnapshot = name;
    })()
      .catch((error: Error) =>
        this.stop(new StoreClosedError(`snapshot failed: ${error.message}`, { cause: error })),
      )
      .finally(() => {
        this.snapshotting = undefined;
      });
  }
  // #endregion snapshot

  /** Resolves when a snapshot in progress (if any) is finished. */
  async snapshotSettled(): Promise<void> {
    await this.snapshotting;
  }

  // #region recover
  /**
   * Rebuilds the state from disk:
   * 1. load the newest snapshot, if any;
   * 2. replay the log segments from the one the snapshot names, in order;
   * 3. cut a torn record off the end of the last segment; refuse damage anywhere else;
   * 4. carry on appending to the last segment.
   */
  private async recover(dir: string): Promise<void> {
    const started = performance.now();
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const files = (await readdir(dir)).sort();
    for (const f of files) if (f.endsWith(".tmp")) await rm(join(dir, f), { force: true });
    const snapshots = files.filter((f) => f.startsWith("snap-") && f.endsWith(".snap"));
    const report: RecoveryReport = { segments: [], records: 0, millis: 0 };

    let firstSegment = 1;
    const newest = snapshots.at(-1);
    if (newest) {
      const { header, versions } = await readSnapshot(dir, newest);
      for (const kv of versions) this.mvcc.restore(kv);
      this.mvcc.restoreRevisions(header.revision, header.compactRevision);
      this.mvcc.rebuildLog();
      for (const lease of header.leases) this.lessor.grant(lease.id, lease.ttl);
      this.lessor.nextId = header.nextLeaseId;
      for (const kv of versions)
        if (kv.lease !== undefined && this.mvcc.latest(kv.key) === kv)
          this.lessor.attach(kv.lease, kv.key);
      firstSegment = header.segment;
      report.snapshot = newest;
      this.lastSnapshot = newest;
    }

    const segments = files
      .filter((f) => f.startsWith("wal-") && f.endsWith(".log"))
      .filter((f) => (fileSeq(f) ?? 0) >= firstSegment);
    for (const [i, name] of segments.entries()) {
      const path = join(dir, name);
      const last = i === segments.length - 1;
      const { records, validLength, torn } = readRecords<LogRecord>(
        await readFile(path),
        path,
        last,
      );
      for (const record of records) this.replay(record);
      report.records += records.length;
      report.segments.push(name);
      if (torn) {
        report.torn = `${name}: ${torn}`;
        await truncate(path, validLength);
      }
    }
    this.committed = this.mvcc.revision;
    const seq = segments.length > 0 ? (fileSeq(segments.at(-1) as string) as number) : firstSegment;
    this.wal = await WriteAheadLog.open({ dir, seq, fsync: this.options.fsync ?? true });
    report.millis = performance.now() - started;
    if (newest || segments.length > 0) this.recovery = report;
  }

  private replay(record: LogRecord): void {
    switch (record.t) {
      case "commit": {
        if (record.rev <= this.mvcc.revision) return;
        if (record.revoke !== undefined && this.lessor.has(record.revoke))
          this.lessor.remove(record.revoke);
        const change: Change = {
          revision: record.rev,
          events: record.kvs.map((kv) => ({ type: isTombstone(kv) ? "delete" : "put", kv })),
        };
        this.mvcc.replay(change);
        this.trackLeases(change);
        return;
      }
      case "grant":
        if (!this.lessor.has(record.id)) this.lessor.grant(record.id, record.ttl);
        return;
      case "revoke":
        if (this.lessor.has(record.id)) this.lessor.remove(record.id);
        return;
      case "compact":
        if (record.rev > this.mvcc.compactRevision) this.mvcc.compact(record.rev);
        return;
    }
  }
  // #endregion recover
}

/** The sequence number in wal-<seq>.log or snap-<seq>.snap. */
function fileSeq(name: string): number | undefined {
  const m = /^(?:wal|snap)-(\d+)\.(?:log|snap)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}
