/**
 * Binding the controller's ports on its address (DESIGN.md "Network model": 127.1.0.1, port 80
 * where it may, 8080 otherwise; 443 or 8443 for HTTPS).
 *
 * - A port given explicitly is used or the start fails: the caller asked for it.
 * - Otherwise the privileged port is tried first. Linux refuses ports below
 *   net.ipv4.ip_unprivileged_port_start (1024 by default) to processes without root or
 *   CAP_NET_BIND_SERVICE with EACCES; then the unprivileged port is used and the log says so once,
 *   with the sysctl that would allow the real one.
 * - An address the machine does not have (EADDRNOTAVAIL: outside Linux, 127.0.0.0/8 beyond
 *   127.0.0.1 is not loopback) and a port already taken (EADDRINUSE) fail with a message that
 *   says which and what to do, instead of a bare errno.
 */
import type { Server } from "node:net";

export class ListenError extends Error {
  constructor(
    message: string,
    readonly address: string,
    readonly port: number,
    options: { cause: unknown },
  ) {
    super(message, options);
    this.name = "ListenError";
  }
}

/** Binds a server; resolves with the port bound. Replaceable in tests, to play the kernel. */
export type Bind = (server: Server, port: number, address: string) => Promise<number>;

export const bind: Bind = (server, port, address) =>
  new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(port, address, () => {
      server.off("error", onError);
      const bound = server.address();
      resolve(typeof bound === "object" && bound ? bound.port : port);
    });
  });

export interface ListenOptions {
  address: string;
  /** Given: exactly this port. Absent: `privileged`, else `fallback`. */
  port?: number;
  privileged: number;
  fallback: number;
  /** "HTTP" or "HTTPS", for messages. */
  what: string;
  log(line: string): void;
  bind?: Bind;
}

// #region listenWithFallback
export async function listenWithFallback(server: Server, options: ListenOptions): Promise<number> {
  const doBind = options.bind ?? bind;
  const attempt = async (port: number) => {
    try {
      return await doBind(server, port, options.address);
    } catch (error) {
      throw explain(error, options.address, port, options.what);
    }
  };
  if (options.port !== undefined) return attempt(options.port);
  try {
    return await doBind(server, options.privileged, options.address);
  } catch (error) {
    if (codeOf(error) !== "EACCES")
      throw explain(error, options.address, options.privileged, options.what);
    options.log(
      `[ingress] ${options.what}: port ${options.privileged} needs root or ` +
        `sysctl net.ipv4.ip_unprivileged_port_start=${options.privileged}; ` +
        `serving on ${options.address}:${options.fallback} instead`,
    );
    return attempt(options.fallback);
  }
}
// #endregion listenWithFallback

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function explain(error: unknown, address: string, port: number, what: string): ListenError {
  const where = `${address}:${port}`;
  switch (codeOf(error)) {
    case "EADDRNOTAVAIL":
      return new ListenError(
        `${what}: cannot listen on ${where}: this machine has no address ${address}. Linux routes ` +
          "all of 127.0.0.0/8 to loopback; elsewhere, add it first (macOS: sudo ifconfig lo0 alias " +
          `${address}) or choose another address`,
        address,
        port,
        { cause: error },
      );
    case "EADDRINUSE":
      return new ListenError(
        `${what}: ${where} is already in use by another process`,
        address,
        port,
        {
          cause: error,
        },
      );
    case "EACCES":
      return new ListenError(
        `${what}: port ${port} needs root or sysctl net.ipv4.ip_unprivileged_port_start=${port}`,
        address,
        port,
        { cause: error },
      );
    default:
      return new ListenError(
        `${what}: cannot listen on ${where}: ${String(error)}`,
        address,
        port,
        {
          cause: error,
        },
      );
  }
}
