/**
 * Periodic passes and pauses on the injected clock, ended by an AbortSignal — the two pieces of
 * k8s.io/apimachinery/pkg/util/wait the node lifecycle controller runs on (UntilWithContext,
 * and the sleeps between retries).
 *
 * Guarantees:
 * - `until` runs the pass at once, then again `periodMs` after each pass *ends* (wait.Until is
 *   "sliding"): passes never overlap, and a slow pass delays the next instead of piling up.
 * - A pass that throws is reported and the loop goes on.
 * - Once the signal aborts, no new pass starts and every pause ends at once; `until` resolves
 *   when the pass in progress, if any, has finished.
 */
import type { Clock } from "../../util/clock.ts";

/** Waits `ms` on the clock; resolves true, or false at once if (or as soon as) `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      timer.cancel();
      resolve(false);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export async function until(options: {
  clock: Clock;
  periodMs: number;
  signal: AbortSignal;
  pass: () => Promise<void>;
  onError: (error: unknown) => void;
}): Promise<void> {
  const { clock, periodMs, signal, pass, onError } = options;
  while (!signal.aborted) {
    try {
      await pass();
    } catch (error) {
      onError(error);
    }
    if (!(await sleep(clock, periodMs, signal))) return;
  }
}
