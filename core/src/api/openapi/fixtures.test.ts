/**
 * Realistic manifests (./fixtures) against the schemas: every one is valid under Strict, every
 * injected unknown field is found at its path, and — as properties over all of them — a random
 * extra key anywhere is always reported under Strict and always removed under Ignore.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Schema, SchemaMap } from "./schema.ts";
import { loadFixtures } from "./test-fixtures.ts";
import { formatFieldError, resolveSchema, validateAgainstSchema } from "./validate.ts";

// biome-ignore lint/suspicious/noExplicitAny: the tests reach into parsed manifests freely.
type Manifest = any;

const { fixtures, schemas } = loadFixtures();

function fixture(name: string) {
  const found = fixtures.find((f) => f.name === name);
  if (found === undefined) throw new Error(`no fixture ${name}`);
  return { ...found, doc: structuredClone(found.doc) };
}

describe("every fixture", () => {
  it("covers the kinds the API server serves", () => {
    const kinds = new Set(fixtures.map((f) => f.doc.kind));
    for (const kind of [
      "Deployment",
      "ReplicaSet",
      "Pod",
      "Service",
      "Endpoints",
      "EndpointSlice",
      "Ingress",
      "IngressClass",
      "Role",
      "ClusterRole",
      "RoleBinding",
      "ClusterRoleBinding",
      "ServiceAccount",
      "ConfigMap",
      "Secret",
      "Namespace",
      "Node",
      "Lease",
      "Event",
      "PriorityClass",
      "LimitRange",
      "ResourceQuota",
      "SelfSubjectAccessReview",
      "SelfSubjectReview",
      "Binding",
      "Scale",
      "CustomResourceDefinition",
      "CronTab",
    ]) {
      expect(kinds, kind).toContain(kind);
    }
  });

  it.each(fixtures.map((f) => [f.name, f] as const))("%s is valid under Strict", (_, f) => {
    const result = validateAgainstSchema(f.doc, f.schema, schemas, { unknownFields: "Strict" });
    expect(result.errors.map(formatFieldError)).toEqual([]);
    expect(result.unknownFields).toEqual([]);
  });
});

describe("an injected unknown field", () => {
  it.each<[string, (doc: Manifest) => void, string]>([
    [
      "deployment-web.yaml#0",
      (d) => {
        d.spec.template.spec.containers[0].livenessProbe.httpGet.foo = 1;
      },
      "spec.template.spec.containers[0].livenessProbe.httpGet.foo",
    ],
    [
      "deployment-web.yaml#0",
      (d) => {
        d.spec.strategy.rollingUpdate.maxUnaivailable = 5;
      },
      "spec.strategy.rollingUpdate.maxUnaivailable",
    ],
    [
      "pod-volumes.yaml#0",
      (d) => {
        d.spec.volumes[4].projected.sources[3].serviceAccountToken.expiry = 60;
      },
      "spec.volumes[4].projected.sources[3].serviceAccountToken.expiry",
    ],
    [
      "pod-scheduling.yaml#0",
      (d) => {
        d.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].value =
          "x";
      },
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].value",
    ],
    [
      "pod-security.yaml#0",
      (d) => {
        d.spec.containers[0].securityContext.capabilities.remove = ["ALL"];
      },
      "spec.containers[0].securityContext.capabilities.remove",
    ],
    [
      "services.yaml#1",
      (d) => {
        d.spec.ports[0].nodeport = 30000;
      },
      "spec.ports[0].nodeport",
    ],
    [
      "ingress.yaml#0",
      (d) => {
        d.spec.tls[0].secretNmae = "x";
      },
      "spec.tls[0].secretNmae",
    ],
    [
      "rbac.yaml#4",
      (d) => {
        d.roleRef.namespace = "default";
      },
      "roleRef.namespace",
    ],
    [
      "cluster.yaml#1",
      (d) => {
        d.status.nodeInfo.swap = {};
      },
      "status.nodeInfo.swap",
    ],
    [
      "crd-structural.yaml#0",
      (d) => {
        d.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.image.tpye = "string";
      },
      "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[image].tpye",
    ],
    [
      "crontab.yaml#0",
      (d) => {
        d.spec.env[0].valueFrom = {};
      },
      "spec.env[0].valueFrom",
    ],
  ])("%s: %s", (name, inject, path) => {
    const f = fixture(name);
    inject(f.doc);
    const result = validateAgainstSchema(f.doc, f.schema, schemas, { unknownFields: "Strict" });
    expect(result.unknownFields).toEqual([path]);
    expect(result.errors).toEqual([]);
  });

  it("a field that exists only in Kubernetes 1.33 or later is unknown", () => {
    const f = fixture("pod-probes.yaml#0");
    (f.doc as Manifest).spec.containers[0].lifecycle.stopSignal = "SIGUSR1";
    const result = validateAgainstSchema(f.doc, f.schema, schemas, { unknownFields: "Strict" });
    expect(result.unknownFields).toEqual(["spec.containers[0].lifecycle.stopSignal"]);
  });
});

describe("the fixtures' type errors", () => {
  it("report the path of the bad value", () => {
    const f = fixture("deployment-web.yaml#0");
    const spec = (f.doc as Manifest).spec;
    spec.replicas = "four";
    spec.template.spec.containers[0].ports[0].containerPort = "8080";
    spec.template.spec.containers[0].readinessProbe.httpGet.port = 1.5;
    const result = validateAgainstSchema(f.doc, f.schema, schemas, { unknownFields: "Strict" });
    expect(result.errors.map(formatFieldError)).toEqual([
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      'spec.template.spec.containers[0].ports[0].containerPort: Invalid value: "string": spec.template.spec.containers[0].ports[0].containerPort in body must be of type integer: "string"',
      'spec.template.spec.containers[0].readinessProbe.httpGet.port: Invalid value: "number": spec.template.spec.containers[0].readinessProbe.httpGet.port in body must be of type integer,string: "number"',
    ]);
  });
});

// --- properties -----------------------------------------------------------------------------

interface ObjectSite {
  /** JSON keys and indexes from the root to the object. */
  keys: (string | number)[];
  /** The path as Kubernetes prints it. */
  path: string;
  schema: Schema;
}

