import { describe, expect, it } from "vitest";
import {
  crdOpenapiV3Document,
  crdResources,
  crdSchemaName,
  crdSchemas,
  documentHash,
  groupVersionPath,
  type OpenAPIV3Document,
  openapiV3Document,
  openapiV3Index,
  PATCH_CONTENT_TYPES,
} from "./documents.ts";
import { refName } from "./schema.ts";
import { isStructuralSchema } from "./structural.ts";
import { loadFixtures, SERVED_RESOURCES } from "./test-fixtures.ts";
import { validateAgainstSchema } from "./validate.ts";

// biome-ignore lint/suspicious/noExplicitAny: the tests reach into parsed manifests freely.
type Manifest = any;

const groupVersions = [...new Set(SERVED_RESOURCES.map((r) => `${r.group}|${r.version}`))].map(
  (gv) => {
    const [group, version] = gv.split("|") as [string, string];
    return { group, version };
  },
);
const documents: Record<string, OpenAPIV3Document> = Object.fromEntries(
  groupVersions.map((gv) => [
    groupVersionPath(gv.group, gv.version),
    openapiV3Document(gv, SERVED_RESOURCES),
  ]),
);
const apps = documents["apis/apps/v1"] as OpenAPIV3Document;

function refsOf(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) refsOf(n, into);
  else if (typeof node === "object" && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") into.add(refName(v));
      else refsOf(v, into);
    }
  }
  return into;
}

describe("openapiV3Document", () => {
  it("describes the collection, item and subresource paths of each resource", () => {
    expect(Object.keys(apps.paths)).toEqual(
      [
        "/apis/apps/v1/deployments",
        "/apis/apps/v1/namespaces/{namespace}/deployments",
        "/apis/apps/v1/namespaces/{namespace}/deployments/{name}",
        "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale",
        "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status",
        "/apis/apps/v1/replicasets",
        "/apis/apps/v1/namespaces/{namespace}/replicasets",
        "/apis/apps/v1/namespaces/{namespace}/replicasets/{name}",
        "/apis/apps/v1/namespaces/{namespace}/replicasets/{name}/scale",
        "/apis/apps/v1/namespaces/{namespace}/replicasets/{name}/status",
      ].sort(),
    );
  });

  it("gives PATCH what kubectl looks for: the kind, fieldValidation, the four patch types", () => {
    const patch = apps.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]?.patch;
    expect(patch?.["x-kubernetes-group-version-kind"]).toEqual({
      group: "apps",
      version: "v1",
      kind: "Deployment",
    });
    expect(patch?.["x-kubernetes-action"]).toBe("patch");
    expect(patch?.operationId).toBe("patchAppsV1NamespacedDeployment");
    expect(patch?.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual([
      "query:dryRun",
      "query:fieldManager",
      "query:fieldValidation",
      "query:force",
    ]);
    expect(Object.keys(patch?.requestBody?.content ?? {})).toEqual([...PATCH_CONTENT_TYPES]);
  });

  it("names operations and tags as Kubernetes does", () => {
    const core = documents["api/v1"] as OpenAPIV3Document;
    const pods = core.paths["/api/v1/namespaces/{namespace}/pods"];
    expect(pods?.get?.operationId).toBe("listCoreV1NamespacedPod");
    expect(pods?.post?.operationId).toBe("createCoreV1NamespacedPod");
    expect(pods?.delete?.operationId).toBe("deleteCoreV1CollectionNamespacedPod");
    expect(pods?.get?.tags).toEqual(["core_v1"]);
    expect(core.paths["/api/v1/pods"]?.get?.operationId).toBe("listCoreV1PodForAllNamespaces");
    expect(core.paths["/api/v1/nodes/{name}"]?.put?.operationId).toBe("replaceCoreV1Node");
    const binding = core.paths["/api/v1/namespaces/{namespace}/pods/{name}/binding"]?.post;
    expect(binding?.operationId).toBe("createCoreV1NamespacedPodBinding");
    expect(binding?.["x-kubernetes-group-version-kind"].kind).toBe("Binding");
    const log = core.paths["/api/v1/namespaces/{namespace}/pods/{name}/log"]?.get;
    expect(Object.keys(log?.responses["200"]?.content ?? {})).toEqual(["text/plain"]);
    const rbac = documents["apis/rbac.authorization.k8s.io/v1"] as OpenAPIV3Document;
    expect(rbac.paths["/apis/rbac.authorization.k8s.io/v1/clusterroles"]?.get?.tags).toEqual([
      "rbacAuthorization_v1",
    ]);
  });

  it("the scale subresource reads and writes an autoscaling/v1 Scale", () => {
    const scale = apps.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"];
    expect(scale?.patch?.["x-kubernetes-group-version-kind"]).toEqual({
      group: "autoscaling",
      version: "v1",
      kind: "Scale",
    });
    expect(refsOf(scale?.get)).toEqual(new Set(["io.k8s.api.autoscaling.v1.Scale"]));
  });

  it("describes only the verbs a resource has", () => {
    const authz = documents["apis/authorization.k8s.io/v1"] as OpenAPIV3Document;
    const path = authz.paths["/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"];
    expect(Object.keys(path ?? {}).sort()).toEqual(["parameters", "post"]);
  });

  it.each(Object.entries(documents))("%s carries every schema it references", (_, doc) => {
    const defined = new Set(Object.keys(doc.components.schemas));
    for (const ref of refsOf(doc)) expect(defined, ref).toContain(ref);
    expect(doc.openapi).toBe("3.0.0");
  });

  it("carries only what it references", () => {
    const schemas = Object.keys(apps.components.schemas);
    expect(schemas).toContain("io.k8s.api.core.v1.PodSpec");
    expect(schemas).toContain("io.k8s.apimachinery.pkg.apis.meta.v1.Status");
    expect(schemas).not.toContain("io.k8s.api.core.v1.Service");
  });

  it("fails clearly for a kind without a schema", () => {
    expect(() =>
      openapiV3Document({ group: "x.io", version: "v1" }, [
        {
          group: "x.io",
          version: "v1",
          kind: "Nope",
          resource: "nopes",
          namespaced: true,
          subresources: [],
        },
      ]),
    ).toThrow("no schema with x-kubernetes-group-version-kind x.io/v1/Nope");
  });
});

