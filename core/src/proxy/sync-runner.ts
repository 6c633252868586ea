/**
 * When kube-proxy syncs: as soon as something changed, but not too often, and at least now and
 * then — pkg/proxy/runner/bounded_frequency_runner.go, on the injected clock.
 *
 * Guarantees:
 * - `run()` asks for a sync as soon as possible; requests that arrive while a sync runs or
 *   while the runner cools down are coalesced into one sync.
 * - At least `minIntervalMs` (kube-proxy's --iptables-min-sync-period, 1 s) passes between the
 *   end of one sync and the start of the next, so a burst of 100 endpoint changes costs a few
 *   syncs, not 100.
 * - A sync happens at least every `maxIntervalMs` (--iptables-sync-period, 30 s) with no
 *   request; a failed sync is retried after `retryIntervalMs`, sooner if asked.
 * - Syncs never overlap; `stop()` waits for the one in progress.
 *
 * Trace, min 1 s: run() at 0 → sync 0–0.1 s; run() at 0.3 and 0.5 → one sync at 1.1 s.
 */
import type { Clock, Timer } from "../util/clock.ts";

export interface SyncRunnerOptions {
  clock: Clock;
  minIntervalMs: number;
  maxIntervalMs: number;
  retryIntervalMs: number;
  /** The sync; a rejection schedules a retry. */
  sync: () => Promise<void>;
  onError?: (error: unknown) => void;
}

export class SyncRunner {
  /** A sync was asked for and has not started yet. */
  private requested = false;
  /** The sync in progress, if any. */
  private running: Promise<void> | null = null;
  /** Before this time (clock ms) no sync may start. */
  private coolUntil = 0;
  private wakeTimer: Timer | null = null;
  private periodicTimer: Timer | null = null;
  private retryTimer: Timer | null = null;
  private stopped = false;

  constructor(private readonly options: SyncRunnerOptions) {}

  /** Starts the periodic sync; the first one waits for a request or the interval. */
  start(): void {
    this.armPeriodic();
  }

  /** Runs a sync as soon as allowed. */
  run(): void {
    if (this.stopped) return;
    this.requested = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of [this.wakeTimer, this.periodicTimer, this.retryTimer]) timer?.cancel();
    if (this.running) await this.running;
  }

  // #region schedule
  private schedule(): void {
    if (!this.requested || this.running || this.stopped) return;
    const wait = this.coolUntil - this.options.clock.now();
    if (wait > 0) {
      this.wakeTimer ??= this.options.clock.setTimeout(() => {
        this.wakeTimer = null;
        this.schedule();
      }, wait);
      return;
    }
    this.requested = false;
    this.running = this.execute().finally(() => {
      this.running = null;
      this.coolUntil = this.options.clock.now() + this.options.minIntervalMs;
      this.schedule();
    });
  }
  // #endregion schedule

  private async execute(): Promise<void> {
    this.periodicTimer?.cancel();
    try {
      await this.options.sync();
      this.retryTimer?.cancel();
      this.retryTimer = null;
    } catch (error) {
      this.options.onError?.(error);
      this.retryTimer?.cancel();
      this.retryTimer = this.options.clock.setTimeout(() => {
        this.retryTimer = null;
        this.run();
      }, this.options.retryIntervalMs);
    }
    this.armPeriodic();
  }

  private armPeriodic(): void {
    if (this.stopped) return;
    this.periodicTimer?.cancel();
    this.periodicTimer = this.options.clock.setTimeout(
      () => this.run(),
      this.options.maxIntervalMs,
    );
  }
}
