import { describe, expect, test } from "vitest";
import type { KubeObject, ManagedFieldsEntry } from "../object.ts";
import {
  decodeManagedFields,
  describeManager,
  encodeManagedFields,
  updateManagedFields,
} from "./managed-fields.ts";

const T1 = "2025-01-01T00:00:00Z";
const T2 = "2025-01-01T00:01:00Z";
const T3 = "2025-01-01T00:02:00Z";

const deployment = (
  spec: Record<string, unknown>,
  extra: Partial<KubeObject> = {},
): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: {
    name: "web",
    namespace: "default",
    uid: "u1",
    resourceVersion: "5",
    labels: { app: "web" },
  },
  spec,
  ...extra,
});

const entry = (object: KubeObject, manager: string) =>
  object.metadata.managedFields?.find((e) => e.manager === manager) as ManagedFieldsEntry;

describe("updateManagedFields records ordinary writes", () => {
  const created = updateManagedFields(undefined, deployment({ replicas: 1, paused: false }), {
    manager: "kubectl-create",
    now: T1,
  });

  test("a create gives its manager every field it set, except the ones nobody owns", () => {
    expect(created.metadata.managedFields).toEqual([
      {
        manager: "kubectl-create",
        operation: "Update",
        apiVersion: "apps/v1",
        time: T1,
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": { "f:paused": {}, "f:replicas": {} },
        },
      },
    ]);
  });

  test("an update takes the fields it changed from their owner, without conflict", () => {
    const scaled = updateManagedFields(created, deployment({ replicas: 3, paused: false }), {
      manager: "kube-controller-manager",
      now: T2,
    });
    expect(entry(scaled, "kubectl-create").time).toBe(T1);
    expect(entry(scaled, "kubectl-create").fieldsV1).toEqual({
      "f:metadata": { "f:labels": { "f:app": {} } },
      "f:spec": { "f:paused": {} },
    });
    expect(entry(scaled, "kube-controller-manager")).toMatchObject({
      operation: "Update",
      time: T2,
    });
    expect(entry(scaled, "kube-controller-manager").fieldsV1).toEqual({
      "f:spec": { "f:replicas": {} },
    });
  });

  test("a write that changes nothing changes no entry, not even the time", () => {
    const same = updateManagedFields(created, deployment({ replicas: 1, paused: false }), {
      manager: "other",
      now: T2,
    });
    expect(same.metadata.managedFields).toEqual(created.metadata.managedFields);
  });

  test("a removed field leaves every set, and an entry left with nothing is dropped", () => {
    const scaled = updateManagedFields(created, deployment({ replicas: 3, paused: false }), {
      manager: "hpa",
      now: T2,
    });
    const unscaled = updateManagedFields(scaled, deployment({ paused: false }), {
      manager: "someone",
      now: T3,
    });
    expect(unscaled.metadata.managedFields?.map((e) => e.manager)).toEqual(["kubectl-create"]);
  });

  test("the same manager's later update joins its entry and moves its time", () => {
    const again = updateManagedFields(
      created,
      deployment({ replicas: 1, paused: true, minReadySeconds: 5 }),
      {
        manager: "kubectl-create",
        now: T2,
      },
    );
    expect(again.metadata.managedFields).toHaveLength(1);
    expect(entry(again, "kubectl-create").time).toBe(T2);
    expect(entry(again, "kubectl-create").fieldsV1).toEqual({
      "f:metadata": { "f:labels": { "f:app": {} } },
      "f:spec": { "f:minReadySeconds": {}, "f:paused": {}, "f:replicas": {} },
    });
  });

  test("the status subresource records its own entry, for status only", () => {
    const withStatus = updateManagedFields(
      created,
      deployment({ replicas: 1, paused: false }, { status: { replicas: 1, readyReplicas: 1 } }),
      { manager: "kube-controller-manager", now: T2, subresource: "status" },
    );
    expect(entry(withStatus, "kube-controller-manager")).toEqual({
      manager: "kube-controller-manager",
      operation: "Update",
      apiVersion: "apps/v1",
      time: T2,
      fieldsType: "FieldsV1",
      fieldsV1: { "f:status": { "f:readyReplicas": {}, "f:replicas": {} } },
      subresource: "status",
    });
    // The main resource does not track status.
    const viaMain = updateManagedFields(
      created,
      deployment({ replicas: 1, paused: false }, { status: { replicas: 9 } }),
      {
        manager: "x",
        now: T2,
      },
    );
    expect(viaMain.metadata.managedFields).toEqual(created.metadata.managedFields);
  });

  test("managedFields a client sends are ignored: the old object's are the record", () => {
    const forged = deployment({ replicas: 1, paused: false });
    forged.metadata.managedFields = [
      { manager: "mallory", operation: "Apply", apiVersion: "apps/v1", fieldsV1: {} },
    ];
    expect(
      updateManagedFields(created, forged, { manager: "x", now: T2 }).metadata.managedFields,
    ).toEqual(created.metadata.managedFields);
  });

  test("inputs are not mutated", () => {
    const before = structuredClone(created);
    const next = deployment({ replicas: 2 });
    const nextBefore = structuredClone(next);
    updateManagedFields(created, next, { manager: "x", now: T2 });
    expect(created).toEqual(before);
    expect(next).toEqual(nextBefore);
  });
});

describe("entries", () => {
  test("sorted as the API server sorts them: Apply first, then by time, manager, apiVersion", () => {
    const fields = { "f:a": {} };
    const encoded = encodeManagedFields(
      decodeManagedFields([
        { manager: "b", operation: "Update", apiVersion: "v1", time: T1, fieldsV1: fields },
        { manager: "a", operation: "Update", apiVersion: "v1", time: T2, fieldsV1: fields },
        { manager: "z", operation: "Apply", apiVersion: "v1", time: T3, fieldsV1: fields },
        { manager: "b", operation: "Update", apiVersion: "v0", time: T1, fieldsV1: fields },
        { manager: "c", operation: "Update", apiVersion: "v1", fieldsV1: {} },
      ]),
    );
    expect(encoded.map((e) => `${e.operation} ${e.manager} ${e.apiVersion} ${e.time}`)).toEqual([
      `Apply z v1 ${T3}`,
      `Update b v0 ${T1}`,
      `Update b v1 ${T1}`,
      `Update a v1 ${T2}`,
    ]);
  });

  test("conflict messages name Update managers with their apiVersion", () => {
    expect(describeManager({ manager: "kubectl", operation: "Apply", apiVersion: "apps/v1" })).toBe(
      '"kubectl"',
    );
    expect(
      describeManager({
        manager: "kubectl-client-side-apply",
        operation: "Update",
        apiVersion: "apps/v1",
      }),
    ).toBe('"kubectl-client-side-apply" using apps/v1');
    expect(
      describeManager({
        manager: "kubelet",
        operation: "Update",
        apiVersion: "v1",
        subresource: "status",
      }),
    ).toBe('"kubelet" with subresource "status" using v1');
  });
});
