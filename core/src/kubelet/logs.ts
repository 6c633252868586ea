/**
 * Reading a container's log file as the kubelet does for `kubectl logs`
 * (pkg/kubelet/kuberuntime/logs/logs.go, ReadLogs). The runtime writes the file in the CRI log
 * format, one line per write or per part of a long line:
 *
 *   2026-01-01T10:00:00.123456789Z stdout F hello
 *   2026-01-01T10:00:00.2Z stderr P first half of a long line
 *   2026-01-01T10:00:00.2Z stderr F , and its second half
 *
 * timestamp (RFC 3339 with up to nine fraction digits), stream, tag, content. Tag P marks a part:
 * its content is written without a newline, so the parts join into one line on the way out.
 *
 * Guarantees, each as logs.go has it:
 * - stdout and stderr come out in file order, each through its own writer.
 * - tailLines counts lines of the file from its end (each P part is a line; an unfinished last
 *   line is not): `tail 2` of a file whose last lines are "P a", "F b" gives "ab\n".
 * - timestamps prefix each line with its time in RFC3339NanoFixed (always nine digits, the
 *   line's own zone): "…00.2Z" becomes "…00.200000000Z". Only the first part of a joined line
 *   gets one.
 * - sinceSeconds / sinceTime skip lines older than the later of the two bounds.
 * - limitBytes stops the output after that many bytes, cutting the last line.
 * - A line that cannot be parsed is skipped (and logged); if the first line read cannot be,
 *   reading fails: "failed to get parse function: unsupported log format: ...". Docker's JSON
 *   format, logs.go's other choice, is not read: no runtime here writes it.
 * - follow keeps reading as the file grows, woken by fs.watch, or at the latest every second
 *   (logForceCheckPeriod) on the injected clock. Before each wait it asks whether the container
 *   still runs; once it does not, the rest of the file is read and the read ends. An aborted
 *   signal (the client went away) ends it too. Rotation is not handled: the shim never rotates.
 */
import { type FSWatcher, watch } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { type Clock, realClock, type Timer } from "../util/clock.ts";

/** logs.go's logForceCheckPeriod: a follow re-reads the file at least this often. */
export const LOG_FORCE_CHECK_PERIOD_MS = 1000;
/** How much of the file one read takes; any size works. */
const READ_CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

export type LogStream = "stdout" | "stderr";

/** The log half of v1.PodLogOptions, as the kubelet receives it. */
export interface PodLogOptions {
  follow?: boolean;
  timestamps?: boolean;
  tailLines?: number;
  limitBytes?: number;
  sinceSeconds?: number;
  /** RFC 3339. */
  sinceTime?: string;
}

/** logs.go's LogOptions: the same, resolved against the time of the request. */
export interface LogOptions {
  /** Lines from the end; undefined for the whole file. */
  tail?: number;
  /** Bytes of output at most; undefined for no limit. */
  bytes?: number;
  /** Lines older than this (nanoseconds since the epoch) are skipped. */
  sinceNs?: bigint;
  follow: boolean;
  timestamps: boolean;
}

// #region newLogOptions
/**
 * NewLogOptions: sinceSeconds counts back from `nowMs`; sinceTime wins when it is later.
 * At 10:00:00, sinceSeconds 60 and sinceTime 09:59:30 give 09:59:30; sinceTime 09:58 gives 09:59.
 */
export function newLogOptions(api: PodLogOptions, nowMs: number): LogOptions {
  let sinceNs: bigint | undefined;
  if (api.sinceSeconds !== undefined) {
    sinceNs = BigInt(nowMs - api.sinceSeconds * 1000) * 1_000_000n;
  }
  if (api.sinceTime !== undefined) {
    const at = parseTimestamp(api.sinceTime);
    if (at === undefined)
      throw new Error(`sinceTime ${JSON.stringify(api.sinceTime)} is not RFC 3339`);
    if (sinceNs === undefined || at.ns > sinceNs) sinceNs = at.ns;
  }
  return {
    follow: api.follow ?? false,
    timestamps: api.timestamps ?? false,
    ...(api.tailLines !== undefined ? { tail: api.tailLines } : {}),
    ...(api.limitBytes !== undefined ? { bytes: api.limitBytes } : {}),
    ...(sinceNs !== undefined ? { sinceNs } : {}),
  };
}
// #endregion newLogOptions

/** A CRI log timestamp, parsed: its instant, and its text in RFC3339NanoFixed. */
export interface LogTimestamp {
  ns: bigint;
  fixed: string;
}

const TIMESTAMP =
  /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|([+-])(\d\d):(\d\d))$/;

