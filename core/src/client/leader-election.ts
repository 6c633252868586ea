/**
 * Leader election on a coordination.k8s.io Lease — client-go's tools/leaderelection. Several
 * copies of a component run for availability; only the one holding the lease acts.
 *
 * Guarantees:
 * - At most one candidate believes it leads at a time, provided clocks run at the same rate:
 *   a candidate takes the lease over only after it has watched the same record sit unrenewed for
 *   a whole lease duration on its own clock (it never compares its clock with the holder's
 *   renewTime), and a leader gives up after `renewDeadline`, which is shorter than the lease.
 * - Writes use the lease's resourceVersion, so two candidates racing for an expired lease cannot
 *   both win: one update gets 409 Conflict.
 * - `onStartedLeading` gets an AbortSignal that fires when leadership is lost or the elector is
 *   stopped; the component must stop acting then (the controller manager stops its controllers).
 * - On `stop()` a leader releases the lease (holder "" and a 1 s duration), so a standby takes
 *   over at its next retry instead of waiting out the lease — unless `releaseOnCancel` is false,
 *   which is what a crash looks like to the others.
 *
 * Defaults are kube-controller-manager's: lease 15 s, renew deadline 10 s, retry every 2 s.
 * Worked example: the leader dies at t=0 having renewed at t=-1. A standby polling every 2 s saw
 * that renewTime at about t=-1 and takes over at its first try after t=14: within about 16 s.
 */

