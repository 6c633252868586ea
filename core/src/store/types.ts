/**
 * The store's contract, modelled on etcd's v3 API (KV, Watch, Lease). Two backends implement it:
 * the embedded store (memory + write-ahead log) and a real etcd. The guarantees below are what
 * the API server builds on, and what the shared contract suite checks for both.
 *
 * - One global revision counts committed transactions that changed something. Every key records
 *   the revision that created it, the revision that last changed it, and how many times it was
 *   written since it was created.
 * - A read at revision R sees exactly the state after transaction R, until R is compacted.
 * - A transaction's compares and operations act on one state, atomically: its writes all get
 *   the same new revision, or nothing changes.
 * - A watch started at revision S delivers every change with revision >= S to its keys, in
 *   revision order, each exactly once.
 */

/** etcd lease IDs are 64-bit integers; as strings they survive JSON and JavaScript numbers. */
export type LeaseId = string;

/** One version of one key, as etcd's mvccpb.KeyValue. Stored objects are never mutated. */
export interface KeyValue {
  readonly key: string;
  readonly value: string;
  /** Revision of the put that created the key since it last did not exist. */
  readonly createRevision: number;
  /** Revision of the last change to the key. */
  readonly modRevision: number;
  /** Puts since creation: 1 after the first put. Deleting resets the key's history. */
  readonly version: number;
  readonly lease?: LeaseId;
}

/**
 * Which keys: one key; every key with a prefix; or the half-open interval [key, end).
 * As in etcd, `end: "\0"` means every key from `key` on.
 */
export interface KeySelector {
  key: string;
  prefix?: boolean;
  end?: string;
}

export interface RangeOptions extends KeySelector {
  /** At most this many keys (0 or absent: no limit). `count` still counts them all. */
  limit?: number;
  /** Read the state as of this revision (0 or absent: the latest committed revision). */
  revision?: number;
  /** Return only the count. */
  countOnly?: boolean;
  /** Return keys and metadata with empty values. */
  keysOnly?: boolean;
}

export interface RangeResult {
  /** Keys in ascending order. */
  kvs: KeyValue[];
  /** How many keys matched, regardless of `limit`. */
  count: number;
  /** True when `limit` cut the result short. */
  more: boolean;
  /** The store's revision when the read was served (the response header's revision). */
  revision: number;
}

export type CompareOp = "=" | "!=" | "<" | ">";

/**
 * A condition on one key, evaluated on the latest state. A missing key has revisions and version
 * 0; a compare on the value of a missing key is always false (etcd cannot tell "" from absent).
 */
export type Compare =
  | {
      key: string;
      target: "modRevision" | "createRevision" | "version";
      op: CompareOp;
      value: number;
    }
  | { key: string; target: "value"; op: CompareOp; value: string };

export type TxnOp =
  | { type: "put"; key: string; value: string; lease?: LeaseId; prevKv?: boolean }
  | ({ type: "delete"; prevKv?: boolean } & KeySelector)
  | ({ type: "get" } & Omit<RangeOptions, "revision">);

export type TxnOpResult =
  | { type: "put"; prevKv?: KeyValue }
  | { type: "delete"; deleted: number; prevKvs: KeyValue[] }
  | { type: "get"; kvs: KeyValue[]; count: number; more: boolean };

export interface Txn {
  /** All must hold for `success` to run; otherwise `failure` runs. */
  compare?: Compare[];
  success?: TxnOp[];
  failure?: TxnOp[];
}

export interface TxnResult {
  succeeded: boolean;
  /** The store's revision after the transaction: its own if it wrote, else the current one. */
  revision: number;
  /** One result per operation of the branch that ran, in order. */
  results: TxnOpResult[];
}

export interface PutResult {
  revision: number;
  prevKv?: KeyValue;
}

export interface DeleteResult {
  revision: number;
  deleted: number;
  prevKvs: KeyValue[];
}

/**
 * A change to a key. For a delete, `kv` is the tombstone etcd sends: the key with the deleting
 * revision as modRevision, an empty value, and createRevision and version 0.
 */
export interface WatchEvent {
  type: "put" | "delete";
  kv: KeyValue;
  /** The key's previous version, when the watch asked for it and the key existed. */
  prevKv?: KeyValue;
}

export interface WatchOptions extends KeySelector {
  /**
   * First revision to deliver, inclusive, as etcd's start_revision. Absent: changes after the
   * current revision. Below the compacted revision the watch fails with CompactedError.
   */
  startRevision?: number;
  prevKv?: boolean;
  /** Open a ProgressWatch, which can ask for progress markers. */
  progress?: boolean;
}

/**
 * A marker in a watch's stream: every change up to `revision` to the watched keys has been
 * delivered before it. Sent only when asked (requestProgress), as etcd's progress responses are.
 * A cache uses it to know it is current even when none of its keys changed.
 */
export interface WatchProgress {
  type: "progress";
  revision: number;
}

/**
 * A running watch. Iterate it for events; iteration ends when `cancel()` is called, and throws
 * WatchCancelledError when the store cancels it (a consumer too slow to keep up, the store closing)
 * or CompactedError when the revisions it still had to deliver were compacted.
 */
export interface Watch extends AsyncIterable<WatchEvent> {
  cancel(): void;
}

/** A watch opened with `progress: true`: its stream may also carry progress markers. */
export interface ProgressWatch extends AsyncIterable<WatchEvent | WatchProgress> {
  cancel(): void;
  /** Asks for a WatchProgress with the store's current revision, in order in the stream. */
  requestProgress(): void;
}

export interface LeaseGrant {
  id: LeaseId;
  /** The TTL granted, in seconds; etcd may raise a very short TTL to its minimum. */
  ttl: number;
}

export interface LeaseStatus {
  id: LeaseId;
  /** Seconds left before it expires. */
  ttl: number;
  grantedTtl: number;
  keys: string[];
}

export interface Store {
  /** Whether ProgressWatch markers can be trusted (see EtcdStore.supportsProgress). */
  readonly supportsProgress: boolean;
  /** The latest committed revision. */
  revision(): Promise<number>;
  get(key: string, options?: { revision?: number }): Promise<KeyValue | undefined>;
  range(options: RangeOptions): Promise<RangeResult>;
  put(
    key: string,
    value: string,
    options?: { lease?: LeaseId; prevKv?: boolean },
  ): Promise<PutResult>;
  delete(selector: KeySelector, options?: { prevKv?: boolean }): Promise<DeleteResult>;
  txn(txn: Txn): Promise<TxnResult>;
  /** Forgets every version older than the version each key had at `revision`. */
  compact(revision: number): Promise<void>;
  watch(options: WatchOptions & { progress: true }): Promise<ProgressWatch>;
  watch(options: WatchOptions): Promise<Watch>;
  grantLease(ttlSeconds: number): Promise<LeaseGrant>;
  /** Restarts the lease's TTL, as one LeaseKeepAlive round trip. */
  keepAlive(id: LeaseId): Promise<LeaseGrant>;
  /** Deletes the lease and every key attached to it. */
  revokeLease(id: LeaseId): Promise<void>;
  leaseStatus(id: LeaseId): Promise<LeaseStatus | undefined>;
  close(): Promise<void>;
}
