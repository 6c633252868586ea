/**
 * The loop every controller runs: take a key from the work queue, reconcile it, and tell the
 * queue how it went — sample-controller's runWorker and processNextWorkItem, written once.
 *
 * Guarantees:
 * - A reconcile that returns is a success: the key's failure count is forgotten.
 * - A reconcile that throws is retried through the rate limiter (5 ms, 10 ms, 20 ms, ... per
 *   key), so a persistent failure backs off instead of spinning.
 * - `done(key)` is called whatever happened, so a key re-added while it was being reconciled is
 *   reconciled again afterwards (the queue's processing set), never by two workers at once.
 * - The loop ends when the queue is shut down and drained.
 */
import { messageOf } from "../util/errors.ts";

/** What a worker needs of the queue (the rate-limited work queue has it). */
export interface WorkQueue<T> {
  get(): Promise<T | undefined>;
  done(item: T): void;
  forget(item: T): void;
  addRateLimited(item: T): void;
}

export interface WorkerOptions<T> {
  queue: WorkQueue<T>;
  reconcile: (key: T) => Promise<void>;
  /** Told of each failed reconcile (the key will be retried). */
  onError?: (key: T, error: unknown) => void;
}

// #region processNextWorkItem
/** One item: false once the queue has shut down. */
export async function processNextWorkItem<T>({
  queue,
  reconcile,
  onError,
}: WorkerOptions<T>): Promise<boolean> {
  const key = await queue.get();
  if (key === undefined) return false;
  try {
    await reconcile(key);
    queue.forget(key);
  } catch (error) {
    onError?.(key, error);
    queue.addRateLimited(key);
  } finally {
    queue.done(key);
  }
  return true;
}
// #endregion processNextWorkItem

/** The `onError` controllers use: a log line naming the controller and the key; the retry follows. */
export function logFailedSync(log: (line: string) => void, controller: string) {
  return (key: unknown, error: unknown): void =>
    log(`[${controller}] sync of ${key} failed, will retry: ${messageOf(error)}`);
}

/** Runs `workers` loops side by side until the queue shuts down. */
export async function runWorkers<T>(workers: number, options: WorkerOptions<T>): Promise<void> {
  const loop = async () => {
    while (await processNextWorkItem(options)) {
      // next item
    }
  };
  await Promise.all(Array.from({ length: workers }, loop));
}
