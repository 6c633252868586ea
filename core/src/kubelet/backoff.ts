/**
 * The restart back-off behind CrashLoopBackOff — client-go's flowcontrol.Backoff as the kubelet
 * uses it (kuberuntime_manager.go doBackOff), keyed per pod and container.
 *
 * A container that exited may start again when `now - finishedAt` is at least its current
 * back-off; each start doubles the back-off for the next, from 10 s up to 300 s (kubelet.go:
 * backOffPeriod, MaxContainerBackOff). A key untouched for twice the maximum starts over.
 *
 * Trace, a container that crashes 2 s after each start: exits at t=2 → no entry, starts at once
 * (back-off now 10 s); exits at t=4 → in back-off until t=14, starts (now 20 s); exits at t=16 →
 * waits until t=36 (now 40 s); ... and never more than 300 s apart.
 */

// #region crashLoopBackoff
/** kubelet.go backOffPeriod. */
export const INITIAL_BACKOFF_MS = 10_000;
/** kubelet.go MaxContainerBackOff. */
export const MAX_BACKOFF_MS = 300_000;

export class Backoff {
  /** Per key: the current back-off and when it was last moved on. */
  private readonly entries = new Map<string, { backoffMs: number; lastUpdate: number }>();

  constructor(
    private readonly initialMs = INITIAL_BACKOFF_MS,
    private readonly maxMs = MAX_BACKOFF_MS,
  ) {}

  /** How much longer a start must wait after an exit at `eventTime`; 0 when it may start. */
  remaining(key: string, eventTime: number, now: number): number {
    const entry = this.entries.get(key);
    if (!entry || this.expired(entry, now)) return 0;
    return Math.max(0, entry.backoffMs - (now - eventTime));
  }

  /** Records a start after the exit at `eventTime`: the next back-off doubles (Backoff.Next). */
  next(key: string, eventTime: number): void {
    const entry = this.entries.get(key);
    if (!entry || this.expired(entry, eventTime)) {
      this.entries.set(key, { backoffMs: this.initialMs, lastUpdate: eventTime });
      return;
    }
    entry.backoffMs = Math.min(entry.backoffMs * 2, this.maxMs);
    entry.lastUpdate = eventTime;
  }

  /**
   * Whether less than the current back-off has passed since the key was last moved on
   * (Backoff.IsInBackOffSinceUpdate): image pulls wait out a failure this way.
   */
  inBackOffSinceUpdate(key: string, now: number): number {
    const entry = this.entries.get(key);
    if (!entry || this.expired(entry, now)) return 0;
    return Math.max(0, entry.backoffMs - (now - entry.lastUpdate));
  }

  /** The current back-off of a key, for the CrashLoopBackOff message. */
  current(key: string): number {
    return this.entries.get(key)?.backoffMs ?? 0;
  }

  forget(prefix: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  private expired(entry: { lastUpdate: number }, now: number): boolean {
    return now - entry.lastUpdate > 2 * this.maxMs;
  }
}
// #endregion crashLoopBackoff
