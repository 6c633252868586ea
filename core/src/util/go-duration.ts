/**
 * Go's time.Duration as text, both ways — Kubernetes writes durations this way in messages
 * ("rejected due to timeout after waiting 10s") and reads them this way in configuration files
 * (leaseDuration: 15s). Milliseconds are the unit here; finer parts are rounded to the millisecond.
 */

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * time.ParseDuration: "300ms", "1.5s", "1m30s", "2h45m"; a leading "-" or "+" is allowed, and
 * "0" alone means zero. Anything else is an error naming the text, in Go's words.
 */
export function parseGoDuration(text: string): number {
  const invalid = () => new Error(`time: invalid duration ${JSON.stringify(text)}`);
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest.startsWith("-")) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw invalid();
  let total = 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/;
  while (rest !== "") {
    const m = part.exec(rest);
    if (!m) {
      if (/^(\d+(?:\.\d*)?|\.\d+)$/.test(rest)) {
        throw new Error(`time: missing unit in duration ${JSON.stringify(text)}`);
      }
      throw invalid();
    }
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    rest = rest.slice(m[0].length);
  }
  return sign * Math.round(total);
}

/**
 * time.Duration.String(), for whole milliseconds: 250 → "250ms", 10_000 → "10s", 1_500 → "1.5s",
 * 90_000 → "1m30s", 3_600_000 → "1h0m0s".
 */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 0) return `-${formatGoDuration(-ms)}`;
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = `${(ms % 60_000) / 1000}s`;
  if (h > 0) return `${h}h${m}m${s}`;
  if (m > 0) return `${m}m${s}`;
  return s;
}
