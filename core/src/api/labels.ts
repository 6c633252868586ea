/**
 * Label selectors (k8s.io/apimachinery/pkg/labels): the filter behind `kubectl get -l`, a
 * ReplicaSet's spec.selector and a Service's spec.selector.
 *
 * Guarantees:
 * - A selector is a list of requirements that must all hold (AND); there is no OR.
 * - Parsing and printing follow Kubernetes exactly: the same strings parse, the same errors come
 *   back word for word, and `labelSelectorToString` prints the canonical form Kubernetes prints,
 *   requirements sorted by key, set values sorted. Parsing that form again gives the same selector.
 * - Keys and values are checked with the label rules of validation.ts as the parser meets them.
 *
 * Two selectors are special, as in Kubernetes: EVERYTHING (no requirements) matches every object
 * and NOTHING matches none. An empty API selector `{}` is EVERYTHING; a missing one (null) is
 * NOTHING, so a ReplicaSet without a selector never adopts every pod in its namespace.
 */
import {
  aggregateMessage,
  type FieldError,
  fieldErrorMessage,
  goQuote,
  invalid,
  isQualifiedName,
  isValidLabelValue,
  type LabelSelectorObject,
  notSupported,
} from "./validation.ts";

// #region types

/**
 * Kubernetes' selection.Operator values. "=" and "==" mean the same and are kept apart only to
 * print back as written; "exists" is a bare key, "!" a key that must be absent; "gt" and "lt"
 * compare integer values (`replicas>2`), a parser feature kubectl rarely shows.
 */
export type LabelOperator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** One value for =, ==, !=, gt, lt; at least one for in, notin ("" counts); none otherwise. */
  readonly values: readonly string[];
}

export type LabelSelector =
  | { readonly type: "requirements"; readonly requirements: readonly LabelRequirement[] }
  | { readonly type: "nothing" };

export const EVERYTHING: LabelSelector = Object.freeze({ type: "requirements", requirements: [] });
export const NOTHING: LabelSelector = Object.freeze({ type: "nothing" });

/**
 * A selector that does not parse or a requirement that breaks the rules. The message is
 * Kubernetes' own; for a `labelSelector` query parameter the API server answers 400 BadRequest
 * with it.
 */
export class LabelSelectorError extends Error {
  override name = "LabelSelectorError";
  constructor(
    message: string,
    readonly selector?: string,
  ) {
    super(message);
  }
}

// #endregion types

// #region requirement

const ALL_OPERATORS: readonly LabelOperator[] = [
  "in",
  "notin",
  "=",
  "==",
  "!=",
  "gt",
  "lt",
  "exists",
  "!",
];

/** Go's strconv.ParseInt(s, 10, 64): optional sign, decimal digits, within int64. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

/**
 * labels.NewRequirement: a requirement, after checking the key, the number of values for the
 * operator, and each value. Every problem is reported, as one message (several as "[a, b]").
 * Field names are relative ("key", "values[0][app]"), as Kubernetes reports them.
 */
export function newRequirement(
  key: string,
  operator: LabelOperator,
  values: readonly string[],
): LabelRequirement {
  const errs: FieldError[] = [];
  const keyErrors = isQualifiedName(key);
  if (keyErrors.length > 0) errs.push(invalid("key", key, keyErrors.join("; ")));
  // Go shows an empty value list as null (a nil slice), a non-empty one as a JSON array.
  const shown = values.length === 0 ? null : values;
  switch (operator) {
    case "in":
    case "notin":
      if (values.length === 0) {
        errs.push(
          invalid("values", shown, "for 'in', 'notin' operators, values set can't be empty"),
        );
      }
      break;
    case "=":
    case "==":
    case "!=":
      if (values.length !== 1) {
        errs.push(invalid("values", shown, "exact-match compatibility requires one single value"));
      }
      break;
    case "exists":
    case "!":
      if (values.length !== 0) {
        errs.push(
          invalid("values", shown, "values set must be empty for exists and does not exist"),
        );
      }
      break;
    case "gt":
    case "lt":
      if (values.length !== 1) {
        errs.push(
          invalid("values", shown, "for 'Gt', 'Lt' operators, exactly one value is required"),
        );
      }
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(
            invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"),
          );
        }
      });
      break;
    default:
      errs.push(notSupported("operator", operator, ALL_OPERATORS));
  }
  values.forEach((v, i) => {
    const valueErrors = isValidLabelValue(v);
    if (valueErrors.length > 0)
      errs.push(invalid(`values[${i}][${key}]`, v, valueErrors.join("; ")));
  });
  if (errs.length > 0) throw new LabelSelectorError(aggregateMessage(errs.map(fieldErrorMessage)));
  return { key, operator, values: [...values] };
}

