import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EVERYTHING,
  isLabelSelectorEmpty,
  type LabelOperator,
  type LabelRequirement,
  type LabelSelector,
  LabelSelectorError,
  labelSelectorToString,
  matchesLabels,
  NOTHING,
  newRequirement,
  parseLabelSelector,
  requiresExactMatch,
  selectorFromLabelSelector,
  selectorFromSet,
} from "./labels.ts";

const parse = parseLabelSelector;
const str = (s: string) => labelSelectorToString(parse(s));
const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(LabelSelectorError);
    return (err as Error).message;
  }
  throw new Error("expected an error");
};

const LABEL_VALUE_RULE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

// Cases from k8s.io/apimachinery/pkg/labels/selector_test.go.
describe("parse and print (Kubernetes' TestSelectorParse)", () => {
  it.each([
    "x=a,y=b,z=c",
    "",
    "x!=a,y=b",
    "x=",
    "x= ",
    "x=,z= ",
    "x= ,z= ",
    "!x",
    "x>1",
    "x>1,z<5",
  ])("%j prints back without spaces", (s) => expect(str(s)).toBe(s.replaceAll(" ", "")));

  it.each(["x=a||y=b", "x==a==b", "!x=a", "x<a"])("%j is refused", (s) => {
    expect(() => parse(s)).toThrow(LabelSelectorError);
  });

  it("is deterministic: requirements sort by key", () => {
    expect(str("x=a,a=x")).toBe(str("a=x,x=a"));
    expect(str("x=a,a=x")).toBe("a=x,x=a");
  });

  it("prints the canonical form", () => {
    expect(str("x in (b,a), !y ,z=1")).toBe("x in (a,b),!y,z=1");
    expect(str("y==jkl,x notin (def,abc),z")).toBe("x notin (abc,def),y==jkl,z");
    expect(str("x in (abc,)")).toBe("x in (,abc)");
    expect(str("z notin ()")).toBe("z notin ()");
  });
});

describe("Kubernetes' TestSetSelectorParser", () => {
  const cases: [string, string][] = [
    ["", ""],
    ["\rx", "x"],
    ["this-is-a-dns.domain.com/key-with-dash", "this-is-a-dns.domain.com/key-with-dash"],
    [
      "this-is-another-dns.domain.com/key-with-dash in (so,what)",
      "this-is-another-dns.domain.com/key-with-dash in (so,what)",
    ],
    [
      "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
      "0.1.2.domain/99 notin (10.10.100.1,tick.tack.clock)",
    ],
    ["foo  in\t (abc)", "foo in (abc)"],
    ["x notin\n (abc)", "x notin (abc)"],
    ["x  notin\t\t\t(abc,def)", "x notin (abc,def)"],
    ["x in (abc,def)", "x in (abc,def)"],
    ["x in (abc,)", "x in (,abc)"],
    ["x in ()", "x in ()"],
    ["x notin (abc,,def),bar,z in (),w", "bar,w,x notin (,abc,def),z in ()"],
    ["x,y in (a)", "x,y in (a)"],
    ["x=a", "x=a"],
    ["x>1", "x>1"],
    ["x<7", "x<7"],
    ["x=a,y!=b", "x=a,y!=b"],
    ["x=a,y!=b,z in (h,i,j)", "x=a,y!=b,z in (h,i,j)"],
    ["x notin ( )", "x notin ()"],
    ["x notin (, a)", "x notin (,a)"],
    ["a ", "a"],
    ["a in (x,y,notin, z,in)", "a in (in,notin,x,y,z)"],
    ["x,y", "x,y"],
  ];
  it.each(cases)("%j parses as %j", (input, printed) => expect(str(input)).toBe(printed));

  it.each([
    "x=a||y=b",
    ",x,y",
    "x nott in (y)",
    "a in (xyz),",
    "a in (xyz)b notin ()",
    "a in (xyz abc)",
    "a notin(",
    "a (",
    "(",
  ])("%j is refused", (s) => expect(() => parse(s)).toThrow(LabelSelectorError));
});

