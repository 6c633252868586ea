/**
 * The write-ahead log: the embedded store's durability. Every change is appended here, and a
 * write is acknowledged only once its record is on disk.
 *
 * Record framing (little-endian):  [length u32][crc32 of payload u32][payload: UTF-8 JSON]
 *
 * Group commit: appends made while a flush is running wait in `pending`; when the flush ends, the
 * next one writes all of them and syncs once. With 100 concurrent writers, one fdatasync
 * acknowledges dozens of writes — the same trick etcd's Raft log and every database log use.
 *
 * Segments: the log is a series of files wal-<seq>.log. A snapshot ends a segment (rotate), so
 * once the snapshot is safe, every older segment can be deleted whole.
 *
 * Recovery (readSegment): a record that runs past the end of the last segment, or fails its
 * checksum as the last thing in it, is a torn write from a crash: it is cut off. A bad record
 * with anything after it, or in an older segment, is corruption: recovery stops with an error
 * naming the file and offset rather than guess which writes were acknowledged.
 */

import { type FileHandle, open } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { CorruptDataError, StoreClosedError } from "./errors.ts";

const HEADER = 8;
/** No record is this large (etcd limits requests to 1.5 MiB); a bigger length is damage. */
const MAX_RECORD = 256 * 1024 * 1024;

export function segmentName(seq: number): string {
  return `wal-${String(seq).padStart(10, "0")}.log`;
}

export function frame(payload: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(payload), "utf8");
  const out = Buffer.allocUnsafe(HEADER + body.length);
  out.writeUInt32LE(body.length, 0);
  out.writeUInt32LE(crc32(body), 4);
  body.copy(out, HEADER);
  return out;
}

export interface ReadResult<T> {
  records: T[];
  /** Bytes of intact records; a torn tail starts here. */
  validLength: number;
  /** What was cut off, if anything. */
  torn?: string;
}

// #region readSegment
/**
 * Decodes the records of one file. `tail` says whether this is the newest file, the only one a
 * crash can leave half-written.
 */
export function readRecords<T>(data: Buffer, file: string, tail: boolean): ReadResult<T> {
  const records: T[] = [];
  let offset = 0;
  while (offset < data.length) {
    const problem = checkRecord(data, offset);
    if (problem) {
      const end = problem.end;
      const tornTail = tail && (end >= data.length || isZero(data, offset));
      if (!tornTail) throw new CorruptDataError(file, offset, problem.what);
      return { records, validLength: offset, torn: `${problem.what} at offset ${offset}` };
    }
    const length = data.readUInt32LE(offset);
    const body = data.subarray(offset + HEADER, offset + HEADER + length);
    try {
      records.push(JSON.parse(body.toString("utf8")) as T);
    } catch (error) {
      throw new CorruptDataError(
        file,
        offset,
        `checksum matches but JSON does not parse: ${error}`,
      );
    }
    offset += HEADER + length;
  }
  return { records, validLength: offset };
}

/** Why the record at `offset` is unusable, and where it would end; undefined if it is sound. */
function checkRecord(data: Buffer, offset: number): { what: string; end: number } | undefined {
  if (data.length - offset < HEADER) {
    return {
      what: `incomplete header (${data.length - offset} of ${HEADER} bytes)`,
      end: data.length,
    };
  }
  const length = data.readUInt32LE(offset);
  const end = offset + HEADER + length;
  if (length > MAX_RECORD) return { what: `impossible record length ${length}`, end };
  if (end > data.length) {
    return { what: `record of ${length} bytes runs past the end of the file`, end };
  }
  const expected = data.readUInt32LE(offset + 4);
  const actual = crc32(data.subarray(offset + HEADER, end));
  if (actual !== expected) {
    return { what: `checksum mismatch (stored ${hex(expected)}, computed ${hex(actual)})`, end };
  }
  return undefined;
}
// #endregion readSegment

function isZero(data: Buffer, from: number): boolean {
  for (let i = from; i < data.length; i++) if (data[i] !== 0) return false;
  return true;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}

