/**
 * The definitions are complete and consistent: checked against @kubernetes/client-node's models,
 * which are generated from Kubernetes' own OpenAPI document (1.34 for client-node 1.4): every
 * field it knows is here with the same type, except the fields added after 1.32, listed below.
 */
import * as k8s from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { COMPONENT_PREFIX, refName, type Schema } from "../schema.ts";
import { resolveSchema } from "../validate.ts";
import { builtinSchemas, SIMPLIFICATIONS } from "./index.ts";

/** Fields of Kubernetes 1.33 and 1.34 that 1.32 (and so tinykube) does not have. */
const ADDED_AFTER_1_32 = new Set([
  "io.k8s.api.apps.v1.DeploymentStatus.terminatingReplicas",
  "io.k8s.api.apps.v1.ReplicaSetStatus.terminatingReplicas",
  "io.k8s.api.core.v1.Container.restartPolicyRules",
  "io.k8s.api.core.v1.ContainerStatus.stopSignal",
  "io.k8s.api.core.v1.EnvVarSource.fileKeyRef",
  "io.k8s.api.core.v1.EphemeralContainer.restartPolicyRules",
  "io.k8s.api.core.v1.Lifecycle.stopSignal",
  "io.k8s.api.core.v1.NodeSystemInfo.swap",
  "io.k8s.api.core.v1.PodCondition.observedGeneration",
  "io.k8s.api.core.v1.PodSpec.hostnameOverride",
  "io.k8s.api.core.v1.PodStatus.extendedResourceClaimStatus",
  "io.k8s.api.core.v1.PodStatus.observedGeneration",
  "io.k8s.api.core.v1.VolumeProjection.podCertificate",
  "io.k8s.api.discovery.v1.EndpointHints.forNodes",
]);

interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

type ModelClass = { getAttributeTypeMap(): Attribute[] };
const models = k8s as unknown as Record<string, ModelClass | undefined>;

/** The client-node class generated for a component, e.g. CoreV1EndpointPort or V1PodSpec. */
function modelFor(component: string): ModelClass | undefined {
  const parts = component.split(".");
  const name = parts.at(-1) as string;
  const group = component.includes("apiextensions") ? "apiextensions" : (parts.at(-3) as string);
  const groupPrefix = group.charAt(0).toUpperCase() + group.slice(1);
  for (const candidate of [`${groupPrefix}V1${name}`, `V1${name}`]) {
    const model = models[candidate];
    if (typeof model?.getAttributeTypeMap === "function") return model;
  }
  return undefined;
}

/** Whether our schema for a field has the type client-node's attribute says. */
function sameType(attr: Pick<Attribute, "type" | "format">, schema: Schema): string | undefined {
  const s = resolveSchema(schema, builtinSchemas);
  const wrapped = schema.$ref ?? schema.allOf?.[0]?.$ref;
  const target = wrapped === undefined ? undefined : refName(wrapped);
  if (s["x-kubernetes-preserve-unknown-fields"]) return undefined; // a documented shortcut
  const array = /^Array<(.*)>$/.exec(attr.type);
  if (array) {
    if (s.type !== "array" || s.items === undefined) return "an array";
    return sameType({ type: array[1] as string, format: attr.format }, s.items);
  }
  const map = /^\{ \[key: string\]: (.*); \}$/.exec(attr.type);
  if (map) {
    if (s.type !== "object" || typeof s.additionalProperties !== "object") return "a map";
    return sameType({ type: map[1] as string, format: attr.format }, s.additionalProperties);
  }
  switch (attr.type) {
    case "string":
      // client-node types quantities as strings.
      return s.type === "string" || target?.endsWith("resource.Quantity") ? undefined : "a string";
    case "boolean":
      return s.type === "boolean" ? undefined : "a boolean";
    case "number":
      if (attr.format === "double") return s.type === "number" ? undefined : "a number";
      return s.type === "integer" && s.format === attr.format
        ? undefined
        : `${attr.format} integer`;
    case "Date":
      return target?.endsWith(".Time") || target?.endsWith(".MicroTime") ? undefined : "a time";
    case "IntOrString":
      return target?.endsWith("intstr.IntOrString") ? undefined : "an int-or-string";
    case "any":
    case "object":
      return undefined;
    default: {
      const kind = attr.type.replace(/^[A-Za-z]*V1(?=[A-Z])/, "");
      return target?.endsWith(`.${kind}`) ? undefined : `a reference to ${kind}`;
    }
  }
}

const components = Object.entries(builtinSchemas);

