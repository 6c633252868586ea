/**
 * Translation between the store's types and etcd's gRPC messages, as npm `etcd3` decodes them:
 * keys and values are bytes (Buffers), 64-bit integers are decimal strings, a missing number is
 * "0" and a missing message is null.
 *
 * Requests are checked here before they are sent, with the embedded store's messages, so a bad
 * request fails the same way on both backends and never reaches etcd.
 */
import type {
  ICompare,
  IDeleteRangeRequest,
  IEvent,
  IKeyValue,
  IPutRequest,
  IRangeRequest,
  IRequestOp,
  IResponseHeader,
  IResponseOp,
} from "etcd3";
import { InvalidRequestError, LeaseNotFoundError, StoreError } from "./errors.ts";
import { FROM_KEY, toInterval } from "./keys.ts";
import type {
  Compare,
  KeySelector,
  KeyValue,
  RangeOptions,
  TxnOp,
  TxnOpResult,
  WatchEvent,
} from "./types.ts";

// ---- requests ----

/** A selector as etcd's key and range_end. etcd has no empty key: "" starts at the first key, "\0". */
export function keyRange(selector: KeySelector): { key: Buffer; range_end?: Buffer } {
  const { start, end } = toInterval(selector);
  const key = bytes(start === "" ? FROM_KEY : start);
  return end === undefined ? { key } : { key, range_end: bytes(end) };
}

export function rangeRequest(options: RangeOptions): IRangeRequest {
  const limit = options.limit ?? 0;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new InvalidRequestError(`limit must be a non-negative integer, got ${limit}`);
  }
  return {
    ...keyRange(options),
    limit,
    revision: checkRevision("revision", options.revision ?? 0),
    keys_only: options.keysOnly ?? false,
    count_only: options.countOnly ?? false,
  };
}

export function putRequest(
  key: string,
  value: string,
  options: { lease?: string; prevKv?: boolean },
): IPutRequest {
  if (typeof key !== "string" || key === "") {
    throw new InvalidRequestError("etcdserver: key is not provided");
  }
  if (typeof value !== "string") {
    throw new InvalidRequestError(`put ${key}: value must be a string, got ${typeof value}`);
  }
  return {
    key: bytes(key),
    value: bytes(value),
    ...(options.lease !== undefined ? { lease: leaseNumber(options.lease) } : {}),
    prev_kv: options.prevKv ?? false,
  };
}

export function deleteRequest(
  selector: KeySelector,
  options: { prevKv?: boolean },
): IDeleteRangeRequest {
  return { ...keyRange(selector), prev_kv: options.prevKv ?? false };
}

export function requestOp(op: TxnOp): IRequestOp {
  switch (op.type) {
    case "put":
      return { request_put: putRequest(op.key, op.value, op) };
    case "delete":
      return { request_delete_range: deleteRequest(op, op) };
    case "get":
      return { request_range: rangeRequest(op) };
    default:
      throw new InvalidRequestError(
        `unknown operation ${JSON.stringify((op as { type: unknown }).type)}`,
      );
  }
}

const COMPARE_RESULT = { "=": "Equal", "!=": "NotEqual", "<": "Less", ">": "Greater" } as const;
const COMPARE_TARGET = {
  version: { target: "Version", field: "version" },
  createRevision: { target: "Create", field: "create_revision" },
  modRevision: { target: "Mod", field: "mod_revision" },
} as const;

export function compare(c: Compare): ICompare {
  if (typeof c.key !== "string" || c.key === "") {
    throw new InvalidRequestError("etcdserver: key is not provided");
  }
  const result = COMPARE_RESULT[c.op];
  if (!result) {
    throw new InvalidRequestError(`compare ${c.key}: unknown operator ${JSON.stringify(c.op)}`);
  }
  if (c.target === "value") {
    if (typeof c.value !== "string") {
      throw new InvalidRequestError(
        `compare ${c.key}: a value compare needs a string, got ${typeof c.value}`,
      );
    }
    return { key: bytes(c.key), result, target: "Value", value: bytes(c.value) };
  }
  const column = COMPARE_TARGET[c.target];
  if (!column) {
    throw new InvalidRequestError(`compare ${c.key}: unknown target ${JSON.stringify(c.target)}`);
  }
  if (!Number.isInteger(c.value)) {
    throw new InvalidRequestError(
      `compare ${c.key}: ${c.target} must be an integer, got ${c.value}`,
    );
  }
  return { key: bytes(c.key), result, target: column.target, [column.field]: c.value };
}

/** A revision to read or compact at: 0 or more (0 meaning "the latest" where etcd allows it). */
export function checkRevision(what: string, revision: number): number {
  if (!Number.isInteger(revision) || revision < 0) {
    throw new InvalidRequestError(`${what} must be a non-negative integer, got ${revision}`);
  }
  return revision;
}

/**
 * A lease ID as etcd's int64. etcd only hands out positive IDs (0 means "no lease"), so any other
 * string names a lease that cannot exist, as it would in the embedded store.
 */
export function isLeaseId(id: string): boolean {
  return typeof id === "string" && /^[1-9][0-9]{0,18}$/.test(id) && BigInt(id) < 2n ** 63n;
}

export function leaseNumber(id: string): string {
  if (!isLeaseId(id)) throw new LeaseNotFoundError(String(id));
  return id;
}

// ---- responses ----

/** etcd's int64 fields, which fit a JavaScript number for any store that will ever exist. */
export function int(value: string | number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new StoreError(`etcd sent ${value}, not an integer a number holds exactly`);
  }
  return n;
}

export function revisionOf(header: IResponseHeader): number {
  return int(header.revision);
}

/** A KeyValue; etcd's lease 0 is "no lease". A delete event's kv is already our tombstone. */
export function keyValue(kv: IKeyValue): KeyValue {
  return {
    key: text(kv.key),
    value: text(kv.value),
    createRevision: int(kv.create_revision),
    modRevision: int(kv.mod_revision),
    version: int(kv.version),
    ...(kv.lease !== "0" && kv.lease !== undefined ? { lease: kv.lease } : {}),
  };
}

/** The result of one transaction operation; `response` is etcd's answer to `op`, in order. */
export function txnOpResult(op: TxnOp, response: IResponseOp | undefined): TxnOpResult {
  switch (op.type) {
    case "put": {
      const prev = response?.response_put?.prev_kv;
      return prev ? { type: "put", prevKv: keyValue(prev) } : { type: "put" };
    }
    case "delete": {
      const r = response?.response_delete_range;
      return {
        type: "delete",
        deleted: int(r?.deleted ?? 0),
        prevKvs: (r?.prev_kvs ?? []).map(keyValue),
      };
    }
    case "get": {
      const r = response?.response_range;
      return {
        type: "get",
        kvs: (r?.kvs ?? []).map(keyValue),
        count: int(r?.count ?? 0),
        more: r?.more ?? false,
      };
    }
  }
}

export function watchEvent(event: IEvent): WatchEvent {
  const kv = keyValue(event.kv);
  const type = event.type === "Delete" ? "delete" : "put";
  return event.prev_kv ? { type, kv, prevKv: keyValue(event.prev_kv) } : { type, kv };
}

function bytes(s: string): Buffer {
  return Buffer.from(s, "utf8");
}

function text(b: Buffer | null | undefined): string {
  return b ? b.toString("utf8") : "";
}