describe("error messages, word for word", () => {
  const cases: [string, string][] = [
    ["a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ["x==a==b", "found '==', expected: ',' or 'end of string'"],
    ["!x=a", "found '=', expected: ',' or 'end of string'"],
    ["app=myapp,", "found '', expected: identifier after ','"],
    [",x", "found ',', expected: !, identifier, or 'end of string'"],
    ["(", "found '(', expected: !, identifier, or 'end of string'"],
    ["a notin(", "unable to parse requirement: found '', expected: ',', ')' or identifier"],
    ["a in (xyz abc)", "unable to parse requirement: found 'abc', expected: ',' or ')'"],
    ["a in xyz", "unable to parse requirement: found 'xyz' expected: '('"],
    ["x in (,,)", "unable to parse requirement: found ')', expected: ',', or identifier"],
    ["x=(", "unable to parse requirement: found '(', expected: identifier"],
    ["!(", "unable to parse requirement: found '(', expected: identifier"],
    ["!=a", "found '!=', expected: !, identifier, or 'end of string'"],
    [
      "x<a",
      "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer",
    ],
    [
      "x=a||y=b",
      `unable to parse requirement: values[0][x]: Invalid value: "a||y": ${LABEL_VALUE_RULE}`,
    ],
    [
      "-x",
      "unable to parse requirement: <nil>: Invalid value: \"-x\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ],
  ];
  it.each(cases)("%j: %s", (input, message) => expect(errorOf(() => parse(input))).toBe(message));

  it("keeps the selector text on the error", () => {
    try {
      parse("a b");
    } catch (err) {
      expect((err as LabelSelectorError).selector).toBe("a b");
    }
  });
});

describe("matching (Kubernetes' TestSelectorMatches and TestRequirementSelectorMatching)", () => {
  const yes: [string, Record<string, string>][] = [
    ["", { x: "y" }],
    ["x=y", { x: "y" }],
    ["x=y,z=w", { x: "y", z: "w" }],
    ["x!=y,z!=w", { x: "z", z: "a" }],
    ["notin=in", { notin: "in" }],
    ["x", { x: "z" }],
    ["!x", { y: "z" }],
    ["x>1", { x: "2" }],
    ["x<1", { x: "0" }],
    ["foo=bar,baz=blah", { foo: "bar", baz: "blah" }],
    ["x in (foo),y notin (alpha)", { x: "foo", y: "baz" }],
    ["x notin (),y", { y: "" }],
    ["!x,y", { y: "" }],
    ["z>1", { z: "2" }],
    ["x!=y", {}],
    ["x notin (a)", {}],
  ];
  const no: [string, Record<string, string>][] = [
    ["x=z", {}],
    ["x=y", { x: "z" }],
    ["x=y,z=w", { x: "w", z: "w" }],
    ["x!=y,z!=w", { x: "z", z: "w" }],
    ["x", { y: "z" }],
    ["!x", { x: "z" }],
    ["x>1", { x: "0" }],
    ["x<1", { x: "2" }],
    ["foo=bar,foobar=bar,baz=blah", { foo: "bar", baz: "blah" }],
    ["x in (foo),y in (alpha)", { x: "foo", y: "baz" }],
    ["x notin (),!y", { y: "" }],
    ["x in ()", { y: "baz" }],
    ["z>1", { z: "v2" }],
    ["z>1", {}],
  ];
  it.each(yes)("%j matches %j", (s, labels) => expect(matchesLabels(parse(s), labels)).toBe(true));
  it.each(no)("%j does not match %j", (s, labels) =>
    expect(matchesLabels(parse(s), labels)).toBe(false),
  );

  it("compares integers as int64, not as text", () => {
    expect(matchesLabels(parse("x>9"), { x: "10" })).toBe(true);
    expect(matchesLabels(parse("x<10"), { x: "9" })).toBe(true);
    expect(matchesLabels(parse("x>9"), { x: "99999999999999999999" })).toBe(false); // past int64
  });

  it("does not read inherited properties as labels", () => {
    expect(matchesLabels(parse("constructor"), {})).toBe(false);
    expect(matchesLabels(parse("!toString"), {})).toBe(true);
  });
});

describe("requirements (Kubernetes' TestRequirementConstructor)", () => {
  const ok: [string, LabelOperator, string[]][] = [
    ["x", "in", ["foo"]],
    ["x", "notin", ["foo"]],
    ["x", "exists", []],
    ["x", "!", []],
    ["1foo", "in", ["bar"]],
    ["1234", "in", ["bar"]],
    ["y", "gt", ["1"]],
    ["z", "lt", ["6"]],
  ];
  const bad: [string, LabelOperator, string[]][] = [
    ["x", "in", []],
    ["x", "notin", []],
    ["foo", "gt", ["bar"]],
    ["barz", "lt", ["blah"]],
    ["a".repeat(254), "exists", []],
  ];
  it.each(ok)("%s %s %j is valid", (k, op, v) => expect(newRequirement(k, op, v).key).toBe(k));
  it.each(bad)("%s %s %j is not", (k, op, v) =>
    expect(() => newRequirement(k, op, v)).toThrow(LabelSelectorError),
  );

  it("reports every problem at once", () => {
    expect(errorOf(() => newRequirement("-k", "=", ["a", "-b"]))).toBe(
      "[key: Invalid value: \"-k\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'), " +
        'values: Invalid value: ["a","-b"]: exact-match compatibility requires one single value, ' +
        `values[1][-k]: Invalid value: "-b": ${LABEL_VALUE_RULE}]`,
    );
  });
});

describe("the API form (metav1.LabelSelectorAsSelector)", () => {
  it("null is NOTHING, {} is EVERYTHING", () => {
    expect(selectorFromLabelSelector(null)).toBe(NOTHING);
    expect(selectorFromLabelSelector(undefined)).toBe(NOTHING);
    expect(selectorFromLabelSelector({})).toBe(EVERYTHING);
    expect(selectorFromLabelSelector({ matchLabels: {}, matchExpressions: [] })).toBe(EVERYTHING);
    expect(matchesLabels(NOTHING, {})).toBe(false);
    expect(matchesLabels(EVERYTHING, {})).toBe(true);
    expect(isLabelSelectorEmpty(EVERYTHING)).toBe(true);
    expect(isLabelSelectorEmpty(NOTHING)).toBe(false);
    expect(labelSelectorToString(NOTHING)).toBe("");
  });

  it("combines matchLabels and matchExpressions", () => {
    const s = selectorFromLabelSelector({
      matchLabels: { tier: "web", app: "shop" },
      matchExpressions: [
        { key: "env", operator: "In", values: ["prod", "canary", "prod"] },
        { key: "legacy", operator: "DoesNotExist" },
        { key: "team", operator: "Exists" },
        { key: "zone", operator: "NotIn", values: ["b"] },
      ],
    });
    expect(labelSelectorToString(s)).toBe(
      "app=shop,env in (canary,prod,prod),!legacy,team,tier=web,zone notin (b)",
    );
    expect(matchesLabels(s, { app: "shop", tier: "web", env: "prod", team: "x" })).toBe(true);
    expect(matchesLabels(s, { app: "shop", tier: "web", env: "prod", team: "x", legacy: "" })).toBe(
      false,
    );
    expect(matchesLabels(s, { app: "shop", tier: "web", env: "dev", team: "x" })).toBe(false);
  });

  it("refuses bad operators and requirements with Kubernetes' messages", () => {
    expect(
      errorOf(() =>
        selectorFromLabelSelector({
          matchExpressions: [{ key: "a", operator: "Like" as "In", values: [] }],
        }),
      ),
    ).toBe('"Like" is not a valid label selector operator');
    expect(
      errorOf(() =>
        selectorFromLabelSelector({ matchExpressions: [{ key: "a", operator: "In" }] }),
      ),
    ).toBe("values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty");
    expect(
      errorOf(() =>
        selectorFromLabelSelector({
          matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }],
        }),
      ),
    ).toBe('values: Invalid value: ["x"]: values set must be empty for exists and does not exist');
  });

  it("selectorFromSet is equality on every key", () => {
    const s = selectorFromSet({ b: "2", a: "1" });
    expect(labelSelectorToString(s)).toBe("a=1,b=2");
    expect(matchesLabels(s, { a: "1", b: "2", c: "3" })).toBe(true);
    expect(matchesLabels(s, { a: "1" })).toBe(false);
    expect(selectorFromSet(undefined)).toEqual(EVERYTHING);
  });
});

