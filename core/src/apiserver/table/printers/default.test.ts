import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../api/object.ts";
import { cellsOf, columnNames } from "../testing.ts";
import { formatRFC3339 } from "./default.ts";

describe("the default table", () => {
  it.each([
    "rbac.authorization.k8s.io/Role",
    "rbac.authorization.k8s.io/ClusterRole",
    "/LimitRange",
    "apiextensions.k8s.io/CustomResourceDefinition",
    "example.com/Unknown",
  ] as const)("serves %s with NAME and CREATED AT", (kind) => {
    expect(columnNames(kind)).toEqual(["Name", "Created At"]);
  });

  it("prints the creation time in UTC, whole seconds", () => {
    const role: KubeObject = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "view", creationTimestamp: "2026-01-01T13:30:05.250+01:30" },
    };
    expect(cellsOf("rbac.authorization.k8s.io/ClusterRole", role)).toEqual([
      "view",
      "2026-01-01T12:00:05Z",
    ]);
  });

  it("prints Go's zero time for an object without one", () => {
    expect(formatRFC3339(undefined)).toBe("0001-01-01T00:00:00Z");
  });
});
