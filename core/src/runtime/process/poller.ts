/**
 * Waiting for a condition the runtime can only look at — a shim's record in state.json — by
 * polling it with backoff on an injected clock: first at once, then after POLL_MIN_MS, the gap
 * doubling up to POLL_MAX_MS. With a 1 s deadline the checks fall at 0, 5, 15, 35, 75, 155, 255,
 * 355, ... ms, so a wait ends at most POLL_MAX_MS after its condition holds (and a stop, which
 * waits for the shim's exit record, costs that much at most).
 *
 * Guarantees: `until` resolves with the first defined result of `check`, rejects with
 * PollTimeoutError once the deadline has passed without one, and rejects with what `check`
 * throws. close() ends every wait in progress (rejecting it) and cancels its timer, and every
 * later wait fails at once, so a closed runtime leaves no timer behind.
 */
import type { Clock, Timer } from "../../util/clock.ts";
import { CriError } from "../cri.ts";

const POLL_MIN_MS = 5;
/** Bounds how late a wait notices its condition; 10 checks a second per waiting call. */
const POLL_MAX_MS = 100;

/** A wait that ran out of time. */
export class PollTimeoutError extends CriError {
  constructor(what: string, timeoutMs: number) {
    super("Unknown", `timed out after ${timeoutMs} ms waiting for ${what}`);
    this.name = "PollTimeoutError";
  }
}

interface Wait {
  timer?: Timer;
  reject(error: Error): void;
}

export class Poller {
  /** Waits in progress: each is here from `until` until it settles. */
  private readonly waits = new Set<Wait>();
  /** Set by close(): why every wait fails from then on. */
  private closed: string | undefined;

  constructor(private readonly clock: Clock) {}

  until<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
    const deadline = this.clock.now() + timeoutMs;
    const { closed } = this;
    if (closed !== undefined) return Promise.reject(new CriError("Unknown", closed));
    return new Promise<T>((resolve, reject) => {
      const wait: Wait = { reject };
      this.waits.add(wait);
      const settle = (outcome: () => void) => {
        this.waits.delete(wait);
        outcome();
      };
      const poll = (gap: number) => {
        check().then(
          (value) => {
            if (!this.waits.has(wait)) return; // closed meanwhile
            if (value !== undefined) return settle(() => resolve(value));
            const left = deadline - this.clock.now();
            if (left <= 0) return settle(() => reject(new PollTimeoutError(what, timeoutMs)));
            wait.timer = this.clock.setTimeout(
              () => poll(Math.min(gap * 2, POLL_MAX_MS)),
              Math.min(gap, left),
            );
          },
          (error: unknown) => settle(() => reject(error)),
        );
      };
      poll(POLL_MIN_MS);
    });
  }

  close(reason: string): void {
    this.closed = reason;
    for (const wait of this.waits) {
      wait.timer?.cancel();
      wait.reject(new CriError("Unknown", reason));
    }
    this.waits.clear();
  }
}
