/**
 * The part of Kubernetes JSONPath (k8s.io/client-go/util/jsonpath) that CRD
 * additionalPrinterColumns use, evaluated as Kubernetes evaluates it, missing keys allowed:
 *
 *   .spec.replicas                                  a field
 *   .metadata.labels.app\.kubernetes\.io/name       "\." keeps a dot inside a key
 *   ['spec']['replicas']                            a key in brackets (single quotes only)
 *   .spec.containers[0].image, [-1], [0:4:2], [*]   index (negative counts from the end), slice
 *                                                   [start:end:step], all
 *   .status.conditions[?(@.type=="Ready")].status   filter: == != < > <= >=, or [?(@.field)] exists
 *
 * Semantics worth knowing, all Kubernetes':
 * - A missing key is no result, not an error; so is a field of null. Asking an index or filter of
 *   something that is not a list is an error, and so is an index out of range.
 * - A filter compares like Go templates: strings with strings, integers with integers, floats with
 *   floats, booleans with booleans (equality only); anything else ("3" == 3) is an error, not
 *   false. An element that lacks the compared field is skipped.
 * - The key in ['a.b'] is parsed like `.a.b`: two keys. Escape the dot instead.
 *
 * Left out, each refused with an error at parse time: recursive descent (..), unions ([0,1]),
 * range/end templates, and text outside the expression. A wildcard over a string selects nothing
 * (Kubernetes selects its bytes).
 */

type Node =
  | { type: "field"; name: string }
  | { type: "wildcard" }
  | { type: "array"; start?: number; end?: number; endDerived: boolean; step?: number }
  | { type: "filter"; left: Node[]; operator: string; right: Node[] }
  | { type: "text"; value: string }
  | { type: "int"; value: number }
  | { type: "float"; value: number }
  | { type: "bool"; value: boolean };

/** A syntax error, or an evaluation error (Kubernetes shows a missing cell for the latter). */
export class JsonPathError extends Error {
  override name = "JsonPathError";
}

export interface JsonPath {
  /** The expression as given, e.g. ".spec.replicas". */
  readonly source: string;
  /** Every value the path selects, in order; [] when nothing matches. Throws JsonPathError. */
  find(data: unknown): unknown[];
}

/** Parses a JSONPath expression as written in a CRD column (".spec.replicas", no braces). */
export function parseJsonPath(source: string): JsonPath {
  const nodes = new Parser(source).parse();
  return { source, find: (data) => evalList([data], nodes) };
}

const TERMINATORS = new Set([" ", "\t", "\r", "\n", ".", ",", "[", "]", "$", "@", "{", "}"]);

class Parser {
  private pos = 0;
  constructor(private readonly input: string) {}