describe("requiresExactMatch", () => {
  it("finds a single required value", () => {
    expect(requiresExactMatch(parse("a=1,b in (2),c in (3,4),d!=5"), "a")).toBe("1");
    expect(requiresExactMatch(parse("a=1,b in (2),c in (3,4),d!=5"), "b")).toBe("2");
    expect(requiresExactMatch(parse("a=1,b in (2),c in (3,4),d!=5"), "c")).toBeUndefined();
    expect(requiresExactMatch(parse("a=1,b in (2),c in (3,4),d!=5"), "d")).toBeUndefined();
    expect(requiresExactMatch(NOTHING, "a")).toBeUndefined();
  });
});

// #region properties

const key = fc.constantFrom("a", "app", "in", "notin", "example.com/tier", "x.y_z-1", "A1");
const value = fc.constantFrom("", "a", "in", "notin", "v1", "12", "A_b.c-d", "0");
const integer = fc.integer({ min: 0, max: 99 }).map(String);
const ws = fc.constantFrom("", " ", "  ", "\t", "\n");

/** A requirement and one of the many ways to write it. */
type Written = { requirement: LabelRequirement; text: string };
const written: fc.Arbitrary<Written> = fc.oneof<fc.Arbitrary<Written>[]>(
  fc
    .tuple(key, fc.constantFrom<LabelOperator>("=", "==", "!="), value, ws, ws)
    .map(([k, op, v, s1, s2]) => ({
      requirement: { key: k, operator: op, values: [v] },
      text: `${k}${s1}${op}${s2}${v}`,
    })),
  fc.tuple(key, fc.constantFrom<LabelOperator>("gt", "lt"), integer, ws).map(([k, op, v, s]) => ({
    requirement: { key: k, operator: op, values: [v] },
    text: `${k}${s}${op === "gt" ? ">" : "<"}${s}${v}`,
  })),
  fc
    .tuple(
      key,
      fc.constantFrom<LabelOperator>("in", "notin"),
      fc.uniqueArray(value, { minLength: 1, maxLength: 4 }),
      ws,
    )
    .map(([k, op, vs, s]) => ({
      requirement: { key: k, operator: op, values: [...vs].sort() },
      text: `${k} ${op}${s}(${s}${vs.join(`${s},${s}`)}${s})`,
    })),
  fc.tuple(key, ws).map(([k, s]) => ({
    requirement: { key: k, operator: "exists", values: [] },
    text: `${s}${k}${s}`,
  })),
  fc
    .tuple(key, ws)
    .map(([k, s]) => ({ requirement: { key: k, operator: "!", values: [] }, text: `!${s}${k}` })),
);

