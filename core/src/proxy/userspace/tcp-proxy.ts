/**
 * One TCP listener of the userspace proxy: a Service port's cluster IP (or a node's NodePort),
 * spliced to an endpoint per connection — kube-proxy's userspace tcpProxySocket
 * (pkg/proxy/userspace/proxysocket.go), bound to the Service address itself, which loopback
 * addresses allow without root or iptables.
 *
 * Guarantees:
 * - Each accepted connection asks the balancer for an endpoint and dials it; a refused or slow
 *   dial (250 ms, 500 ms, 1 s, 2 s: endpointDialTimeout) is retried on the next endpoint, with
 *   affinity reset, four times in all; then the client is reset.
 * - With no endpoint at all the client is reset at once (RST: "connection reset"), never left
 *   hanging — the userspace counterpart of iptables mode's REJECT, which the client sees as
 *   "connection refused".
 * - Bytes flow through stream pipes, with backpressure and no work per chunk. Half-closes pass
 *   through (a client may shut down writing and still read the answer); a reset on either side
 *   resets the other; once one side has closed, the other is closed when its last bytes are out.
 * - One connection's trouble — a client that sends nothing, a backend that resets — touches
 *   nothing else.
 * - `close()` stops listening and closes every connection; `closeEndpointsNotIn(live)` resets
 *   those whose endpoint left the Service.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import type { Clock } from "../../util/clock.ts";
import { type ProxyTarget, splitHostPort } from "./counters.ts";

/** endpointDialTimeout: one dial per entry, each waiting longer. */
export const DIAL_TIMEOUTS_MS = [250, 500, 1000, 2000];

interface Connection {
  client: Socket;
  backend: Socket;
  endpoint: string;
}

export interface TcpProxySocketOptions {
  address: string;
  port: number;
  target: ProxyTarget;
  clock: Clock;
}

export class TcpProxySocket {
  private readonly server: Server;
  /** Open spliced connections by endpoint. */
  private readonly connections = new Map<string, Set<Connection>>();
  /** Clients still waiting for a backend to answer. */
  private readonly dialing = new Set<Socket>();

  constructor(private readonly options: TcpProxySocketOptions) {
    this.server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (c) =>
      this.accept(c),
    );
  }

  /** "address:port" as configured (port 0 until bound picks one: see `boundPort`). */
  get address(): string {
    return `${this.options.address}:${this.options.port}`;
  }

  /** The port actually bound. */
  get boundPort(): number {
    const bound = this.server.address();
    return typeof bound === "object" && bound ? bound.port : this.options.port;
  }

  /** Resolves once listening; rejects with the bind error (EADDRINUSE, EACCES, ...). */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ host: this.options.address, port: this.options.port }, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const client of this.dialing) client.destroy();
    for (const set of this.connections.values()) {
      for (const conn of set) abort(conn);
    }
    if (this.server.listening) await closed;
  }

  /** Resets the connections to endpoints not in `live`; returns how many. */
  closeEndpointsNotIn(live: ReadonlySet<string>): number {
    let closed = 0;
    for (const [endpoint, set] of this.connections) {
      if (live.has(endpoint)) continue;
      for (const conn of set) {
        abort(conn);
        closed++;
      }
    }
    this.options.target.counters.closedEndpointGone += closed;
    return closed;
  }

  private accept(client: Socket): void {
    this.options.target.counters.connections++;
    // A client that resets while we dial must not crash the process; its close ends the dial.
    client.on("error", () => {});
    this.dialing.add(client);
    client.once("close", () => this.dialing.delete(client));
    this.dial(client, 0, false);
  }

  // #region dial
  private dial(client: Socket, attempt: number, reset: boolean): void {
    if (client.destroyed) return;
    const { target, clock } = this.options;
    const endpoint = target.nextEndpoint(client.remoteAddress ?? "", reset);
    if (endpoint === undefined) {
      target.counters.noEndpoints++;
      target.refused("TCP", this.address);
      client.resetAndDestroy();
      return;
    }
    const { host, port } = splitHostPort(endpoint);
    const backend = connect({ host, port, allowHalfOpen: true, noDelay: true });
    const timeoutMs = DIAL_TIMEOUTS_MS[attempt] as number;
    const timer = clock.setTimeout(
      () => backend.destroy(new Error(`dial ${endpoint} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    const clientGone = () => {
      timer.cancel();
      backend.destroy();
    };
    const failed = () => {
      timer.cancel();
      client.off("close", clientGone);
      target.counters.dialFailures++;
      if (attempt + 1 < DIAL_TIMEOUTS_MS.length) this.dial(client, attempt + 1, true);
      else if (!client.destroyed) client.resetAndDestroy();
    };
    client.once("close", clientGone);
    backend.once("error", failed);
    backend.once("connect", () => {
      timer.cancel();
      client.off("close", clientGone);
      backend.off("error", failed);
      this.dialing.delete(client);
      this.splice({ client, backend, endpoint });
    });
  }
  // #endregion dial

  // #region splice
  private splice(conn: Connection): void {
    const { client, backend, endpoint } = conn;
    const counters = this.options.target.counters;
    counters.active++;
    counters.byEndpoint[endpoint] = (counters.byEndpoint[endpoint] ?? 0) + 1;
    const set = this.connections.get(endpoint) ?? new Set<Connection>();
    this.connections.set(endpoint, set);
    set.add(conn);
    client.pipe(backend);
    backend.pipe(client);
    client.on("error", () => reset(backend));
    backend.on("error", () => reset(client));
    client.once("close", () => {
      set.delete(conn);
      if (set.size === 0 && this.connections.get(endpoint) === set)
        this.connections.delete(endpoint);
      counters.active--;
      counters.bytesIn += client.bytesRead;
      counters.bytesOut += client.bytesWritten;
      closeAfter(client, backend);
    });
    backend.once("close", () => closeAfter(backend, client));
  }
  // #endregion splice
}

/**
 * `closed` has closed; close `other` too. If `closed` ended cleanly its last bytes were piped
 * into `other`, which then only needs to flush them (its FIN follows from the pipe's end());
 * if `closed` was torn down, so is `other`.
 */
function closeAfter(closed: Socket, other: Socket): void {
  if (other.destroyed) return;
  if (!closed.readableEnded) {
    other.destroy();
    return;
  }
  if (other.writableFinished) other.destroy();
  else other.once("finish", () => other.destroy());
}

function reset(socket: Socket): void {
  if (socket.destroyed) return;
  // A socket whose graceful close has begun (its peer closed, we ended our side) cannot be
  // reset: resetAndDestroy on it leaves a handle Node then spins on at exit. Destroy it instead.
  if (socket.writableEnded) socket.destroy();
  else socket.resetAndDestroy();
}

/** Closes a connection at once, telling the client with a reset. */
function abort(conn: Connection): void {
  reset(conn.client);
  conn.backend.destroy();
}
