/**
 * One UDP socket of the userspace proxy — kube-proxy's userspace udpProxySocket
 * (pkg/proxy/userspace/proxysocket.go): UDP has no connections, so the proxy keeps a "flow" per
 * client address and port, each with its own socket connected to the endpoint chosen for it.
 *
 * Guarantees:
 * - A client's first datagram picks an endpoint (round-robin, or its affinity); its later
 *   datagrams follow it there, and the endpoint's replies go back to that client from the
 *   Service address, as if the Service had answered.
 * - A flow quiet in both directions for the idle timeout (--udp-timeout, 250 ms by default) is
 *   closed, on the injected clock; the next datagram starts a new flow.
 * - With no endpoints a datagram is dropped and counted (iptables mode would answer ICMP port
 *   unreachable, which a userspace socket cannot send).
 * - An endpoint that refuses (ICMP port unreachable on the flow's connected socket) closes that
 *   flow only.
 * - `close()` stops the socket and every flow; `closeEndpointsNotIn(live)` closes the flows
 *   whose endpoint left the Service, as kube-proxy clears their conntrack entries.
 */
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import type { Clock, Timer } from "../../util/clock.ts";
import { type ProxyTarget, splitHostPort } from "./counters.ts";

/** KubeProxyConfiguration udpIdleTimeout's default. */
export const DEFAULT_UDP_IDLE_TIMEOUT_MS = 250;
/** Datagrams held per flow while its socket connects; more are dropped. */
const MAX_PENDING_DATAGRAMS = 64;

interface Flow {
  client: RemoteInfo;
  endpoint: string;
  backend: Socket;
  /** Datagrams waiting for the connect; null once connected. */
  pending: Buffer[] | null;
  lastActiveMs: number;
  timer: Timer;
}

export interface UdpProxySocketOptions {
  address: string;
  port: number;
  target: ProxyTarget;
  clock: Clock;
  idleTimeoutMs?: number;
}

export class UdpProxySocket {
  private readonly socket: Socket;
  /** Flows by client "address:port". */
  private readonly flows = new Map<string, Flow>();
  private readonly idleTimeoutMs: number;
  private bound = false;

  constructor(private readonly options: UdpProxySocketOptions) {
    this.idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_UDP_IDLE_TIMEOUT_MS;
    this.socket = createSocket("udp4");
    this.socket.on("message", (message, client) => this.receive(message, client));
    // Errors on the shared socket (a send to a vanished client) must not stop it.
    this.socket.on("error", () => {});
  }

  /** "address:port" as configured (port 0 until bound picks one: see `boundPort`). */
  get address(): string {
    return `${this.options.address}:${this.options.port}`;
  }

  /** The port actually bound. */
  get boundPort(): number {
    return this.bound ? this.socket.address().port : this.options.port;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => reject(error);
      this.socket.once("error", failed);
      this.socket.bind(this.options.port, this.options.address, () => {
        this.socket.off("error", failed);
        this.bound = true;
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    for (const flow of [...this.flows.values()]) this.closeFlow(flow);
    if (this.bound) {
      this.bound = false;
      await new Promise<void>((resolve) => this.socket.close(() => resolve()));
      return;
    }
    try {
      this.socket.close();
    } catch {
      // Closed already (a failed bind can close it): nothing left to release.
    }
  }

  closeEndpointsNotIn(live: ReadonlySet<string>): number {
    let closed = 0;
    for (const flow of [...this.flows.values()]) {
      if (live.has(flow.endpoint)) continue;
      this.closeFlow(flow);
      closed++;
    }
    this.options.target.counters.closedEndpointGone += closed;
    return closed;
  }

  /** Flows open now. */
  get flowCount(): number {
    return this.flows.size;
  }

  // #region receive
  private receive(message: Buffer, client: RemoteInfo): void {
    const { target, clock } = this.options;
    target.counters.datagramsIn++;
    const clientKey = `${client.address}:${client.port}`;
    let flow = this.flows.get(clientKey);
    if (!flow) {
      const endpoint = target.nextEndpoint(client.address, false);
      if (endpoint === undefined) {
        target.counters.noEndpoints++;
        target.refused("UDP", this.address);
        return;
      }
      flow = this.openFlow(clientKey, client, endpoint);
    }
    flow.lastActiveMs = clock.now();
    target.counters.bytesIn += message.length;
    if (flow.pending) {
      if (flow.pending.length < MAX_PENDING_DATAGRAMS) flow.pending.push(message);
    } else {
      flow.backend.send(message);
    }
  }
  // #endregion receive

  private openFlow(clientKey: string, client: RemoteInfo, endpoint: string): Flow {
    const { target, clock } = this.options;
    const { host, port } = splitHostPort(endpoint);
    const backend = createSocket("udp4");
    const flow: Flow = {
      client,
      endpoint,
      backend,
      pending: [],
      lastActiveMs: clock.now(),
      timer: clock.setTimeout(() => this.checkIdle(flow), this.idleTimeoutMs),
    };
    this.flows.set(clientKey, flow);
    target.counters.connections++;
    target.counters.active++;
    target.counters.byEndpoint[endpoint] = (target.counters.byEndpoint[endpoint] ?? 0) + 1;
    backend.on("message", (reply) => {
      flow.lastActiveMs = clock.now();
      target.counters.datagramsOut++;
      target.counters.bytesOut += reply.length;
      this.socket.send(reply, client.port, client.address);
    });
    // ECONNREFUSED (the endpoint's port is closed) and the like: this flow is done.
    backend.on("error", () => this.closeFlow(flow));
    backend.connect(port, host, () => {
      const pending = flow.pending ?? [];
      flow.pending = null;
      for (const message of pending) backend.send(message);
    });
    return flow;
  }

  /** The flow's timer fired: close it if it has been quiet long enough, else wait the rest. */
  private checkIdle(flow: Flow): void {
    if (this.flows.get(`${flow.client.address}:${flow.client.port}`) !== flow) return;
    const quietMs = this.options.clock.now() - flow.lastActiveMs;
    if (quietMs >= this.idleTimeoutMs) this.closeFlow(flow);
    else
      flow.timer = this.options.clock.setTimeout(
        () => this.checkIdle(flow),
        this.idleTimeoutMs - quietMs,
      );
  }

  private closeFlow(flow: Flow): void {
    const key = `${flow.client.address}:${flow.client.port}`;
    if (this.flows.get(key) !== flow) return;
    this.flows.delete(key);
    flow.timer.cancel();
    this.options.target.counters.active--;
    try {
      flow.backend.close();
    } catch {
      // Already closed by an error: nothing left to release.
    }
  }
}