describe("the built-in definitions", () => {
  it("reference only components that exist", () => {
    const missing: string[] = [];
    const visit = (node: unknown, where: string) => {
      if (Array.isArray(node)) {
        for (const n of node) visit(n, where);
      } else if (typeof node === "object" && node !== null) {
        for (const [key, value] of Object.entries(node)) {
          if (key === "$ref" && typeof value === "string") {
            if (!value.startsWith(COMPONENT_PREFIX)) missing.push(`${where}: ${value}`);
            else if (builtinSchemas[refName(value)] === undefined) {
              missing.push(`${where}: ${value}`);
            }
          } else visit(value, where);
        }
      }
    };
    for (const [name, schema] of components) visit(schema, name);
    expect(missing).toEqual([]);
  });

  it("give every kind a list kind, both tagged with their group/version/kind", () => {
    const kinds = components.filter(([, s]) => s["x-kubernetes-group-version-kind"] !== undefined);
    expect(kinds.length).toBeGreaterThan(50);
    for (const [name, schema] of kinds) {
      const gvk = schema["x-kubernetes-group-version-kind"]?.[0];
      if (!name.startsWith("io.k8s.api.") && !name.startsWith("io.k8s.apiextensions")) continue;
      expect(name.endsWith(`.${gvk?.kind}`), name).toBe(true);
      expect(schema.properties?.apiVersion?.type, name).toBe("string");
      expect(schema.properties?.kind?.type, name).toBe("string");
      const createOnly = ["Binding", "Scale", "SelfSubjectReview", "SelfSubjectAccessReview"];
      if (!name.endsWith("List") && !createOnly.includes(gvk?.kind ?? "")) {
        expect(builtinSchemas[`${name}List`], `${name}List`).toBeDefined();
      }
    }
  });

  it("use the list extensions consistently", () => {
    for (const [name, schema] of components) {
      for (const [field, p] of Object.entries(schema.properties ?? {})) {
        const where = `${name}.${field}`;
        if (p["x-kubernetes-list-type"] === "map") {
          expect(p["x-kubernetes-list-map-keys"]?.length, where).toBeGreaterThan(0);
        }
        if (p["x-kubernetes-list-map-keys"] !== undefined) {
          expect(p["x-kubernetes-list-type"], where).toBe("map");
          const item = resolveSchema(p.items as Schema, builtinSchemas);
          for (const key of p["x-kubernetes-list-map-keys"]) {
            expect(item.properties?.[key], `${where} key ${key}`).toBeDefined();
          }
        }
        if (p["x-kubernetes-list-type"] !== undefined) expect(p.type, where).toBe("array");
        const mergeKey = p["x-kubernetes-patch-merge-key"];
        if (mergeKey !== undefined) {
          expect(p["x-kubernetes-patch-strategy"], where).toMatch(/merge/);
          const item = resolveSchema(p.items as Schema, builtinSchemas);
          expect(item.properties?.[mergeKey], `${where} merge key ${mergeKey}`).toBeDefined();
        }
      }
    }
  });

  it("merge containers, env, ports and volumes by key, as strategic merge patch needs", () => {
    const podSpec = builtinSchemas["io.k8s.api.core.v1.PodSpec"]?.properties ?? {};
    const container = builtinSchemas["io.k8s.api.core.v1.Container"]?.properties ?? {};
    const merge = (s: Schema | undefined) => [
      s?.["x-kubernetes-patch-merge-key"],
      s?.["x-kubernetes-patch-strategy"],
    ];
    expect(merge(podSpec.containers)).toEqual(["name", "merge"]);
    expect(merge(podSpec.initContainers)).toEqual(["name", "merge"]);
    expect(merge(podSpec.volumes)).toEqual(["name", "merge,retainKeys"]);
    expect(merge(container.env)).toEqual(["name", "merge"]);
    expect(merge(container.ports)).toEqual(["containerPort", "merge"]);
    expect(merge(container.volumeMounts)).toEqual(["mountPath", "merge"]);
    expect(podSpec.containers?.["x-kubernetes-list-map-keys"]).toEqual(["name"]);
    expect(container.ports?.["x-kubernetes-list-map-keys"]).toEqual(["containerPort", "protocol"]);
  });

  it("list their simplifications", () => {
    expect(SIMPLIFICATIONS.length).toBeGreaterThan(0);
    for (const s of SIMPLIFICATIONS.filter((x) => x.where.startsWith("io.k8s."))) {
      const dot = s.where.lastIndexOf(".");
      const field = builtinSchemas[s.where.slice(0, dot)]?.properties?.[s.where.slice(dot + 1)];
      expect(field?.["x-kubernetes-preserve-unknown-fields"], s.where).toBe(true);
    }
  });
});

describe("against Kubernetes' own models (client-node)", () => {
  const compared = components.filter(([name]) => modelFor(name) !== undefined);

  it("cover the types client-node knows", () => {
    expect(compared.length).toBeGreaterThan(200);
  });

  it("have every field Kubernetes 1.32 has, and no other", () => {
    const missing: string[] = [];
    const extra: string[] = [];
    for (const [name, schema] of compared) {
      const attributes = (modelFor(name) as ModelClass).getAttributeTypeMap();
      const theirs = new Set(attributes.map((a) => a.baseName));
      const ours = new Set(Object.keys(schema.properties ?? {}));
      for (const field of theirs) {
        if (!ours.has(field) && !ADDED_AFTER_1_32.has(`${name}.${field}`)) {
          missing.push(`${name}.${field}`);
        }
      }
      for (const field of ours) if (!theirs.has(field)) extra.push(`${name}.${field}`);
    }
    expect(missing).toEqual([]);
    expect(extra).toEqual([]);
  });

  it("give every field the same type", () => {
    const wrong: string[] = [];
    for (const [name, schema] of compared) {
      for (const attr of (modelFor(name) as ModelClass).getAttributeTypeMap()) {
        const field = schema.properties?.[attr.baseName];
        if (field === undefined) continue;
        const problem = sameType(attr, field);
        if (problem !== undefined) wrong.push(`${name}.${attr.baseName} should be ${problem}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("the fields added after 1.32 really are in client-node (the list is not stale)", () => {
    for (const entry of ADDED_AFTER_1_32) {
      const dot = entry.lastIndexOf(".");
      const attrs = modelFor(entry.slice(0, dot))?.getAttributeTypeMap() ?? [];
      expect(
        attrs.map((a) => a.baseName),
        entry,
      ).toContain(entry.slice(dot + 1));
    }
  });
});
