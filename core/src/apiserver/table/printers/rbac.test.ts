import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../api/object.ts";
import { ago, cellsOf, columnNames } from "../testing.ts";

const subjects = [
  { kind: "User", name: "jane", apiGroup: "rbac.authorization.k8s.io" },
  { kind: "Group", name: "devs", apiGroup: "rbac.authorization.k8s.io" },
  { kind: "ServiceAccount", name: "builder", namespace: "ci" },
  { kind: "User", name: "joe", apiGroup: "rbac.authorization.k8s.io" },
];

describe("role bindings", () => {
  it.each([
    "rbac.authorization.k8s.io/RoleBinding",
    "rbac.authorization.k8s.io/ClusterRoleBinding",
  ] as const)("%s: NAME ROLE AGE, subjects by kind with -o wide", (kind) => {
    expect(columnNames(kind)).toEqual([
      "Name",
      "Role",
      "Age",
      "Users",
      "Groups",
      "ServiceAccounts",
    ]);
    const binding: KubeObject = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: kind.split("/")[1] as string,
      metadata: { name: "readers", creationTimestamp: ago("5h") },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
      subjects,
    };
    expect(cellsOf(kind, binding)).toEqual([
      "readers",
      "ClusterRole/view",
      "5h",
      "jane, joe",
      "devs",
      "ci/builder",
    ]);
    expect(cellsOf(kind, { ...binding, subjects: undefined })).toEqual([
      "readers",
      "ClusterRole/view",
      "5h",
      "",
      "",
      "",
    ]);
  });
});
