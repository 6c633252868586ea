/**
 * A DNS server on one address: UDP and TCP on the same port, as every DNS server listens
 * (RFC 1035 §4.2; RFC 7766 makes TCP a must, for answers too big for UDP).
 *
 * Guarantees:
 * - Each packet and each TCP message is answered on its own: a handler that throws or rejects
 *   costs that one query (logged), never the server; garbage on a TCP connection is answered
 *   (FORMERR) or skipped and the connection keeps serving.
 * - A TCP connection idle for `tcpIdleTimeoutMs` (default 8 s, miekg/dns's idle timeout that
 *   CoreDNS serves with) is closed, so a client that connects and sends nothing holds nothing
 *   for long; other clients are served meanwhile.
 * - Port: an explicit `port` is used as given (0: any free port, the same for UDP and TCP).
 *   Without one, 53 is tried; if binding it is not permitted (EACCES: ports below 1024 need root
 *   or net.ipv4.ip_unprivileged_port_start=0), the server says so once in the log and serves on
 *   `fallbackPort` (1053) instead. An address this machine does not have is a clear error.
 * - `stop()` closes both sockets and every open connection, and resolves once they are closed.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer as createTcpServer, isIPv6, type Server, type Socket } from "node:net";
import { messageOf } from "../util/errors.ts";
import { FrameReader, frame } from "./framing.ts";
import type { QueryHandler, Transport } from "./handler.ts";

export interface DnsServerOptions {
  handler: QueryHandler;
  /** Default 127.96.0.10: the cluster DNS Service's address (DESIGN.md, network model). */
  address?: string;
  /** Unset: 53 where permitted, else `fallbackPort`. 0: any free port (tests). */
  port?: number;
  /** Default 1053. */
  fallbackPort?: number;
  /** Default 8000. */
  tcpIdleTimeoutMs?: number;
  /** Log lines, prefixed "[dns]". Default: console.log. */
  log?: (line: string) => void;
}

export const DEFAULT_DNS_ADDRESS = "127.96.0.10";
export const DNS_PORT = 53;
export const FALLBACK_DNS_PORT = 1053;
/**
 * miekg/dns's Server.IdleTimeout default (server.go): how long a TCP connection may wait for its
 * next query.
 */
export const DEFAULT_TCP_IDLE_TIMEOUT_MS = 8_000;
/** Tries at a port 0 that UDP got but TCP found taken, before giving up. */
const EPHEMERAL_ATTEMPTS = 5;

export class DnsServer {
  private udp?: UdpSocket;
  private tcp?: Server;
  private readonly connections = new Set<Socket>();
  private readonly log: (line: string) => void;
  private bound?: { address: string; port: number };

  constructor(private readonly options: DnsServerOptions) {
    this.log = options.log ?? ((line) => console.log(line));
  }

  /** Where it serves, once started. */
  get address(): { address: string; port: number } {
    if (!this.bound) throw new Error("the DNS server is not started");
    return this.bound;
  }

  // #region start
  async start(): Promise<{ address: string; port: number }> {
    const address = this.options.address ?? DEFAULT_DNS_ADDRESS;
    const port = await choosePort({
      port: this.options.port,
      fallbackPort: this.options.fallbackPort ?? FALLBACK_DNS_PORT,
      address,
      tryPort: (p) => this.listen(address, p),
      log: this.log,
    });
    this.bound = { address, port };
    return this.bound;
  }
  // #endregion start

  async stop(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
    await Promise.all([
      new Promise<void>((resolve) => (this.udp ? this.udp.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve())),
    ]);
    this.udp = undefined;
    this.tcp = undefined;
  }

