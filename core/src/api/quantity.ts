/**
 * Resource quantities (k8s.io/apimachinery/pkg/api/resource): "100m" CPU, "128Mi" memory.
 *
 * Guarantees:
 * - Exact. A quantity is an integer mantissa times a power of ten, in BigInt, never a float, so
 *   100m + 200m is 300m and not 0.30000000000000004.
 * - Parsing accepts what Kubernetes accepts, rounds as it rounds (up, to 1n, away from zero) and
 *   rejects with its messages. Printing gives Kubernetes' canonical form: "1024Mi" prints as
 *   "1Gi", "1000m" as "1", "0.5" as "500m".
 *
 * The grammar:
 *
 *   <quantity> ::= <sign>? <digits> [ "." <digits> ] <suffix>     ("1.", ".5" and "." parse too)
 *   <suffix>   ::= <binarySI> | <decimalSI> | <decimalExponent>
 *   binarySI   Ki Mi Gi Ti Pi Ei         powers of 1024
 *   decimalSI  n u m "" k M G T P E      powers of 1000 ("m" is milli, "M" mega, "E" exa)
 *   exponent   e<int> or E<int>          1e3, 1.5E-3
 *
 * A quantity remembers which kind of suffix it was written with (its format) and prints in that
 * kind again. It keeps at most 9 decimal places: anything finer rounds up to 1n, on the theory
 * that asking for a tiny amount of a resource means asking for some.
 */

// #region types

export type QuantityFormat = "DecimalExponent" | "BinarySI" | "DecimalSI";

export interface Quantity {
  /** value = mantissa × 10^exponent. The mantissa has no trailing zeros; zero is 0 × 10^0. */
  readonly mantissa: bigint;
  readonly exponent: number;
  readonly format: QuantityFormat;
  /**
   * The text it was parsed from, when Kubernetes keeps it to print back (see formatQuantity).
   * Arithmetic drops it.
   */
  readonly text?: string;
}

/** Kubernetes' grammar, shown in its "must match" message. */
export const QUANTITY_PATTERN = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

export const ERR_FORMAT_WRONG = `quantities must match the regular expression '${QUANTITY_PATTERN}'`;
export const ERR_SUFFIX = "unable to parse quantity's suffix";