/**
 * Every object in `value` with the schema that describes it. "Closed" sites (a plain object
 * schema) must report extra keys; open ones (maps, preserve-unknown-fields) keep them.
 */
function objectSites(value: unknown, schema: Schema, components: SchemaMap): ObjectSite[] {
  const sites: ObjectSite[] = [];
  const visit = (v: unknown, s: Schema, keys: (string | number)[], path: string) => {
    const resolved = resolveSchema(s, components);
    if (Array.isArray(v) && resolved.items !== undefined) {
      v.forEach((item, i) => {
        visit(item, resolved.items as Schema, [...keys, i], `${path}[${i}]`);
      });
    } else if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      sites.push({ keys, path, schema: resolved });
      for (const [k, child] of Object.entries(v)) {
        const known = resolved.properties?.[k];
        if (known !== undefined)
          visit(child, known, [...keys, k], path === "" ? k : `${path}.${k}`);
        else if (typeof resolved.additionalProperties === "object") {
          visit(child, resolved.additionalProperties, [...keys, k], `${path}[${k}]`);
        }
      }
    }
  };
  visit(value, schema, [], "");
  return sites;
}

function isClosed(schema: Schema): boolean {
  return (
    schema.type === "object" &&
    schema.additionalProperties === undefined &&
    schema["x-kubernetes-preserve-unknown-fields"] !== true
  );
}

function at(root: unknown, keys: (string | number)[]): Record<string, unknown> {
  let node: Manifest = root;
  for (const key of keys) node = node[key];
  return node;
}

const extraKey = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,11}$/).map((k) => `zz${k}`);

describe("properties over every fixture", () => {
  const cases = fixtures.map((f) => ({
    ...f,
    sites: objectSites(f.doc, { $ref: f.schema }, schemas),
    clean: validateAgainstSchema(f.doc, f.schema, schemas, { unknownFields: "Ignore" }).pruned,
  }));

  it("every fixture has closed objects to inject into", () => {
    for (const c of cases)
      expect(
        c.sites.some((s) => isClosed(s.schema)),
        c.name,
      ).toBe(true);
  });

  it("Strict: an extra key in a closed object is always reported, at its path", () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), extraKey, fc.jsonValue(), (i, j, key, value) => {
        const c = cases[i % cases.length] as (typeof cases)[number];
        const closed = c.sites.filter((s) => isClosed(s.schema));
        const site = closed[j % closed.length] as ObjectSite;
        const doc = structuredClone(c.doc);
        at(doc, site.keys)[key] = value;
        const result = validateAgainstSchema(doc, c.schema, schemas, { unknownFields: "Strict" });
        expect(result.unknownFields).toEqual([site.path === "" ? key : `${site.path}.${key}`]);
        expect(result.errors).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("Ignore: extra keys in closed objects are always removed, and nothing else changes", () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), extraKey, fc.jsonValue()), { minLength: 1, maxLength: 5 }),
        (i, injections) => {
          const c = cases[i % cases.length] as (typeof cases)[number];
          const closed = c.sites.filter((s) => isClosed(s.schema));
          const doc = structuredClone(c.doc);
          for (const [j, key, value] of injections) {
            at(doc, (closed[j % closed.length] as ObjectSite).keys)[key] = value;
          }
          const result = validateAgainstSchema(doc, c.schema, schemas, { unknownFields: "Ignore" });
          expect(result.pruned).toEqual(c.clean);
          expect(result.warnings).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("Warn: one warning per extra key, and the same pruned object as Ignore", () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), extraKey, (i, j, key) => {
        const c = cases[i % cases.length] as (typeof cases)[number];
        const closed = c.sites.filter((s) => isClosed(s.schema));
        const site = closed[j % closed.length] as ObjectSite;
        const doc = structuredClone(c.doc);
        at(doc, site.keys)[key] = 1;
        const result = validateAgainstSchema(doc, c.schema, schemas, { unknownFields: "Warn" });
        const path = site.path === "" ? key : `${site.path}.${key}`;
        expect(result.warnings).toEqual([`unknown field "${path}"`]);
        expect(result.pruned).toEqual(c.clean);
      }),
      { numRuns: 100 },
    );
  });

  it("an extra key in an object that preserves unknown fields is kept", () => {
    const open = cases.flatMap((c) =>
      c.sites
        .filter((s) => s.schema["x-kubernetes-preserve-unknown-fields"] === true)
        .map((s) => ({ c, s })),
    );
    expect(open.length).toBeGreaterThan(3);
    fc.assert(
      fc.property(fc.nat(), extraKey, (i, key) => {
        const { c, s } = open[i % open.length] as (typeof open)[number];
        const doc = structuredClone(c.doc);
        at(doc, s.keys)[key] = "kept";
        const result = validateAgainstSchema(doc, c.schema, schemas, { unknownFields: "Strict" });
        expect(result.unknownFields).toEqual([]);
        expect(at(result.pruned, s.keys)[key]).toBe("kept");
      }),
      { numRuns: 100 },
    );
  });
});