const selectorText = fc.array(written, { maxLength: 5 }).map((items) => ({
  requirements: items.map((i) => i.requirement),
  text: items.map((i) => i.text).join(","),
}));

describe("properties", () => {
  it("parse(print(s)) is s, and printing is idempotent", () => {
    fc.assert(
      fc.property(selectorText, ({ text }) => {
        const parsed = parse(text);
        const printed = labelSelectorToString(parsed);
        expect(parse(printed)).toEqual(parsed);
        expect(labelSelectorToString(parse(printed))).toBe(printed);
      }),
    );
  });

  it("parses what was written, however it was spaced", () => {
    fc.assert(
      fc.property(selectorText, ({ requirements, text }) => {
        const parsed = parse(text) as Extract<LabelSelector, { type: "requirements" }>;
        const byKey = [...requirements].sort((x, y) =>
          x.key < y.key ? -1 : x.key > y.key ? 1 : 0,
        );
        expect(parsed.requirements).toEqual(byKey);
      }),
    );
  });

  const labels = fc.dictionary(key, value, { maxKeys: 4 });

  it("a selector matches exactly when each of its requirements does (AND)", () => {
    fc.assert(
      fc.property(fc.array(written, { maxLength: 4 }), labels, (items, set) => {
        const whole = matchesLabels(parse(items.map((i) => i.text).join(",")), set);
        const each = items.every((i) => matchesLabels(parse(i.text), set));
        expect(whole).toBe(each);
      }),
    );
  });

  it("notin is the negation of in, !key of key, != of =", () => {
    fc.assert(
      fc.property(
        key,
        fc.uniqueArray(value, { minLength: 1, maxLength: 3 }),
        labels,
        (k, vs, set) => {
          const list = vs.join(",");
          expect(matchesLabels(parse(`${k} notin (${list})`), set)).toBe(
            !matchesLabels(parse(`${k} in (${list})`), set),
          );
          expect(matchesLabels(parse(`!${k}`), set)).toBe(!matchesLabels(parse(k), set));
          expect(matchesLabels(parse(`${k}!=${vs[0]}`), set)).toBe(
            !matchesLabels(parse(`${k}=${vs[0]}`), set),
          );
        },
      ),
    );
  });
});

// #endregion properties
