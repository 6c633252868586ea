import { describe, expect, it } from "vitest";
import { goPrint, JsonPathError, parseJsonPath } from "./jsonpath.ts";

const widget = {
  apiVersion: "example.com/v1",
  kind: "Widget",
  metadata: {
    name: "w1",
    labels: { app: "shop", "app.kubernetes.io/name": "widget" },
  },
  spec: {
    replicas: 3,
    weight: 0.5,
    paused: false,
    nothing: null,
    containers: [
      { name: "a", image: "img-a" },
      { name: "b", image: "img-b" },
      { name: "c", image: "img-c" },
    ],
  },
  status: {
    conditions: [
      { type: "Synced", status: "True", observedGeneration: 4 },
      { type: "Ready", status: "False", reason: "Waiting" },
    ],
  },
};

const find = (path: string, data: unknown = widget) => parseJsonPath(path).find(data);

describe("JSONPath fields", () => {
  it.each<[string, unknown[]]>([
    [".spec.replicas", [3]],
    [".metadata.labels.app", ["shop"]],
    [".metadata.labels.app\\.kubernetes\\.io/name", ["widget"]],
    ["['spec']['replicas']", [3]],
    ["$.spec.paused", [false]],
    [".spec.nothing", [null]],
    [".spec.missing", []],
    [".spec.missing.deeper", []],
    [".spec.nothing.deeper", []], // a field of null is no result
    [".spec.replicas.deeper", []], // nor is a field of a number
  ])("%s", (path, values) => {
    expect(find(path)).toEqual(values);
  });

  it("parses a bracketed key with dots as several keys, as Kubernetes does", () => {
    expect(find("['metadata']['app.kubernetes.io/name']")).toEqual([]);
    expect(find("['metadata.labels']")).toEqual([widget.metadata.labels]);
  });
});

describe("JSONPath lists", () => {
  it.each<[string, unknown[]]>([
    [".spec.containers[0].image", ["img-a"]],
    [".spec.containers[-1].name", ["c"]],
    [".spec.containers[1:].name", ["b", "c"]],
    [".spec.containers[0:3:2].name", ["a", "c"]],
    [".spec.containers[*].name", ["a", "b", "c"]],
    [".spec.containers.*.name", ["a", "b", "c"]],
    [".spec.containers[1:1]", []],
    [".spec.missing[0]", []],
  ])("%s", (path, values) => {
    expect(find(path)).toEqual(values);
  });

  it.each([
    [".spec.containers[3]", "array index out of bounds: index 3, length 3"],
    [".spec.containers[-4]", "array index out of bounds: index -1, length 3"],
    [".spec.replicas[0]", "int64 is not array or slice"],
    [".spec.containers[0:2:0]", "step must be > 0"],
  ])("%s is an error", (path, message) => {
    expect(() => find(path)).toThrow(message);
  });
});

describe("JSONPath filters", () => {
  it.each<[string, unknown[]]>([
    ['.status.conditions[?(@.type=="Ready")].status', ["False"]],
    [".status.conditions[?(@.type=='Synced')].status", ["True"]],
    ['.status.conditions[?(@.type != "Ready")].type', ["Synced"]],
    [".status.conditions[?(@.reason)].type", ["Ready"]],
    [".status.conditions[?(@.observedGeneration>3)].type", ["Synced"]], // the other lacks the field: skipped
    [".status.conditions[?(@.observedGeneration<=4)].type", ["Synced"]],
    ['.status.conditions[?(@.type=="Gone")].status', []],
    ['.spec.containers[?(@.name>"a")].name', ["b", "c"]],
  ])("%s", (path, values) => {
    expect(find(path)).toEqual(values);
  });

  it("keeps elements whose existence test fails with an error, as Kubernetes does", () => {
    expect(find(".spec.containers[?(@.missing[0])].name")).toEqual([]);
    expect(find(".status.conditions[?(@.type[0])].type")).toEqual(["Synced", "Ready"]);
  });

  it("compares booleans and floats with their own kind", () => {
    const data = {
      items: [
        { on: true, w: 0.5 },
        { on: false, w: 1.5 },
      ],
    };
    expect(find(".items[?(@.on==true)].w", data)).toEqual([0.5]);
    expect(find(".items[?(@.w>1.0)].on", data)).toEqual([false]);
  });

  it.each([
    ['.status.conditions[?(@.observedGeneration=="4")].type', "incompatible types for comparison"],
    [".status.conditions[?(@.observedGeneration==4.0)].type", "incompatible types for comparison"],
    [".spec.replicas[?(@.x)]", "is not array or slice and cannot be filtered"],
    ['.status.conditions[?(@.type=<"R")]', "unrecognized filter operator =<"],
  ])("%s is an error", (path, message) => {
    expect(() => find(path)).toThrow(message);
  });
});

describe("JSONPath syntax", () => {
  it.each([
    [".spec.containers[0", "unterminated array"],
    [".spec.containers[?(@.a==1)", "unclosed array expect ]"],
    [".spec.containers[?(@.a==1", "unterminated filter"],
    [".spec.containers[x]", "invalid array index x"],
    ["#spec", "unrecognized character in action: U+0023 '#'"],
    ["..name", "recursive descent"],
    [".spec.containers[0,1]", "unions"],
    ["range", "unrecognized identifier range"],
    ['.a[?(@.b=="c)]', "unterminated filter"],
  ])("%s is refused", (path, message) => {
    expect(() => parseJsonPath(path)).toThrow(JsonPathError);
    expect(() => parseJsonPath(path)).toThrow(message);
  });
});

describe("goPrint", () => {
  it.each<[unknown, string]>([
    ["text", "text"],
    [3, "3"],
    [-12, "-12"],
    [0.5, "0.5"],
    [123456.5, "123456.5"],
    [1234567.5, "1.2345675e+06"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [true, "true"],
    [null, "<nil>"],
    [["a", 1], "[a 1]"],
    [{ b: 2, a: { c: null } }, "map[a:map[c:<nil>] b:2]"],
  ])("%o prints as %s", (value, text) => {
    expect(goPrint(value)).toBe(text);
  });
});
