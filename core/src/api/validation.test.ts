import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  aggregateMessage,
  duplicate,
  fieldErrorBody,
  fieldErrorMessage,
  forbidden,
  formatInvalid,
  GENERATED_NAME_ALPHABET,
  generateName,
  goQuote,
  invalid,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  nameIsPathSegment,
  notSupported,
  required,
  tooLong,
  typeInvalid,
  validateAnnotations,
  validateFieldManager,
  validateLabelSelector,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "./validation.ts";

const a = (n: number) => "a".repeat(n);

// Kubernetes' own cases: k8s.io/apimachinery/pkg/util/validation/validation_test.go.
describe("format checks (Kubernetes' validation_test.go cases)", () => {
  const cases: [string, (v: string) => string[], string[], string[]][] = [
    [
      "IsDNS1123Label",
      isDNS1123Label,
      [
        "a",
        "ab",
        "abc",
        "a1",
        "a-1",
        "a--1--2--b",
        "0",
        "01",
        "012",
        "1a",
        "1-a",
        "1--a--b--2",
        a(63),
      ],
      [
        ...["", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1"],
        ...["_", "a_", "_a", "a_b", "1_", "_1", "1_2", ".", "a.", ".a", "a.b", "1.", ".1", "1.2"],
        ...[" ", "a ", " a", "a b", "1 ", " 1", "1 2", a(64)],
      ],
    ],
    [
      "IsDNS1123Subdomain",
      isDNS1123Subdomain,
      [
        ...[
          "a",
          "ab",
          "abc",
          "a1",
          "a-1",
          "a--1--2--b",
          "0",
          "01",
          "012",
          "1a",
          "1-a",
          "1--a--b--2",
        ],
        ...[
          "a.a",
          "ab.a",
          "abc.a",
          "a1.a",
          "a-1.a",
          "a--1--2--b.a",
          "a.1",
          "ab.1",
          "abc.1",
          "a1.1",
        ],
        ...[
          "a-1.1",
          "a--1--2--b.1",
          "0.a",
          "01.a",
          "012.a",
          "1a.a",
          "1-a.a",
          "0.1",
          "01.1",
          "012.1",
        ],
        ...["1a.1", "1-a.1", "1--a--b--2.1", "a.b.c.d.e", "aa.bb.cc.dd.ee", "1.2.3.4.5", a(253)],
      ],
      [
        ...[
          "",
          "A",
          "ABC",
          "aBc",
          "A1",
          "A-1",
          "1-A",
          "-",
          "a-",
          "-a",
          "1-",
          "-1",
          "_",
          "a_",
          "_a",
        ],
        ...["a_b", "1_", "_1", "1_2", ".", "a.", ".a", "a..b", "1.", ".1", "1..2", " ", "a ", " a"],
        ...["a b", "1 ", " 1", "1 2", "A.a", "aB.a", "ab.A", "A1.a", "a1.A", "A.1", "aB.1", "A1.1"],
        ...[
          "1A.1",
          "0.A",
          "01.A",
          "012.A",
          "1A.a",
          "1a.A",
          "A.B.C.D.E",
          "AA.BB.CC.DD.EE",
          "a.B.c.d.e",
        ],
        ...["aa.bB.cc.dd.ee", "a@b", "a,b", "a;b", "a:b", "a%b", "a?b", "a$b", a(254)],
      ],
    ],
    [
      "IsDNS1035Label",
      isDNS1035Label,
      ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", a(63)],
      [
        ...["0", "01", "012", "1a", "1-a", "1--a--b--2", "", "A", "ABC", "aBc", "A1", "A-1", "1-A"],
        ...[
          "-",
          "a-",
          "-a",
          "1-",
          "-1",
          "_",
          "a_",
          "_a",
          "a_b",
          ".",
          "a.",
          ".a",
          "a.b",
          " ",
          a(64),
        ],
      ],
    ],
    [
      "IsQualifiedName",
      isQualifiedName,
      [
        ...["simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple"],
        ...["now-with-dashes/simple", "now.with.dots/simple", "now-with.dashes-and.dots/simple"],
        ...["1-num.2-num/3-num", "1234/5678", "1.2.3.4/5678", "Uppercase_Is_OK_123"],
        ...[
          "example.com/Uppercase_Is_OK_123",
          "requests.storage-foo",
          a(63),
          `${a(253)}/${"b".repeat(63)}`,
        ],
      ],
      [
        ...["nospecialchars%^=@", "cantendwithadash-", "-cantstartwithadash-", "only/one/slash"],
        ...[
          "Example.com/abc",
          "example_com/abc",
          "example.com/",
          "/simple",
          a(64),
          `${a(254)}/abc`,
        ],
      ],
    ],
    [
      "IsValidLabelValue",
      isValidLabelValue,
      ["simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", a(63), ""],
      [
        ...["nospecialchars%^=@", "Tama-nui-te-rā.is.Māori.sun", "\\backslashes\\are\\bad"],
        ...["-starts-with-dash", "ends-with-dash-", ".starts.with.dot", "ends.with.dot.", a(64)],
      ],
    ],
  ];
  for (const [name, check, good, bad] of cases) {
    it(`${name} accepts its good values`, () => {
      for (const v of good) expect(check(v), v).toEqual([]);
    });
    it(`${name} rejects its bad values`, () => {
      for (const v of bad) expect(check(v).length, v).toBeGreaterThan(0);
    });
  }
});

describe("messages, word for word", () => {
  it("a bad subdomain names the rule and its regex", () => {
    expect(isDNS1123Subdomain("X")).toEqual([
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
  });

  it("several examples are joined as Go joins them, with a double space", () => {
    expect(isDNS1123Label("-x")).toEqual([
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
    expect(isDNS1035Label("1abc")).toEqual([
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });

  it("a label that is a fine subdomain only misses the dots", () => {
    expect(isDNS1123Label("a.b")).toEqual(["must not contain dots"]);
  });

  it("length comes first, then the pattern", () => {
    expect(isDNS1123Label(`${a(64)}-`)).toEqual([
      "must be no more than 63 characters",
      expect.stringContaining("a lowercase RFC 1123 label must consist"),
    ]);
  });

  it("lengths count UTF-8 bytes, as Go's len does", () => {
    expect(isValidLabelValue("é".repeat(32))[0]).toBe("must be no more than 63 characters");
  });

  it("qualified names report prefix and name parts", () => {
    expect(isQualifiedName("/x")).toEqual(["prefix part must be non-empty"]);
    expect(isQualifiedName("example.com/")).toEqual([
      "name part must be non-empty",
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]);
    expect(isQualifiedName("Example.com/x")).toEqual([
      expect.stringMatching(/^prefix part a lowercase RFC 1123 subdomain must consist/),
    ]);
    expect(isQualifiedName("a/b/c")).toEqual([
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ]);
  });

  it("path segment names", () => {
    expect(isValidPathSegmentName(".")).toEqual(["may not be '.'"]);
    expect(isValidPathSegmentName("..")).toEqual(["may not be '..'"]);
    expect(isValidPathSegmentName("a/b%c")).toEqual(["may not contain '/'", "may not contain '%'"]);
    expect(isValidPathSegmentName("system:admin")).toEqual([]);
  });
});

describe("name validators", () => {
  it("a generateName prefix may end in a dash", () => {
    expect(nameIsDNSSubdomain("web-", true)).toEqual([]);
    expect(nameIsDNSSubdomain("web-", false).length).toBe(1);
    expect(nameIsDNSLabel("web-", true)).toEqual([]);
    expect(nameIsDNS1035Label("web-", true)).toEqual([]);
    expect(nameIsPathSegment(".", true)).toEqual([]);
    expect(nameIsPathSegment(".", false)).toEqual(["may not be '.'"]);
  });
});

describe("generateName", () => {
  it("appends five characters from Kubernetes' vowel-free alphabet", () => {
    let i = 0;
    expect(generateName("web-", () => i++)).toBe("web-bcdfg");
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (base) => {
        const name = generateName(base);
        const kept = base.slice(0, 58);
        return (
          name.startsWith(kept) &&
          name.length === kept.length + 5 &&
          [...name.slice(kept.length)].every((c) => GENERATED_NAME_ALPHABET.includes(c))
        );
      }),
    );
  });

  it("cuts long bases so the name fits a 63-character label", () => {
    expect(generateName(a(70), () => 0)).toBe(`${a(58)}bbbbb`);
  });
});

describe("field errors", () => {
  it("print as field.Error.Error() prints them", () => {
    expect(fieldErrorMessage(invalid("metadata.name", "X", "bad"))).toBe(
      'metadata.name: Invalid value: "X": bad',
    );
    expect(
      fieldErrorMessage(invalid("spec.replicas", -1, "must be greater than or equal to 0")),
    ).toBe("spec.replicas: Invalid value: -1: must be greater than or equal to 0");
    expect(fieldErrorMessage(required("metadata.namespace"))).toBe(
      "metadata.namespace: Required value",
    );
    expect(fieldErrorMessage(required("metadata.name", "name or generateName is required"))).toBe(
      "metadata.name: Required value: name or generateName is required",
    );
    expect(fieldErrorMessage(forbidden("metadata.namespace", "not allowed on this type"))).toBe(
      "metadata.namespace: Forbidden: not allowed on this type",
    );
    expect(fieldErrorMessage(tooLong("metadata.annotations", 262144))).toBe(
      "metadata.annotations: Too long: may not be more than 262144 bytes",
    );
    expect(
      fieldErrorMessage(
        notSupported("spec.restartPolicy", "Sometimes", ["Always", "Never", "OnFailure"]),
      ),
    ).toBe(
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"',
    );
    expect(fieldErrorMessage(duplicate("spec.containers[1].name", "web"))).toBe(
      'spec.containers[1].name: Duplicate value: "web"',
    );
    expect(fieldErrorBody(typeInvalid("spec.replicas", "three", "must be an integer"))).toBe(
      'Invalid value: "three": must be an integer',
    );
    expect(fieldErrorBody(invalid("x", ["a", "<b>"], "no"))).toBe(
      'Invalid value: ["a","\\u003cb\\u003e"]: no',
    );
    expect(fieldErrorBody(invalid("x", null, "no"))).toBe("Invalid value: null: no");
  });

  it("quote strings as Go's %q does", () => {
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote("tab\there\n")).toBe('"tab\\there\\n"');
    expect(goQuote("\u0000\u007f\u00a0é😀")).toBe('"\\x00\\x7f\\u00a0é😀"');
  });

  it("aggregate as ErrorList.ToAggregate does: duplicates dropped, several in brackets", () => {
    expect(aggregateMessage(["a"])).toBe("a");
    expect(aggregateMessage(["a", "b", "a"])).toBe("[a, b]");
  });

  it("make the message and causes of a 422 Invalid Status", () => {
    const errs = [
      invalid("metadata.name", "X", "bad"),
      invalid("metadata.name", "X", "bad"),
      required("spec"),
    ];
    expect(formatInvalid({ group: "apps", kind: "Deployment" }, "X", errs)).toEqual({
      message:
        'Deployment.apps "X" is invalid: [metadata.name: Invalid value: "X": bad, spec: Required value]',
      causes: [
        { reason: "FieldValueInvalid", message: 'Invalid value: "X": bad', field: "metadata.name" },
        { reason: "FieldValueInvalid", message: 'Invalid value: "X": bad', field: "metadata.name" },
        { reason: "FieldValueRequired", message: "Required value", field: "spec" },
      ],
    });
    expect(formatInvalid({ group: "", kind: "Pod" }, "x", []).message).toBe('Pod "x" is invalid');
  });
});

describe("validateObjectMeta", () => {
  const pod = { namespaced: true, nameValidator: nameIsDNSSubdomain };
  const node = { namespaced: false, nameValidator: nameIsDNSSubdomain };

  it("accepts good metadata", () => {
    expect(
      validateObjectMeta(
        {
          name: "web-1",
          namespace: "default",
          labels: { app: "web", "app.kubernetes.io/name": "web", empty: "" },
          annotations: { "Example.com/Note": "anything at all: ✓" },
          finalizers: ["kubernetes.io/pvc-protection"],
          ownerReferences: [
            { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: "1", controller: true },
          ],
        },
        pod,
      ),
    ).toEqual([]);
  });

  it("gives the message kubectl shows for an uppercase pod name", () => {
    const { message } = formatInvalid(
      { group: "", kind: "Pod" },
      "Web",
      validateObjectMeta({ name: "Web", namespace: "default" }, pod),
    );
    expect(message).toBe(
      `Pod "Web" is invalid: metadata.name: Invalid value: "Web": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
  });

  it("reports names, namespaces and scope", () => {
    const messages = (meta: Parameters<typeof validateObjectMeta>[0], rules = pod) =>
      validateObjectMeta(meta, rules).map(fieldErrorMessage);
    expect(messages({ namespace: "default" })).toEqual([
      "metadata.name: Required value: name or generateName is required",
    ]);
    expect(messages({ name: "x" })).toEqual(["metadata.namespace: Required value"]);
    expect(messages({ name: "x", namespace: "Bad_NS" })).toEqual([
      expect.stringMatching(
        /^metadata\.namespace: Invalid value: "Bad_NS": a lowercase RFC 1123 label/,
      ),
    ]);
    expect(messages({ name: "x", namespace: "default" }, node)).toEqual([
      "metadata.namespace: Forbidden: not allowed on this type",
    ]);
    expect(messages({ name: "web-x7k2q", generateName: "Web-", namespace: "default" })).toEqual([
      expect.stringMatching(
        /^metadata\.generateName: Invalid value: "Web-": a lowercase RFC 1123 subdomain/,
      ),
    ]);
    expect(messages({ name: "x", namespace: "default", generation: -1 })).toEqual([
      "metadata.generation: Invalid value: -1: must be greater than or equal to 0",
    ]);
  });

  it("checks labels, annotations, finalizers and owners", () => {
    const errs = validateObjectMeta(
      {
        name: "x",
        namespace: "default",
        labels: { "bad key": "ok", ok: "bad value" },
        annotations: { "a/b/c": "" },
        finalizers: ["orphan", "foregroundDeletion"],
        ownerReferences: [
          { apiVersion: "", kind: "", name: "", uid: "" },
          { apiVersion: "v1", kind: "Event", name: "e", uid: "1" },
          { apiVersion: "apps/v1", kind: "ReplicaSet", name: "a", uid: "2", controller: true },
          { apiVersion: "apps/v1", kind: "ReplicaSet", name: "b", uid: "3", controller: true },
        ],
      },
      pod,
    );
    expect(errs.map((e) => `${e.field}: ${e.detail.slice(0, 40)}`)).toEqual([
      "metadata.labels: name part must consist of alphanumeric c",
      "metadata.labels: a valid label must be an empty string or",
      "metadata.annotations: a qualified name must consist of alphanu",
      "metadata.ownerReferences.apiVersion: version must not be empty",
      "metadata.ownerReferences.kind: must not be empty",
      "metadata.ownerReferences.name: must not be empty",
      "metadata.ownerReferences.uid: must not be empty",
      "metadata.ownerReferences: /v1, Kind=Event is disallowed from being",
      "metadata.ownerReferences: Only one reference can have Controller s",
      "metadata.finalizers: finalizer orphan and foregroundDeletion ",
    ]);
    expect(errs[8]?.detail).toBe(
      'Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b',
    );
  });

  it("limits annotations to 256 KiB of keys and values", () => {
    expect(validateAnnotations({ a: "x".repeat(256 * 1024 - 1) }, "metadata.annotations")).toEqual(
      [],
    );
    expect(
      validateAnnotations({ a: "x".repeat(256 * 1024) }, "metadata.annotations").map(
        fieldErrorMessage,
      ),
    ).toEqual(["metadata.annotations: Too long: may not be more than 262144 bytes"]);
  });

  it("checks field managers", () => {
    expect(validateFieldManager("kubectl\u0007", "fieldManager").map((e) => e.detail)).toEqual([
      "invalid character U+0007 (at position 7)",
    ]);
    expect(validateFieldManager(a(129), "fieldManager").map(fieldErrorMessage)).toEqual([
      "fieldManager: Too long: may not be more than 128 bytes",
    ]);
  });
});

describe("validateObjectMetaUpdate", () => {
  const old = {
    name: "x",
    namespace: "default",
    uid: "u1",
    resourceVersion: "5",
    generation: 2,
    creationTimestamp: "2024-01-01T00:00:00Z",
  };

  it("allows labels and annotations to change", () => {
    expect(validateObjectMetaUpdate({ ...old, labels: { a: "b" } }, old)).toEqual([]);
  });

  it("keeps identity immutable and generation monotonic", () => {
    const errs = validateObjectMetaUpdate(
      { ...old, name: "y", uid: "u2", generation: 1, resourceVersion: "" },
      old,
    );
    expect(errs.map(fieldErrorMessage)).toEqual([
      'metadata.resourceVersion: Invalid value: "": must be specified for an update',
      "metadata.generation: Invalid value: 1: must not be decremented",
      'metadata.name: Invalid value: "y": field is immutable',
      'metadata.uid: Invalid value: "u2": field is immutable',
    ]);
  });

  it("refuses new finalizers on an object being deleted", () => {
    const deleting = { ...old, deletionTimestamp: "2024-01-02T00:00:00Z", finalizers: ["a"] };
    const errs = validateObjectMetaUpdate({ ...deleting, finalizers: ["a", "c/d", "b"] }, deleting);
    expect(errs.map(fieldErrorMessage)).toEqual([
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b", "c/d"}',
    ]);
  });
});

describe("validateLabelSelector", () => {
  it("checks operators against values", () => {
    const errs = validateLabelSelector(
      {
        matchLabels: { app: "web" },
        matchExpressions: [
          { key: "a", operator: "In" },
          { key: "b", operator: "Exists", values: ["x"] },
          { key: "c", operator: "Like" as "In", values: ["x"] },
        ],
      },
      "spec.selector",
    );
    expect(errs.map(fieldErrorMessage)).toEqual([
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      'spec.selector.matchExpressions[2].operator: Invalid value: "Like": not a valid selector operator',
    ]);
  });
});