  /** Binds UDP then TCP on `port`; returns the port bound. Either failing undoes both. */
  private async listen(address: string, port: number): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      const udp = createSocket({ type: isIPv6(address) ? "udp6" : "udp4" });
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once("error", reject);
          udp.bind({ address, port, exclusive: true }, () => {
            udp.off("error", reject);
            resolve();
          });
        });
      } catch (error) {
        udp.close();
        throw error;
      }
      const udpPort = udp.address().port;
      const tcp = createTcpServer((socket) => this.serveConnection(socket));
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once("error", reject);
          tcp.listen({ host: address, port: udpPort, exclusive: true }, () => {
            tcp.off("error", reject);
            resolve();
          });
        });
      } catch (error) {
        udp.close();
        const taken = (error as NodeJS.ErrnoException).code === "EADDRINUSE";
        if (port === 0 && taken && attempt < EPHEMERAL_ATTEMPTS) continue;
        throw error;
      }
      udp.on("message", (packet, from) => this.servePacket(udp, packet, from.address, from.port));
      udp.on("error", (error) => this.log(`[dns] UDP socket error: ${messageOf(error)}`));
      tcp.on("error", (error) => this.log(`[dns] TCP listener error: ${messageOf(error)}`));
      this.udp = udp;
      this.tcp = tcp;
      return udpPort;
    }
  }

  private servePacket(udp: UdpSocket, packet: Buffer, host: string, port: number): void {
    this.respond(packet, "udp", (response) => {
      udp.send(response, port, host, () => {
        // A client that has gone away is not our error.
      });
    });
  }

  private serveConnection(socket: Socket): void {
    this.connections.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(this.options.tcpIdleTimeoutMs ?? DEFAULT_TCP_IDLE_TIMEOUT_MS, () =>
      socket.destroy(),
    );
    const reader = new FrameReader();
    socket.on("data", (chunk: Buffer) => {
      for (const message of reader.push(chunk)) {
        this.respond(Buffer.from(message), "tcp", (response) => {
          if (!socket.destroyed) socket.write(frame(response));
        });
      }
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.connections.delete(socket));
  }

  private respond(packet: Buffer, transport: Transport, send: (response: Buffer) => void): void {
    const fail = (error: unknown) =>
      this.log(`[dns] answering a ${transport} query failed: ${messageOf(error)}`);
    try {
      const result = this.options.handler.answer(packet, transport);
      if (result instanceof Promise) {
        result.then((response) => response && send(response), fail);
      } else if (result) {
        send(result);
      }
    } catch (error) {
      fail(error);
    }
  }
}

// #region choosePort
/**
 * The port to serve on, given a way to try one:
 * 1. An explicit port is tried alone; its failure is the caller's error.
 * 2. Otherwise 53; on EACCES, one clear log line, then `fallbackPort`.
 * 3. EADDRNOTAVAIL (the address is not on this machine) becomes an error that says why.
 */
export async function choosePort(options: {
  port: number | undefined;
  fallbackPort: number;
  address: string;
  tryPort: (port: number) => Promise<number>;
  log: (line: string) => void;
}): Promise<number> {
  const { address, tryPort } = options;
  const explain = (error: unknown, port: number): unknown => {
    if ((error as NodeJS.ErrnoException).code !== "EADDRNOTAVAIL") return error;
    return new Error(
      `cannot serve DNS on ${address}:${port}: this machine has no address ${address} ` +
        "(EADDRNOTAVAIL). tinykube gives services addresses in 127.0.0.0/8, which Linux routes " +
        "to loopback as a whole; elsewhere add the address to the loopback interface, or pass " +
        "an address this machine has.",
      { cause: error },
    );
  };
  if (options.port !== undefined) {
    return tryPort(options.port).catch((error: unknown) => {
      throw explain(error, options.port as number);
    });
  }
  try {
    return await tryPort(DNS_PORT);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EACCES") throw explain(error, DNS_PORT);
  }
  options.log(
    `[dns] may not bind ${address}:${DNS_PORT} (EACCES: ports below 1024 need root, or ` +
      `sysctl net.ipv4.ip_unprivileged_port_start=0); serving DNS on ${address}:${options.fallbackPort} ` +
      `instead — query it with dig @${address} -p ${options.fallbackPort}`,
  );
  return tryPort(options.fallbackPort).catch((error: unknown) => {
    throw explain(error, options.fallbackPort);
  });
}
// #endregion choosePort
