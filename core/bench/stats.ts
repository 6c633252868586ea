/** Small measuring helpers for the benchmarks: load, latencies, percentiles, tables. */

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export interface Percentiles {
  p50: number;
  p99: number;
}

/** The median and the 99th percentile of `values`, which it sorts in place. */
export function percentiles(values: number[]): Percentiles {
  values.sort((a, b) => a - b);
  return { p50: percentile(values, 50), p99: percentile(values, 99) };
}

export interface LatencySummary extends Percentiles {
  count: number;
  perSecond: number;
}

/** Runs `clients` loops that together call `op` `total` times; times each call. */
export async function load(
  clients: number,
  total: number,
  op: (i: number) => Promise<unknown>,
): Promise<LatencySummary> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const t = performance.now();
        await op(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return summarize(total, started, latencies);
}

/**
 * Calls `op` `total` times on a fixed schedule, call i at `started + i / perSecond`, without
 * waiting for earlier calls to answer: an open loop. A closed loop (`load`: the next call when
 * the last one answered) slows down with the server, so a slow server would lower the rate instead
 * of showing as latency ("coordinated omission"); here it shows as latency, and in perSecond, the
 * calls answered a second from the first request to the last response.
 *
 * 1,000 calls at 50 a second: call 0 at 0 ms, call 1 at 20 ms, call 999 at 19,980 ms; if call 500
 * takes 300 ms, calls 501 to 514 go out on time meanwhile, and if all take 5 ms, perSecond is
 * 1,000 / 19.985 s = 50.04. Should this process fall behind (its event loop busy parsing
 * watches), the calls overdue go out at once, so the count sent stays on schedule.
 */
export async function paced(
  total: number,
  perSecond: number,
  op: (i: number) => Promise<unknown>,
): Promise<LatencySummary> {
  const latencies: number[] = [];
  const calls: Promise<void>[] = [];
  let failure: unknown;
  const started = performance.now();
  for (let i = 0; i < total && failure === undefined; i++) {
    const wait = started + (i * 1000) / perSecond - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sent = performance.now();
    // Caught at once and rethrown below: a rejection left unhandled until the last call is sent
    // would end the process.
    calls.push(
      op(i).then(
        () => void latencies.push(performance.now() - sent),
        (error: unknown) => {
          failure ??= error;
        },
      ),
    );
  }
  await Promise.all(calls);
  if (failure !== undefined) throw failure;
  return summarize(total, started, latencies);
}

/** `total` calls that began at `started` and just ended; sorts `latencies`. */
function summarize(total: number, started: number, latencies: number[]): LatencySummary {
  const seconds = (performance.now() - started) / 1000;
  return { count: total, perSecond: total / seconds, ...percentiles(latencies) };
}

export type Cell = string | number | undefined;

/** A plain-text table: first column left-aligned, the rest right-aligned. */
export function table(header: string[], rows: Cell[][]): string {
  const text = rows.map((r) =>
    r.map((c) => (c === undefined ? "—" : typeof c === "number" ? fmt(c) : c)),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...text.map(line)].join("\n");
}

export function fmt(n: number): string {
  if (!Number.isFinite(n)) return "—";
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString("en-US");
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** A count as people write it: 10,000. */
export const count = (n: number): string => n.toLocaleString("en-US");

export function progress(message: string): void {
  process.stderr.write(`  … ${message}\n`);
}
