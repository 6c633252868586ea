/**
 * Choosing an endpoint for each new connection: round-robin, with ClientIP session affinity —
 * the load balancer of kube-proxy's userspace mode (pkg/proxy/userspace/roundrobin.go,
 * LoadBalancerRR), keyed by any string (a Service port, or its NodePort side).
 *
 * Guarantees:
 * - Without affinity, n endpoints are taken in turn: n connections reach n different endpoints.
 * - When the set of endpoints changes, the list is shuffled and the turn starts over (so that
 *   many proxies given the same list do not all start at the same endpoint); the same set again
 *   changes nothing.
 * - With ClientIP affinity, a client IP goes back to the endpoint it last used while it keeps
 *   coming at least once every `ttlSeconds` (each use refreshes the timer, as iptables'
 *   `-m recent --set` does). Time is the injected clock's, counted in whole seconds as Go's
 *   int(time.Since(lastUsed).Seconds()): with a 10 s timeout, a client back after 9.9 s sticks,
 *   after 10.0 s it is assigned afresh.
 * - `reset` (the endpoint just chosen refused the connection) skips the affinity check, so the
 *   retry goes to the next endpoint in turn and becomes the client's new affinity.
 * - An endpoint that leaves the set takes its affinity records with it.
 */
import type { Clock } from "../../util/clock.ts";
import type { SessionAffinity } from "../service-port.ts";

interface AffinityRecord {
  endpoint: string;
  lastUsedMs: number;
}

interface BalancerState {
  /** "ip:port" strings, in the (shuffled) order of turns. */
  endpoints: string[];
  /** The next turn: an index into `endpoints`. */
  index: number;
  affinity: SessionAffinity;
  ttlSeconds: number;
  /** Client IP → its endpoint; only with ClientIP affinity. */
  clients: Map<string, AffinityRecord>;
}

export interface RoundRobinOptions {
  clock: Clock;
  /** For the shuffle; Math.random by default. */
  random?: () => number;
}

// #region EndpointSelector
/** What a lab implements: the endpoint choice, given endpoints and affinity settings. */
export interface EndpointSelector {
  setAffinity(key: string, affinity: SessionAffinity, ttlSeconds: number): void;
  setEndpoints(key: string, endpoints: readonly string[]): void;
  deleteService(key: string): void;
  /** The endpoint for a new connection from `clientIP`; undefined when there is none. */
  nextEndpoint(key: string, clientIP: string, reset: boolean): string | undefined;
  hasEndpoints(key: string): boolean;
  /** Forgets affinity records older than the timeout; returns how many went. */
  cleanupStaleStickySessions(): number;
}
// #endregion EndpointSelector

export class RoundRobinBalancer implements EndpointSelector {
  private readonly services = new Map<string, BalancerState>();
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(options: RoundRobinOptions) {
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
  }

  /** NewService: the affinity a key uses; changing it forgets every client's record. */
  setAffinity(key: string, affinity: SessionAffinity, ttlSeconds: number): void {
    const state = this.stateFor(key);
    if (state.affinity !== affinity || state.ttlSeconds !== ttlSeconds) state.clients.clear();
    state.affinity = affinity;
    state.ttlSeconds = ttlSeconds;
  }

  // #region setEndpoints
  /** OnEndpointsUpdate for one key: a new set reshuffles and restarts the turns. */
  setEndpoints(key: string, endpoints: readonly string[]): void {
    const state = this.stateFor(key);
    const next = new Set(endpoints);
    const same =
      next.size === state.endpoints.length && state.endpoints.every((ep) => next.has(ep));
    if (same) return;
    for (const [client, record] of state.clients) {
      if (!next.has(record.endpoint)) state.clients.delete(client);
    }
    state.endpoints = this.shuffle([...next]);
    state.index = 0;
  }
  // #endregion setEndpoints

  deleteService(key: string): void {
    this.services.delete(key);
  }

  hasEndpoints(key: string): boolean {
    return (this.services.get(key)?.endpoints.length ?? 0) > 0;
  }

  // #region nextEndpoint
  nextEndpoint(key: string, clientIP: string, reset: boolean): string | undefined {
    const state = this.services.get(key);
    if (!state || state.endpoints.length === 0) return undefined;
    const now = this.clock.now();
    const sticky = state.affinity === "ClientIP";
    if (sticky && !reset) {
      const record = state.clients.get(clientIP);
      if (record && this.fresh(record, state, now)) {
        record.lastUsedMs = now;
        return record.endpoint;
      }
    }
    const endpoint = state.endpoints[state.index] as string;
    state.index = (state.index + 1) % state.endpoints.length;
    if (sticky) state.clients.set(clientIP, { endpoint, lastUsedMs: now });
    return endpoint;
  }
  // #endregion nextEndpoint

  cleanupStaleStickySessions(): number {
    const now = this.clock.now();
    let removed = 0;
    for (const state of this.services.values()) {
      for (const [client, record] of state.clients) {
        if (!this.fresh(record, state, now)) {
          state.clients.delete(client);
          removed++;
        }
      }
    }
    return removed;
  }

  // #region fresh
  /** Used within the timeout, counted in whole seconds (int(time.Since(lastUsed).Seconds())). */
  private fresh(record: AffinityRecord, state: BalancerState, now: number): boolean {
    return Math.trunc((now - record.lastUsedMs) / 1000) < state.ttlSeconds;
  }
  // #endregion fresh

  private stateFor(key: string): BalancerState {
    let state = this.services.get(key);
    if (!state) {
      state = { endpoints: [], index: 0, affinity: "None", ttlSeconds: 0, clients: new Map() };
      this.services.set(key, state);
    }
    return state;
  }

  /** Fisher–Yates, as Kubernetes' slice.ShuffleStrings. */
  private shuffle(list: string[]): string[] {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [list[i], list[j]] = [list[j] as string, list[i] as string];
    }
    return list;
  }
}
