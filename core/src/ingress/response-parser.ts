/**
 * A backend's HTTP/1.1 response, read off an upstream connection as its bytes arrive, in any
 * split: the head, then the body by the framing RFC 9112 §6.3 gives it, handed on piece by piece
 * (the proxy streams, as ingress-nginx does with its default proxy-buffering "off"). nginx's proxy
 * module does this for ingress-nginx (ngx_http_proxy_module.c), and this parser is as strict: a
 * response nginx calls invalid ("upstream sent invalid header", "... unknown
 * Transfer-Encoding", "... duplicate header line") throws a ResponseError, and the proxy answers
 * 502.
 *
 * 1. The head, up to the first empty line, at most 16 KiB (Node's default --max-http-header-size;
 *    ingress-nginx's proxy-buffer-size is 4 KiB, so nginx refuses heads this proxy still takes):
 *    "HTTP/1.x NNN reason", then "name: value" lines, the name a token and the value free of
 *    control characters — so nothing the client's response would refuse to carry. Interim 1xx
 *    heads are skipped; 101 is an error (the proxy never asks to switch protocols).
 * 2. The body, in RFC 9112's order:
 *    - a response to HEAD, a 204 or a 304: none, whatever the headers say;
 *    - Transfer-Encoding "chunked": decoded; trailer fields are read and dropped, as nginx does;
 *    - Content-Length: that many bytes;
 *    - neither: everything until the backend closes the connection (`endAtClose`).
 *    Another Transfer-Encoding, both headers, or two Content-Lengths: error.
 * 3. The handler gets the status and the end-to-end fields, as sent (hop-by-hop ones concern this
 *    connection only: hop-by-hop.ts), then `body` pieces, then `end`. When the last piece of a
 *    Content-Length body comes in this read, it rides on `end`, so that the proxy can write it
 *    and finish the client's response in one step.
 * 4. `reusable` once done: HTTP/1.1, no "Connection: close", a body that ended by its own framing,
 *    and no byte after it (nginx closes a connection that sends more than it announced).
 *
 * Worked example: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
 * split anywhere → head(200, ["X-A", "1"]), body("hello"), end(undefined); reusable.
 */
import { asksToClose, HOP_BY_HOP } from "./hop-by-hop.ts";

export interface ResponseHandler {
  /** The final status and the end-to-end fields, as sent: [name, value, name, value, …]. */
  head(status: number, headers: string[]): void;
  body(chunk: Buffer): void;
  /** The response is complete; `last` is the end of a Content-Length body read with it. */
  end(last: Buffer | undefined): void;
}

/** The backend sent something that is not an HTTP/1.1 response. */
export class ResponseError extends Error {
  override name = "ResponseError";
}

/** Node's default maximum head size (http.maxHeaderSize), which also bounds trailer fields. */
export const MAX_HEAD_BYTES = 16 * 1024;
/** A chunk-size line (size and extensions) longer than this is not a backend's honest mistake. */
const MAX_CHUNK_LINE = 4 * 1024;

/** Parser states; DONE also while no response is expected. */
const HEAD = 0;
const FIXED = 1;
const CHUNK_SIZE = 2;
const CHUNK_DATA = 3;
const CHUNK_CRLF = 4;
const TRAILERS = 5;
const UNTIL_CLOSE = 6;
const DONE = 7;

const HEAD_END = Buffer.from("\r\n\r\n");
const CRLF = Buffer.from("\r\n");
/** RFC 9112 §4: HTTP-version SP status-code [SP reason-phrase]. */
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: .*)?$/;
/** RFC 9110 §5.6.2 token, the only thing a field name may be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Control characters other than HTAB: not allowed anywhere in a field line (RFC 9110 §5.5). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its job.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
/** RFC 9112 §7.1: chunk-size [chunk-ext]; 12 hex digits (256 TiB) is plenty and stays exact. */
const CHUNK_SIZE_LINE = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/;
/** A Content-Length, in digits a double holds exactly. */
const DIGITS = /^\d{1,15}$/;

const NOBODY: ResponseHandler = { head() {}, body() {}, end() {} };