/** Sorts by key, keeping the order of requirements on the same key, as Kubernetes' Add does. */
function byKey(requirements: LabelRequirement[]): LabelRequirement[] {
  return requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function selectorOf(requirements: LabelRequirement[]): LabelSelector {
  return { type: "requirements", requirements: byKey(requirements) };
}

// #endregion requirement

// #region lexer

type Token =
  | "error"
  | "end"
  | "closePar"
  | "comma"
  | "doesNotExist"
  | "doubleEquals"
  | "equals"
  | "greaterThan"
  | "identifier"
  | "in"
  | "lessThan"
  | "notEquals"
  | "notIn"
  | "openPar";

interface Scanned {
  token: Token;
  literal: string;
}

const KEYWORDS = new Map<string, Token>([
  [")", "closePar"],
  [",", "comma"],
  ["!", "doesNotExist"],
  ["==", "doubleEquals"],
  ["=", "equals"],
  [">", "greaterThan"],
  ["in", "in"],
  ["<", "lessThan"],
  ["!=", "notEquals"],
  ["notin", "notIn"],
  ["(", "openPar"],
]);

const isWhitespace = (ch: string) => ch === " " || ch === "\t" || ch === "\r" || ch === "\n";
const isSpecial = (ch: string) => "=!(),><".includes(ch);

/**
 * Splits a selector into tokens, as Kubernetes' Lexer does: whitespace separates, the characters
 * = ! ( ) , > < form operators (the longest run that is still an operator: "!=" not "!" then "="),
 * and any other run of characters is an identifier, or the keyword `in` / `notin`. A NUL character
 * ends the input, as the Go lexer reads it as end of string.
 */
function lex(input: string): Scanned[] {
  const end = input.indexOf("\0");
  const s = end < 0 ? input : input.slice(0, end);
  const out: Scanned[] = [];
  let pos = 0;
  for (;;) {
    while (pos < s.length && isWhitespace(s.charAt(pos))) pos++;
    if (pos >= s.length) {
      out.push({ token: "end", literal: "" });
      return out;
    }
    if (isSpecial(s.charAt(pos))) {
      let buffer = "";
      let last: Scanned | undefined;
      while (pos < s.length && isSpecial(s.charAt(pos))) {
        const next = buffer + s.charAt(pos);
        const token = KEYWORDS.get(next);
        if (token !== undefined) last = { token, literal: next };
        else if (last !== undefined) break;
        buffer = next;
        pos++;
      }
      out.push(last ?? { token: "error", literal: `error expected: keyword found '${buffer}'` });
    } else {
      const start = pos;
      while (pos < s.length && !isSpecial(s.charAt(pos)) && !isWhitespace(s.charAt(pos))) pos++;
      const word = s.slice(start, pos);
      out.push({ token: KEYWORDS.get(word) ?? "identifier", literal: word });
    }
  }
}

// #endregion lexer

// #region parser

/**
 * Where the parser stands. `in` and `notin` are operators after a key but plain words among
 * values, so "env in (in, notin)" works; the parser reads tokens in one of the two contexts.
 */
type Context = "keyAndOperator" | "values";

class Parser {
  private position = 0;
  constructor(private readonly items: Scanned[]) {}

  lookahead(context: Context): Scanned {
    return this.asContext(this.items[this.position] ?? { token: "end", literal: "" }, context);
  }

  consume(context: Context): Scanned {
    const item = this.lookahead(context);
    this.position++;
    return item;
  }

  private asContext(item: Scanned, context: Context): Scanned {
    if (context === "values" && (item.token === "in" || item.token === "notIn")) {
      return { token: "identifier", literal: item.literal };
    }
    return item;
  }

  /** <selector> ::= <requirement> | <requirement> "," <selector> */
  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const { token, literal } = this.lookahead("values");
      if (token === "end") return requirements;
      if (token !== "identifier" && token !== "doesNotExist") {
        throw new Error(`found '${literal}', expected: !, identifier, or 'end of string'`);
      }
      try {
        requirements.push(this.parseRequirement());
      } catch (err) {
        throw new Error(`unable to parse requirement: ${(err as Error).message}`);
      }
      const next = this.consume("values");
      if (next.token === "end") return requirements;
      if (next.token !== "comma") {
        throw new Error(`found '${next.literal}', expected: ',' or 'end of string'`);
      }
      const after = this.lookahead("values");
      if (after.token !== "identifier" && after.token !== "doesNotExist") {
        throw new Error(`found '${after.literal}', expected: identifier after ','`);
      }
    }
  }

  /** <requirement> ::= [!] KEY [ <set-based-restriction> | <exact-match-restriction> ] */
  private parseRequirement(): LabelRequirement {
    const { key, operator } = this.parseKeyAndInferOperator();
    if (operator !== undefined) return newRequirement(key, operator, []);
    const op = this.parseOperator();
    const values = op === "in" || op === "notin" ? this.parseValues() : this.parseExactValue();
    // Kubernetes collects values in a set: duplicates go, the rest come out sorted.
    return newRequirement(key, op, [...values].sort());
  }

  /** A key alone means "exists"; "!" before it means "does not exist". */
  private parseKeyAndInferOperator(): { key: string; operator?: LabelOperator } {
    let item = this.consume("values");
    let operator: LabelOperator | undefined;
    if (item.token === "doesNotExist") {
      operator = "!";
      item = this.consume("values");
    }
    if (item.token !== "identifier")
      throw new Error(`found '${item.literal}', expected: identifier`);
    const keyErrors = isQualifiedName(item.literal);
    if (keyErrors.length > 0) {
      // Kubernetes checks the key here with no field path, so the message starts with "<nil>".
      throw new Error(fieldErrorMessage(invalid("<nil>", item.literal, keyErrors.join("; "))));
    }
    const next = this.lookahead("values").token;
    if ((next === "end" || next === "comma") && operator === undefined) operator = "exists";
    return { key: item.literal, ...(operator ? { operator } : {}) };
  }

  private parseOperator(): LabelOperator {
    const { token, literal } = this.consume("keyAndOperator");
    const operators: Partial<Record<Token, LabelOperator>> = {
      in: "in",
      equals: "=",
      doubleEquals: "==",
      greaterThan: "gt",
      lessThan: "lt",
      notIn: "notin",
      notEquals: "!=",
    };
    const op = operators[token];
    if (op === undefined)
      throw new Error(`found '${literal}', expected: in, notin, =, ==, !=, gt, lt`);
    return op;
  }

  /** <value-set> ::= "(" <values> ")"; "()" is the set holding only "". */
  private parseValues(): Set<string> {
    const open = this.consume("values");
    if (open.token !== "openPar") throw new Error(`found '${open.literal}' expected: '('`);
    const { token, literal } = this.lookahead("values");
    if (token === "identifier" || token === "comma") {
      const values = this.parseIdentifiersList();
      if (this.consume("values").token !== "closePar")
        throw new Error(`found '${literal}', expected: ')'`);
      return values;
    }
    if (token === "closePar") {
      this.consume("values");
      return new Set([""]);
    }
    throw new Error(`found '${literal}', expected: ',', ')' or identifier`);
  }

  /** Comma-separated values, any of which may be empty: "(a,,b)", "(,a)", "(a,)". */
  private parseIdentifiersList(): Set<string> {
    const values = new Set<string>();
    for (;;) {
      const { token, literal } = this.consume("values");
      if (token === "identifier") {
        values.add(literal);
        const next = this.lookahead("values");
        if (next.token === "comma") continue;
        if (next.token === "closePar") return values;
        throw new Error(`found '${next.literal}', expected: ',' or ')'`);
      }
      if (token !== "comma") throw new Error(`found '${literal}', expected: ',', or identifier`);
      if (values.size === 0) values.add(""); // "(," starts with an empty value
      const next = this.lookahead("values").token;
      if (next === "closePar") {
        values.add(""); // ",)" ends with one
        return values;
      }
      if (next === "comma") {
        this.consume("values");
        values.add(""); // ",," has one between
      }
    }
  }

  /** The value after =, ==, !=, > or <; nothing before "," or the end is the empty value. */
  private parseExactValue(): Set<string> {
    const ahead = this.lookahead("values").token;
    if (ahead === "end" || ahead === "comma") return new Set([""]);
    const { token, literal } = this.consume("values");
    if (token === "identifier") return new Set([literal]);
    throw new Error(`found '${literal}', expected: identifier`);
  }
}

