/**
 * Sending a query on to an upstream resolver: what CoreDNS's `forward . /etc/resolv.conf` line
 * does for names outside the cluster zone (plugin/forward), reduced to its core.
 *
 * Guarantees:
 * - The query goes out as the client sent it, over the transport the client used (forward's
 *   default: a UDP question is asked over UDP, a TCP one over TCP), on a fresh socket, so the
 *   answer cannot be confused with another query's; a UDP answer must also carry the query's ID.
 * - Upstreams are tried in order; each gets `timeoutMs` (default 2 s: forward's read timeout).
 *   When none answers, `exchange` rejects with every upstream's failure in its message.
 * - A truncated UDP answer is passed back truncated: the client retries over TCP itself.
 */
import { createSocket } from "node:dgram";
import { connect, isIPv6 } from "node:net";
import { type Clock, realClock } from "../util/clock.ts";
import { messageOf } from "../util/errors.ts";
import { FrameReader, frame } from "./framing.ts";

export interface Upstream {
  host: string;
  port: number;
}

export interface ForwarderOptions {
  upstreams: Upstream[];
  /** Per upstream and query; default 2000 ms. */
  timeoutMs?: number;
  clock?: Clock;
}

/** forward's per-upstream read timeout (plugin/pkg/proxy/proxy.go NewProxy: readTimeout 2 s). */
export const DEFAULT_FORWARD_TIMEOUT_MS = 2_000;

export class Forwarder {
  private readonly timeoutMs: number;
  private readonly clock: Clock;

  constructor(private readonly options: ForwarderOptions) {
    if (options.upstreams.length === 0) throw new Error("a Forwarder needs at least one upstream");
    this.timeoutMs = options.timeoutMs ?? DEFAULT_FORWARD_TIMEOUT_MS;
    this.clock = options.clock ?? realClock;
  }

  /** The first upstream answer to `query`, asked over `transport`. */
  async exchange(query: Buffer, transport: "udp" | "tcp"): Promise<Buffer> {
    const failures: string[] = [];
    for (const upstream of this.options.upstreams) {
      try {
        const ask = transport === "udp" ? udpExchange : tcpExchange;
        return await withTimeout(ask(query, upstream), this.timeoutMs, this.clock);
      } catch (error) {
        failures.push(`${upstream.host}:${upstream.port}: ${messageOf(error)}`);
      }
    }
    throw new Error(`no upstream answered: ${failures.join("; ")}`);
  }
}

/** Rejects after `ms`; the exchange's own `finally` closes its socket. */
function withTimeout<T>(
  exchange: { answer: Promise<T>; close(): void },
  ms: number,
  clock: Clock,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      exchange.close();
      reject(new Error(`no answer within ${ms} ms`));
    }, ms);
    exchange.answer.then(
      (value) => {
        timer.cancel();
        resolve(value);
      },
      (error: unknown) => {
        timer.cancel();
        reject(error);
      },
    );
  });
}

function udpExchange(
  query: Buffer,
  upstream: Upstream,
): { answer: Promise<Buffer>; close(): void } {
  const socket = createSocket(isIPv6(upstream.host) ? "udp6" : "udp4");
  const close = () => {
    try {
      socket.close();
    } catch {
      // already closed
    }
  };
  const answer = new Promise<Buffer>((resolve, reject) => {
    socket.on("error", (error) => {
      close();
      reject(error);
    });
    socket.on("message", (message, from) => {
      // Only the upstream asked, and only an answer to this query (same ID), counts.
      if (from.port !== upstream.port || message.length < 12) return;
      if (message.readUInt16BE(0) !== query.readUInt16BE(0)) return;
      close();
      resolve(message);
    });
    socket.send(query, upstream.port, upstream.host, (error) => {
      if (error) {
        close();
        reject(error);
      }
    });
  });
  return { answer, close };
}

function tcpExchange(
  query: Buffer,
  upstream: Upstream,
): { answer: Promise<Buffer>; close(): void } {
  const socket = connect({ host: upstream.host, port: upstream.port });
  const close = () => socket.destroy();
  const answer = new Promise<Buffer>((resolve, reject) => {
    const reader = new FrameReader();
    socket.on("connect", () => socket.write(frame(query)));
    socket.on("data", (chunk: Buffer) => {
      const [message] = reader.push(chunk);
      if (!message) return;
      close();
      resolve(Buffer.from(message));
    });
    socket.on("error", (error) => {
      close();
      reject(error);
    });
    socket.on("close", () => reject(new Error("connection closed before an answer")));
  });
  return { answer, close };
}