// #region ResponseParser
export class ResponseParser {
  private state = DONE;
  private handler = NOBODY;
  /** The request was HEAD: whatever the head says, no body follows. */
  private headRequest = false;
  /** The start of a head or line whose end has not arrived; joined with the next read. */
  private partial: Buffer | undefined;
  /** FIXED: body bytes still to come. CHUNK_DATA: bytes left in the chunk. CHUNK_CRLF: 2 or 1. */
  private remaining = 0;
  private trailerBytes = 0;
  /** Whether the message's own framing lets the connection carry another request. */
  private keepAlive = false;
  /** Bytes came after the end of the response. */
  private extra = false;

  /** Expects the response to a request just sent; `method` "HEAD" means no body. */
  start(handler: ResponseHandler, method: string): void {
    this.state = HEAD;
    this.handler = handler;
    this.headRequest = method === "HEAD";
    this.partial = undefined;
    this.remaining = 0;
    this.trailerBytes = 0;
    this.keepAlive = false;
    this.extra = false;
  }

  /** Stops handing anything on: the exchange was abandoned. */
  stop(): void {
    this.state = DONE;
    this.handler = NOBODY;
    this.partial = undefined;
  }

  get done(): boolean {
    return this.state === DONE;
  }

  get reusable(): boolean {
    return this.state === DONE && this.keepAlive && !this.extra;
  }

  /** Reads the next bytes the backend sent. Throws a ResponseError for a malformed response. */
  feed(chunk: Buffer): void {
    let data = chunk;
    if (this.partial) {
      data = Buffer.concat([this.partial, chunk]);
      this.partial = undefined;
    }
    let at = 0;
    while (at < data.length) {
      switch (this.state) {
        case HEAD:
          at = this.readHead(data, at);
          break;
        case FIXED:
          at = this.readFixed(data, at);
          break;
        case CHUNK_SIZE:
          at = this.readChunkSize(data, at);
          break;
        case CHUNK_DATA:
          at = this.readChunkData(data, at);
          break;
        case CHUNK_CRLF:
          at = this.readChunkCrlf(data, at);
          break;
        case TRAILERS:
          at = this.readTrailer(data, at);
          break;
        case UNTIL_CLOSE:
          this.handler.body(at === 0 ? data : data.subarray(at));
          at = data.length;
          break;
        default:
          this.extra = true;
          return;
      }
    }
  }

  /**
   * The backend closed its side. True if that ends the response (a body without a length);
   * false if the response is cut short, or was already done.
   */
  endAtClose(): boolean {
    if (this.state !== UNTIL_CLOSE) return false;
    this.state = DONE;
    this.handler.end(undefined);
    return true;
  }

  private readHead(data: Buffer, at: number): number {
    const end = data.indexOf(HEAD_END, at);
    if (end < 0) {
      if (data.length - at > MAX_HEAD_BYTES) throw tooBig("head", data.length - at, MAX_HEAD_BYTES);
      this.partial = data.subarray(at);
      return data.length;
    }
    if (end - at > MAX_HEAD_BYTES) throw tooBig("head", end - at, MAX_HEAD_BYTES);
    this.parseHead(data.toString("latin1", at, end));
    return end + HEAD_END.length;
  }

  private parseHead(text: string): void {
    const lines = text.split("\r\n");
    const statusLine = lines[0] as string;
    const match = STATUS_LINE.exec(statusLine);
    if (!match || CONTROL.test(statusLine)) {
      throw new ResponseError(
        `expected a status line like "HTTP/1.1 200 OK", got ${quote(statusLine)}`,
      );
    }
    const status = Number(match[2]);
    if (status === 101)
      throw new ResponseError("got 101 Switching Protocols, but the proxy never asks to switch");
    let keepAlive = match[1] === "1";
    let chunked = false;
    let length = -1;
    const headers: string[] = [];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(":");
      const name = colon > 0 ? line.slice(0, colon) : "";
      if (!TOKEN.test(name) || CONTROL.test(line))
        throw new ResponseError(`expected a header line "name: value", got ${quote(line)}`);
      const value = trimSpaces(line, colon + 1);
      const lower = name.toLowerCase();
      if (lower === "content-length") {
        if (length >= 0) throw new ResponseError("got Content-Length twice");
        if (!DIGITS.test(value))
          throw new ResponseError(`expected a Content-Length in digits, got ${quote(value)}`);
        length = Number(value);
      } else if (HOP_BY_HOP.has(lower)) {
        if (lower === "connection" && asksToClose(value)) keepAlive = false;
        if (lower === "transfer-encoding") {
          if (chunked || value.toLowerCase() !== "chunked")
            throw new ResponseError(`expected Transfer-Encoding "chunked", got ${quote(value)}`);
          chunked = true;
        }
        continue;
      }
      headers.push(name, value);
    }
    // 100 Continue, 102 Processing, 103 Early Hints: interim; the final head follows.
    if (status < 200) return;
    if (chunked && length >= 0)
      throw new ResponseError("got both Content-Length and Transfer-Encoding");

