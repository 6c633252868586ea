/**
 * The etcd backend: the Store contract over a real etcd's v3 API, through the raw gRPC clients of
 * npm `etcd3` (`kv`, `leaseClient`, `watchClient`). Each call is one etcd request; etcd does the
 * work, this class translates (etcd-wire.ts) and fills in what etcd's answers leave out.
 *
 * Where etcd answers differently from the contract, and what this class does about it:
 * - A watch from a compacted revision: etcd accepts the watch, then cancels it with the compact
 *   revision once its sync loop (every 100 ms) gets to it. watch() first reads at the start
 *   revision, which fails on the same rule at once, so it rejects as the embedded store does; a
 *   compaction that slips in between still ends the watch with CompactedError.
 * - "required revision has been compacted" from a read or a compaction names no revision. The
 *   compact revision is learnt as a watch learns it (see `compactRevision`).
 * - "future revision" names no current revision: one more read finds it.
 * - "requested lease not found" names no lease: the error names the leases the request used.
 * - A keep-alive for a lease etcd does not have is not an error but a TTL of 0, and a lease's
 *   status a TTL of -1.
 * - etcd raises a very short TTL to its minimum (2 s with default flags); LeaseGrant.ttl says so.
 * - etcd lists a lease's keys in no particular order; leaseStatus sorts them.
 * - A watch lives on its own gRPC stream. If the stream breaks (etcd stops, the network fails),
 *   the watch ends with WatchCancelledError("stream-ended") and the consumer watches again from
 *   the last revision it saw. Nothing reconnects here: that is the reflector's job, as in client-go.
 * - One watch response can carry many events (up to 1,000 revisions while a watch catches up);
 *   they enter the watch's buffer together (WatchStream only cuts off a reader already behind).
 */
import { handleWhen, noop, retry } from "cockatiel";
import {
  Etcd3,
  GRPCInvalidArgumentError,
  type IDuplexStream,
  type IWatchCreateRequest,
  type IWatchRequest,
  type IWatchResponse,
} from "etcd3";
import {
  CompactedError,
  FutureRevisionError,
  InvalidRequestError,
  LeaseNotFoundError,
  StoreClosedError,
  StoreError,
  WatchCancelledError,
} from "./errors.ts";
import {
  checkRevision,
  compare,
  deleteRequest,
  int,
  isLeaseId,
  keyRange,
  keyValue,
  leaseNumber,
  putRequest,
  rangeRequest,
  requestOp,
  revisionOf,
  txnOpResult,
  watchEvent,
} from "./etcd-wire.ts";
import { FROM_KEY } from "./keys.ts";
import { Lessor } from "./lessor.ts";
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
  TxnOp,
  TxnResult,
  Watch,
  WatchOptions,
} from "./types.ts";
import { DEFAULT_WATCH_BUFFER, WatchStream } from "./watch-stream.ts";

export interface EtcdStoreOptions {
  /** Client URLs of etcd members, such as "http://127.0.0.1:2379". */
  endpoints: string[];
  /** Unread events a watcher may hold before it is cancelled. */
  watchBuffer?: number;
}

/** What a request asked for, so that an error from etcd can name it. */
interface RequestContext {
  /** The revision read or compacted at. */
  revision?: number;
  compacting?: boolean;
  /** The leases the request attaches keys to or acts on. */
  leases?: string[];
}

/**
 * The largest answer accepted: math.MaxInt32, as etcd's Go client (clientv3) allows. gRPC's
 * default of 4 MiB would refuse a range of ~6,000 pods, which a list of a big cluster is.
 */
const MAX_RECEIVE_BYTES = 2 ** 31 - 1;

/**
 * etcd's sync loop cancels a watch below the compact revision within 100 ms; past this wait,
 * `compactRevision` settles for the lower bound it already has.
 */
const COMPACT_PROBE_MS = 1000;

export class EtcdStore implements Store {
  /** Every watch not yet ended, to end them on close. */
  private readonly watches = new Set<WatchStream>();
  private closed = false;
  /** The etcd server's version, as it reports it ("3.4.23"). */
  serverVersion = "";
  /**
   * etcd before 3.4.25 and 3.5.8 can answer a progress request before a catching-up watch has
   * been sent its history (etcd issue 15220): its marker would claim events that are still to
   * come. Kubernetes checks the version for the same reason before it trusts progress.
   */
  supportsProgress = false;

  private constructor(
    private readonly client: Etcd3,
    private readonly watchBuffer: number,
  ) {}

