/**
 * What the userspace proxy counts per Service port — for tests, the chapter's narration and the
 * benchmark. Counting costs an increment per connection or datagram, never work per TCP chunk:
 * TCP bytes are read off the socket (bytesRead, bytesWritten) when it closes.
 */
export interface ServicePortCounters {
  /** TCP connections accepted, or UDP flows (client address:port) opened. */
  connections: number;
  /** Connections or flows open now. */
  active: number;
  /** New connections per endpoint ("ip:port"). */
  byEndpoint: Record<string, number>;
  /** Refused for want of endpoints: a TCP connection reset at once, a UDP datagram dropped. */
  noEndpoints: number;
  /** Connection attempts to an endpoint that failed (the proxy then tries the next one). */
  dialFailures: number;
  /** Connections or flows closed because their endpoint left the Service. */
  closedEndpointGone: number;
  /** Client to endpoint and back; TCP counted as each connection closes. */
  bytesIn: number;
  bytesOut: number;
  datagramsIn: number;
  datagramsOut: number;
}

export function newCounters(): ServicePortCounters {
  return {
    connections: 0,
    active: 0,
    byEndpoint: {},
    noEndpoints: 0,
    dialFailures: 0,
    closedEndpointGone: 0,
    bytesIn: 0,
    bytesOut: 0,
    datagramsIn: 0,
    datagramsOut: 0,
  };
}

/** What a proxy socket needs from its Service port: where to send, what to count, whom to tell. */
export interface ProxyTarget {
  /** The balancer key to ask for endpoints. */
  readonly key: string;
  /** "ns/name:port", for log lines. */
  readonly name: string;
  readonly counters: ServicePortCounters;
  nextEndpoint(clientIP: string, reset: boolean): string | undefined;
  /** A client was refused for want of endpoints (the target logs the first of a run). */
  refused(protocol: "TCP" | "UDP", address: string): void;
}

/** "ip:port" → host and port (IPv4 only: IPv6 would come bracketed). */
export function splitHostPort(hostPort: string): { host: string; port: number } {
  const colon = hostPort.lastIndexOf(":");
  return { host: hostPort.slice(0, colon), port: Number(hostPort.slice(colon + 1)) };
}