    this.keepAlive = keepAlive;
    if (this.headRequest || status === 204 || status === 304 || length === 0) {
      this.state = DONE;
    } else if (chunked) {
      this.state = CHUNK_SIZE;
    } else if (length > 0) {
      this.state = FIXED;
      this.remaining = length;
    } else {
      this.state = UNTIL_CLOSE;
      this.keepAlive = false;
    }
    this.handler.head(status, headers);
    if (this.state === DONE) this.handler.end(undefined);
  }

  private readFixed(data: Buffer, at: number): number {
    const available = data.length - at;
    if (available < this.remaining) {
      this.remaining -= available;
      this.handler.body(at === 0 ? data : data.subarray(at));
      return data.length;
    }
    const end = at + this.remaining;
    this.remaining = 0;
    this.state = DONE;
    this.handler.end(data.subarray(at, end));
    return end;
  }

  private readChunkSize(data: Buffer, at: number): number {
    const end = this.lineEnd(data, at, MAX_CHUNK_LINE, "chunk-size line");
    if (end < 0) return data.length;
    const line = data.toString("latin1", at, end);
    const match = CHUNK_SIZE_LINE.exec(line);
    if (!match || CONTROL.test(line))
      throw new ResponseError(`expected a chunk size in hex, got ${quote(line)}`);
    const size = Number.parseInt(match[1] as string, 16);
    if (size === 0) {
      this.state = TRAILERS;
    } else {
      this.state = CHUNK_DATA;
      this.remaining = size;
    }
    return end + CRLF.length;
  }

  private readChunkData(data: Buffer, at: number): number {
    const n = Math.min(this.remaining, data.length - at);
    this.remaining -= n;
    if (this.remaining === 0) {
      this.state = CHUNK_CRLF;
      this.remaining = CRLF.length;
    }
    this.handler.body(data.subarray(at, at + n));
    return at + n;
  }

  /** The CRLF after a chunk's data, which may itself arrive split. */
  private readChunkCrlf(data: Buffer, at: number): number {
    const expected = this.remaining === 2 ? 0x0d : 0x0a;
    if (data[at] !== expected)
      throw new ResponseError(`expected CRLF after a chunk's data, got byte ${data[at]}`);
    this.remaining--;
    if (this.remaining === 0) this.state = CHUNK_SIZE;
    return at + 1;
  }

  /** A trailer field (dropped), or the empty line that ends the message. */
  private readTrailer(data: Buffer, at: number): number {
    const end = this.lineEnd(data, at, MAX_HEAD_BYTES - this.trailerBytes, "trailer section");
    if (end < 0) return data.length;
    this.trailerBytes += end - at + CRLF.length;
    if (end === at) {
      this.state = DONE;
      this.handler.end(undefined);
    }
    return end + CRLF.length;
  }

  /** Where the line starting at `at` ends, or -1 having kept its start for the next read. */
  private lineEnd(data: Buffer, at: number, limit: number, what: string): number {
    const end = data.indexOf(CRLF, at);
    const length = end < 0 ? data.length - at : end - at;
    if (length > limit) throw tooBig(what, length, limit);
    if (end < 0) this.partial = data.subarray(at);
    return end;
  }
}
// #endregion ResponseParser

/** A field value without the spaces and tabs around it (RFC 9110 §5.5 OWS). */
function trimSpaces(line: string, from: number): string {
  let start = from;
  let end = line.length;
  while (start < end && isSpace(line.charCodeAt(start))) start++;
  while (end > start && isSpace(line.charCodeAt(end - 1))) end--;
  return line.slice(start, end);
}

const isSpace = (c: number) => c === 0x20 || c === 0x09;

function tooBig(what: string, bytes: number, limit: number): ResponseError {
  return new ResponseError(`expected a ${what} of at most ${limit} bytes, got ${bytes}`);
}

const quote = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
