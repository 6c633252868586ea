/**
 * One worker per pod, keyed by the pod's UID — the kubelet's podWorkers (pod_workers.go).
 *
 * Guarantees:
 * - Syncs of one pod never overlap: a worker runs one sync at a time.
 * - A request while the pod is syncing is not lost and not multiplied: however many arrive, one
 *   more sync runs after the current one (they coalesce, as UpdatePod keeps only the latest
 *   pending update).
 * - Different pods sync concurrently.
 * - A sync that throws is reported and retried after `retryMs` (pod_workers.go requeues a failed
 *   sync after backOffPeriod, 10 s); a sync may ask for another one after some delay itself
 *   (a container in CrashLoopBackOff).
 * - The sync returns "done" once the pod is torn down and forgotten: its worker goes away.
 * - stop() lets running syncs finish, starts no new ones, and cancels every pending timer.
 *
 * Trace: enqueue(a) → sync a starts; enqueue(a), enqueue(a) during it → one pending; the first
 * sync ends → the second starts, nothing pending; it ends → idle.
 */
import type { Clock, Timer } from "../util/clock.ts";
import { messageOf } from "../util/errors.ts";

/** What a sync asks for next: nothing, another sync after `ms`, or forget the pod. */
export type SyncResult = { requeueAfterMs?: number } | "done";

interface Worker {
  running: boolean;
  /** A sync was requested while one ran: run once more when it ends. */
  pending: boolean;
  timer?: Timer;
}

export class PodWorkers {
  private readonly workers = new Map<string, Worker>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly options: {
      sync: (uid: string) => Promise<SyncResult>;
      clock: Clock;
      /** After a failed sync; pod_workers.go's backOffPeriod is 10 s. */
      retryMs: number;
      log?: (line: string) => void;
    },
  ) {}

  // #region enqueue
  /** Asks for a sync of the pod (UpdatePod). */
  enqueue(uid: string): void {
    if (this.stopped) return;
    let worker = this.workers.get(uid);
    if (!worker) {
      worker = { running: false, pending: false };
      this.workers.set(uid, worker);
    }
    worker.timer?.cancel();
    worker.timer = undefined;
    if (worker.running) {
      worker.pending = true;
      return;
    }
    this.run(uid, worker);
  }
  // #endregion enqueue

  /** UIDs with a worker. */
  uids(): string[] {
    return [...this.workers.keys()];
  }

  /** Resolves when no sync is running (for stop and tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const worker of this.workers.values()) worker.timer?.cancel();
    await this.idle();
  }

  // #region runSync
  private run(uid: string, worker: Worker): void {
    worker.running = true;
    worker.pending = false;
    const done = this.options
      .sync(uid)
      .catch((error: unknown): SyncResult => {
        this.options.log?.(`sync of pod ${uid} failed: ${messageOf(error)}`);
        return { requeueAfterMs: this.options.retryMs };
      })
      .then((result) => {
        worker.running = false;
        if (this.stopped) return;
        if (worker.pending) return this.run(uid, worker);
        if (result === "done") {
          this.workers.delete(uid);
          return;
        }
        if (result.requeueAfterMs !== undefined) {
          worker.timer = this.options.clock.setTimeout(() => {
            worker.timer = undefined;
            this.enqueue(uid);
          }, result.requeueAfterMs);
        }
      })
      .finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }
  // #endregion runSync
}