/**
 * Go's RFC3339NanoLenient ("2006-01-02T15:04:05.999999999Z07:00"): the fraction optional, 1 to 9
 * digits. `fixed` keeps the wall time and zone as written, with nine digits (a zero offset is
 * written "Z", as Go prints UTC).
 */
export function parseTimestamp(text: string): LogTimestamp | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0] = m.slice(1, 7).map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return undefined;
  }
  const offsetMinutes =
    m[8] === "Z" ? 0 : (m[9] === "-" ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  const fraction = (m[7] ?? "").padEnd(9, "0");
  const ns = BigInt(wall / 1000 - offsetMinutes * 60) * 1_000_000_000n + BigInt(fraction);
  const zone = offsetMinutes === 0 ? "Z" : (m[8] as string);
  return { ns, fixed: `${text.slice(0, 19)}.${fraction}${zone}` };
}

/** One parsed line: `content` ends in "\n" for a full line (F), never for a part (P). */
export interface LogMessage {
  timestamp: LogTimestamp;
  stream: LogStream;
  content: Buffer;
}

// #region parseCriLog
/**
 * parseCRILog: `<timestamp> <stream> <tag> <content>`, split at the first three spaces. The tag
 * may carry more after a ":" (CRI keeps it open for future tags); its first part says P or not.
 * Throws saying what is missing or wrong.
 */
export function parseCriLog(line: Buffer): LogMessage {
  const space1 = line.indexOf(0x20);
  if (space1 < 0) throw new Error("timestamp is not found");
  const text = line.subarray(0, space1).toString("latin1");
  const timestamp = parseTimestamp(text);
  if (!timestamp) throw new Error(`unexpected timestamp format: ${JSON.stringify(text)}`);
  const space2 = line.indexOf(0x20, space1 + 1);
  if (space2 < 0) throw new Error("stream type is not found");
  const stream = line.subarray(space1 + 1, space2).toString("latin1");
  if (stream !== "stdout" && stream !== "stderr") {
    throw new Error(`unexpected stream type ${JSON.stringify(stream)}`);
  }
  const space3 = line.indexOf(0x20, space2 + 1);
  if (space3 < 0) throw new Error("log tag is not found");
  const partial =
    line
      .subarray(space2 + 1, space3)
      .toString("latin1")
      .split(":")[0] === "P";
  const end = partial && line[line.length - 1] === NEWLINE ? line.length - 1 : line.length;
  return { timestamp, stream, content: line.subarray(space3 + 1, end) };
}
// #endregion parseCriLog

export interface ReadLogsOptions {
  path: string;
  options: LogOptions;
  /** Gets each piece of output; awaited, so a slow reader slows the read (back-pressure). */
  write(chunk: Buffer, stream: LogStream): void | Promise<void>;
  /** Whether the container still runs; asked before each wait of a follow. */
  isRunning(): Promise<boolean>;
  /** Ends a follow (and any read) early: the client went away. */
  signal?: AbortSignal;
  clock?: Clock;
  log?: (line: string) => void;
}

// #region readLogs
/**
 * ReadLogs:
 * 1. open the file; seek to the start of the last `tail` lines;
 * 2. read line by line; skip what cannot be parsed; write the rest through the options;
 * 3. stop after `tail` lines (without follow) or `bytes` bytes;
 * 4. at the end of the file: without follow, write an unfinished last line and stop; with follow,
 *    keep an unfinished line for later, then wait — or stop, once the container has exited
 *    and the file is read to its end.
 */
