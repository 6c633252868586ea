/**
 * Keep-alive HTTP/1.1 connections to endpoints: nginx's upstream `keepalive` cache, with
 * ingress-nginx's settings (internal/ingress/controller/config/config.go NewDefault).
 *
 * Guarantees:
 * - A connection carries one request at a time, as nginx's do (no pipelining). Its response is
 *   read by a ResponseParser and handed to the request's Exchange, which hears either the
 *   parser's `end` or one `fail`, never both and never twice.
 * - A connection goes back to its endpoint's idle list when its response allows it (HTTP/1.1, no
 *   "Connection: close", a framed body, nothing after it), the request went out whole, and it has
 *   carried fewer than 10,000 requests (upstream-keepalive-requests). Otherwise it is closed.
 * - Idle connections are reused most recently used first, as nginx's cache does; at most 320
 *   per endpoint (upstream-keepalive-connections; nginx counts them per worker process, over all
 *   endpoints). One the backend closes, or that sends anything while idle, is dropped.
 * - Timeouts are the socket's own timer, set when the connection is made and never per request:
 *   5 s to connect (proxy-connect-timeout), then 60 s without a byte either way — that is
 *   proxy-read-timeout while a request is in flight and upstream-keepalive-timeout while idle,
 *   both 60 s in ingress-nginx. A timeout fails the request with ETIMEDOUT, or closes the idle
 *   connection.
 * - The request is written as given: the caller builds the head (proxy.ts `requestHead`); a body
 *   follows with `write` and `finish`, re-framed in chunks when the client sent it in chunks.
 */
import { connect, type Socket } from "node:net";
import { messageOf } from "../util/errors.ts";
import { type ResponseHandler, ResponseParser } from "./response-parser.ts";

/** ingress-nginx's upstream-keepalive-connections. */
export const UPSTREAM_KEEPALIVE_CONNECTIONS = 320;
/** ingress-nginx's upstream-keepalive-requests. */
export const UPSTREAM_KEEPALIVE_REQUESTS = 10_000;
/** ingress-nginx's proxy-read-timeout (and proxy-send-timeout, upstream-keepalive-timeout): 60 s. */
export const PROXY_READ_TIMEOUT_MS = 60_000;
/** ingress-nginx's proxy-connect-timeout: 5 s. */
export const PROXY_CONNECT_TIMEOUT_MS = 5_000;

/** What a request in flight hears from its connection, besides the response itself. */
export interface Exchange extends ResponseHandler {
  /**
   * The attempt failed: refused, reset, timed out, or a malformed response. `reason` is an errno
   * code (ECONNREFUSED, ECONNRESET, ETIMEDOUT) or a description.
   */
  fail(reason: string, timedOut: boolean): void;
}

export interface UpstreamRequest {
  /** Request line and header fields, through the empty line, as Latin-1 (one byte a character). */
  head: string;
  method: string;
  /** The body that follows the head: none, bytes as counted by Content-Length, or chunks. */
  body: "none" | "length" | "chunked";
}

export interface UpstreamPoolOptions {
  connectTimeoutMs?: number;
  /** Silence that ends a request in flight, or an idle connection. */
  timeoutMs?: number;
  maxIdlePerEndpoint?: number;
  maxRequestsPerConnection?: number;
}

// #region UpstreamPool
export class UpstreamPool {
  readonly connectTimeoutMs: number;
  readonly timeoutMs: number;
  readonly maxIdlePerEndpoint: number;
  readonly maxRequestsPerConnection: number;
  /**
   * By "address:port": the idle connections, least recently used first. Invariant: a connection
   * is in its list exactly while it is idle and open; an empty list is deleted.
   */
  private readonly idle = new Map<string, UpstreamConnection[]>();
  private closed = false;

  constructor(options: UpstreamPoolOptions = {}) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? PROXY_CONNECT_TIMEOUT_MS;
    this.timeoutMs = options.timeoutMs ?? PROXY_READ_TIMEOUT_MS;
    this.maxIdlePerEndpoint = options.maxIdlePerEndpoint ?? UPSTREAM_KEEPALIVE_CONNECTIONS;
    this.maxRequestsPerConnection = options.maxRequestsPerConnection ?? UPSTREAM_KEEPALIVE_REQUESTS;
  }

  /** The endpoint's most recently used idle connection, else a new one. */
  connection(address: string, port: number): UpstreamConnection {
    const key = `${address}:${port}`;
    const list = this.idle.get(key);
    const reused = list?.pop();
    if (reused) {
      if (list?.length === 0) this.idle.delete(key);
      return reused;
    }
    return new UpstreamConnection(this, key, address, port);
  }

  /** Idle connections, by endpoint ("address:port"). */
  idleCount(key: string): number {
    return this.idle.get(key)?.length ?? 0;
  }

  /** Closes every idle connection; connections in flight close when their request ends. */
  close(): void {
    this.closed = true;
    for (const list of this.idle.values()) for (const c of [...list]) c.close();
    this.idle.clear();
  }

  /** @internal A connection whose request ended and that may carry another. */
  release(connection: UpstreamConnection): void {
    let list = this.idle.get(connection.key);
    if (this.closed || (list?.length ?? 0) >= this.maxIdlePerEndpoint) {
      connection.close();
      return;
    }
    if (!list) {
      list = [];
      this.idle.set(connection.key, list);
    }
    list.push(connection);
  }

  /** @internal A connection closing: out of the idle list if it was there. */
  forget(connection: UpstreamConnection): void {
    const list = this.idle.get(connection.key);
    const i = list ? list.indexOf(connection) : -1;
    if (i < 0) return;
    list?.splice(i, 1);
    if (list?.length === 0) this.idle.delete(connection.key);
  }
}
// #endregion UpstreamPool

