/**
 * Waiting on a fake clock: checks a condition, and while it does not hold moves the clock a step
 * and lets promise callbacks run, until it holds or a limit of fake time has passed. This is the
 * fake runtime's `waitFor` in the contract suite, and how a test waits for what a fake node does.
 */
import type { FakeClock } from "../../util/clock.ts";

export interface AdvanceOptions {
  /** Fake time per step. Smaller finds the moment more exactly and costs more steps. */
  stepMs?: number;
  /** Fake time after which it gives up. */
  limitMs?: number;
}

/** Resolves with the first defined result of `check`; throws, naming `what`, after `limitMs`. */
export async function advanceUntil<T>(
  clock: FakeClock,
  check: () => Promise<T | undefined>,
  what: string,
  { stepMs = 100, limitMs = 10 * 60_000 }: AdvanceOptions = {},
): Promise<T> {
  for (let elapsed = 0; ; elapsed += stepMs) {
    const value = await check();
    if (value !== undefined) return value;
    if (elapsed >= limitMs) {
      throw new Error(`gave up after ${limitMs} ms of fake time waiting for ${what}`);
    }
    clock.advance(stepMs);
    // setImmediate runs after every promise callback queued so far, so what the timers set
    // in motion has happened by the next check.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