export async function readLogs(o: ReadLogsOptions): Promise<void> {
  const { options } = o;
  const file = await open(o.path, "r").catch((error: unknown) => {
    throw new Error(`failed to open log file "${o.path}": ${(error as Error).message}`, {
      cause: error,
    });
  });
  const follower = options.follow ? new Follower(o) : undefined;
  try {
    const lines = new LineReader(file, await tailStart(file, options.tail));
    const limited = options.tail !== undefined && !options.follow;
    let remainingLines = options.tail ?? 0;
    let remainingBytes = options.bytes ?? Number.POSITIVE_INFINITY;
    let lineStart = true; // the next message starts a line: it may get a timestamp
    let parsedOne = false;
    let running = true;
    let stop = false;
    for (;;) {
      if (stop || o.signal?.aborted || (limited && remainingLines === 0)) return;
      let line = await lines.next();
      if (line === undefined) {
        if (follower) {
          if (!running) return;
          running = await follower.wait();
          continue;
        }
        stop = true;
        line = lines.rest();
        if (line.length === 0) continue;
        o.log?.(`incomplete line in log file ${o.path}: ${JSON.stringify(line.toString())}`);
      }
      let message: LogMessage;
      try {
        message = parseCriLog(line);
        parsedOne = true;
      } catch (error) {
        if (!parsedOne) {
          throw new Error(
            `failed to get parse function: unsupported log format: ${JSON.stringify(line.toString())}`,
            { cause: error },
          );
        }
        o.log?.(`failed when parsing line in log file ${o.path}: ${(error as Error).message}`);
        continue;
      }
      if (options.sinceNs === undefined || message.timestamp.ns >= options.sinceNs) {
        let out = message.content;
        if (options.timestamps && lineStart) {
          out = Buffer.concat([Buffer.from(`${message.timestamp.fixed} `), out]);
        }
        if (out.length > remainingBytes) out = out.subarray(0, remainingBytes);
        await o.write(out, message.stream);
        remainingBytes -= out.length;
        if (remainingBytes <= 0) return;
      }
      remainingLines--;
      lineStart =
        message.content.length === 0 || message.content[message.content.length - 1] === NEWLINE;
    }
  } finally {
    follower?.close();
    await file.close();
  }
}
// #endregion readLogs

/**
 * FindTailLineStartIndex (pkg/util/tail): the offset just after the (n+1)-th newline from the end,
 * or 0. In "a\nb\nc\n", n = 1 gives 4 ("c\n"); in "a\nb\nc", n = 1 gives 2 ("b\nc": the
 * unfinished "c" is not a line).
 */
export async function tailStart(file: FileHandle, n: number | undefined): Promise<number> {
  if (n === undefined || n < 0) return 0;
  let right = (await file.stat()).size;
  let seen = 0;
  const buffer = Buffer.alloc(READ_CHUNK);
  while (right > 0) {
    const left = Math.max(0, right - READ_CHUNK);
    const { bytesRead } = await file.read(buffer, 0, right - left, left);
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (buffer[i] === NEWLINE && ++seen === n + 1) return left + i + 1;
    }
    right = left;
  }
  return 0;
}

/** Whole lines ("\n" included) from an offset on; what follows the last "\n" waits for more. */
class LineReader {
  private pending = Buffer.alloc(0);
  private readonly buffer = Buffer.alloc(READ_CHUNK);

  constructor(
    private readonly file: FileHandle,
    private position: number,
  ) {}

  /** The next whole line, or undefined at the end of the file for now. */
  async next(): Promise<Buffer | undefined> {
    for (;;) {
      const newline = this.pending.indexOf(NEWLINE);
      if (newline >= 0) {
        const line = this.pending.subarray(0, newline + 1);
        this.pending = this.pending.subarray(newline + 1);
        return line;
      }
      const { bytesRead } = await this.file.read(this.buffer, 0, READ_CHUNK, this.position);
      if (bytesRead === 0) return undefined;
      this.position += bytesRead;
      this.pending = Buffer.concat([this.pending, this.buffer.subarray(0, bytesRead)]);
    }
  }

  /** What is left after the last whole line, taken. */
  rest(): Buffer {
    const rest = this.pending;
    this.pending = Buffer.alloc(0);
    return rest;
  }
}

/**
 * waitLogs: a follow's wait for the file to change. `wait` resolves false when the container no
 * longer runs (read to the end, then stop), true after a write to the file, one
 * LOG_FORCE_CHECK_PERIOD_MS, or an abort (the loop then sees the signal).
 */
class Follower {
  private readonly watcher: FSWatcher;
  /** A change seen while nobody waited: the next wait returns at once. */
  private changed = true;
  private wake: (() => void) | undefined;

  constructor(private readonly o: ReadLogsOptions) {
    // Armed before the first read reaches the end, so no write between the two is missed.
    this.watcher = watch(o.path, () => this.notify());
    this.watcher.on("error", () => this.notify());
    o.signal?.addEventListener("abort", () => this.notify(), { once: true });
  }

  async wait(): Promise<boolean> {
    if (!(await this.o.isRunning())) return false;
    if (this.changed || this.o.signal?.aborted) {
      this.changed = false;
      return true;
    }
    let timer: Timer | undefined;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      timer = (this.o.clock ?? realClock).setTimeout(resolve, LOG_FORCE_CHECK_PERIOD_MS);
    });
    timer?.cancel();
    this.wake = undefined;
    this.changed = false;
    return true;
  }

  close(): void {
    this.watcher.close();
    this.wake?.();
  }

  private notify(): void {
    this.changed = true;
    this.wake?.();
  }
}
