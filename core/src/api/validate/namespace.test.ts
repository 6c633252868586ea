import { describe, expect, it } from "vitest";
import type { KubeObject } from "../object.ts";
import { createErrors, edited, updateErrors } from "./testing.ts";

const namespace: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "prod" } };
const account: KubeObject = {
  apiVersion: "v1",
  kind: "ServiceAccount",
  metadata: { name: "builder", namespace: "ci" },
};

describe("Namespace and ServiceAccount validation", () => {
  it("accepts valid ones", () => {
    expect(createErrors(namespace)).toEqual([]);
    expect(createErrors(account)).toEqual([]);
    expect(
      createErrors(edited(namespace, (n) => (n.spec = { finalizers: ["kubernetes"] }))),
    ).toEqual([]);
  });

  it.each<[string, KubeObject, string[]]>([
    [
      "a namespace name with a dot",
      edited(namespace, (n) => (n.metadata.name = "team.prod")),
      ['metadata.name: Invalid value: "team.prod": must not contain dots'],
    ],
    [
      "a namespace in a namespace",
      edited(namespace, (n) => (n.metadata.namespace = "default")),
      ["metadata.namespace: Forbidden: not allowed on this type"],
    ],
    [
      "a finalizer neither standard nor qualified",
      edited(namespace, (n) => (n.spec = { finalizers: ["cleanup"] })),
      [
        'spec.finalizers: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified',
      ],
    ],
    [
      "a metadata finalizer neither standard nor qualified",
      edited(account, (a) => (a.metadata.finalizers = ["cleanup"])),
      [
        'metadata.finalizers[0]: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified',
      ],
    ],
    [
      "a service account without a name",
      edited(account, (a) => delete a.metadata.name),
      ["metadata.name: Required value: name or generateName is required"],
    ],
  ])("rejects %s", (_, obj, expected) => {
    expect(createErrors(obj)).toEqual(expected);
  });

  it("on update, a namespace's metadata follows the usual rules and nothing else is checked", () => {
    expect(
      updateErrors(
        edited(namespace, (n) => (n.metadata.labels = { env: "prod" })),
        namespace,
      ),
    ).toEqual([]);
  });
});
