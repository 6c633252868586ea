import { describe, expect, it } from "vitest";
import { MAX_HEAD_BYTES, ResponseError, ResponseParser } from "./response-parser.ts";

/** What a handler heard, as text: "head 200 X-A=1", "body hello", "end", "end last". */
function run(bytes: string, splits: number[] = [], method = "GET", atClose = false) {
  const events: string[] = [];
  const parser = new ResponseParser();
  parser.start(
    {
      head: (status, headers) => {
        const fields = [];
        for (let i = 0; i < headers.length; i += 2) fields.push(`${headers[i]}=${headers[i + 1]}`);
        events.push(["head", status, ...fields].join(" "));
      },
      body: (chunk) => events.push(`body ${chunk.toString("latin1")}`),
      end: (last) => events.push(last ? `end ${last.toString("latin1")}` : "end"),
    },
    method,
  );
  const data = Buffer.from(bytes, "latin1");
  let from = 0;
  for (const at of [...splits, data.length]) {
    parser.feed(data.subarray(from, at));
    from = at;
  }
  if (atClose) parser.endAtClose();
  return { events, done: parser.done, reusable: parser.reusable };
}

/** The body pieces joined, so that runs split differently compare equal. */
function heard(events: string[]): string[] {
  const out: string[] = [];
  let body = "";
  for (const e of events) {
    if (e.startsWith("body ")) body += e.slice(5);
    else if (e.startsWith("end ")) {
      body += e.slice(4);
      out.push(`body ${body}`, "end");
      body = "";
    } else {
      if (body) out.push(`body ${body}`);
      body = "";
      out.push(e);
    }
  }
  return out;
}

const CHUNKED =
  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n" +
  "5;name=value\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: dropped\r\n\r\n";

describe("framing", () => {
  it("reads a Content-Length body, its end riding on `end`", () => {
    const r = run("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  1 \r\n\r\nhello");
    expect(r.events).toEqual(["head 200 Content-Length=5 X-A=1", "end hello"]);
    expect(r.reusable).toBe(true);
  });

  it("streams a Content-Length body that comes in pieces", () => {
    const r = run("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhelloworld", [44]);
    expect(r.events).toEqual(["head 200 Content-Length=10", "body hello", "end world"]);
  });

  it("decodes chunks, drops extensions and trailers, and ends at the last chunk", () => {
    const r = run(CHUNKED);
    expect(r.events).toEqual(["head 200 X-A=1", "body hello", "body , world", "end"]);
    expect(r.reusable).toBe(true);
  });

  it("hears the same whatever the reads' boundaries", () => {
    const whole = heard(run(CHUNKED).events);
    for (let i = 1; i < CHUNKED.length; i++) {
      expect(heard(run(CHUNKED, [i]).events), `split at ${i}`).toEqual(whole);
      expect(run(CHUNKED, [i]).reusable).toBe(true);
    }
    const fixed = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
    for (let i = 1; i < fixed.length; i++)
      expect(heard(run(fixed, [i]).events)).toEqual([
        "head 200 Content-Length=3",
        "body abc",
        "end",
      ]);
  });

  it("has no body for HEAD, 204 and 304, whatever the headers say", () => {
    expect(run("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", [], "HEAD").events).toEqual([
      "head 200 Content-Length=5",
      "end",
    ]);
    expect(run("HTTP/1.1 204 No Content\r\n\r\n").events).toEqual(["head 204", "end"]);
    const notModified = run("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n");
    expect(notModified).toMatchObject({ done: true, reusable: true });
  });

  it("reads a body without a length until the backend closes, and never reuses the connection", () => {
    const open = run("HTTP/1.1 200 OK\r\n\r\nsome bytes");
    expect(open.done).toBe(false);
    const closed = run("HTTP/1.1 200 OK\r\n\r\nsome bytes", [], "GET", true);
    expect(closed.events).toEqual(["head 200", "body some bytes", "end"]);
    expect(closed.reusable).toBe(false);
  });

  it("skips interim 1xx heads", () => {
    const r = run(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    );
    expect(r.events).toEqual(["head 200 Content-Length=2", "end ok"]);
  });
});

describe("reuse", () => {
  it.each<[string, string]>([
    ["HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"],
    ["Connection: close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"],
    ["bytes after the end", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"],
  ])("not after %s", (_why, bytes) => {
    const r = run(bytes);
    expect(r.done).toBe(true);
    expect(r.reusable).toBe(false);
  });

  it("keeps hop-by-hop fields from the handler", () => {
    const r = run(
      "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nContent-Length: 0\r\n\r\n",
    );
    expect(r.events).toEqual(["head 200 Content-Length=0", "end"]);
    expect(r.reusable).toBe(true);
  });
});

describe("malformed responses", () => {
  it.each<[string, string, RegExp]>([
    ["a status line that is not HTTP/1.x", "HTTP/2 200\r\n\r\n", /expected a status line/],
    ["a two-digit status", "HTTP/1.1 20 OK\r\n\r\n", /expected a status line/],
    ["101 Switching Protocols", "HTTP/1.1 101 Switching Protocols\r\n\r\n", /101/],
    ["a line without a colon", "HTTP/1.1 200 OK\r\nNo Colon\r\n\r\n", /expected a header line/],
    ["a space in a name", "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", /expected a header line/],
    ["a folded line", "HTTP/1.1 200 OK\r\nX-A: 1\r\n  more\r\n\r\n", /expected a header line/],
    ["a bare LF in a value", "HTTP/1.1 200 OK\r\nX-A: 1\n2\r\n\r\n", /expected a header line/],
    [
      "two Content-Lengths",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
      /twice/,
    ],
    [
      "a Content-Length that is not digits",
      "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
      /digits/,
    ],
    ["gzip framing", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", /"chunked"/],
    [
      "both framings",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
      /both/,
    ],
    [
      "a chunk size in decimal words",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfive\r\n",
      /chunk size/,
    ],
    [
      "no CRLF after a chunk",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX",
      /CRLF/,
    ],
  ])("%s", (_what, bytes, message) => {
    expect(() => run(bytes)).toThrow(ResponseError);
    expect(() => run(bytes)).toThrow(message);
  });

  it("a head larger than 16 KiB, even before it ends", () => {
    const big = `HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(MAX_HEAD_BYTES)}`;
    expect(() => run(big)).toThrow(/at most 16384 bytes/);
    expect(() => run(`${big}\r\n\r\n`)).toThrow(/at most 16384 bytes/);
  });
});
