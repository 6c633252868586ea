/**
 * kube-proxy's userspace mode, on tinykube's loopback network: for every Service port a socket on
 * its cluster IP (and, for a NodePort, on this node's address), each connection or UDP flow sent
 * on to an endpoint — pkg/proxy/userspace/proxier.go, minus the iptables redirect it needed.
 * Linux routes all of 127.0.0.0/8 to the loopback interface, so the proxy binds the Service
 * address itself, without root.
 *
 * Guarantees:
 * - `sync` touches only the Services named in the update (all of them on the first sync):
 *   sockets open for new ports, move for ports whose address changed, and close for ports gone.
 * - Cluster-IP traffic goes to the endpoints of the port's internal traffic policy. NodePort
 *   traffic goes to all usable endpoints: every client here is on this node, and iptables mode
 *   sends node-local traffic to a Local-policy NodePort cluster-wide too (its "route LOCAL
 *   traffic" rule).
 * - Connections and flows whose endpoint is no longer listed in any slice are closed; an
 *   endpoint still listed but terminating keeps its connections (they drain) and gets no new
 *   ones while a ready endpoint exists.
 * - A refusal for want of endpoints is logged once per run of refusals, not per connection.
 * - A port that cannot be bound (EADDRINUSE, EACCES below 1024 without privilege, an address
 *   this machine lacks) is logged with the reason when the reason changes, reported to
 *   `onBindFailure` at every failed attempt, and retried on every sync.
 */
import type { Clock } from "../../util/clock.ts";
import { categorizeEndpoints } from "../categorize.ts";
import type { ServicePortInfo } from "../service-port.ts";
import type { ProxyState } from "../state.ts";
import { newCounters, type ProxyTarget, type ServicePortCounters } from "./counters.ts";
import { RoundRobinBalancer } from "./round-robin.ts";
import { TcpProxySocket } from "./tcp-proxy.ts";
import { UdpProxySocket } from "./udp-proxy.ts";

type ProxySocket = TcpProxySocket | UdpProxySocket;

export interface UserspaceProxierOptions {
  /** This node's address: NodePorts listen here. */
  nodeAddress: string;
  /**
   * Bind the Services' cluster IPs (default true). Every node of a one-machine cluster shares
   * the loopback interface, so only one kube-proxy per machine can hold a cluster IP's port; the
   * others serve their own NodePorts only. (In a real cluster each node's kernel has its own
   * rules, and every node answers for every cluster IP.)
   */
  serveClusterIPs?: boolean;
  clock: Clock;
  log: (line: string) => void;
  /** --udp-timeout (250 ms). */
  udpIdleTimeoutMs?: number;
  /** For the balancer's shuffle. */
  random?: () => number;
  /** Told of every failed bind (kube-proxy turns it into a Warning event on its Node). */
  onBindFailure?: (failure: BindFailure) => void;
}

/** A socket kube-proxy could not open, in the terms of Kubernetes' netutils.LocalPort. */
export interface BindFailure {
  /** What the port is for: "clusterIP for default/web:http", "nodePort for default/web:http". */
  description: string;
  address: string;
  port: number;
  protocol: "TCP" | "UDP";
  /** The error as Go's net package words it: "listen tcp 127.96.0.1:443: bind: permission denied". */
  error: string;
}

interface PortEntry {
  info: ServicePortInfo;
  counters: ServicePortCounters;
  /** Bound sockets; a socket that failed to bind is not here, and is retried. */
  sockets: ProxySocket[];
  /** Bind failures by address, so each is logged once until it changes. */
  bindErrors: Map<string, string>;
  /** A refusal has been logged since the port last had endpoints. */
  refusing: boolean;
}

export class UserspaceProxier {
  readonly balancer: RoundRobinBalancer;
  /** Service port key → its sockets and counters. */
  private readonly ports = new Map<string, PortEntry>();
  /** "ns/name" → its port keys in `ports`. */
  private readonly portsByService = new Map<string, Set<string>>();
  private synced = false;

  constructor(private readonly options: UserspaceProxierOptions) {
    this.balancer = new RoundRobinBalancer({ clock: options.clock, random: options.random });
  }