// #region UpstreamConnection
export class UpstreamConnection {
  private readonly socket: Socket;
  private readonly parser = new ResponseParser();
  /** The request in flight; undefined while idle, and once the connection is closing. */
  private exchange: Exchange | undefined;
  /** Whether the request in flight has gone out whole, body included. */
  private sent = false;
  private chunked = false;
  private requests = 0;

  constructor(
    private readonly pool: UpstreamPool,
    /** "address:port" */
    readonly key: string,
    address: string,
    port: number,
  ) {
    const socket = connect({ host: address, port, noDelay: true });
    socket.setTimeout(pool.connectTimeoutMs);
    socket.once("connect", () => socket.setTimeout(pool.timeoutMs));
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("end", () => this.onEnd());
    socket.on("timeout", () => this.failed("ETIMEDOUT", true));
    socket.on("error", (error: NodeJS.ErrnoException) =>
      this.failed(error.code ?? error.message, false),
    );
    socket.on("close", () => this.failed("ECONNRESET", false));
    this.socket = socket;
  }

  /** Sends a request's head; a body, if any, follows with `write` and `finish`. */
  send(exchange: Exchange, request: UpstreamRequest): void {
    this.exchange = exchange;
    this.requests++;
    this.parser.start(exchange, request.method);
    this.sent = request.body === "none";
    this.chunked = request.body === "chunked";
    this.socket.write(request.head, "latin1");
  }

  /** A piece of the request body; false when the socket's buffer is full (wait for `drained`). */
  write(chunk: Buffer): boolean {
    if (!this.chunked) return this.socket.write(chunk);
    this.socket.cork();
    this.socket.write(`${chunk.length.toString(16)}\r\n`, "latin1");
    this.socket.write(chunk);
    const more = this.socket.write("\r\n", "latin1");
    this.socket.uncork();
    return more;
  }

  /** Calls `then` once the socket's buffer has room again. */
  drained(then: () => void): void {
    this.socket.once("drain", then);
  }

  /** The request body is complete. */
  finish(): void {
    if (this.chunked) this.socket.write("0\r\n\r\n", "latin1");
    this.sent = true;
  }

  /** Stops reading the response until `resume`: the client is slower than the backend. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** The client went away: the response is not wanted, and the connection cannot be reused. */
  abort(): void {
    this.exchange = undefined;
    this.parser.stop();
    this.close();
  }

  /** @internal */
  close(): void {
    this.pool.forget(this);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const exchange = this.exchange;
    if (!exchange) {
      // Bytes nobody asked for: the connection is out of step with its requests.
      this.close();
      return;
    }
    try {
      this.parser.feed(chunk);
    } catch (error) {
      this.failed(`invalid response: ${messageOf(error)}`, false);
      return;
    }
    if (this.parser.done && this.exchange === exchange) this.ended();
  }

  /** The backend closed its side: the end of a body without a length, or a failure. */
  private onEnd(): void {
    if (this.exchange && this.parser.endAtClose()) {
      this.exchange = undefined;
      this.close();
      return;
    }
    this.failed("ECONNRESET", false);
  }

  /** The response is complete: keep the connection for the next request, or close it. */
  private ended(): void {
    this.exchange = undefined;
    // Paused for a slow client whose response has now ended: the next request must be read.
    if (this.socket.isPaused()) this.socket.resume();
    const reusable =
      this.parser.reusable && this.sent && this.requests < this.pool.maxRequestsPerConnection;
    if (reusable) this.pool.release(this);
    else this.close();
  }

  /** Ends the connection, and the request in flight, if any, with `reason`. Idempotent. */
  private failed(reason: string, timedOut: boolean): void {
    const exchange = this.exchange;
    this.exchange = undefined;
    this.parser.stop();
    this.close();
    exchange?.fail(reason, timedOut);
  }
}
// #endregion UpstreamConnection