import type { KubeObject } from "../api/object.ts";
import { microTime } from "../api/time.ts";
import { type Clock, realClock, type Timer } from "../util/clock.ts";
import { isConflict, isNotFound } from "./rest.ts";

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** What the elector needs of the API (a ResourceClient for leases in the lock's namespace has it). */
export interface LeaseClient {
  get(name: string): Promise<Lease>;
  create(lease: Lease): Promise<Lease>;
  update(lease: Lease): Promise<Lease>;
}

export interface LeaderElectionOptions {
  leases: LeaseClient;
  /** The lock: kube-system/kube-controller-manager. */
  name: string;
  /** Unique per candidate: Kubernetes uses "<hostname>_<uuid>". */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  /** Release the lease on stop (client-go's ReleaseOnCancel); default true. */
  releaseOnCancel?: boolean;
  onStartedLeading: (signal: AbortSignal) => void;
  onStoppedLeading?: () => void;
  /** Told when the observed holder changes (including to this candidate). */
  onNewLeader?: (identity: string) => void;
  log?: (line: string) => void;
}

/** client-go's JitterFactor: retries wait retryPeriod × (1 + up to 1.2), so candidates spread out. */
const JITTER_FACTOR = 1.2;

/** Lease times are metav1.MicroTime: RFC 3339 with microseconds. */
export { microTime };

export class LeaderElector {
  private readonly clock: Clock;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  /** The last record seen and when (on our clock) it was first seen in that state. */
  private observed: { holder: string; renewTime: string; at: number } | undefined;
  private reportedLeader = "";
  private leading: AbortController | undefined;
  private stopped = false;
  private timer: Timer | undefined;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: LeaderElectionOptions) {
    this.clock = options.clock ?? realClock;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    // client-go refuses the same inconsistent settings.
    if (this.leaseDurationMs <= this.renewDeadlineMs) {
      throw new Error(
        `leaseDuration (${this.leaseDurationMs} ms) must be greater than renewDeadline (${this.renewDeadlineMs} ms)`,
      );
    }
    if (this.renewDeadlineMs <= JITTER_FACTOR * this.retryPeriodMs) {
      throw new Error(
        `renewDeadline (${this.renewDeadlineMs} ms) must be greater than retryPeriod*JitterFactor (${JITTER_FACTOR * this.retryPeriodMs} ms)`,
      );
    }
  }

  isLeader(): boolean {
    return this.leading !== undefined;
  }

  /** Campaigns until stopped: acquire, lead while renewing, and campaign again if the lease is lost. */
  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.wake?.();
    await this.running;
  }

  // #region leaderLoop
  /**
   * 1. Acquire: try every retryPeriod (with jitter) until the lease is ours.
   * 2. Lead: call onStartedLeading; renew every retryPeriod. A renewal that has not succeeded
   *    within renewDeadline of the last success means the lease may be someone else's now.
   * 3. Lost (or stopped): abort the leader's signal, call onStoppedLeading; if stopped, release.
   */
  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (!(await this.tryAcquireOrRenew())) {
        await this.sleep(this.retryPeriodMs * (1 + Math.random() * JITTER_FACTOR));
        continue;
      }
      this.log(`became leader of ${this.options.name}`);
      this.leading = new AbortController();
      this.options.onStartedLeading(this.leading.signal);
      let lastRenew = this.clock.now();
      while (!this.stopped) {
        await this.sleep(this.retryPeriodMs);
        if (this.stopped) break;
        if (await this.tryAcquireOrRenew()) lastRenew = this.clock.now();
        else if (this.clock.now() - lastRenew >= this.renewDeadlineMs) break;
      }
      const signal = this.leading;
      this.leading = undefined;
      signal.abort();
      if (this.stopped && this.options.releaseOnCancel !== false) await this.release();
      else
        this.log(`lost the lease ${this.options.name}: no renewal for ${this.renewDeadlineMs} ms`);
      this.options.onStoppedLeading?.();
    }
  }
  // #endregion leaderLoop

  // #region tryAcquireOrRenew
  /** One attempt: create the lease, renew ours, or take over one that expired. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const me = this.options.identity;
    const leases = this.options.leases;
    let lease: Lease;
    try {
      lease = await leases.get(this.options.name);
    } catch (error) {
      if (!isNotFound(error)) return this.failed(error);
      try {
        await leases.create({
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: this.options.name },
          spec: this.record(now, undefined),
        });
        this.observe(me, microTime(now), now);
        return true;
      } catch (createError) {
        return this.failed(createError);
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? "";
    const renewTime = spec.renewTime ?? "";
    if (
      !this.observed ||
      this.observed.holder !== holder ||
      this.observed.renewTime !== renewTime
    ) {
      this.observe(holder, renewTime, now);
    }
    const observedAt = this.observed?.at ?? now;
    const leaseMs = (spec.leaseDurationSeconds ?? this.leaseDurationMs / 1000) * 1000;
    if (holder !== "" && holder !== me && observedAt + leaseMs > now) return false;
    try {
      const updated = await leases.update({ ...lease, spec: this.record(now, spec) });
      this.observe(me, updated.spec?.renewTime ?? microTime(now), now);
      return true;
    } catch (error) {
      return this.failed(error);
    }
  }
  // #endregion tryAcquireOrRenew

  /**
   * The lease as this candidate writes it over `current` (undefined when creating it): a renewal
   * keeps acquireTime and the transition count; a takeover restarts one and bumps the other.
   */
  private record(now: number, current: LeaseSpec | undefined): LeaseSpec {
    const time = microTime(now);
    const renewing = current?.holderIdentity === this.options.identity;
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.round(this.leaseDurationMs / 1000),
      acquireTime: renewing ? (current?.acquireTime ?? time) : time,
      renewTime: time,
      leaseTransitions:
        current === undefined ? 0 : (current.leaseTransitions ?? 0) + (renewing ? 0 : 1),
    };
  }

  private observe(holder: string, renewTime: string, at: number): void {
    this.observed = { holder, renewTime, at };
    if (holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      if (holder) this.options.onNewLeader?.(holder);
    }
  }

  private failed(error: unknown): false {
    // A conflict is the expected outcome of a race for the lease; anything else is worth a line.
    if (!isConflict(error))
      this.log(
        `error on lease ${this.options.name}: ${error instanceof Error ? error.message : error}`,
      );
    return false;
  }

  /** Hands the lease back so a standby need not wait for it to expire. */
  private async release(): Promise<void> {
    try {
      const lease = await this.options.leases.get(this.options.name);
      if (lease.spec?.holderIdentity !== this.options.identity) return;
      const now = microTime(this.clock.now());
      await this.options.leases.update({
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: "",
          leaseDurationSeconds: 1,
          renewTime: now,
          acquireTime: now,
        },
      });
      this.log(`released the lease ${this.options.name}`);
    } catch (error) {
      this.failed(error);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
      this.timer = this.clock.setTimeout(() => this.wake?.(), ms);
    });
  }

  private log(line: string): void {
    this.options.log?.(`[leader-election ${this.options.identity}] ${line}`);
  }
}
