import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  convertFieldSelector,
  escapeFieldValue,
  eventFieldSet,
  type FieldSelector,
  FieldSelectorError,
  fieldSelectorRequiresExactMatch,
  fieldSelectorsFor,
  fieldSelectorToString,
  isFieldSelectorEmpty,
  matchesFields,
  namespaceFieldSet,
  nodeFieldSet,
  parseFieldSelector,
  podFieldSet,
  unescapeFieldValue,
} from "./fields.ts";
import type { KubeObject } from "./object.ts";

const parse = parseFieldSelector;
const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(FieldSelectorError);
    return (err as Error).message;
  }
  throw new Error("expected an error");
};

// Cases from k8s.io/apimachinery/pkg/fields/selector_test.go.
describe("parse and print (Kubernetes' TestSelectorParse)", () => {
  it.each(["x=a,y=b,z=c", "", "x!=a,y=b", "x=a||y\\=b", "x=a\\=\\=b"])(
    "%j prints back as it was",
    (s) => {
      expect(fieldSelectorToString(parse(s))).toBe(s);
    },
  );

  it.each(["x=a||y=b", "x==a==b", "x=a,b", "x in (a)", "x in (a,b,c)", "x"])(
    "%j is refused",
    (s) => {
      expect(() => parse(s)).toThrow(FieldSelectorError);
    },
  );

  it("sorts terms, so the order written does not matter", () => {
    expect(fieldSelectorToString(parse("x=a,a=x"))).toBe("a=x,x=a");
    expect(fieldSelectorToString(parse("a=x,x=a"))).toBe("a=x,x=a");
  });

  it("reads == as =, skips empty terms, and keeps escaped commas in values", () => {
    expect(parse("b==2,,a!=1,")).toEqual({
      requirements: [
        { field: "a", operator: "!=", value: "1" },
        { field: "b", operator: "=", value: "2" },
      ],
    });
    // Terms sort as text, and "2" sorts before "=".
    expect(parse("k=\\,,k2=v2").requirements).toEqual([
      { field: "k2", operator: "=", value: "v2" },
      { field: "k", operator: "=", value: "," },
    ]);
    expect(parse("k=\\\\,k2=v2").requirements.map((r) => r.value)).toEqual(["v2", "\\"]);
    expect(parse("함=수,목=록").requirements.map((r) => r.field)).toEqual(["목", "함"]);
  });

  it("splits a term at its first operator; field names cannot be escaped", () => {
    expect(parse("a\\=b").requirements).toEqual([{ field: "a\\", operator: "=", value: "b" }]);
    // "!=" is found first, leaving "=b", whose "=" is not escaped.
    expect(errorOf(() => parse("a!==b"))).toBe(
      "invalid field selector: unescaped character in value: 61",
    );
    expect(parse("a!=\\=b").requirements).toEqual([{ field: "a", operator: "!=", value: "=b" }]);
  });
});

describe("error messages, word for word", () => {
  const cases: [string, string][] = [
    ["x=a,b", "invalid selector: 'x=a,b'; can't understand 'b'"],
    ["x in (a)", "invalid selector: 'x in (a)'; can't understand 'x in (a)'"],
    // Kubernetes prints the offending character as its code point: 61 is "=", 44 is ",".
    ["x==a==b", "invalid field selector: unescaped character in value: 61"],
    ["k=a\\b", "invalid field selector: invalid escape sequence: \\b"],
    ["k=a\\", "invalid field selector: invalid escape sequence: \\"],
  ];
  it.each(cases)("%j: %s", (input, message) => expect(errorOf(() => parse(input))).toBe(message));
});

describe("escaping (Kubernetes' TestEscapeValue)", () => {
  it.each([
    ["", ""],
    ["a", "a"],
    ["=", "\\="],
    [",", "\\,"],
    ["\\", "\\\\"],
    ["\\=\\,\\", "\\\\\\=\\\\\\,\\\\"],
  ])("%j escapes as %j and back", (raw, escaped) => {
    expect(escapeFieldValue(raw)).toBe(escaped);
    expect(unescapeFieldValue(escaped)).toBe(raw);
  });

  it.each(["\\", "\\\\\\", "\\a"])("%j is not a valid escaped value", (bad) => {
    expect(errorOf(() => unescapeFieldValue(bad))).toMatch(/invalid escape sequence/);
  });

  it("refuses a bare , or =", () => {
    expect(errorOf(() => unescapeFieldValue("a,b"))).toBe(
      "invalid field selector: unescaped character in value: 44",
    );
  });
});