  parse(): Node[] {
    const nodes: Node[] = [];
    while (this.pos < this.input.length) {
      const rest = this.input.slice(this.pos);
      if (rest.startsWith("[?(")) {
        nodes.push(this.filter());
        continue;
      }
      if (rest.startsWith("..")) {
        throw new JsonPathError(`recursive descent (..) is not supported: ${this.input}`);
      }
      const c = rest[0] as string;
      if (c === " " || c === "@" || c === "$") {
        this.pos++;
      } else if (c === "[") {
        nodes.push(...this.array());
      } else if (c === '"' || c === "'") {
        nodes.push({ type: "text", value: this.quoted(c) });
      } else if (c === ".") {
        this.pos++;
        nodes.push(this.field());
      } else if (c === "+" || c === "-" || isDigit(c)) {
        nodes.push(this.number());
      } else if (/[\p{L}\p{N}_]/u.test(c)) {
        nodes.push(this.identifier());
      } else {
        const code = (c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
        throw new JsonPathError(`unrecognized character in action: U+${code} '${c}'`);
      }
    }
    return nodes;
  }

  /** A key up to the next unescaped terminator; a backslash keeps the next character. */
  private field(): Node {
    const start = this.pos;
    while (this.pos < this.input.length) {
      const c = this.input[this.pos] as string;
      if (c === "\\") this.pos += 2;
      else if (TERMINATORS.has(c)) break;
      else this.pos++;
    }
    const raw = this.input.slice(start, Math.min(this.pos, this.input.length));
    return raw === "*" ? { type: "wildcard" } : { type: "field", name: raw.replaceAll("\\", "") };
  }

  /** [n], [start:end:step], [*] or ['key']; the key form may expand to several fields. */
  private array(): Node[] {
    const close = this.input.indexOf("]", this.pos);
    const newline = this.input.indexOf("\n", this.pos);
    if (close < 0 || (newline >= 0 && newline < close))
      throw new JsonPathError("unterminated array");
    let text = this.input.slice(this.pos + 1, close);
    this.pos = close + 1;
    if (text === "*") text = ":";
    if (text.includes(",")) throw new JsonPathError(`unions ([${text}]) are not supported`);
    const key = /^'([^']*)'$/.exec(text);
    // As in Kubernetes, ['a.b'] is parsed as .a.b: two keys.
    if (key) return parseAll(`.${key[1]}`);
    const slice = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/.exec(text);
    if (!slice) throw new JsonPathError(`invalid array index ${text}`);
    const [, first = "", second, third] = slice;
    const start = first === "" ? undefined : Number(first);
    const number = (part: string | undefined) =>
      part === undefined || part === ":" ? undefined : Number(part.slice(1));
    if (second === undefined) {
      // [n] is the slice [n:n+1], the end derived from the start.
      return [
        { type: "array", start, end: (start ?? 0) + 1, endDerived: true, step: number(third) },
      ];
    }
    return [{ type: "array", start, end: number(second), endDerived: false, step: number(third) }];
  }

  private filter(): Node {
    this.pos += 3;
    const start = this.pos;
    let quote: string | undefined;
    let closed = false;
    for (;;) {
      const c = this.input[this.pos];
      this.pos++;
      if (c === undefined || c === "\n") throw new JsonPathError("unterminated filter");
      if ((c === '"' || c === "'") && !closed) {
        if (quote === undefined) quote = c;
        else if (c === quote && this.input[this.pos - 2] !== "\\") closed = true;
        continue;
      }
      if (c === ")" && (quote === undefined) === !closed) break;
    }
    if (this.input[this.pos] !== "]") throw new JsonPathError("unclosed array expect ]");
    this.pos++;
    const text = this.input.slice(start, this.pos - 2);
    const comparison = /^([^!<>=]+)([!<>=]+)(.+?)$/.exec(text);
    if (!comparison) return { type: "filter", left: parseAll(text), operator: "exists", right: [] };
    const [, left = "", operator = "", right = ""] = comparison;
    return { type: "filter", left: parseAll(left), operator, right: parseAll(right) };
  }

  private quoted(quote: string): string {
    let i = this.pos + 1;
    let value = "";
    for (;;) {
      const c = this.input[i];
      if (c === undefined || c === "\n") throw new JsonPathError("unterminated quoted string");
      if (c === quote) break;
      if (c === "\\") {
        const next = this.input[i + 1] ?? "";
        value += ESCAPES[next] ?? next;
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    this.pos = i + 1;
    return value;
  }

  private number(): Node {
    const m = /^[+-]?[\d.]*/.exec(this.input.slice(this.pos)) as RegExpExecArray;
    this.pos += m[0].length;
    const text = m[0];
    if (/^[+-]?\d+$/.test(text)) return { type: "int", value: Number(text) };
    if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) return { type: "float", value: Number(text) };
    throw new JsonPathError(`cannot parse number ${text}`);
  }

  private identifier(): Node {
    const start = this.pos;
    while (this.pos < this.input.length && !TERMINATORS.has(this.input[this.pos] as string))
      this.pos++;
    const word = this.input.slice(start, this.pos);
    if (word === "true" || word === "false") return { type: "bool", value: word === "true" };
    throw new JsonPathError(`unrecognized identifier ${word}`);
  }
}

const ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  "\\": "\\",
  '"': '"',
  "'": "'",
};

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

/** Parses a whole expression, keeping the extra steps that ['a.b'] produces in order. */
function parseAll(text: string): Node[] {
  return new Parser(text).parse();
}

// --- evaluation -----------------------------------------------------------------------------

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Go's reflect type names, for error messages that look like Kubernetes'. */
function goType(v: unknown): string {
  if (Array.isArray(v)) return "[]interface {}";
  if (isObject(v)) return "map[string]interface {}";
  if (typeof v === "number") return Number.isInteger(v) ? "int64" : "float64";
  return typeof v;
}

function evalList(input: unknown[], nodes: Node[]): unknown[] {
  let values = input;
  for (const node of nodes) values = evalNode(values, node);
  return values;
}

/**
 * Like evalList, but an error ends the walk with the values that reached the failing step, which
 * is what Go's evalList hands back with its error. An existence filter ignores the error and
 * tests those: [?(@.ports[5])] keeps an element whose ports list is too short.
 */
function evalListUpToError(input: unknown[], nodes: Node[]): unknown[] {
  let values = input;
  for (const node of nodes) {
    try {
      values = evalNode(values, node);
    } catch (error) {
      if (error instanceof JsonPathError) return values;
      throw error;
    }
  }
  return values;
}

function evalNode(input: unknown[], node: Node): unknown[] {
  switch (node.type) {
    case "text":
      return [node.value];
    case "int":
    case "bool":
      return input.map(() => node.value);
    case "float":
      return input.map(() => new GoFloat(node.value));
    case "field": {
      const out: unknown[] = [];
      for (const v of input) {
        if (isObject(v) && Object.hasOwn(v, node.name)) out.push(v[node.name]);
      }
      return out;
    }
    case "wildcard": {
      const out: unknown[] = [];
      for (const v of input) {
        if (Array.isArray(v)) out.push(...v);
        else if (isObject(v)) out.push(...Object.values(v));
      }
      return out;
    }
    case "array":
      return evalArray(input, node);
    case "filter":
      return input.flatMap((v) => filter(v, node));
  }
}

/**
 * Index and slice selection, as Kubernetes computes it. Worked example on a list of 3:
 * [-1] is start -1 with derived end 0; start becomes 2, and a derived end of 0 becomes 3: [2:3].
 */
