/**
 * Lab 7: which endpoint gets the next connection — the load balancer of kube-proxy's userspace
 * mode (pkg/proxy/userspace/roundrobin.go, LoadBalancerRR), which tinykube's kube-proxy asks once
 * for every connection it accepts on a Service's cluster IP or NodePort. Round-robin, with
 * ClientIP session affinity when the Service asks for it.
 *
 * One balancer serves many keys — one per Service port ("default/web:http/TCP"), and one per
 * NodePort side — each with its own state (BalancerState below):
 *
 *   endpoints   "ip:port" strings, in the order of turns
 *   index       the next turn, an index into endpoints
 *   affinity    "None" or "ClientIP", with ttlSeconds (sessionAffinityConfig.clientIP.timeoutSeconds)
 *   clients     client IP → { endpoint, lastUsedMs }; only ClientIP keeps records
 *
 * The rules:
 *   setAffinity(key, affinity, ttl)   store both; if either changed, forget every client record.
 *   setEndpoints(key, list)           the same set as now, in any order: change nothing (the turn
 *                                     goes on). A new set: drop the records whose endpoint left,
 *                                     shuffle the list (this.shuffle), start again at turn 0.
 *   nextEndpoint(key, ip, reset)      no endpoints (or an unknown key): undefined. With ClientIP and
 *                                     not reset, a fresh record of `ip`: its endpoint (and the
 *                                     record's time becomes now). Otherwise: the endpoint at the
 *                                     turn, the turn moves on (wrapping), and with ClientIP the
 *                                     client's record becomes that endpoint, now.
 *   fresh(record)                     used less than ttl whole seconds ago, as Go's
 *                                     int(time.Since(lastUsed).Seconds()) counts: 9.999 s is 9.
 *   cleanupStaleStickySessions()      delete every record that is not fresh; return how many.
 *
 * `reset` is true when the endpoint just chosen refused the connection: the retry must take the
 * next turn even if the client has a record, and that turn becomes its new record.
 *
 * Trace: endpoints [a, b, c] (the tests' randomness keeps the order), ClientIP, 10 s:
 *
 *   t = 0      next(1.1.1.1) → a    turn 0; record 1.1.1.1 → a at 0
 *   t = 0      next(2.2.2.2) → b    turn 1; record 2.2.2.2 → b at 0
 *   t = 9.9 s  next(1.1.1.1) → a    9 whole seconds < 10: it sticks; record now at 9.9 s
 *   t = 19.9 s next(1.1.1.1) → c    10 whole seconds: stale; turn 2; record 1.1.1.1 → c
 *   setEndpoints([b, c])            a new set: records of a go (none left), shuffle, turn 0
 *   t = 19.9 s next(2.2.2.2) → b    its record (b, at 0) is 19 s old: stale; turn 0 is b
 *
 * kube-proxy's iptables mode does the same job in the kernel, differently: a random choice per
 * connection (`-m statistic --mode random`) instead of turns, and `-m recent` lists instead of
 * the client records. Chapter 7's docs page explains both beside the core's code. Check your work
 * with `npm run lab -- check 7`; stuck? `npm run lab -- hint 7`.
 */
// biome-ignore-all lint/correctness/noUnusedPrivateClassMembers: the methods you write use them.
import type { SessionAffinity } from "@tinykube/core/proxy";
import type { EndpointSelector, RoundRobinOptions } from "@tinykube/core/proxy/round-robin";
import type { Clock } from "@tinykube/core/util";

interface AffinityRecord {
  endpoint: string;
  /** Clock time (ms) of the client's last connection through this record. */
  lastUsedMs: number;
}

interface BalancerState {
  /** "ip:port" strings, in the (shuffled) order of turns; no duplicates. */
  endpoints: string[];
  /** The next turn: an index into `endpoints` (0 when there are none). */
  index: number;
  affinity: SessionAffinity;
  ttlSeconds: number;
  /** Client IP → its endpoint; only with ClientIP affinity, and only endpoints in `endpoints`. */
  clients: Map<string, AffinityRecord>;
}

const todo = (method: string, detail: string) =>
  new Error(`RoundRobinBalancer.${method} is not implemented yet: ${detail}`);

export class RoundRobinBalancer implements EndpointSelector {
  private readonly services = new Map<string, BalancerState>();
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(options: RoundRobinOptions) {
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
  }

  /** The affinity a key uses; changing it (or its timeout) forgets every client's record. */
  setAffinity(key: string, affinity: SessionAffinity, ttlSeconds: number): void {
    throw todo(
      "setAffinity",
      `asked to set ${key} to ${affinity} for ${ttlSeconds} s. Take this.stateFor(key); if its ` +
        "affinity or ttlSeconds differ, clear its clients; then store both.",
    );
  }

  /** A key's endpoints: the same set changes nothing; a new set is shuffled and starts over. */
  setEndpoints(key: string, endpoints: readonly string[]): void {
    throw todo(
      "setEndpoints",
      `asked to give ${key} [${endpoints.join(", ")}]. Compare with stateFor(key).endpoints as ` +
        "sets; if they differ, delete the client records whose endpoint is not in the new set, " +
        "then endpoints = this.shuffle([...new Set(endpoints)]) and index = 0.",
    );
  }

  deleteService(key: string): void {
    this.services.delete(key);
  }

  hasEndpoints(key: string): boolean {
    return (this.services.get(key)?.endpoints.length ?? 0) > 0;
  }

  /** The endpoint for a new connection from `clientIP`; undefined when there is none. */
  nextEndpoint(key: string, clientIP: string, reset: boolean): string | undefined {
    throw todo(
      "nextEndpoint",
      `asked for ${key} by ${clientIP}${reset ? " after a refused dial (reset)" : ""}. No state ` +
        "or no endpoints: undefined. ClientIP, not reset, and a fresh record: refresh its time " +
        "and return its endpoint. Else take endpoints[index], move index on modulo the length, " +
        "and with ClientIP record the client → that endpoint at this.clock.now().",
    );
  }

  /** Forgets the records older than their key's timeout; returns how many went. */
  cleanupStaleStickySessions(): number {
    throw todo(
      "cleanupStaleStickySessions",
      `${this.services.size} key(s) to look through. For each state, delete the clients whose ` +
        "record is not fresh(record, state, now), and count them.",
    );
  }

  /**
   * Used within the timeout, in whole seconds: Math.trunc((now − lastUsedMs) / 1000) < ttl.
   * With 10 s, a client back after 9,999 ms sticks (9 < 10); after 10,000 ms it does not.
   */
  private fresh(record: AffinityRecord, state: BalancerState, now: number): boolean {
    throw todo(
      "fresh",
      `record ${record.endpoint} last used ${now - record.lastUsedMs} ms ago, timeout ` +
        `${state.ttlSeconds} s. Count whole seconds as Go's int(time.Since(t).Seconds()) does.`,
    );
  }

  /** A key's state, created empty (no endpoints, affinity None) the first time it is asked for. */
  private stateFor(key: string): BalancerState {
    let state = this.services.get(key);
    if (!state) {
      state = { endpoints: [], index: 0, affinity: "None", ttlSeconds: 0, clients: new Map() };
      this.services.set(key, state);
    }
    return state;
  }

  /**
   * Fisher–Yates with the injected randomness, as Kubernetes' slice.ShuffleStrings: many proxies
   * given the same list must not all start at the same endpoint. The tests pass a random() just
   * below 1, which swaps nothing, so the order of turns is the order given.
   */
  private shuffle(list: string[]): string[] {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [list[i], list[j]] = [list[j] as string, list[i] as string];
    }
    return list;
  }
}