  // #region sync
  /**
   * 1. For each Service to look at (all on the first sync): close the ports it no longer has.
   * 2. For each port it has: (re)open its sockets if new or moved, set its affinity.
   * 3. Give the balancer the port's usable endpoints; close connections to endpoints gone.
   * 4. Retry binding ports that failed before; forget stale affinity records.
   */
  async sync(state: ProxyState, updatedServices: ReadonlySet<string>): Promise<void> {
    const services = this.synced
      ? updatedServices
      : new Set([...state.servicePorts.values()].map((info) => info.serviceKey));
    this.synced = true;
    for (const serviceKey of services) {
      const ports = state.portsOfService(serviceKey);
      const keep = new Set(ports.map((info) => info.key));
      for (const key of this.portsByService.get(serviceKey) ?? []) {
        if (!keep.has(key)) await this.removePort(key);
      }
      for (const info of ports) {
        const entry = await this.ensurePort(info);
        this.updateEndpoints(entry, state);
      }
    }
    for (const entry of this.ports.values()) {
      if (entry.bindErrors.size > 0) await this.openSockets(entry);
    }
    this.balancer.cleanupStaleStickySessions();
  }
  // #endregion sync

  /** The counters of a Service port, by "ns/name:port" (or "ns/name" for an unnamed port). */
  counters(name: string, protocol: "TCP" | "UDP" = "TCP"): ServicePortCounters | undefined {
    return this.ports.get(`${name}/${protocol}`)?.counters;
  }

  /** Every port's counters, by Service port key. */
  allCounters(): Map<string, ServicePortCounters> {
    return new Map([...this.ports].map(([key, entry]) => [key, entry.counters]));
  }

  async stop(): Promise<void> {
    for (const key of [...this.ports.keys()]) await this.removePort(key);
  }

  private async ensurePort(info: ServicePortInfo): Promise<PortEntry> {
    let entry = this.ports.get(info.key);
    if (entry && !sameAddresses(entry.info, info)) {
      await this.removePort(info.key);
      entry = undefined;
    }
    if (!entry) {
      entry = {
        info,
        counters: newCounters(),
        sockets: [],
        bindErrors: new Map(),
        refusing: false,
      };
      this.ports.set(info.key, entry);
      const keys = this.portsByService.get(info.serviceKey) ?? new Set<string>();
      this.portsByService.set(info.serviceKey, keys);
      keys.add(info.key);
      await this.openSockets(entry);
    }
    entry.info = info;
    this.balancer.setAffinity(info.key, info.sessionAffinity, info.stickyMaxAgeSeconds);
    this.balancer.setAffinity(nodePortKey(info), info.sessionAffinity, info.stickyMaxAgeSeconds);
    return entry;
  }

  // #region updateEndpoints
  private updateEndpoints(entry: PortEntry, state: ProxyState): void {
    const { info } = entry;
    const all = state.endpoints.get(info.key) ?? [];
    const { clusterEndpoints, localEndpoints } = categorizeEndpoints(all, info);
    const internal = info.internalPolicyLocal ? localEndpoints : clusterEndpoints;
    this.balancer.setEndpoints(
      info.key,
      internal.map((ep) => ep.hostPort),
    );
    if (info.nodePort !== 0) {
      this.balancer.setEndpoints(
        nodePortKey(info),
        clusterEndpoints.map((ep) => ep.hostPort),
      );
    }
    if (internal.length > 0) entry.refusing = false;
    const listed = new Set(all.map((ep) => ep.hostPort));
    let closed = 0;
    for (const socket of entry.sockets) closed += socket.closeEndpointsNotIn(listed);
    if (closed > 0) {
      this.options.log(
        `[kube-proxy] ${info.nameString}: closed ${closed} connection(s) to endpoints that left the Service`,
      );
    }
  }
  // #endregion updateEndpoints