describe("openapiV3Index", () => {
  const index = openapiV3Index(documents);

  it("lists every group-version with a hashed URL", () => {
    expect(Object.keys(index.paths)).toContain("api/v1");
    expect(Object.keys(index.paths)).toContain("apis/apps/v1");
    expect(index.paths["apis/apps/v1"]?.serverRelativeURL).toMatch(
      /^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]{128}$/,
    );
  });

  it("changes a hash exactly when its document changes", () => {
    const again = openapiV3Index(
      Object.fromEntries(
        groupVersions.map((gv) => [
          groupVersionPath(gv.group, gv.version),
          openapiV3Document(gv, [...SERVED_RESOURCES].reverse()),
        ]),
      ),
    );
    expect(again).toEqual(index);
    const changed = structuredClone(apps);
    changed.info.version = "v1.32.1";
    expect(documentHash(changed)).not.toBe(documentHash(apps));
    expect(documentHash({ b: 1, a: 2 })).toBe(documentHash({ a: 2, b: 1 }));
  });
});

describe("custom resources", () => {
  const { fixtures } = loadFixtures();
  const crd = fixtures.find((f) => f.name === "crd-structural.yaml#0")?.doc as Manifest;

  it("names the components after the reversed group", () => {
    expect(crdSchemaName("stable.example.com", "v1", "CronTab")).toBe(
      "com.example.stable.v1.CronTab",
    );
    expect(Object.keys(crdSchemas(crd))).toEqual([
      "com.example.stable.v1.CronTab",
      "com.example.stable.v1.CronTabList",
    ]);
  });

  it("wraps the CRD's schema with apiVersion, kind, metadata and the kind's tag", () => {
    const schema = crdSchemas(crd)["com.example.stable.v1.CronTab"];
    expect(Object.keys(schema?.properties ?? {}).sort()).toEqual([
      "apiVersion",
      "kind",
      "metadata",
      "spec",
      "status",
    ]);
    expect(schema?.["x-kubernetes-group-version-kind"]).toEqual([
      { group: "stable.example.com", version: "v1", kind: "CronTab" },
    ]);
    expect(schema?.description).toBe("A periodic job.");
    expect(isStructuralSchema(crd.spec.versions[0].schema.openAPIV3Schema)).toBe(true);
  });

  it("lists its served versions with their subresources", () => {
    expect(crdResources(crd)).toEqual([
      {
        group: "stable.example.com",
        version: "v1",
        kind: "CronTab",
        resource: "crontabs",
        namespaced: true,
        subresources: ["status", "scale"],
      },
    ]);
  });

  it("gets a document like a built-in group, whose schema validates its objects", () => {
    const doc = crdOpenapiV3Document({ group: "stable.example.com", version: "v1" }, [crd]);
    const patch =
      doc.paths["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}"]?.patch;
    expect(patch?.["x-kubernetes-group-version-kind"].kind).toBe("CronTab");
    expect(patch?.parameters?.map((p) => p.name)).toContain("fieldValidation");
    expect(Object.keys(doc.paths)).toContain(
      "/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}/scale",
    );
    const result = validateAgainstSchema(
      {
        apiVersion: "stable.example.com/v1",
        kind: "CronTab",
        metadata: { name: "c" },
        spec: { cronSpec: "* * * * *", image: "x", colour: "red" },
      },
      "com.example.stable.v1.CronTab",
      doc.components.schemas,
      { unknownFields: "Strict" },
    );
    expect(result.unknownFields).toEqual(["spec.colour"]);
  });
});