  /** Connects and checks that etcd answers. */
  static async connect(options: EtcdStoreOptions): Promise<EtcdStore> {
    // Only a refused connection is retried, on the next endpoint: that request reached no etcd.
    // Any other failure may have happened after etcd applied the write, and resending it could
    // apply it twice or report a compare-and-swap that won as lost. Callers retry, knowing why.
    const neverSent = handleWhen((error) => /ECONNREFUSED/.test(error.message));
    const client = new Etcd3({
      hosts: options.endpoints,
      grpcOptions: { "grpc.max_receive_message_length": MAX_RECEIVE_BYTES },
      faultHandling: {
        host: () => noop,
        global: retry(neverSent, { maxAttempts: options.endpoints.length - 1 }),
      },
    });
    const store = new EtcdStore(client, options.watchBuffer ?? DEFAULT_WATCH_BUFFER);
    try {
      const status = await store.call({}, () => client.maintenance.status());
      store.serverVersion = status.version;
      store.supportsProgress = progressIsReliable(status.version);
    } catch (error) {
      await store.close();
      const where = options.endpoints.join(", ");
      throw new StoreError(`cannot reach etcd at ${where}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return store;
  }

  async revision(): Promise<number> {
    // The cheapest request whose answer carries the revision: count one key.
    const response = await this.call({}, () =>
      this.client.kv.range({ ...keyRange({ key: FROM_KEY }), count_only: true }),
    );
    return revisionOf(response.header);
  }

  async get(key: string, options: { revision?: number } = {}): Promise<KeyValue | undefined> {
    return (await this.range({ key, ...options })).kvs[0];
  }

  async range(options: RangeOptions): Promise<RangeResult> {
    const response = await this.call({ revision: options.revision }, () =>
      this.client.kv.range(rangeRequest(options)),
    );
    return {
      kvs: response.kvs.map(keyValue),
      count: int(response.count),
      more: response.more,
      revision: revisionOf(response.header),
    };
  }

  async put(
    key: string,
    value: string,
    options: { lease?: LeaseId; prevKv?: boolean } = {},
  ): Promise<PutResult> {
    const response = await this.call({ leases: leasesOf([options]) }, () =>
      this.client.kv.put(putRequest(key, value, options)),
    );
    const revision = revisionOf(response.header);
    return response.prev_kv ? { revision, prevKv: keyValue(response.prev_kv) } : { revision };
  }

  async delete(selector: KeySelector, options: { prevKv?: boolean } = {}): Promise<DeleteResult> {
    const response = await this.call({}, () =>
      this.client.kv.deleteRange(deleteRequest(selector, options)),
    );
    return {
      revision: revisionOf(response.header),
      deleted: int(response.deleted),
      prevKvs: response.prev_kvs.map(keyValue),
    };
  }

  async txn(txn: Txn): Promise<TxnResult> {
    const success = txn.success ?? [];
    const failure = txn.failure ?? [];
    const response = await this.call({ leases: leasesOf([...success, ...failure]) }, () =>
      this.client.kv.txn({
        compare: (txn.compare ?? []).map(compare),
        success: success.map(requestOp),
        failure: failure.map(requestOp),
      }),
    );
    const ran = response.succeeded ? success : failure;
    return {
      succeeded: response.succeeded,
      revision: revisionOf(response.header),
      results: ran.map((op, i) => txnOpResult(op, response.responses[i])),
    };
  }

  async compact(revision: number): Promise<void> {
    await this.call({ revision, compacting: true }, () =>
      this.client.kv.compact({ revision: checkRevision("compact revision", revision) }),
    );
  }

  // #region watch
  watch(options: WatchOptions & { progress: true }): Promise<ProgressWatch>;
  watch(options: WatchOptions): Promise<Watch>;
  async watch(options: WatchOptions): Promise<Watch | ProgressWatch> {
    this.checkOpen();
    const range = keyRange(options);
    const start = checkRevision("startRevision", options.startRevision ?? 0);
    if (start > 0) await this.checkNotCompacted(range.key, start);
    return this.openWatch(
      { ...range, start_revision: start, prev_kv: options.prevKv ?? false },
      start,
    );
  }

  /**
   * Rejects with CompactedError if a watch from `revision` cannot start. A read at a revision
   * fails on the same rule as a watch from it (below the compact revision), but at once. A read
   * in the future fails too, where a watch just waits: that error is not one.
   */
  private async checkNotCompacted(key: Buffer, revision: number): Promise<void> {
    try {
      await this.call({ revision }, () =>
        this.client.kv.range({ key, revision, count_only: true }),
      );
    } catch (error) {
      if (!(error instanceof FutureRevisionError)) throw error;
    }
  }

  /**
   * One etcd watch on its own gRPC stream:
   * 1. send the create request; resolve once etcd confirms it (reject if it refuses);
   * 2. push each response's events into a WatchStream, whose bounded buffer cuts off a consumer
   *    that falls behind;
   * 3. when the consumer cancels, the store closes or the buffer overflows, the WatchStream
   *    closes and ends the gRPC call, which removes the watch in etcd; when etcd cancels the
   *    watch or the stream breaks, the WatchStream fails with the reason.
   */
  private async openWatch(create: IWatchCreateRequest, start: number): Promise<ProgressWatch> {
    const call = await this.call({}, () => this.client.watchClient.watch());
    const stream: WatchStream = new WatchStream({
      capacity: this.watchBuffer,
      onClose: () => {
        this.watches.delete(stream);
        endCall(call);
      },
      onProgressRequest: () => call.write({ progress_request: {} }),
    });
    this.watches.add(stream);
    /** The next revision the consumer has to see; a CompactedError names it. */
    let next = start;

    return new Promise<ProgressWatch>((resolve, reject) => {
      let created = false;
      const end = (error: Error) => {
        if (created) {
          stream.fail(error);
        } else {
          reject(error);
          stream.cancel();
        }
      };
      call.on("data", (response: IWatchResponse) => {
        if (response.canceled) {
          end(cancellation(response, next));
          return;
        }
        if (response.created && !created) {
          created = true;
          if (next === 0) next = revisionOf(response.header) + 1;
          resolve(stream);
        }
        const events = response.events.map(watchEvent);
        const last = events.at(-1);
        if (!last) {
          // No events, not a creation or a cancellation: etcd's answer to a progress request.
          // Every change up to the header's revision has been sent on this stream before it.
          if (!response.created)
            stream.push([{ type: "progress", revision: revisionOf(response.header) }]);
          return;
        }
        next = last.kv.modRevision + 1;
        stream.push(events);
      });
      call.on("error", (error: Error) => {
        if (this.closed) end(new StoreClosedError("store is closed"));
        else end(new WatchCancelledError("stream-ended", etcdMessage(error)));
      });
      call.on("end", () => end(new WatchCancelledError("stream-ended", "etcd closed the stream")));
      call.write({ create_request: create });
    });
  }
  // #endregion watch

  async grantLease(ttlSeconds: number): Promise<LeaseGrant> {
    const response = await this.call({}, () => {
      Lessor.checkTtl(ttlSeconds);
      return this.client.leaseClient.leaseGrant({ TTL: ttlSeconds });
    });
    if (response.error) throw new StoreError(`etcd refused the lease: ${response.error}`);
    return { id: response.ID, ttl: int(response.TTL) };
  }

  async keepAlive(id: LeaseId): Promise<LeaseGrant> {
    const ttl = await this.call({ leases: [id] }, async () => {
      const request = { ID: leaseNumber(id) };
      const call = await this.client.leaseClient.leaseKeepAlive();
      try {
        return int((await firstResponse(call, request)).TTL);
      } finally {
        endCall(call);
      }
    });
    if (ttl <= 0) throw new LeaseNotFoundError(id);
    return { id, ttl };
  }

  async revokeLease(id: LeaseId): Promise<void> {
    await this.call({ leases: [id] }, () =>
      this.client.leaseClient.leaseRevoke({ ID: leaseNumber(id) }),
    );
  }

  async leaseStatus(id: LeaseId): Promise<LeaseStatus | undefined> {
    const response = await this.call({}, async () =>
      isLeaseId(id) ? this.client.leaseClient.leaseTimeToLive({ ID: id, keys: true }) : undefined,
    );
    const ttl = response ? int(response.TTL) : -1;
    if (!response || ttl < 0) return undefined;
    return {
      id,
      ttl,
      grantedTtl: int(response.grantedTTL),
      keys: response.keys.map((key) => key.toString("utf8")).sort(),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closed = new WatchCancelledError("closed", "store is closed");
    for (const stream of [...this.watches]) stream.fail(closed);
    this.client.close();
  }

  /** Sends one request to etcd, turning etcd's errors into the store's. */
  private async call<T>(context: RequestContext, send: () => Promise<T>): Promise<T> {
    this.checkOpen();
    try {
      return await send();
    } catch (error) {
      throw await this.translate(error, context);
    }
  }

  private async translate(error: unknown, context: RequestContext): Promise<Error> {
    if (error instanceof StoreError) return error;
    if (this.closed) return new StoreClosedError("store is closed", { cause: error });
    const message = etcdMessage(error);
    const requested = context.revision ?? 0;
    if (message.includes("required revision has been compacted")) {
      // compact(r) fails when r is at or below the compact revision, a read at r when r is below.
      const atLeast = context.compacting ? requested : requested + 1;
      return new CompactedError(requested, await this.compactRevision(atLeast));
    }
    if (message.includes("required revision is a future revision")) {
      return new FutureRevisionError(requested, await this.revision());
    }
    if (message.includes("requested lease not found")) {
      return new LeaseNotFoundError((context.leases ?? []).join(", "));
    }
    if (error instanceof GRPCInvalidArgumentError) {
      return new InvalidRequestError(message, { cause: error });
    }
    return new StoreError(`etcd: ${message}`, { cause: error });
  }

  /**
   * The compact revision, which etcd's "required revision has been compacted" does not name. A
   * watch learns it: etcd cancels a watch that starts below the compact revision and sends the
   * revision with the cancellation. `atLeast` is what the failed request proved, so a watch from
   * `atLeast - 1` is below it. A watch cannot start at 0 (that means "from now"): for a compaction
   * at revision 1, before anything was written, nothing answers and `atLeast` is the answer.
   */
  private async compactRevision(atLeast: number): Promise<number> {
    const create = { ...keyRange({ key: FROM_KEY }), start_revision: Math.max(atLeast - 1, 1) };
    let call: IDuplexStream<IWatchRequest, IWatchResponse> | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      call = await this.client.watchClient.watch();
      const probe = call;
      return await new Promise<number>((resolve, reject) => {
        timer = setTimeout(() => resolve(atLeast), COMPACT_PROBE_MS);
        probe.on("data", (response: IWatchResponse) => {
          if (response.compact_revision !== "0") resolve(int(response.compact_revision));
        });
        probe.on("error", reject);
        probe.write({ create_request: create });
      });
    } catch {
      // The request's own answer (compacted) stands; only this detail is missing.
      return atLeast;
    } finally {
      clearTimeout(timer);
      if (call) endCall(call);
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreClosedError("store is closed");
  }
}

/** Why etcd cancelled a watch. */
function cancellation(response: IWatchResponse, next: number): Error {
  const compactRevision = int(response.compact_revision);
  if (compactRevision > 0) return new CompactedError(next, compactRevision);
  const reason = response.cancel_reason ? `: ${response.cancel_reason}` : "";
  return new WatchCancelledError("stream-ended", `etcd cancelled the watch${reason}`);
}

/** Writes one request on a stream and waits for the first answer. */
function firstResponse<Req, Res>(call: IDuplexStream<Req, Res>, request: Req): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    call.on("data", resolve);
    call.on("error", reject);
    call.on("end", () => reject(new StoreError("etcd closed the stream without an answer")));
    call.write(request);
  });
}

/**
 * Ends a streaming call. Half-closing first matters: the etcd3 client counts an error on a stream
 * that is still writable as a failed connection, and cancelling raises one (CANCELLED). Cancelling
 * is what ends the call in etcd: after a half-close alone, etcd keeps the watch running.
 */
function endCall(call: IDuplexStream<unknown, unknown>): void {
  call.end();
  call.cancel();
}

/** etcd's own words, without gRPC's status prefix ("11 OUT_OF_RANGE: "). */
function etcdMessage(error: unknown): string {
  return String(error instanceof Error ? error.message : error).replace(/^\d+ [A-Z_]+: /, "");
}

function leasesOf(ops: ({ lease?: LeaseId } | TxnOp)[]): string[] {
  const leases = ops.flatMap((op) => ("lease" in op && op.lease !== undefined ? [op.lease] : []));
  return [...new Set(leases)];
}

/** Whether an etcd of this version orders progress answers after a watch's catch-up. */
export function progressIsReliable(version: string): boolean {
  const [major = 0, minor = 0, patch = 0] = version.split(".").map((n) => Number.parseInt(n, 10));
  if (major !== 3) return major > 3;
  if (minor === 4) return patch >= 25;
  if (minor === 5) return patch >= 8;
  return minor > 5;
}