function evalArray(input: unknown[], node: Extract<Node, { type: "array" }>): unknown[] {
  const result: unknown[] = [];
  for (const value of input) {
    if (value === null || value === undefined) continue;
    if (!Array.isArray(value)) throw new JsonPathError(`${goType(value)} is not array or slice`);
    const length = value.length;
    let start = node.start ?? 0;
    if (start < 0) start += length;
    let end = node.end ?? length;
    if (end < 0 || (end === 0 && node.endDerived)) end += length;
    // Asking for zero elements ends the whole selection here, later inputs included (a
    // Kubernetes quirk kept on purpose).
    if (end === start) return result;
    if (start >= length || start < 0) {
      throw new JsonPathError(`array index out of bounds: index ${start}, length ${length}`);
    }
    if (end > length || end < 0) {
      throw new JsonPathError(`array index out of bounds: index ${end - 1}, length ${length}`);
    }
    if (start > end) {
      throw new JsonPathError(`starting index ${start} is greater than ending index ${end}`);
    }
    const step = node.step ?? 1;
    if (step <= 0) throw new JsonPathError("step must be > 0");
    for (let i = start; i < end; i += step) result.push(value[i]);
  }
  return result;
}

function filter(value: unknown, node: Extract<Node, { type: "filter" }>): unknown[] {
  if (!Array.isArray(value)) {
    // null is not a list either: unlike a field, a filter does not skip it.
    throw new JsonPathError(`${goType(value)} is not array or slice and cannot be filtered`);
  }
  const out: unknown[] = [];
  for (const element of value) {
    if (node.operator === "exists") {
      if (evalListUpToError([element], node.left).length > 0) out.push(element);
      continue;
    }
    const lefts = evalList([element], node.left);
    if (lefts.length === 0) continue;
    if (lefts.length > 1) throw new JsonPathError("can only compare one element at a time");
    const rights = evalList([element], node.right);
    if (rights.length === 0) continue;
    if (rights.length > 1) throw new JsonPathError("can only compare one element at a time");
    if (compare(lefts[0], node.operator, rights[0])) out.push(element);
  }
  return out;
}

/** A number literal written with a decimal point: a float, never equal to an integer. */
class GoFloat {
  constructor(readonly value: number) {}
}

type Basic =
  | { kind: "bool"; value: boolean }
  | { kind: "int" | "float"; value: number }
  | { kind: "string"; value: string };

function basic(v: unknown): Basic {
  if (v instanceof GoFloat) return { kind: "float", value: v.value };
  if (typeof v === "boolean") return { kind: "bool", value: v };
  if (typeof v === "string") return { kind: "string", value: v };
  if (typeof v === "number") return { kind: Number.isInteger(v) ? "int" : "float", value: v };
  throw new JsonPathError("invalid type for comparison");
}

/** Go template comparison (eq, ne, lt, le, gt, ge) of two JSON scalars of the same kind. */
function compare(left: unknown, operator: string, right: unknown): boolean {
  const a = basic(left);
  const b = basic(right);
  if (a.kind !== b.kind) throw new JsonPathError("incompatible types for comparison");
  const equal = a.value === b.value;
  const less = () => {
    if (a.kind === "bool") throw new JsonPathError("invalid type for comparison");
    return (a.value as number | string) < (b.value as number | string);
  };
  switch (operator) {
    case "==":
      return equal;
    case "!=":
      return !equal;
    case "<":
      return less();
    case "<=":
      return less() || equal;
    case ">":
      return !(less() || equal);
    case ">=":
      return !less();
    default:
      throw new JsonPathError(`unrecognized filter operator ${operator}`);
  }
}

// --- printing -------------------------------------------------------------------------------

/**
 * A value as Go's fmt.Print shows it, which is how a "string" column prints what its path
 * selects: strings as they are, numbers in Go's %v form (1e+06 for a large float), objects as
 * map[key:value ...] with sorted keys, lists as [a b], null as <nil>.
 */
export function goPrint(value: unknown): string {
  if (value instanceof GoFloat) return goFloat(value.value);
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : goFloat(value);
  if (Array.isArray(value)) return `[${value.map(goPrint).join(" ")}]`;
  if (isObject(value)) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${key}:${goPrint(value[key])}`);
    return `map[${entries.join(" ")}]`;
  }
  return String(value);
}

/**
 * %v of a float64 (strconv 'g' with the shortest digits): exponent form when the decimal
 * exponent is below -4 or at least 6, else plain. Examples: 0.5 -> "0.5", 123456.5 ->
 * "123456.5", 1234567.5 -> "1.2345675e+06", 0.00001 -> "1e-05".
 */
function goFloat(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "NaN" : x > 0 ? "+Inf" : "-Inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [mantissa = "", exp = "0"] = x.toExponential().split("e");
  const exponent = Number(exp);
  if (exponent >= -4 && exponent < 6) return String(x);
  const abs = Math.abs(exponent);
  return `${mantissa}e${exponent < 0 ? "-" : "+"}${abs < 10 ? `0${abs}` : abs}`;
}