/** A string that is not a quantity. The message is Kubernetes' own; `input` is what was given. */
export class QuantityError extends Error {
  override name = "QuantityError";
  constructor(
    message: string,
    readonly input: string,
  ) {
    super(message);
  }
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT32_MAX = 2 ** 31 - 1;
/** Nothing is finer than a nano: parsing rounds to 10^-9. */
const NANO = -9;

// #endregion types

// #region bigint-helpers

const abs = (n: bigint) => (n < 0n ? -n : n);
const pow10 = (n: number) => 10n ** BigInt(n);
const digitCount = (n: bigint) => abs(n).toString().length;

/** |n| / 10^places rounded up, sign kept: rounding away from zero, as Kubernetes rounds. */
function divideAwayFromZero(n: bigint, places: number): bigint {
  if (n === 0n || places <= 0) return n * pow10(Math.max(0, -places));
  if (places > digitCount(n)) return n < 0n ? -1n : 1n;
  const d = pow10(places);
  const q = abs(n) / d;
  const up = abs(n) % d === 0n ? q : q + 1n;
  return n < 0n ? -up : up;
}

/** Moves trailing zeros of the mantissa into the exponent; zero becomes 0 × 10^0. */
function normalize(mantissa: bigint, exponent: number): { mantissa: bigint; exponent: number } {
  if (mantissa === 0n) return { mantissa, exponent: 0 };
  const digits = mantissa.toString();
  const zeros = digits.length - digits.replace(/0+$/, "").length;
  if (zeros === 0) return { mantissa, exponent };
  return { mantissa: BigInt(digits.slice(0, -zeros)), exponent: exponent + zeros };
}

/** The number of factors of 2 in n (n ≠ 0). */
function twos(n: bigint): number {
  let count = 0;
  let m = abs(n);
  while ((m & 1n) === 0n) {
    m >>= 1n;
    count++;
  }
  return count;
}

// #endregion bigint-helpers

// #region parse

interface Scanned {
  positive: boolean;
  /** Digits before the point, leading zeros dropped; "0" if none are left. */
  num: string;
  /** Digits after the point, as written. */
  denom: string;
  suffix: string;
}

const isDigit = (ch: string | undefined) => ch !== undefined && ch >= "0" && ch <= "9";

/**
 * Kubernetes' parseQuantityString, a hand-written scanner: sign, digits, fraction, then a suffix
 * of letters from "eEinumkKMGTP" optionally followed by a signed integer. Only that last part can
 * fail here; which suffixes mean something is decided by `interpret`.
 */
function scan(str: string): Scanned | undefined {
  let pos = 0;
  let positive = true;
  if (str[0] === "-") {
    positive = false;
    pos++;
  } else if (str[0] === "+") {
    pos++;
  }
  while (str[pos] === "0") pos++;
  // Only zeros (or just a sign): the value is zero and nothing else is read.
  if (pos >= str.length) return { positive, num: "0", denom: "", suffix: "" };
  let start = pos;
  while (isDigit(str[pos])) pos++;
  const num = str.slice(start, pos) || "0";
  let denom = "";
  if (str[pos] === ".") {
    start = ++pos;
    while (isDigit(str[pos])) pos++;
    denom = str.slice(start, pos);
  }
  const suffixStart = pos;
  while (pos < str.length && "eEinumkKMGTP".includes(str.charAt(pos))) pos++;
  if (str[pos] === "-" || str[pos] === "+") pos++;
  while (isDigit(str[pos])) pos++;
  if (pos < str.length) return undefined;
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

interface Suffix {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

const SUFFIXES = new Map<string, Suffix>([
  ["", { base: 10, exponent: 0, format: "DecimalSI" }],
  ["n", { base: 10, exponent: -9, format: "DecimalSI" }],
  ["u", { base: 10, exponent: -6, format: "DecimalSI" }],
  ["m", { base: 10, exponent: -3, format: "DecimalSI" }],
  ["k", { base: 10, exponent: 3, format: "DecimalSI" }],
  ["M", { base: 10, exponent: 6, format: "DecimalSI" }],
  ["G", { base: 10, exponent: 9, format: "DecimalSI" }],
  ["T", { base: 10, exponent: 12, format: "DecimalSI" }],
  ["P", { base: 10, exponent: 15, format: "DecimalSI" }],
  ["E", { base: 10, exponent: 18, format: "DecimalSI" }],
  ["Ki", { base: 2, exponent: 10, format: "BinarySI" }],
  ["Mi", { base: 2, exponent: 20, format: "BinarySI" }],
  ["Gi", { base: 2, exponent: 30, format: "BinarySI" }],
  ["Ti", { base: 2, exponent: 40, format: "BinarySI" }],
  ["Pi", { base: 2, exponent: 50, format: "BinarySI" }],
  ["Ei", { base: 2, exponent: 60, format: "BinarySI" }],
]);

/**
 * What a suffix means. "E" alone is exa; "E3" or "e-3" is an exponent, which must fit an int32
 * (Kubernetes now refuses larger ones instead of letting them wrap around).
 */
function interpret(suffix: string): Suffix | undefined {
  const known = SUFFIXES.get(suffix);
  if (known !== undefined) return known;
  if (
    suffix.length > 1 &&
    (suffix[0] === "e" || suffix[0] === "E") &&
    /^[+-]?[0-9]+$/.test(suffix.slice(1))
  ) {
    const exponent = Number(suffix.slice(1));
    if (Math.abs(exponent) <= INT32_MAX) return { base: 10, exponent, format: "DecimalExponent" };
  }
  return undefined;
}

/**
 * Whether Kubernetes keeps the input text to print back. Its int64 fast path does, when the text
 * looks canonical to a quick check: a multiple-of-three exponent, no "000" at the end of the
 * digits, no leading zero; for binary suffixes, a number not divisible by 8. The check is loose,
 * so "+1", "01", "1E3" and "12.345k" print back as written rather than as "1", "1", "1e3",
 * "12345". The quirk is Kubernetes'; tinykube keeps it because clients see it.
 */
function keepsText(s: Scanned, suffix: Suffix): boolean {
  const shifted = s.num + s.denom;
  if (suffix.base === 10) {
    const scale = suffix.exponent - s.denom.length;
    const fastPath = 18 - shifted.length >= 0 && scale >= NANO;
    return fastPath && scale % 3 === 0 && !shifted.endsWith("000") && shifted[0] !== "0";
  }
  const precision = 15 - s.num.length - Math.trunc((suffix.exponent * 3) / 10) - 1;
  const fastPath = s.denom.length === 0 && precision >= 0;
  return fastPath && (BigInt(s.num) & 7n) !== 0n;
}

/**
 * resource.ParseQuantity. Throws QuantityError with Kubernetes' message: the "must match" one for
 * text that does not scan ("", "1.2.3", " 1", "1Kb"), "unable to parse quantity's suffix" for an
 * unknown suffix ("1Mm", "1ki", "1e").
 */
export function parseQuantity(text: string): Quantity {
  if (text.length === 0) throw new QuantityError(ERR_FORMAT_WRONG, text);
  if (text === "0") return { mantissa: 0n, exponent: 0, format: "DecimalSI", text };
  const s = scan(text);
  if (s === undefined) throw new QuantityError(ERR_FORMAT_WRONG, text);
  const suffix = interpret(s.suffix);
  if (suffix === undefined) throw new QuantityError(ERR_SUFFIX, text);

  // 1. The exact value: digits × 10^(exponent - fraction digits), or × 2^exponent for binary.
  let mantissa = BigInt(s.num + s.denom);
  let exponent = -s.denom.length;
  if (suffix.base === 10) exponent += suffix.exponent;
  else mantissa <<= BigInt(suffix.exponent);
  // 2. Round up to nano: "0.1n" is 1n, "3.001n" is 4n.
  if (exponent < NANO) {
    mantissa = divideAwayFromZero(mantissa, NANO - exponent);
    exponent = NANO;
  }
  let format = suffix.format;
  if (format === "BinarySI") {
    // 3. Binary quantities stop at 2^63-1 ("9Ei" is 9223372036854775807); decimal ones do not.
    if (mantissa > INT64_MAX * pow10(-exponent)) {
      mantissa = INT64_MAX;
      exponent = 0;
    }
    // 4. A fraction of one byte is no longer binary: ".000000000001Ki" is "2n".
    if (mantissa !== 0n && exponent < 0 && mantissa < pow10(-exponent)) format = "DecimalSI";
  }
  const n = normalize(s.positive ? mantissa : -mantissa, exponent);
  return { ...n, format, ...(keepsText(s, suffix) ? { text } : {}) };
}

/**
 * A quantity from JSON, as Quantity.UnmarshalJSON reads it: a string (trimmed of whitespace) or
 * a bare number (`cpu: 1` in YAML). JSON null is the zero quantity.
 */
export function parseQuantityJSON(value: unknown): Quantity {
  if (value === null) return newQuantity(0n, "DecimalSI");
  if (typeof value === "number" && Number.isFinite(value)) return parseQuantity(String(value));
  if (typeof value === "string") return parseQuantity(value.trim());
  // JSON.stringify, not String(): an object such as {"toString": null} cannot become a primitive.
  throw new QuantityError(ERR_FORMAT_WRONG, JSON.stringify(value) ?? typeof value);
}

// #endregion parse

// #region format

const DECIMAL_SUFFIX = new Map<number, string>([
  [-9, "n"],
  [-6, "u"],
  [-3, "m"],
  [0, ""],
  [3, "k"],
  [6, "M"],
  [9, "G"],
  [12, "T"],
  [15, "P"],
  [18, "E"],
]);

const BINARY_SUFFIX = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/** Mantissa and an exponent that is a multiple of 3: 1.5 is 1500 × 10^-3, 2e4 is 20 × 10^3. */
function thousands(q: Quantity): { mantissa: bigint; exponent: number } {
  const shift = ((q.exponent % 3) + 3) % 3;
  return { mantissa: q.mantissa * pow10(shift), exponent: q.exponent - shift };
}

/** "<mantissa>e<exponent>", or the bare mantissa for exponent 0. */
function exponentForm(q: Quantity): string {
  const t = thousands(q);
  return t.exponent === 0 ? t.mantissa.toString() : `${t.mantissa}e${t.exponent}`;
}

/**
 * Quantity.String(): the text kept from parsing, or the canonical form: the largest suffix of the
 * quantity's format that leaves an integer.
 *
 *   DecimalSI        1500m, 1, 1k, 12345 (and "12.345k" kept as typed), 1e21 past "E"
 *   BinarySI         1536Mi, 1Gi, 1025; below 1Ki or not whole bytes, as DecimalSI: "500m"
 *   DecimalExponent  1e3, 1500 for "1.5e3" (exponents are multiples of 3), 80e-3
 *
 * Worked example, BinarySI 1.5Gi = 1610612736 bytes: divide by 1024 while it divides evenly,
 * twice (1572864, then 1536), and 1536 is not divisible by 1024, so "1536Mi".
 */
export function formatQuantity(q: Quantity): string {
  if (q.text !== undefined) return q.text;
  return canonicalQuantity(q);
}

/** The canonical form, ignoring any kept text. */
export function canonicalQuantity(q: Quantity): string {
  if (q.mantissa === 0n) return "0";
  if (
    q.format === "BinarySI" &&
    q.exponent >= 0 &&
    abs(q.mantissa) * pow10(Math.min(q.exponent, 4)) >= 1024n
  ) {
    // A whole number of bytes: count the factors of 1024 (two tens give 2^2, so 10^e gives 2^e).
    const powers = Math.floor((twos(q.mantissa) + q.exponent) / 10);
    if (powers < BINARY_SUFFIX.length) {
      const bytes = q.mantissa * pow10(q.exponent);
      return `${bytes / 1024n ** BigInt(powers)}${BINARY_SUFFIX[powers]}`;
    }
    // Past "Ei" there is no binary suffix: print the exact decimal instead (2^70 in full).
    return exponentForm(q);
  }
  if (q.format === "DecimalExponent") return exponentForm(q);
  const t = thousands(q);
  const suffix = DECIMAL_SUFFIX.get(t.exponent);
  return suffix === undefined ? exponentForm(q) : `${t.mantissa}${suffix}`;
}

// #endregion format

// #region arithmetic

export function newQuantity(value: bigint | number, format: QuantityFormat): Quantity {
  return { ...normalize(BigInt(value), 0), format };
}

/** value/1000, as resource.NewMilliQuantity: newMilliQuantity(1500, "DecimalSI") is "1500m". */
export function newMilliQuantity(milli: bigint | number, format: QuantityFormat): Quantity {
  return newScaledQuantity(milli, -3, format);
}

/** value × 10^scale, as resource.NewScaledQuantity (which is always DecimalSI). */
export function newScaledQuantity(
  value: bigint | number,
  scale: number,
  format: QuantityFormat = "DecimalSI",
): Quantity {
  return { ...normalize(BigInt(value), scale), format };
}

export function isZeroQuantity(q: Quantity): boolean {
  return q.mantissa === 0n;
}

export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const sa = a.mantissa === 0n ? 0 : a.mantissa > 0n ? 1 : -1;
  const sb = b.mantissa === 0n ? 0 : b.mantissa > 0n ? 1 : -1;
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  // Same sign: numbers with more integer digits are larger, so only align when the orders agree.
  const orderA = digitCount(a.mantissa) + a.exponent;
  const orderB = digitCount(b.mantissa) + b.exponent;
  if (orderA !== orderB) return (orderA > orderB ? sa : -sa) as -1 | 1;
  const e = Math.min(a.exponent, b.exponent);
  const x = a.mantissa * pow10(a.exponent - e);
  const y = b.mantissa * pow10(b.exponent - e);
  return x === y ? 0 : x < y ? -1 : 1;
}

/**
 * Adding aligns the exponents, so "1e1000000000" + "1" would need a billion-digit number.
 * Kubernetes would try; tinykube refuses past this many digits of difference.
 */
export const MAX_EXPONENT_GAP = 100_000;

function combine(a: Quantity, b: Quantity, sign: 1n | -1n): Quantity {
  // A zero side takes the other's format: 0 + 1Gi prints as 1Gi, not 1073741824.
  if (a.mantissa === 0n)
    return { mantissa: sign * b.mantissa, exponent: b.exponent, format: b.format };
  if (b.mantissa === 0n) return { mantissa: a.mantissa, exponent: a.exponent, format: a.format };
  const format = a.format;
  if (Math.abs(a.exponent - b.exponent) > MAX_EXPONENT_GAP) {
    throw new RangeError(
      `quantities ${canonicalQuantity(a)} and ${canonicalQuantity(b)} are more than 10^${MAX_EXPONENT_GAP} apart`,
    );
  }
  const e = Math.min(a.exponent, b.exponent);
  const sum = a.mantissa * pow10(a.exponent - e) + sign * b.mantissa * pow10(b.exponent - e);
  return { ...normalize(sum, e), format };
}

/** a + b, exactly. The result keeps a's format (b's if a is zero), as Quantity.Add does. */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  return combine(a, b, 1n);
}

/** a - b, exactly; formats as addQuantities. */
export function subtractQuantities(a: Quantity, b: Quantity): Quantity {
  return combine(a, b, -1n);
}

export function negateQuantity(q: Quantity): Quantity {
  return { mantissa: -q.mantissa, exponent: q.exponent, format: q.format };
}

/**
 * ceil(q × 10^-scale) away from zero, held to int64 as Kubernetes' ScaledValue holds it
 * (saturating at ±2^63). `scale` is a power of ten: 0 for units, -3 for milli-units.
 */
export function scaledValue(q: Quantity, scale: number): bigint {
  if (q.mantissa === 0n) return 0n;
  const shift = q.exponent - scale;
  let result: bigint;
  if (shift >= 0) {
    // Anything with more than 20 digits is past int64 already; skip building it.
    if (digitCount(q.mantissa) + shift > 20) return q.mantissa > 0n ? INT64_MAX : INT64_MIN;
    result = q.mantissa * pow10(shift);
  } else {
    result = divideAwayFromZero(q.mantissa, -shift);
  }
  return result > INT64_MAX ? INT64_MAX : result < INT64_MIN ? INT64_MIN : result;
}

/** Quantity.Value(): whole units rounded up, e.g. bytes of memory ("1.5" is 2, "1Ki" is 1024). */
export function quantityValue(q: Quantity): bigint {
  return scaledValue(q, 0);
}

/** Quantity.MilliValue(): thousandths rounded up, e.g. millicores of CPU ("0.5" is 500). */
export function milliValue(q: Quantity): bigint {
  return scaledValue(q, -3);
}

// #endregion arithmetic
