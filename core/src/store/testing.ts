/**
 * Helpers for tests of anything that watches: read a known number of events, or wait for a
 * condition, always with a deadline instead of a sleep.
 */
import type { WatchEvent, WatchProgress } from "./types.ts";

/** Reads exactly `n` events, failing with what did arrive if they do not within `timeoutMs`. */
export async function nextEvents<T>(
  watch: AsyncIterable<T>,
  n: number,
  timeoutMs = 5000,
): Promise<T[]> {
  const got: T[] = [];
  if (n === 0) return got;
  const iterator = watch[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `expected ${n} watch events within ${timeoutMs} ms, got ${got.length}: ${describe(got)}`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    while (got.length < n) {
      const next = await Promise.race([iterator.next(), timeout]);
      if (next.done)
        throw new Error(`watch ended after ${got.length} of ${n} events: ${describe(got)}`);
      got.push(next.value);
    }
    return got;
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until `check` returns a truthy value, polling every 10 ms, for at most `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T> | T,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function describe(items: unknown[]): string {
  return JSON.stringify(items.map(summary));
}

/** A store event as "put /a@3", an API watch event as "ADDED web", anything else as JSON. */
function summary(item: unknown): string {
  const e = item as Partial<WatchEvent> &
    Partial<WatchProgress> & { object?: { metadata?: { name?: string } } };
  if (e.type === "progress") return `progress@${e.revision}`;
  if (e.kv) return `${e.type} ${e.kv.key}@${e.kv.modRevision}`;
  if (e.object) return `${e.type} ${e.object.metadata?.name ?? ""}`;
  return JSON.stringify(item);
}
