import { describe, expect, it, test } from "vitest";
import { ProtobufDecodeError } from "./errors.ts";
import { messageToJson } from "./json.ts";
import { messageType } from "./schema.ts";
import { bytesField, encodeMessage } from "./testing.ts";

/** Encodes `value` as message `name` (the way a Go client would), then decodes it to JSON. */
function roundTrip(name: string, value: Record<string, unknown>): unknown {
  return messageToJson(messageType(name), encodeMessage(name, value), "");
}

const CORE = "k8s.io.api.core.v1";
const META = "k8s.io.apimachinery.pkg.apis.meta.v1";

describe("Go's JSON rules, field by field", () => {
  test.each([
    {
      rule: "a zero scalar with omitempty is left out; without omitempty it is printed",
      message: `${CORE}.Container`,
      value: { name: "", image: "", workingDir: "", stdin: false },
      json: { name: "" },
    },
    {
      rule: "a pointer is printed when sent, even as zero",
      message: "k8s.io.api.apps.v1.DeploymentSpec",
      value: { replicas: 0, minReadySeconds: 0, paused: false },
      json: { replicas: 0 },
    },
    {
      rule: "an absent pointer is left out",
      message: "k8s.io.api.apps.v1.DeploymentSpec",
      value: { minReadySeconds: 5 },
      json: { minReadySeconds: 5 },
    },
    {
      rule: "a pointer to a boolean keeps false",
      message: `${CORE}.ConfigMap`,
      value: { immutable: false },
      json: { immutable: false },
    },
    {
      rule: "an empty embedded message is printed as {}",
      message: `${CORE}.Namespace`,
      value: { spec: {}, status: { phase: "" } },
      json: { spec: {}, status: {} },
    },
    {
      rule: "an empty list with omitempty is left out; without omitempty it is null",
      message: "k8s.io.api.rbac.v1.ClusterRole",
      value: { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: "b" } }] } },
      json: {
        rules: null,
        aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: "b" } }] },
      },
    },
    {
      rule: "an inline struct's fields join the parent's",
      message: `${CORE}.ConfigMapKeySelector`,
      value: { localObjectReference: { name: "settings" }, key: "mode", optional: true },
      json: { name: "settings", key: "mode", optional: true },
    },
    {
      rule: "an Ingress rule's http sits in the rule itself",
      message: "k8s.io.api.networking.v1.IngressRule",
      value: { host: "", ingressRuleValue: { http: { paths: [] } } },
      json: { http: { paths: null } },
    },
    {
      rule: "bytes print as base64",
      message: `${CORE}.Secret`,
      value: { data: { p: Buffer.from("q"), empty: Buffer.alloc(0) }, type: "" },
      json: { data: { p: "cQ==", empty: "" } },
    },
    {
      rule: "int64 prints as a number",
      message: `${META}.ObjectMeta`,
      value: { generation: 7, deletionGracePeriodSeconds: 30 },
      json: { generation: 7, deletionGracePeriodSeconds: 30 },
    },
    {
      rule: "an ExtraValue prints as its list of strings",
      message: "k8s.io.api.authentication.v1.UserInfo",
      value: { username: "alice", extra: { scopes: { items: ["a", "b"] }, none: {} } },
      json: { username: "alice", extra: { scopes: ["a", "b"], none: null } },
    },
  ])("$rule", ({ message, value, json }) => {
    expect(roundTrip(message, value)).toStrictEqual(json);
  });
});

describe("metav1.Time", () => {
  const meta = (creationTimestamp: Record<string, unknown>) =>
    roundTrip(`${META}.ObjectMeta`, { creationTimestamp });

  test.each([
    { time: {}, json: null, why: "an empty message is Go's zero time" },
    { time: { seconds: 1767323045 }, json: "2026-01-02T03:04:05Z", why: "whole seconds, UTC" },
    {
      time: { seconds: 1767323045, nanos: 999_999_999 },
      json: "2026-01-02T03:04:05Z",
      why: "nanos are not printed",
    },
    {
      time: { seconds: 1767323045, nanos: 1_500_000_000 },
      json: "2026-01-02T03:04:06Z",
      why: "whole seconds carry out of nanos",
    },
    {
      time: { seconds: 0 },
      json: "1970-01-01T00:00:00Z",
      why: "zero seconds is the Unix epoch, not null",
    },
    { time: { seconds: -62135596800 }, json: null, why: "0001-01-01 is Go's zero time" },
    { time: { seconds: 253402300799 }, json: "9999-12-31T23:59:59Z", why: "the last valid second" },
  ])("$why: $json", ({ time, json }) => {
    expect(meta(time)).toStrictEqual({ creationTimestamp: json });
  });

  it("refuses a time outside 0001..9999", () => {
    expect(() => meta({ seconds: 253402300800 })).toThrow(
      new ProtobufDecodeError(
        "creationTimestamp: time 253402300800s is outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59Z",
      ),
    );
  });
});

describe("intstr.IntOrString", () => {
  const port = (targetPort: Record<string, unknown>) =>
    roundTrip(`${CORE}.ServicePort`, { port: 80, targetPort });

  test.each([
    { targetPort: { type: 0, intVal: 8080, strVal: "" }, json: 8080 },
    { targetPort: { type: 1, intVal: 0, strVal: "http" }, json: "http" },
    { targetPort: {}, json: 0 },
  ])("$targetPort -> $json", ({ targetPort, json }) => {
    expect(port(targetPort)).toStrictEqual({ port: 80, targetPort: json });
  });

  it("refuses a type other than Int (0) and String (1)", () => {
    expect(() => port({ type: 2 })).toThrow(
      new ProtobufDecodeError("targetPort: IntOrString type must be 0 (Int) or 1 (String), got 2"),
    );
  });
});

describe("resource.Quantity", () => {
  it('prints the string as sent, and the zero quantity as "0"', () => {
    expect(
      roundTrip(`${CORE}.ResourceRequirements`, {
        limits: { cpu: { string: "500m" }, memory: { string: "1Gi" } },
        requests: { cpu: {} },
      }),
    ).toStrictEqual({ limits: { cpu: "500m", memory: "1Gi" }, requests: { cpu: "0" } });
  });

  it("refuses an empty string, which Go cannot parse", () => {
    expect(() =>
      roundTrip(`${CORE}.ResourceQuotaSpec`, { hard: { pods: { string: "" } } }),
    ).toThrow(new ProtobufDecodeError('hard["pods"]: a quantity must not be empty'));
  });
});

describe("maps", () => {
  const label = (key: string, value?: string) =>
    bytesField(
      11,
      Buffer.concat([
        bytesField(1, key),
        value === undefined ? new Uint8Array(0) : bytesField(2, value),
      ]),
    );
  const metadata = (...labels: Uint8Array[]) =>
    messageToJson(messageType(`${META}.ObjectMeta`), Buffer.concat(labels), "") as {
      labels: Record<string, string>;
    };

  it("keep a __proto__ key as an ordinary key", () => {
    const { labels } = metadata(label("__proto__", "x"), label("app", "web"));
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(Object.entries(labels)).toEqual([
      ["__proto__", "x"],
      ["app", "web"],
    ]);
  });

  it("keep the last value of a repeated key, and read a missing value as empty", () => {
    expect(metadata(label("app", "a"), label("app", "b"), label("tier")).labels).toStrictEqual({
      app: "b",
      tier: "",
    });
  });
});
