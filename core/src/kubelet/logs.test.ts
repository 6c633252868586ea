import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../util/clock.ts";
import {
  type LogOptions,
  type LogStream,
  newLogOptions,
  parseCriLog,
  parseTimestamp,
  readLogs,
} from "./logs.ts";

const T0 = "2026-01-01T10:00:00";
/** A CRI log line at T0 + `second` seconds (and a fraction, to see the fixed-width output). */
const line = (second: number, stream: LogStream, tag: "P" | "F", text: string) =>
  `${T0.slice(0, 17)}${String(second).padStart(2, "0")}.5Z ${stream} ${tag} ${text}\n`;

let dir = "";
let path = "";
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tinykube-logs-"));
  path = join(dir, "0.log");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Reads `path` with `options` (not following); returns the output and its streams. */
async function read(options: Partial<LogOptions> = {}) {
  const pieces: [LogStream, string][] = [];
  await readLogs({
    path,
    options: { follow: false, timestamps: false, ...options },
    write: (chunk, stream) => {
      pieces.push([stream, chunk.toString()]);
    },
    isRunning: async () => false,
  });
  return { text: pieces.map(([, text]) => text).join(""), pieces };
}

describe("timestamps", () => {
  it("parse leniently and print with nine digits in the line's own zone", () => {
    expect(parseTimestamp("2026-01-01T10:00:00.12Z")?.fixed).toBe("2026-01-01T10:00:00.120000000Z");
    expect(parseTimestamp("2026-01-01T10:00:00Z")?.fixed).toBe("2026-01-01T10:00:00.000000000Z");
    expect(parseTimestamp("2026-01-01T12:00:00.000000001+02:00")).toEqual({
      ns: BigInt(Date.parse("2026-01-01T10:00:00Z")) * 1_000_000n + 1n,
      fixed: "2026-01-01T12:00:00.000000001+02:00",
    });
    expect(parseTimestamp("2026-13-01T10:00:00Z"), "month 13").toBeUndefined();
    expect(parseTimestamp("2026-01-01 10:00:00Z"), "no T").toBeUndefined();
  });
});

describe("parseCriLog", () => {
  it("splits timestamp, stream, tag and content; a P part loses its newline, an F line keeps it", () => {
    const full = parseCriLog(Buffer.from(line(1, "stdout", "F", "a b c")));
    expect([full.stream, full.content.toString()]).toEqual(["stdout", "a b c\n"]);
    const part = parseCriLog(Buffer.from(line(1, "stderr", "P", "half")));
    expect([part.stream, part.content.toString()]).toEqual(["stderr", "half"]);
    // CRI keeps the tag open for more after a ":"; only its first part decides.
    expect(parseCriLog(Buffer.from(`${T0}Z stdout P:x y\n`)).content.toString()).toBe("y");
  });

  it("says what is wrong with a malformed line", () => {
    expect(() => parseCriLog(Buffer.from("garbage\n"))).toThrow("timestamp is not found");
    expect(() => parseCriLog(Buffer.from("yesterday stdout F x\n"))).toThrow(
      "unexpected timestamp format",
    );
    expect(() => parseCriLog(Buffer.from(`${T0}Z stdin F x\n`))).toThrow(
      'unexpected stream type "stdin"',
    );
    expect(() => parseCriLog(Buffer.from(`${T0}Z stdout F\n`))).toThrow("log tag is not found");
  });
});

describe("newLogOptions", () => {
  const now = Date.parse("2026-01-01T10:00:00Z");
  const ns = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;
  it("takes the later of now - sinceSeconds and sinceTime", () => {
    expect(newLogOptions({ sinceSeconds: 60 }, now).sinceNs).toBe(ns("2026-01-01T09:59:00Z"));
    expect(
      newLogOptions({ sinceSeconds: 60, sinceTime: "2026-01-01T09:59:30Z" }, now).sinceNs,
    ).toBe(ns("2026-01-01T09:59:30Z"));
    expect(
      newLogOptions({ sinceSeconds: 60, sinceTime: "2026-01-01T09:58:00Z" }, now).sinceNs,
    ).toBe(ns("2026-01-01T09:59:00Z"));
    expect(newLogOptions({ tailLines: 3, follow: true }, now)).toEqual({
      tail: 3,
      follow: true,
      timestamps: false,
    });
  });
});

