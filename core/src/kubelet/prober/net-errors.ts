/**
 * Node's socket errors in the words of Go's net package — what Kubernetes' TCP and HTTP probes put
 * into events, so `kubectl describe pod` reads as it does against a real kubelet:
 * "dial tcp 10.244.1.7:8080: connect: connection refused", "dial tcp 10.244.1.7:8080: i/o timeout".
 * Go adds the local address to read errors ("read tcp 10.0.0.1:5678->10.244.1.7:80: ..."); these
 * name only the remote one.
 */

/** net.JoinHostPort: an IPv6 address goes in brackets. */
export const joinHostPort = (host: string, port: number): string =>
  host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;

/** What syscall errno means, as Go's syscall package prints it (Linux). */
const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by peer",
  EHOSTUNREACH: "no route to host",
  ENETUNREACH: "network is unreachable",
  EADDRNOTAVAIL: "cannot assign requested address",
  ETIMEDOUT: "connection timed out",
};

/** A failed connect, as Go's net.Dial reports it. */
export function dialError(error: unknown, hostPort: string): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code === "ENOTFOUND")
    return `dial tcp: lookup ${hostPort.replace(/:\d+$/, "")}: no such host`;
  const text = (code && ERRNO_TEXT[code]) ?? message;
  return `dial tcp ${hostPort}: connect: ${text}`;
}

/** A dial that ran out of time (net.Dialer's Timeout). */
export const dialTimeout = (hostPort: string): string => `dial tcp ${hostPort}: i/o timeout`;

/**
 * An error on a connection after it was made, as Go's HTTP client reports it: the peer closing
 * before it answered is "EOF" (Node: "socket hang up").
 */
export function readError(error: unknown, hostPort: string): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (message === "socket hang up") return "EOF";
  const text = (code && ERRNO_TEXT[code]) ?? message;
  return `read tcp ${hostPort}: read: ${text}`;
}
