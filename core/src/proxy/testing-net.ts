/**
 * Small real servers and clients for the proxy's network tests, on loopback addresses.
 *
 * A TCP backend answers each connection once the client has finished sending (half-closed):
 * "<name>:<what it received>", then closes — so a reply proves which endpoint answered, that
 * the bytes arrived whole, and that half-closes pass through. A UDP backend answers each
 * datagram with "<name>:<datagram>".
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, createServer, type Server, type Socket } from "node:net";

export interface TcpBackend {
  name: string;
  address: string;
  port: number;
  hostPort: string;
  /** Connections accepted so far. */
  accepted: number;
  /** Reset every connection from now on, instead of answering. */
  resetAll: boolean;
  close(): Promise<void>;
}

export async function startTcpBackend(
  address: string,
  name: string,
  port = 0,
): Promise<TcpBackend> {
  const sockets = new Set<Socket>();
  const backend: TcpBackend = {
    name,
    address,
    port: 0,
    hostPort: "",
    accepted: 0,
    resetAll: false,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer({ allowHalfOpen: true }, (socket) => {
    backend.accepted++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    if (backend.resetAll) {
      socket.resetAndDestroy();
      return;
    }
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => socket.end(`${name}:${Buffer.concat(chunks).toString()}`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: address, port }, () => resolve());
  });
  backend.port = (server.address() as { port: number }).port;
  backend.hostPort = `${address}:${backend.port}`;
  return backend;
}

/** Sends `payload`, half-closes, and resolves with everything received before the close. */
export function exchange(
  host: string,
  port: number,
  payload = "ping",
  timeoutMs = 5000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("end", () => {
      clearTimeout(timer);
      socket.end();
      resolve(Buffer.concat(chunks).toString());
    });
    socket.write(payload);
    socket.end();
  });
}

/** The error code an exchange ends with ("ECONNRESET", "ECONNREFUSED"), or "answered: …". */
export function exchangeOutcome(host: string, port: number, payload = "ping"): Promise<string> {
  return exchange(host, port, payload).then(
    (text) => `answered: ${text}`,
    (error: NodeJS.ErrnoException) => error.code ?? error.message,
  );
}

export interface UdpBackend {
  name: string;
  hostPort: string;
  port: number;
  received: number;
  close(): Promise<void>;
}

export async function startUdpBackend(address: string, name: string): Promise<UdpBackend> {
  const socket: UdpSocket = createSocket("udp4");
  const backend: UdpBackend = {
    name,
    hostPort: "",
    port: 0,
    received: 0,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
  socket.on("message", (message, from) => {
    backend.received++;
    socket.send(`${name}:${message.toString()}`, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
  backend.port = socket.address().port;
  backend.hostPort = `${address}:${backend.port}`;
  return backend;
}

/** A UDP client with one local port: send and wait for the next reply. */
export async function udpClient(address = "127.0.0.1"): Promise<{
  send(host: string, port: number, payload: string, timeoutMs?: number): Promise<string>;
  close(): void;
}> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, address, () => resolve()));
  const waiting: ((reply: string) => void)[] = [];
  socket.on("message", (message) => waiting.shift()?.(message.toString()));
  return {
    send(host, port, payload, timeoutMs = 2000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(done), 1);
          reject(new Error(`no UDP reply from ${host}:${port} within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = (reply: string) => {
          clearTimeout(timer);
          resolve(reply);
        };
        waiting.push(done);
        socket.send(payload, port, host);
      });
    },
    close: () => socket.close(),
  };
}

/** Polls `condition` every few milliseconds until it holds, or fails naming `what`. */
export async function until(
  condition: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
