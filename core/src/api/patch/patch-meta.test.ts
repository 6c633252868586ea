import { describe, expect, test } from "vitest";
import { PatchError } from "./errors.ts";
import {
  childSchema,
  groupKindOf,
  PATCH_META,
  patchSchemaFor,
  supportsStrategicMerge,
} from "./patch-meta.ts";
import { acceptedPatchTypes, patchTypeOf } from "./patch-types.ts";

describe("kinds", () => {
  test.each([
    [{ apiVersion: "v1", kind: "Pod" }, "Pod"],
    [{ apiVersion: "apps/v1", kind: "Deployment" }, "Deployment.apps"],
    [
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role" },
      "Role.rbac.authorization.k8s.io",
    ],
    [{ apiVersion: "example.com/v1", kind: "Widget" }, "Widget.example.com"],
  ])("%j is %s", (type, key) => {
    expect(groupKindOf(type)).toBe(key);
  });

  test("built-in kinds support strategic merge patch, custom resources do not", () => {
    expect(supportsStrategicMerge("Deployment.apps")).toBe(true);
    expect(supportsStrategicMerge("ConfigMap")).toBe(true);
    expect(supportsStrategicMerge("Widget.example.com")).toBe(false);
    expect(supportsStrategicMerge("toString")).toBe(false);
  });
});

describe("the tables", () => {
  const meta = (kindKey: string, path: string) => {
    let node = patchSchemaFor(kindKey) as ReturnType<typeof patchSchemaFor> | undefined;
    for (const segment of path.replaceAll("[]", ".[]").split("."))
      node = childSchema(node, segment);
    return node?.meta;
  };

  test.each([
    [
      "Deployment.apps",
      "spec.template.spec.containers",
      { strategies: ["merge"], mergeKey: "name" },
    ],
    [
      "Deployment.apps",
      "spec.template.spec.containers[].env",
      { strategies: ["merge"], mergeKey: "name" },
    ],
    [
      "Deployment.apps",
      "spec.template.spec.containers[].ports",
      { strategies: ["merge"], mergeKey: "containerPort" },
    ],
    [
      "Deployment.apps",
      "spec.template.spec.volumes",
      { strategies: ["merge", "retainKeys"], mergeKey: "name" },
    ],
    ["Deployment.apps", "spec.strategy", { strategies: ["retainKeys"] }],
    ["Deployment.apps", "spec.template.metadata.finalizers", { strategies: ["merge"] }],
    [
      "ReplicaSet.apps",
      "spec.template.spec.initContainers[].volumeMounts",
      { strategies: ["merge"], mergeKey: "mountPath" },
    ],
    [
      "Pod",
      "spec.ephemeralContainers[].volumeDevices",
      { strategies: ["merge"], mergeKey: "devicePath" },
    ],
    ["Pod", "status.conditions", { strategies: ["merge"], mergeKey: "type" }],
    ["Service", "spec.ports", { strategies: ["merge"], mergeKey: "port" }],
    ["Node", "status.addresses", { strategies: ["merge"], mergeKey: "type" }],
    ["ConfigMap", "metadata.ownerReferences", { strategies: ["merge"], mergeKey: "uid" }],
  ])("%s %s", (kindKey, path, expected) => {
    expect(meta(kindKey, path)).toEqual(expected);
  });

  test.each([
    ["Pod", "spec.tolerations"],
    ["Pod", "spec.containers[].args"],
    ["Pod", "spec.containers[].envFrom"],
    ["Node", "spec.taints"],
    ["Role.rbac.authorization.k8s.io", "rules"],
    ["Ingress.networking.k8s.io", "spec.rules"],
    ["EndpointSlice.discovery.k8s.io", "endpoints"],
  ])("%s %s is atomic", (kindKey, path) => {
    expect(meta(kindKey, path)).toBeUndefined();
  });

  test("every merged list of objects names its key", () => {
    for (const table of Object.values(PATCH_META)) {
      for (const [path, m] of Object.entries(table)) {
        if (
          m.strategies.includes("merge") &&
          !path.endsWith("finalizers") &&
          !path.endsWith("podCIDRs")
        ) {
          expect(m.mergeKey, path).toBeTruthy();
        }
      }
    }
  });
});

describe("patch media types", () => {
  test("custom resources accept no strategic merge patch", () => {
    expect(acceptedPatchTypes("Pod")).toEqual([
      "application/json-patch+json",
      "application/merge-patch+json",
      "application/strategic-merge-patch+json",
      "application/apply-patch+yaml",
    ]);
    expect(patchTypeOf("application/strategic-merge-patch+json; charset=utf-8", "Pod")).toBe(
      "application/strategic-merge-patch+json",
    );
  });

  test("an unaccepted type is 415 with the accepted list", () => {
    let error: unknown;
    try {
      patchTypeOf("application/strategic-merge-patch+json", "Widget.example.com");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PatchError);
    expect((error as PatchError).toStatus()).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
      reason: "UnsupportedMediaType",
      code: 415,
    });
  });
});