describe("matching (Kubernetes' TestSelectorMatches)", () => {
  const yes: [string, Record<string, string>][] = [
    ["", { x: "y" }],
    ["x=y", { x: "y" }],
    ["x=y,z=w", { x: "y", z: "w" }],
    ["x!=y,z!=w", { x: "z", z: "a" }],
    ["notin=in", { notin: "in" }],
    [
      "foo=bar,baz=blah,complex=\\=value\\\\\\,\\\\",
      { foo: "bar", baz: "blah", complex: "=value\\,\\" },
    ],
    ["spec.nodeName=", {}],
    ["spec.nodeName!=node-1", {}],
  ];
  const no: [string, Record<string, string>][] = [
    ["x=y", { x: "z" }],
    ["x=y,z=w", { x: "w", z: "w" }],
    ["x!=y,z!=w", { x: "z", z: "w" }],
    ["foo=blah", { foo: "bar" }],
    ["foo=bar,foobar=bar,baz=blah", { foo: "bar", baz: "blah" }],
    ["constructor=", { constructor: "x" }],
  ];
  it.each(yes)("%j matches %j", (s, set) => expect(matchesFields(parse(s), set)).toBe(true));
  it.each(no)("%j does not match %j", (s, set) => expect(matchesFields(parse(s), set)).toBe(false));

  it("knows empty selectors and exact requirements", () => {
    expect(isFieldSelectorEmpty(parse(""))).toBe(true);
    expect(isFieldSelectorEmpty(parse("a=b"))).toBe(false);
    expect(
      fieldSelectorRequiresExactMatch(
        parse("spec.nodeName=n1,status.phase!=Failed"),
        "spec.nodeName",
      ),
    ).toBe("n1");
    expect(
      fieldSelectorRequiresExactMatch(parse("status.phase!=Failed"), "status.phase"),
    ).toBeUndefined();
  });
});

const obj = (
  kind: string,
  rest: Record<string, unknown>,
  metadata: KubeObject["metadata"],
): KubeObject => ({
  apiVersion: "v1",
  kind,
  metadata,
  ...rest,
});

describe("field sets", () => {
  it("pod: the fields kubelet, scheduler and kubectl select on", () => {
    const pod = obj(
      "Pod",
      {
        spec: {
          nodeName: "node-1",
          restartPolicy: "Always",
          schedulerName: "default-scheduler",
          serviceAccountName: "default",
        },
        status: { phase: "Running", podIP: "127.128.0.5", podIPs: [{ ip: "127.128.0.5" }] },
      },
      { name: "web-1", namespace: "default" },
    );
    expect(podFieldSet(pod)).toEqual({
      "metadata.name": "web-1",
      "metadata.namespace": "default",
      "spec.nodeName": "node-1",
      "spec.restartPolicy": "Always",
      "spec.schedulerName": "default-scheduler",
      "spec.serviceAccountName": "default",
      "spec.hostNetwork": "false",
      "status.phase": "Running",
      "status.podIP": "127.128.0.5",
      "status.nominatedNodeName": "",
    });
    expect(
      podFieldSet(obj("Pod", { spec: { hostNetwork: true } }, { name: "p" }))["spec.hostNetwork"],
    ).toBe("true");
  });

  it("event: source falls back to reportingComponent", () => {
    const base = {
      involvedObject: { kind: "Pod", name: "web-1", uid: "u1" },
      reason: "Scheduled",
      type: "Normal",
    };
    const old = eventFieldSet(
      obj("Event", { ...base, source: { component: "default-scheduler" } }, { name: "e" }),
    );
    const fresh = eventFieldSet(
      obj("Event", { ...base, reportingComponent: "kubelet" }, { name: "e" }),
    );
    expect(old.source).toBe("default-scheduler");
    expect(fresh.source).toBe("kubelet");
    expect(fresh["involvedObject.uid"]).toBe("u1");
    expect(fresh["involvedObject.fieldPath"]).toBe("");
  });

  it("cluster-scoped kinds have no metadata.namespace field", () => {
    expect(nodeFieldSet(obj("Node", { spec: { unschedulable: true } }, { name: "n1" }))).toEqual({
      "metadata.name": "n1",
      "spec.unschedulable": "true",
    });
    expect(
      namespaceFieldSet(obj("Namespace", { status: { phase: "Active" } }, { name: "default" })),
    ).toEqual({
      "metadata.name": "default",
      "status.phase": "Active",
      name: "default",
    });
  });
});