describe("readLogs", () => {
  const lines = [
    line(1, "stdout", "F", "one"),
    line(2, "stderr", "F", "two"),
    line(3, "stdout", "F", "three"),
    line(4, "stdout", "F", "four"),
  ];

  it("writes stdout and stderr in file order, each to its stream", async () => {
    await writeFile(path, lines.join(""));
    const { text, pieces } = await read();
    expect(text).toBe("one\ntwo\nthree\nfour\n");
    expect(pieces.map(([stream]) => stream)).toEqual(["stdout", "stderr", "stdout", "stdout"]);
  });

  it("tail: the last n lines; 0 gives nothing; more than there are gives all", async () => {
    await writeFile(path, lines.join(""));
    expect((await read({ tail: 2 })).text).toBe("three\nfour\n");
    expect((await read({ tail: 0 })).text).toBe("");
    expect((await read({ tail: 10 })).text).toBe("one\ntwo\nthree\nfour\n");
  });

  it("tail does not count an unfinished last line; without follow it is written at the end", async () => {
    await writeFile(path, `${lines.join("")}${line(5, "stdout", "F", "five").trimEnd()}`);
    expect((await read({ tail: 1 })).text).toBe("four\n");
    expect((await read()).text).toBe("one\ntwo\nthree\nfour\nfive");
  });

  it("joins P parts into one line, with one timestamp at its start", async () => {
    await writeFile(
      path,
      [
        line(1, "stdout", "P", "a long "),
        line(1, "stdout", "P", "line in "),
        line(2, "stdout", "F", "parts"),
        line(3, "stderr", "F", "next"),
      ].join(""),
    );
    expect((await read()).text).toBe("a long line in parts\nnext\n");
    expect((await read({ timestamps: true })).text).toBe(
      `${T0.slice(0, 17)}01.500000000Z a long line in parts\n${T0.slice(0, 17)}03.500000000Z next\n`,
    );
    // Each part is a line of the file: the last two are "F parts" and "F next".
    expect((await read({ tail: 2 })).text).toBe("parts\nnext\n");
  });

  it("since: lines older than the bound are skipped", async () => {
    await writeFile(path, lines.join(""));
    const sinceNs = parseTimestamp(`${T0.slice(0, 17)}03.5Z`)?.ns;
    expect((await read({ sinceNs })).text).toBe("three\nfour\n");
  });

  it("limitBytes: stops after that many bytes, the timestamps counted, the last line cut", async () => {
    await writeFile(path, lines.join(""));
    expect((await read({ bytes: 6 })).text).toBe("one\ntw");
    // 35 bytes for the first line (30 of timestamp, a space, "one\n"), 19 of the second's time.
    expect((await read({ bytes: 54, timestamps: true })).text).toBe(
      `${T0.slice(0, 17)}01.500000000Z one\n${T0.slice(0, 17)}02`,
    );
  });

  it("skips a malformed line; a malformed first line fails the read", async () => {
    await writeFile(path, `${lines[0]}not a CRI line\n${lines[1]}`);
    expect((await read()).text).toBe("one\ntwo\n");
    await writeFile(path, `not a CRI line\n${lines[0]}`);
    await expect(read()).rejects.toThrow(
      'failed to get parse function: unsupported log format: "not a CRI line\\n"',
    );
  });

  describe("follow", () => {
    /** Starts a follow; `output()` is what it wrote so far, `done` settles when it ends. */
    function follow(options: { running: () => boolean; signal?: AbortSignal; clock: FakeClock }) {
      let output = "";
      let ended = false;
      const done = readLogs({
        path,
        options: { follow: true, timestamps: false },
        write: (chunk) => {
          output += chunk.toString();
        },
        isRunning: async () => options.running(),
        clock: options.clock,
        ...(options.signal ? { signal: options.signal } : {}),
      }).finally(() => {
        ended = true;
      });
      return { output: () => output, ended: () => ended, done };
    }

    /** Waits (real time, at most 5 s) until `check` holds. */
    async function until(check: () => boolean, what: string) {
      const deadline = Date.now() + 5000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }

    it("keeps reading as the file grows, and ends once the container exits and the file is read", async () => {
      await writeFile(path, lines[0] as string);
      const clock = new FakeClock();
      let running = true;
      const f = follow({ running: () => running, clock });
      await until(() => f.output() === "one\n", "the first line");
      // A write wakes the reader through fs.watch: the clock does not move.
      await appendFile(path, lines[1] as string);
      await until(() => f.output() === "one\ntwo\n", "the appended line");
      // The last line, written just before the exit, is still read.
      await appendFile(path, lines[2] as string);
      running = false;
      await until(() => f.ended(), "the follow to end");
      await f.done;
      expect(f.output()).toBe("one\ntwo\nthree\n");
    });

    it("without a file event, re-checks every second on the clock", async () => {
      await writeFile(path, lines[0] as string);
      const clock = new FakeClock();
      let running = true;
      let asked = 0;
      const f = follow({
        running: () => {
          asked++;
          return running;
        },
        clock,
      });
      // Asked once at the first end of the file (when a write may have been missed), then
      // again before it waits.
      await until(() => f.output() === "one\n" && asked >= 2, "the reader to wait");
      running = false;
      expect(f.ended(), "still waiting: nothing woke it").toBe(false);
      clock.advance(1000);
      await until(() => f.ended(), "the follow to end after the periodic check");
      expect(f.output()).toBe("one\n");
    });

    it("ends when the reader aborts, while the container still runs", async () => {
      await writeFile(path, lines[0] as string);
      const abort = new AbortController();
      const f = follow({ running: () => true, signal: abort.signal, clock: new FakeClock() });
      await until(() => f.output() === "one\n", "the first line");
      abort.abort();
      await until(() => f.ended(), "the follow to end after the abort");
      await f.done;
    });
  });
});
