import { describe, expect, it } from "vitest";
import { kindKey } from "../kind-key.ts";
import type { KubeObject } from "../object.ts";
import { BUILTIN_TYPES } from "../scheme.ts";
import { applyEndpointSliceDefaults } from "./discovery.ts";
import { applyDefaults, defaulters } from "./index.ts";
import { applyIngressClassDefaults } from "./networking.ts";
import { applyBindingDefaults } from "./rbac.ts";
import { applyPriorityClassDefaults } from "./scheduling.ts";

describe("defaults of the other groups", () => {
  it('EndpointSlice ports: name "" and TCP', () => {
    expect(applyEndpointSliceDefaults({ ports: [{ port: 80 }] }).ports).toEqual([
      { port: 80, name: "", protocol: "TCP" },
    ]);
  });

  it("IngressClass parameters are cluster-scoped unless scoped", () => {
    const ic = applyIngressClassDefaults({
      spec: { controller: "x.io/c", parameters: { kind: "K", name: "n" } },
    });
    expect(ic.spec.parameters).toEqual({ kind: "K", name: "n", scope: "Cluster" });
  });

  it("bindings: roleRef and User/Group subjects in the RBAC group, ServiceAccounts in none", () => {
    const b = applyBindingDefaults({
      roleRef: { kind: "ClusterRole", name: "view" },
      subjects: [
        { kind: "User", name: "jane" },
        { kind: "Group", name: "devs" },
        { kind: "ServiceAccount", name: "default", namespace: "ns" },
      ],
    });
    expect(b).toEqual({
      roleRef: { kind: "ClusterRole", name: "view", apiGroup: "rbac.authorization.k8s.io" },
      subjects: [
        { kind: "User", name: "jane", apiGroup: "rbac.authorization.k8s.io" },
        { kind: "Group", name: "devs", apiGroup: "rbac.authorization.k8s.io" },
        { kind: "ServiceAccount", name: "default", namespace: "ns" },
      ],
    });
  });

  it("PriorityClass preempts lower priorities unless told Never", () => {
    expect(applyPriorityClassDefaults({} as { preemptionPolicy?: string }).preemptionPolicy).toBe(
      "PreemptLowerPriority",
    );
    expect(applyPriorityClassDefaults({ preemptionPolicy: "Never" }).preemptionPolicy).toBe(
      "Never",
    );
  });
});

describe("the defaulters registry", () => {
  it("has a defaulter for every stored built-in kind", () => {
    const stored = BUILTIN_TYPES.filter(
      (t) => !t.virtual && !t.custom && t.kind !== "CustomResourceDefinition",
    );
    for (const t of stored)
      expect(defaulters[kindKey(t.group, t.kind)], `${t.group}/${t.kind}`).toBeDefined();
  });

  it("applyDefaults finds the defaulter by apiVersion and kind, and passes unknown kinds through", () => {
    const secret: KubeObject = { apiVersion: "v1", kind: "Secret", metadata: {} };
    expect(applyDefaults(secret).type).toBe("Opaque");
    const custom = { apiVersion: "example.com/v1", kind: "Widget", metadata: {}, spec: {} };
    expect(applyDefaults(structuredClone(custom))).toEqual(custom);
  });
});