describe("per-kind rules, as the list handler applies them", () => {
  const pods = fieldSelectorsFor({ group: "", kind: "Pod", namespaced: true });
  const configMaps = fieldSelectorsFor({ group: "", kind: "ConfigMap", namespaced: true });
  const replicaSets = fieldSelectorsFor({ group: "apps", kind: "ReplicaSet", namespaced: true });
  const nodes = fieldSelectorsFor({ group: "", kind: "Node", namespaced: false });

  it("accepts supported fields and renames spec.host", () => {
    const s = convertFieldSelector(parse("spec.host=n1,status.phase!=Failed"), pods);
    expect(fieldSelectorToString(s)).toBe("spec.nodeName=n1,status.phase!=Failed");
    const pod = obj(
      "Pod",
      { spec: { nodeName: "n1" }, status: { phase: "Running" } },
      { name: "p", namespace: "d" },
    );
    expect(matchesFields(s, pods.fieldSet(pod))).toBe(true);
  });

  it("refuses other fields with the kind's own wording", () => {
    expect(errorOf(() => convertFieldSelector(parse("spec.containers=x"), pods))).toBe(
      "field label not supported: spec.containers",
    );
    expect(errorOf(() => convertFieldSelector(parse("metadata.namespace=x"), nodes))).toBe(
      "field label not supported: metadata.namespace",
    );
    expect(errorOf(() => convertFieldSelector(parse("data.key=x"), configMaps))).toBe(
      '"data.key" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
  });

  it("refuses status.replicas on apps/v1 ReplicaSets, as Kubernetes does, yet offers it to code", () => {
    expect(errorOf(() => convertFieldSelector(parse("status.replicas=0"), replicaSets))).toBe(
      '"status.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
    expect(
      replicaSets.fieldSet(obj("ReplicaSet", {}, { name: "r", namespace: "d" }))["status.replicas"],
    ).toBe("0");
  });

  it("lets every kind select on metadata.name and metadata.namespace", () => {
    const custom = fieldSelectorsFor({ group: "example.com", kind: "Widget", namespaced: false });
    const s = convertFieldSelector(parse("metadata.name=w,metadata.namespace="), custom);
    expect(matchesFields(s, custom.fieldSet(obj("Widget", {}, { name: "w" })))).toBe(true);
  });
});

// #region properties

const fieldName = fc.constantFrom("a", "b", "metadata.name", "spec.nodeName", "x.y");
const anyValue = fc.string({
  maxLength: 6,
  unit: fc.constantFrom("a", "=", ",", "\\", "!", " ", "é"),
});
const requirement = fc.record({
  field: fieldName,
  operator: fc.constantFrom("=" as const, "!=" as const),
  value: anyValue,
  written: fc.constantFrom("=", "==", "!="),
});
const selectorText = fc
  .array(requirement, { maxLength: 5 })
  .map((rs) =>
    rs
      .map(
        (r) =>
          `${r.field}${r.operator === "!=" ? "!=" : r.written === "!=" ? "=" : r.written}${escapeFieldValue(r.value)}`,
      )
      .join(","),
  );

const sortedRequirements = (s: FieldSelector) =>
  [...s.requirements].map((r) => `${r.field}${r.operator}${r.value}`).sort();

describe("properties", () => {
  it("escaping round-trips any string", () => {
    fc.assert(fc.property(fc.string(), (s) => unescapeFieldValue(escapeFieldValue(s)) === s));
  });

  it("parse(print(s)) has the requirements of s, and printing reaches a fixed point", () => {
    fc.assert(
      fc.property(selectorText, (text) => {
        const s = parse(text);
        const again = parse(fieldSelectorToString(s));
        expect(sortedRequirements(again)).toEqual(sortedRequirements(s));
        const fixed = fieldSelectorToString(again);
        expect(fieldSelectorToString(parse(fixed))).toBe(fixed);
      }),
    );
  });

  it("a selector matches exactly when each of its terms does", () => {
    const fieldSet = fc.dictionary(fieldName, anyValue, { maxKeys: 4 });
    fc.assert(
      fc.property(selectorText, fieldSet, (text, set) => {
        const terms = parse(text).requirements.map((r) => ({ requirements: [r] }));
        expect(matchesFields(parse(text), set)).toBe(terms.every((t) => matchesFields(t, set)));
      }),
    );
  });
});

// #endregion properties