/**
 * labels.Parse: the query-string syntax of `kubectl get -l` and `?labelSelector=`.
 *
 *   app=web,tier!=cache          equality: =, == and != (a missing key satisfies !=)
 *   env in (prod,staging)        set: in, notin (a missing key satisfies notin)
 *   release, !canary             existence: key present, key absent
 *   replicas>2, replicas<5       integer comparison
 *
 * Whitespace may surround operators and values; commas join requirements with AND. The empty
 * string is EVERYTHING.
 */
export function parseLabelSelector(text: string): LabelSelector {
  try {
    return selectorOf(new Parser(lex(text)).parse());
  } catch (err) {
    throw new LabelSelectorError((err as Error).message, text);
  }
}

// #endregion parser

// #region api-form

const API_OPERATORS = new Map<unknown, LabelOperator>([
  ["In", "in"],
  ["NotIn", "notin"],
  ["Exists", "exists"],
  ["DoesNotExist", "!"],
]);

/**
 * metav1.LabelSelectorAsSelector: the API form `{matchLabels, matchExpressions}` as a selector.
 * null or undefined is NOTHING; `{}` (or both lists empty) is EVERYTHING. matchLabels become
 * "=" requirements; values of expressions keep their given order and duplicates (only printing
 * sorts them).
 */