  /** Opens the sockets of a port that are not open yet: cluster IP, then NodePort. */
  private async openSockets(entry: PortEntry): Promise<void> {
    const { info } = entry;
    if (info.protocol === "SCTP") {
      if (!entry.bindErrors.has("sctp")) {
        this.options.log(`[kube-proxy] ${info.nameString}: SCTP is not proxied in userspace mode`);
      }
      entry.bindErrors.set("sctp", "SCTP");
      return;
    }
    const wanted: { address: string; port: number; key: string; description: string }[] = [];
    if (this.options.serveClusterIPs !== false) {
      wanted.push({
        address: info.clusterIP,
        port: info.port,
        key: info.key,
        description: `clusterIP for ${info.nameString}`,
      });
    }
    if (info.nodePort !== 0) {
      wanted.push({
        address: this.options.nodeAddress,
        port: info.nodePort,
        key: nodePortKey(info),
        description: `nodePort for ${info.nameString}`,
      });
    }
    for (const { address, port, key, description } of wanted) {
      const where = `${address}:${port}`;
      if (entry.sockets.some((s) => s.address === where)) continue;
      const target = this.targetFor(entry, key);
      const socket =
        info.protocol === "UDP"
          ? new UdpProxySocket({
              address,
              port,
              target,
              clock: this.options.clock,
              idleTimeoutMs: this.options.udpIdleTimeoutMs,
            })
          : new TcpProxySocket({ address, port, target, clock: this.options.clock });
      try {
        await socket.listen();
        entry.sockets.push(socket);
        if (entry.bindErrors.delete(where)) {
          this.options.log(
            `[kube-proxy] ${info.nameString}: now listening on ${where}/${info.protocol}`,
          );
        }
      } catch (error) {
        await socket.close();
        const reason = bindFailure(error, port);
        if (entry.bindErrors.get(where) !== reason) {
          this.options.log(
            `[kube-proxy] ${info.nameString}: cannot listen on ${where}/${info.protocol}: ${reason}; retrying at each sync`,
          );
        }
        entry.bindErrors.set(where, reason);
        this.options.onBindFailure?.({
          description,
          address,
          port,
          protocol: info.protocol,
          error: goListenError(error, info.protocol, where),
        });
      }
    }
  }

  private targetFor(entry: PortEntry, key: string): ProxyTarget {
    return {
      key,
      name: entry.info.nameString,
      counters: entry.counters,
      nextEndpoint: (clientIP, reset) => this.balancer.nextEndpoint(key, clientIP, reset),
      refused: (protocol, address) => {
        if (entry.refusing) return;
        entry.refusing = true;
        this.options.log(
          `[kube-proxy] ${entry.info.nameString} has no endpoints: refusing ${protocol} clients of ${address}` +
            (protocol === "TCP" ? " (reset)" : " (datagrams dropped)"),
        );
      },
    };
  }

  private async removePort(key: string): Promise<void> {
    const entry = this.ports.get(key);
    if (!entry) return;
    this.ports.delete(key);
    const keys = this.portsByService.get(entry.info.serviceKey);
    keys?.delete(key);
    if (keys?.size === 0) this.portsByService.delete(entry.info.serviceKey);
    this.balancer.deleteService(key);
    this.balancer.deleteService(nodePortKey(entry.info));
    await Promise.all(entry.sockets.map((socket) => socket.close()));
  }
}

/** The balancer key of a port's NodePort side (its endpoint list may differ, see above). */
function nodePortKey(info: ServicePortInfo): string {
  return `${info.key}|nodePort`;
}

/** Same sockets needed: protocol, cluster IP, port and NodePort unchanged. */
function sameAddresses(a: ServicePortInfo, b: ServicePortInfo): boolean {
  return (
    a.protocol === b.protocol &&
    a.clusterIP === b.clusterIP &&
    a.port === b.port &&
    a.nodePort === b.nodePort
  );
}

/** Go's words for the errors a bind meets (syscall's errors table). */
const GO_ERRNO_TEXT: Record<string, string> = {
  EACCES: "permission denied",
  EADDRINUSE: "address already in use",
  EADDRNOTAVAIL: "cannot assign requested address",
};

/** A failed bind as Go's net.Listen reports it: "listen tcp 127.96.0.1:443: bind: permission denied". */
function goListenError(error: unknown, protocol: "TCP" | "UDP", where: string): string {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  const text = GO_ERRNO_TEXT[code] ?? (error as Error).message ?? String(error);
  return `listen ${protocol.toLowerCase()} ${where}: bind: ${text}`;
}

/** A bind error, with what to do about the usual ones. */
function bindFailure(error: unknown, port: number): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EACCES" && port < 1024) {
    return `EACCES: ports below 1024 need root or sysctl net.ipv4.ip_unprivileged_port_start=0`;
  }
  if (code === "EADDRINUSE") return "EADDRINUSE: another process holds this address and port";
  if (code === "EADDRNOTAVAIL") {
    return "EADDRNOTAVAIL: this machine has no such address (tinykube's Service range is 127.96.0.0/12, on loopback)";
  }
  return (error as Error).message ?? String(error);
}
