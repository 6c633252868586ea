/**
 * Lease bookkeeping for the embedded store: which leases exist, when each expires, which keys
 * hang on it. It decides nothing about keys itself: when a lease runs out it calls `onExpire`,
 * and the store deletes the keys in one transaction, so watchers see ordinary deletions.
 *
 * Expiry is a timer per lease on the injected clock; a keep-alive moves it. As in etcd, the
 * remaining time is not persisted: after a restart every lease gets its full TTL again, which can
 * only make a lease live longer than asked, never shorter.
 */
import type { Clock, Timer } from "../util/clock.ts";
import { InvalidRequestError, LeaseNotFoundError } from "./errors.ts";
import type { LeaseStatus } from "./types.ts";

interface Lease {
  id: string;
  ttl: number;
  expiresAt: number;
  keys: Set<string>;
  timer?: Timer;
}

/** etcd's upper bound for a lease TTL (MaxLeaseTTL, about 9 billion seconds). */
const MAX_TTL = 9_000_000_000;

export class Lessor {
  private readonly leases = new Map<string, Lease>();
  /** IDs are handed out in order and never reused. */
  nextId = 1;
  /** Timers run only between arm() and stop(): not while recovery replays grants. */
  private armed = false;

  constructor(
    private readonly clock: Clock,
    private readonly onExpire: (id: string) => void,
  ) {}

  static checkTtl(ttl: number): void {
    if (!Number.isInteger(ttl) || ttl <= 0 || ttl > MAX_TTL) {
      throw new InvalidRequestError(
        `lease TTL must be a whole number of seconds from 1 to ${MAX_TTL}, got ${ttl}`,
      );
    }
  }

  allocateId(): string {
    return String(this.nextId++);
  }

  grant(id: string, ttl: number): void {
    const lease: Lease = { id, ttl, expiresAt: 0, keys: new Set() };
    this.leases.set(id, lease);
    this.nextId = Math.max(this.nextId, Number(id) + 1);
    this.refresh(lease);
  }

  has(id: string): boolean {
    return this.leases.has(id);
  }

  keepAlive(id: string): number {
    const lease = this.get(id);
    this.refresh(lease);
    return lease.ttl;
  }

  /** Forgets the lease; returns the keys that were attached, for the store to delete. */
  remove(id: string): string[] {
    const lease = this.get(id);
    lease.timer?.cancel();
    this.leases.delete(id);
    return [...lease.keys].sort();
  }

  attach(id: string, key: string): void {
    this.leases.get(id)?.keys.add(key);
  }

  detach(id: string, key: string): void {
    this.leases.get(id)?.keys.delete(key);
  }

  status(id: string): LeaseStatus | undefined {
    const lease = this.leases.get(id);
    if (!lease) return undefined;
    const left = Math.max(0, Math.ceil((lease.expiresAt - this.clock.now()) / 1000));
    return { id, ttl: left, grantedTtl: lease.ttl, keys: [...lease.keys].sort() };
  }

  all(): { id: string; ttl: number }[] {
    return [...this.leases.values()].map(({ id, ttl }) => ({ id, ttl }));
  }

  /** Starts every lease's full TTL from now (after recovery: etcd's behaviour too). */
  arm(): void {
    this.armed = true;
    for (const lease of this.leases.values()) this.refresh(lease);
  }

  /** Stops every timer; nothing expires after this. */
  stop(): void {
    this.armed = false;
    for (const lease of this.leases.values()) lease.timer?.cancel();
  }

  private get(id: string): Lease {
    const lease = this.leases.get(id);
    if (!lease) throw new LeaseNotFoundError(id);
    return lease;
  }

  private refresh(lease: Lease): void {
    lease.timer?.cancel();
    lease.expiresAt = this.clock.now() + lease.ttl * 1000;
    if (!this.armed) return;
    lease.timer = this.clock.setTimeout(() => {
      if (this.leases.get(lease.id) === lease) this.onExpire(lease.id);
    }, lease.ttl * 1000);
  }
}