type Entry =
  | { kind: "record"; bytes: Buffer; done: (error?: Error) => void }
  | { kind: "rotate"; seq: number; done: (error?: Error) => void }
  | { kind: "close"; done: (error?: Error) => void };

export interface WalOptions {
  dir: string;
  /** Segment to append to (created if missing). */
  seq: number;
  /** fdatasync after every group of writes. Off: a process crash loses nothing, a power loss may. */
  fsync: boolean;
}

// #region WriteAheadLog
export class WriteAheadLog {
  private pending: Entry[] = [];
  private flushing = false;
  private failed: Error | undefined;
  private closed = false;
  /** Writes synced so far, and how many fsyncs that took: their ratio is the group size. */
  readonly stats = { records: 0, syncs: 0, bytes: 0 };

  private constructor(
    private readonly options: WalOptions,
    private file: FileHandle,
    private seqNow: number,
  ) {}

  static async open(options: WalOptions): Promise<WriteAheadLog> {
    const file = await open(join(options.dir, segmentName(options.seq)), "a");
    return new WriteAheadLog(options, file, options.seq);
  }

  /** The segment new appends go to. */
  get seq(): number {
    return this.seqNow;
  }

  /**
   * Queues a record. `done` runs once it is durable (or with the error that stopped the log),
   * in append order, before the returned promise settles.
   */
  append(payload: unknown, done: (error?: Error) => void = () => {}): Promise<void> {
    const bytes = frame(payload);
    return this.enqueue((settle) => ({
      kind: "record",
      bytes,
      done: (error) => {
        done(error);
        settle(error);
      },
    }));
  }

  /**
   * Ends the current segment: appends after this call go to a new one. Resolves once every record
   * of the old segment is durable and the new segment exists.
   */
  rotate(): Promise<number> {
    const seq = ++this.seqNow;
    return this.enqueue((settle) => ({ kind: "rotate", seq, done: settle })).then(() => seq);
  }

  /** Waits for everything queued, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.enqueue((settle) => ({ kind: "close", done: settle })).catch(() => {});
    this.closed = true;
  }

  private enqueue(make: (settle: (error?: Error) => void) => Entry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => (error ? reject(error) : resolve());
      if (this.closed) return settle(new StoreClosedError("write-ahead log is closed"));
      if (this.failed) return settle(this.failed);
      this.pending.push(make(settle));
      if (!this.flushing) void this.flushLoop();
    });
  }

  /**
   * 1. take every queued record up to the next rotation;
   * 2. write them at once and sync once;
   * 3. acknowledge them in order;
   * 4. at a rotation, close this segment and open the next;
   * repeat while anything is queued. A failure fails everything queued and every later append:
   * after a failed sync the kernel may have dropped the data, so the store stops (as etcd does).
   */
  private async flushLoop(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0) {
      const head = this.pending[0] as Entry;
      let batch: Entry[] = [head];
      try {
        if (head.kind === "record") {
          const end = this.pending.findIndex((e) => e.kind !== "record");
          batch = this.pending.splice(0, end === -1 ? this.pending.length : end);
          await this.writeBatch(batch as Extract<Entry, { kind: "record" }>[]);
        } else {
          this.pending.shift();
          await this.file.close();
          if (head.kind === "rotate") {
            this.file = await open(join(this.options.dir, segmentName(head.seq)), "a");
            await syncDir(this.options.dir);
          }
        }
        for (const entry of batch) entry.done();
      } catch (error) {
        this.failed = new StoreClosedError(`write-ahead log failed: ${(error as Error).message}`, {
          cause: error,
        });
        for (const entry of [...batch, ...this.pending]) entry.done(this.failed);
        this.pending = [];
      }
    }
    this.flushing = false;
  }

  private async writeBatch(batch: Extract<Entry, { kind: "record" }>[]): Promise<void> {
    const bytes = Buffer.concat(batch.map((e) => e.bytes));
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await this.file.write(bytes, written);
      written += bytesWritten;
    }
    if (this.options.fsync) await this.file.datasync();
    this.stats.records += batch.length;
    this.stats.syncs += 1;
    this.stats.bytes += bytes.length;
  }
}
// #endregion WriteAheadLog

/** Makes a created, renamed or deleted directory entry durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
