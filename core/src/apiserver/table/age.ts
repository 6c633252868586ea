/**
 * Ages as `kubectl get` prints them: "45s", "2m3s", "10m", "3h7m", "9h", "4d5h", "300d", "3y12d".
 * These mirror k8s.io/apimachinery/pkg/util/duration (HumanDuration and ShortHumanDuration),
 * which the API server's table printers call with `now - creationTimestamp`.
 *
 * Guarantees:
 * - Pure: the caller passes `now`, so the same input always prints the same text.
 * - Precision shrinks as the duration grows: about two significant units, never more.
 * - Units truncate, as Go's integer division does: 119.9 s is "119s", not "2m".
 * - Clock skew is forgiven: a timestamp up to 2 s in the future prints "0s"; further is "<invalid>".
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY_HOURS = 24;
const YEAR_DAYS = 365;

/** Go's `int(d / unit)`: integer division truncating toward zero. */
function whole(ms: number, unit: number): number {
  return Math.trunc(ms / unit);
}

/**
 * Two-unit precision, growing coarser with age (duration.HumanDuration). Worked examples:
 *
 *      90 s -> "90s"      (under 2 minutes: seconds)
 *     185 s -> "3m5s"     (under 10 minutes: minutes and seconds)
 *      70 m -> "70m"      (under 3 hours: minutes)
 *     200 m -> "3h20m"    (under 8 hours: hours and minutes)
 *      30 h -> "30h"      (under 2 days: hours)
 *     100 h -> "4d4h"     (under 8 days: days and hours)
 *     400 d -> "400d"     (under 2 years: days)
 *     800 d -> "2y70d"    (under 8 years: years and days)
 *    3000 d -> "8y"
 */
export function humanDuration(ms: number): string {
  const seconds = whole(ms, SECOND);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;

  const minutes = whole(ms, MINUTE);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;

  const hours = whole(ms, HOUR);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;

  const days = Math.trunc(hours / DAY_HOURS);
  if (hours < DAY_HOURS * 8) {
    const h = hours % DAY_HOURS;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < DAY_HOURS * YEAR_DAYS * 2) return `${days}d`;

  const years = Math.trunc(days / YEAR_DAYS);
  if (hours < DAY_HOURS * YEAR_DAYS * 8) {
    const dy = days % YEAR_DAYS;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

/** One unit only (duration.ShortHumanDuration): "59s", "59m", "23h", "364d", "2y". */
export function shortHumanDuration(ms: number): string {
  const seconds = whole(ms, SECOND);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60) return `${seconds}s`;
  const minutes = whole(ms, MINUTE);
  if (minutes < 60) return `${minutes}m`;
  const hours = whole(ms, HOUR);
  if (hours < DAY_HOURS) return `${hours}h`;
  if (hours < DAY_HOURS * YEAR_DAYS) return `${Math.trunc(hours / DAY_HOURS)}d`;
  return `${Math.trunc(hours / DAY_HOURS / YEAR_DAYS)}y`;
}

/**
 * RFC 3339 as Kubernetes writes times: "2026-01-01T12:00:00Z", with optional fractional seconds
 * (MicroTime: ".000123Z") and optional numeric offset.
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/**
 * Milliseconds since the epoch of an RFC 3339 timestamp, as Go's time.Parse(time.RFC3339) reads
 * it, or undefined when it is not one. Go's zero time parses like any other.
 */
export function parseRFC3339(value: string): number | undefined {
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [, , , , , , , fraction, , sign, offsetHours, offsetMinutes] = m;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return undefined;
  const date = new Date(0);
  // setUTCFullYear keeps years below 100 literal (Date.UTC would map year 1 to 1901).
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCDate() !== day) return undefined; // February 30th and the like
  date.setUTCHours(hour, minute, second, 0);
  let ms = date.getTime() + (fraction ? Number(`0.${fraction}`) * 1000 : 0);
  if (sign) {
    const offset = (Number(offsetHours) * 60 + Number(offsetMinutes)) * MINUTE;
    ms += sign === "+" ? -offset : offset;
  }
  return ms;
}

/**
 * Milliseconds since the epoch, or undefined for Go's zero time: a missing or null field, or
 * "0001-01-01T00:00:00Z", all of which metav1.Time reports as IsZero(). A malformed string is
 * also undefined: the real API server would have refused to decode such an object at all.
 */
export function parseTime(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const ms = parseRFC3339(value);
  return ms === GO_ZERO_TIME ? undefined : ms;
}

/** time.Time{} in Go: January 1, year 1, 00:00:00 UTC. */
const GO_ZERO_TIME = (() => {
  const date = new Date(0);
  date.setUTCFullYear(1, 0, 1);
  date.setUTCHours(0, 0, 0, 0);
  return date.getTime();
})();

/**
 * The AGE cell: how long ago `timestamp` was, or "<unknown>" when it is unset
 * (translateTimestampSince in pkg/printers/internalversion/printers.go).
 */
export function age(timestamp: unknown, now: number): string {
  const t = parseTime(timestamp);
  return t === undefined ? "<unknown>" : humanDuration(now - t);
}