export function selectorFromLabelSelector(
  selector: LabelSelectorObject | null | undefined,
): LabelSelector {
  if (selector === null || selector === undefined) return NOTHING;
  const labels = Object.entries(selector.matchLabels ?? {});
  const expressions = selector.matchExpressions ?? [];
  if (labels.length + expressions.length === 0) return EVERYTHING;
  const requirements = labels.map(([key, value]) => newRequirement(key, "=", [value]));
  for (const expr of expressions) {
    const operator = API_OPERATORS.get(expr.operator);
    if (operator === undefined) {
      throw new LabelSelectorError(
        `${goQuote(String(expr.operator))} is not a valid label selector operator`,
      );
    }
    requirements.push(newRequirement(expr.key, operator, expr.values ?? []));
  }
  return selectorOf(requirements);
}

/**
 * labels.SelectorFromSet: every key equal to its value, as a Service's spec.selector map means.
 * Like Kubernetes, it does not validate: the map was validated when its object was stored.
 */
export function selectorFromSet(set: Record<string, string> | undefined): LabelSelector {
  return selectorOf(
    Object.entries(set ?? {}).map(([key, value]) => ({ key, operator: "=", values: [value] })),
  );
}

// #endregion api-form

// #region matching

function requirementMatches(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case "in":
    case "=":
    case "==":
      return has && value !== undefined && r.values.includes(value);
    case "notin":
    case "!=":
      return !has || value === undefined || !r.values.includes(value);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      // A value that is not an integer never matches, and neither does a malformed requirement.
      const actual = has && value !== undefined ? parseInt64(value) : undefined;
      const bound = r.values.length === 1 ? parseInt64(r.values[0] ?? "") : undefined;
      if (actual === undefined || bound === undefined) return false;
      return r.operator === "gt" ? actual > bound : actual < bound;
    }
  }
}

/** Whether labels satisfy every requirement; EVERYTHING matches all, NOTHING none. */
export function matchesLabels(
  selector: LabelSelector,
  labels: Record<string, string> | undefined,
): boolean {
  if (selector.type === "nothing") return false;
  const set = labels ?? {};
  return selector.requirements.every((r) => requirementMatches(r, set));
}

/** True for EVERYTHING (no requirements); NOTHING restricts, so it is not empty. */
export function isLabelSelectorEmpty(selector: LabelSelector): boolean {
  return selector.type === "requirements" && selector.requirements.length === 0;
}

/**
 * The single value `key` must have for the selector to match, if there is one (=, ==, or in with
 * one value): lets a cache look objects up by an indexed label instead of scanning.
 */
export function requiresExactMatch(selector: LabelSelector, key: string): string | undefined {
  if (selector.type === "nothing") return undefined;
  const r = selector.requirements.find((req) => req.key === key);
  if (r === undefined) return undefined;
  const exact = r.operator === "=" || r.operator === "==" || r.operator === "in";
  return exact && r.values.length === 1 ? r.values[0] : undefined;
}

// #endregion matching

// #region printing

const SHOWN_OPERATOR: Record<LabelOperator, string> = {
  "=": "=",
  "==": "==",
  "!=": "!=",
  in: " in ",
  notin: " notin ",
  gt: ">",
  lt: "<",
  exists: "",
  "!": "",
};

export function requirementToString(r: LabelRequirement): string {
  if (r.operator === "exists") return r.key;
  if (r.operator === "!") return `!${r.key}`;
  const values = r.values.length === 1 ? (r.values[0] ?? "") : [...r.values].sort().join(",");
  const set = r.operator === "in" || r.operator === "notin";
  return `${r.key}${SHOWN_OPERATOR[r.operator]}${set ? `(${values})` : values}`;
}

/**
 * The canonical form, as Kubernetes prints it: requirements by key, joined by ","; set values
 * sorted; no spaces except around in/notin. "x in (b,a), !y ,z=1" prints as "x in (a,b),!y,z=1";
 * both EVERYTHING and NOTHING print as "".
 */
export function labelSelectorToString(selector: LabelSelector): string {
  if (selector.type === "nothing") return "";
  return selector.requirements.map(requirementToString).join(",");
}

// #endregion printing
