/**
 * A TCP relay that a test can cut: a network partition between one client and a server. TLS
 * passes through untouched (the relay sees bytes only), so a client of https://127.0.0.1:<relay>
 * verifies the server's own certificate, whose 127.0.0.1 SAN fits the relay's address too.
 *
 * Guarantees:
 * - While cut, every open connection is destroyed and every new one is reset at once: the client
 *   sees ECONNRESET, where a real partition would more often show a timeout — the same "cannot
 *   reach the API server" either way, only sooner.
 * - Healed, each new connection is relayed to the target again (a target that is down resets it).
 * - close() ends the listener and every connection.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";

export class TcpRelay {
  /** Every socket of both sides, so that cut() and close() can end them. */
  private readonly sockets = new Set<Socket>();
  private cutOff = false;

  private constructor(
    private readonly server: Server,
    /** The relay's own port on 127.0.0.1. */
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpRelay> {
    let relay: TcpRelay | undefined;
    const server = createServer((client) => relay?.accept(client, target));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    relay = new TcpRelay(server, (server.address() as { port: number }).port);
    return relay;
  }

  /** The partition starts: connections are destroyed now and refused until heal(). */
  cut(): void {
    this.cutOff = true;
    for (const s of this.sockets) s.destroy();
  }

  heal(): void {
    this.cutOff = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    if (this.cutOff) {
      client.resetAndDestroy();
      return;
    }
    const upstream = tcpConnect(target.port, target.host);
    for (const [s, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(s);
      s.on("error", () => other.destroy());
      s.on("close", () => {
        this.sockets.delete(s);
        other.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
