/**
 * The store's errors. Messages start with etcd's own wording, so a reader who has seen etcd's
 * errors recognises them, then add the values involved.
 */

export class StoreError extends Error {
  override name = "StoreError";
}

/**
 * A read or watch asked for a revision that compaction already forgot. The API server turns this
 * into 410 Gone ("too old resource version"); a client re-lists and watches from the new state.
 */
export class CompactedError extends StoreError {
  override name = "CompactedError";
  constructor(
    readonly requestedRevision: number,
    readonly compactRevision: number,
  ) {
    super(
      `mvcc: required revision has been compacted (requested ${requestedRevision}, compacted at ${compactRevision})`,
    );
  }
}

export class FutureRevisionError extends StoreError {
  override name = "FutureRevisionError";
  constructor(
    readonly requestedRevision: number,
    readonly currentRevision: number,
  ) {
    super(
      `mvcc: required revision is a future revision (requested ${requestedRevision}, current ${currentRevision})`,
    );
  }
}

export class LeaseNotFoundError extends StoreError {
  override name = "LeaseNotFoundError";
  constructor(readonly leaseId: string) {
    super(`etcdserver: requested lease not found (lease ${leaseId})`);
  }
}

/** A request that can never succeed as written: nothing was changed. */
export class InvalidRequestError extends StoreError {
  override name = "InvalidRequestError";
}

export type WatchCancelReason = "slow-consumer" | "closed" | "stream-ended";

/** The store ended a watch the consumer did not cancel; re-watch from the last revision seen. */
export class WatchCancelledError extends StoreError {
  override name = "WatchCancelledError";
  constructor(
    readonly reason: WatchCancelReason,
    detail: string,
  ) {
    super(`watch cancelled (${reason}): ${detail}`);
  }
}

/** The store was closed, or stopped after a failed write to disk; nothing more is accepted. */
export class StoreClosedError extends StoreError {
  override name = "StoreClosedError";
}

/** A record in the middle of a log or snapshot is damaged; recovery refuses to guess. */
export class CorruptDataError extends StoreError {
  override name = "CorruptDataError";
  constructor(
    readonly file: string,
    readonly offset: number,
    detail: string,
  ) {
    super(`corrupt record in ${file} at offset ${offset}: ${detail}`);
  }
}
