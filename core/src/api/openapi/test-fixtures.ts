/**
 * The manifests in ./fixtures, parsed, with the schema each one is validated against. For the
 * tests of this folder.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { parseApiVersion } from "../object.ts";
import { builtinSchemas } from "./definitions/index.ts";
import {
  type CustomResourceDefinitionLike,
  crdSchemas,
  findSchemaForKind,
  type ResourceInfo,
} from "./documents.ts";
import type { SchemaMap } from "./schema.ts";

export const FIXTURES_DIR = join(import.meta.dirname, "fixtures");

export interface Fixture {
  /** "deployment-web.yaml#0" */
  name: string;
  doc: Record<string, unknown>;
  /** The component the document is validated against. */
  schema: string;
}

/** Every document of every fixture file; built-in schemas plus the CronTab CRD's. */
export function loadFixtures(): { fixtures: Fixture[]; schemas: SchemaMap } {
  const parsed: { name: string; doc: Record<string, unknown> }[] = [];
  for (const file of readdirSync(FIXTURES_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort()) {
    const docs = parseAllDocuments(readFileSync(join(FIXTURES_DIR, file), "utf8"));
    docs.forEach((d, i) => {
      parsed.push({ name: `${file}#${i}`, doc: d.toJS() as Record<string, unknown> });
    });
  }
  const crd = parsed.find((p) => p.name === "crd-structural.yaml#0");
  if (crd === undefined) throw new Error("fixtures/crd-structural.yaml is missing");
  const schemas = {
    ...builtinSchemas,
    ...crdSchemas(crd.doc as unknown as CustomResourceDefinitionLike),
  };
  const fixtures = parsed.map(({ name, doc }) => {
    const { group, version } = parseApiVersion(String(doc.apiVersion));
    const schema = findSchemaForKind(schemas, { group, version, kind: String(doc.kind) });
    if (schema === undefined)
      throw new Error(`${name}: no schema for ${doc.apiVersion} ${doc.kind}`);
    return { name, doc, schema };
  });
  return { fixtures, schemas };
}

const r = (
  group: string,
  kind: string,
  resource: string,
  namespaced: boolean,
  subresources: string[] = [],
  verbs?: string[],
): ResourceInfo => ({
  group,
  version: "v1",
  kind,
  resource,
  namespaced,
  subresources,
  ...(verbs === undefined ? {} : { verbs }),
});

/** The resources of issue 3, as the API server's scheme will list them. */
export const SERVED_RESOURCES: ResourceInfo[] = [
  r("", "Namespace", "namespaces", false, ["status"]),
  r("", "Pod", "pods", true, ["status", "binding", "log"]),
  r("", "Binding", "bindings", true, [], ["create"]),
  r("", "Node", "nodes", false, ["status"]),
  r("", "Service", "services", true, ["status"]),
  r("", "Endpoints", "endpoints", true),
  r("", "ConfigMap", "configmaps", true),
  r("", "Secret", "secrets", true),
  r("", "Event", "events", true),
  r("", "ServiceAccount", "serviceaccounts", true),
  r("", "LimitRange", "limitranges", true),
  r("", "ResourceQuota", "resourcequotas", true, ["status"]),
  r("apps", "Deployment", "deployments", true, ["status", "scale"]),
  r("apps", "ReplicaSet", "replicasets", true, ["status", "scale"]),
  r("coordination.k8s.io", "Lease", "leases", true),
  r("discovery.k8s.io", "EndpointSlice", "endpointslices", true),
  r("networking.k8s.io", "Ingress", "ingresses", true, ["status"]),
  r("networking.k8s.io", "IngressClass", "ingressclasses", false),
  r("rbac.authorization.k8s.io", "Role", "roles", true),
  r("rbac.authorization.k8s.io", "ClusterRole", "clusterroles", false),
  r("rbac.authorization.k8s.io", "RoleBinding", "rolebindings", true),
  r("rbac.authorization.k8s.io", "ClusterRoleBinding", "clusterrolebindings", false),
  r("authentication.k8s.io", "SelfSubjectReview", "selfsubjectreviews", false, [], ["create"]),
  r(
    "authorization.k8s.io",
    "SelfSubjectAccessReview",
    "selfsubjectaccessreviews",
    false,
    [],
    ["create"],
  ),
  r("apiextensions.k8s.io", "CustomResourceDefinition", "customresourcedefinitions", false, [
    "status",
  ]),
  r("scheduling.k8s.io", "PriorityClass", "priorityclasses", false),
];
