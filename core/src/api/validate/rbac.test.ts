import { describe, expect, it } from "vitest";
import type { KubeObject } from "../object.ts";
import { createErrors, edited, updateErrors } from "./testing.ts";

const role: KubeObject = {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "Role",
  metadata: { name: "pod-reader", namespace: "default" },
  rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
};

const binding: KubeObject = {
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind: "RoleBinding",
  metadata: { name: "read-pods", namespace: "default" },
  roleRef: { kind: "Role", name: "pod-reader" },
  subjects: [
    { kind: "User", name: "jane" },
    { kind: "ServiceAccount", name: "builder", namespace: "ci" },
  ],
};

const clusterBinding: KubeObject = {
  ...structuredClone(binding),
  kind: "ClusterRoleBinding",
  metadata: { name: "read-pods" },
  roleRef: { kind: "ClusterRole", name: "view" },
};

describe("RBAC validation", () => {
  it("accepts a valid Role, RoleBinding and ClusterRoleBinding (names may hold colons)", () => {
    expect(createErrors(role)).toEqual([]);
    expect(createErrors(binding)).toEqual([]);
    expect(
      createErrors(edited(clusterBinding, (b) => (b.metadata.name = "system:read-pods"))),
    ).toEqual([]);
  });

  it.each<[string, KubeObject, string[]]>([
    [
      "a rule without verbs",
      edited(role, (r) => (r.rules[0].verbs = [])),
      ["rules[0].verbs: Required value: verbs must contain at least one value"],
    ],
    [
      "a namespaced rule for a non-resource URL",
      edited(role, (r) => (r.rules = [{ nonResourceURLs: ["/healthz"], verbs: ["get"] }])),
      [
        'rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs',
      ],
    ],
    [
      "a role name with a slash",
      edited(role, (r) => (r.metadata.name = "a/b")),
      ["metadata.name: Invalid value: \"a/b\": may not contain '/'"],
    ],
    [
      "a binding to an unknown kind of role",
      edited(binding, (b) => (b.roleRef.kind = "Policy")),
      ['roleRef.kind: Unsupported value: "Policy": supported values: "Role", "ClusterRole"'],
    ],
    [
      "a subject of an unknown kind",
      edited(binding, (b) => (b.subjects[0].kind = "Robot")),
      [
        'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
      ],
    ],
    [
      "a cluster binding to a namespaced Role",
      edited(clusterBinding, (b) => (b.roleRef.kind = "Role")),
      ['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"'],
    ],
    [
      "a cluster binding to a service account without its namespace",
      edited(clusterBinding, (b) => delete b.subjects[1].namespace),
      ["subjects[1].namespace: Required value"],
    ],
  ])("rejects %s", (_, obj, expected) => {
    expect(createErrors(obj)).toEqual(expected);
  });

  it("a binding's roleRef never changes; its subjects may", () => {
    expect(
      updateErrors(
        edited(binding, (b) => b.subjects.pop()),
        binding,
      ),
    ).toEqual([]);
    expect(
      updateErrors(
        edited(binding, (b) => (b.roleRef.name = "admin")),
        binding,
      ),
    ).toEqual([
      'roleRef: Invalid value: {"kind":"Role","name":"admin","apiGroup":"rbac.authorization.k8s.io"}: cannot change roleRef',
    ]);
  });
});
