/**
 * One-shot jobs, each due at its own time on the injected clock, at most one per key — the taint
 * eviction controller's TimedWorkerQueue (pkg/controller/tainteviction/timed_workers.go). The
 * key is a pod's "namespace/name"; the job deletes the pod.
 *
 * Guarantees:
 * - `addWork(key, createdAt, fireAt)` runs the job once the clock reaches `fireAt` (at once if it
 *   already has). A key that already has work keeps it: adding again changes nothing.
 * - `cancelWork(key)` stops work that has not started and forgets the key; it answers whether a
 *   timed job was cancelled. Work that started at once (fireAt ≤ createdAt) is already running and
 *   cannot be stopped: the key is forgotten and the answer is false, as in Kubernetes.
 * - When a job finishes, its key is forgotten, so the same pod can be scheduled again.
 * - `cancelAll()` stops every pending job and resolves when the running ones have finished.
 *
 * Trace (createdAt, fireAt in seconds): addWork(a, 0, 30); addWork(a, 5, 10) → unchanged, a still
 * fires at 30; cancelWork(a) at t=12 → true; addWork(a, 12, 12) → runs now; get(a) → undefined
 * (immediate work has no timer to report); cancelWork(a) → false.
 */
import type { Clock, Timer } from "../../util/clock.ts";

/** When a job was scheduled and when it is due, in clock ms. */
export interface TimedWork {
  createdAt: number;
  fireAt: number;
}

interface Entry extends TimedWork {
  /** Set for work that waits; absent for work started at once (Kubernetes keeps nil for it). */
  timer?: Timer;
  cancelled: boolean;
  started: boolean;
}

export interface TimedWorkerQueueOptions {
  clock: Clock;
  /** The job; its failure is reported to `onError`, never retried by the queue. */
  work: (key: string, fireAt: number) => Promise<void>;
  onError?: (key: string, error: unknown) => void;
}

export class TimedWorkerQueue {
  /** Invariant: one entry per key with work pending or running; none once the job has finished. */
  private readonly workers = new Map<string, Entry>();
  /** Jobs in progress, for cancelAll() to wait on. */
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: TimedWorkerQueueOptions) {}

  addWork(key: string, createdAt: number, fireAt: number): void {
    if (this.workers.has(key)) return;
    const entry: Entry = { createdAt, fireAt, cancelled: false, started: false };
    this.workers.set(key, entry);
    const delay = fireAt - createdAt;
    if (delay <= 0) this.start(key, entry);
    else entry.timer = this.options.clock.setTimeout(() => this.start(key, entry), delay);
  }

  cancelWork(key: string): boolean {
    const entry = this.workers.get(key);
    if (!entry) return false;
    this.workers.delete(key);
    entry.cancelled = true;
    entry.timer?.cancel();
    return entry.timer !== undefined;
  }

  /** The pending timed work for `key` (GetWorkerUnsafe); undefined for none, or work started at once. */
  get(key: string): TimedWork | undefined {
    const entry = this.workers.get(key);
    return entry?.timer ? { createdAt: entry.createdAt, fireAt: entry.fireAt } : undefined;
  }

  /** Keys with timed work not yet started, and when each is due (for narration and tests). */
  scheduled(): Map<string, TimedWork> {
    const out = new Map<string, TimedWork>();
    for (const [key, entry] of this.workers)
      if (entry.timer && !entry.started)
        out.set(key, { createdAt: entry.createdAt, fireAt: entry.fireAt });
    return out;
  }

  /** CancelAndWait: nothing new starts; resolves when the jobs already running are done. */
  async cancelAll(): Promise<void> {
    for (const entry of this.workers.values()) {
      entry.cancelled = true;
      entry.timer?.cancel();
    }
    this.workers.clear();
    await Promise.all([...this.running]);
  }

  private start(key: string, entry: Entry): void {
    if (entry.cancelled) return;
    entry.started = true;
    const job = this.options
      .work(key, entry.fireAt)
      .catch((error: unknown) => this.options.onError?.(key, error))
      .finally(() => {
        // Only our own entry: the key may have been cancelled and scheduled anew meanwhile.
        if (this.workers.get(key) === entry) this.workers.delete(key);
        this.running.delete(job);
      });
    this.running.add(job);
  }
}
