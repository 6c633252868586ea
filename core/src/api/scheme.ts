/**
 * The scheme: every resource the API server serves, in one table. An entry ties a kind
 * (group/version/kind) to its REST resource (the plural in URLs), its storage key prefix and the
 * facts discovery publishes. Adding a built-in type is one entry here plus its strategy; a
 * CustomResourceDefinition adds an entry at run time.
 *
 * Kubernetes spreads this over the runtime.Scheme, the RESTMapper and each group's installer;
 * one table is enough when every type has exactly one served version.
 */
import { apiVersionOf } from "./object.ts";

export type Verb =
  | "create"
  | "delete"
  | "deletecollection"
  | "get"
  | "list"
  | "patch"
  | "update"
  | "watch";

const ALL_VERBS: Verb[] = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
];

/** A subresource: `pods/status`, `deployments/scale`, `pods/binding`, `pods/log`. */
export interface Subresource {
  name: "status" | "scale" | "binding" | "log" | "finalize";
  /** The kind its body is: the parent's for status, autoscaling/v1 Scale for scale, ... */
  kind: { group: string; version: string; kind: string };
  verbs: Verb[];
}

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  /** Lower-case plural, as in URLs: "pods", "deployments". */
  resource: string;
  singular: string;
  shortNames: string[];
  /** "all" puts it in `kubectl get all`. */
  categories: string[];
  namespaced: boolean;
  verbs: Verb[];
  subresources: Subresource[];
  /** Keys are `<storagePrefix>/<namespace>/<name>` or `<storagePrefix>/<name>`. */
  storagePrefix: string;
  /** The API server answers it without storing anything (reviews). */
  virtual?: boolean;
  /** metadata.generation starts at 1 and moves on every spec change. */
  generation?: boolean;
  /** Defined by a CustomResourceDefinition. */
  custom?: boolean;
}

export function apiVersionOfType(t: Pick<ResourceType, "group" | "version">): string {
  return apiVersionOf(t.group, t.version);
}

/** "pods" for the core group, "deployments.apps" otherwise: how messages name a resource. */
export function groupResource(t: Pick<ResourceType, "group" | "resource">): string {
  return t.group === "" ? t.resource : `${t.resource}.${t.group}`;
}

interface Entry {
  kind: string;
  resource: string;
  shortNames?: string[];
  categories?: string[];
  namespaced?: boolean;
  subresources?: Subresource["name"][];
  verbs?: Verb[];
  storagePrefix?: string;
  virtual?: boolean;
  generation?: boolean;
}

const SCALE = { group: "autoscaling", version: "v1", kind: "Scale" };

function group(groupName: string, version: string, entries: Entry[]): ResourceType[] {
  return entries.map((e) => ({
    group: groupName,
    version,
    kind: e.kind,
    resource: e.resource,
    singular: e.kind.toLowerCase(),
    shortNames: e.shortNames ?? [],
    categories: e.categories ?? [],
    namespaced: e.namespaced ?? true,
    verbs: e.verbs ?? ALL_VERBS,
    subresources: (e.subresources ?? []).map((name) =>
      subresource(name, groupName, version, e.kind),
    ),
    storagePrefix: e.storagePrefix ?? `/registry/${e.resource}`,
    ...(e.virtual ? { virtual: true } : {}),
    ...(e.generation ? { generation: true } : {}),
  }));
}

function subresource(name: Subresource["name"], g: string, v: string, kind: string): Subresource {
  switch (name) {
    case "status":
      return { name, kind: { group: g, version: v, kind }, verbs: ["get", "patch", "update"] };
    case "scale":
      return { name, kind: SCALE, verbs: ["get", "patch", "update"] };
    case "binding":
      return { name, kind: { group: "", version: "v1", kind: "Binding" }, verbs: ["create"] };
    case "log":
      return { name, kind: { group: "", version: "v1", kind: "Pod" }, verbs: ["get"] };
    case "finalize":
      return { name, kind: { group: g, version: v, kind }, verbs: ["update"] };
  }
}

const CREATE_ONLY: Verb[] = ["create"];

/** The built-in resources, in discovery order. */
export const BUILTIN_TYPES: readonly ResourceType[] = [
  ...group("", "v1", [
    {
      kind: "Namespace",
      resource: "namespaces",
      shortNames: ["ns"],
      namespaced: false,
      subresources: ["status", "finalize"],
    },
    {
      kind: "Pod",
      resource: "pods",
      shortNames: ["po"],
      categories: ["all"],
      subresources: ["status", "binding", "log"],
    },
    {
      kind: "Node",
      resource: "nodes",
      shortNames: ["no"],
      namespaced: false,
      subresources: ["status"],
    },
    {
      kind: "Service",
      resource: "services",
      shortNames: ["svc"],
      categories: ["all"],
      subresources: ["status"],
      storagePrefix: "/registry/services/specs",
    },
    {
      kind: "Endpoints",
      resource: "endpoints",
      shortNames: ["ep"],
      storagePrefix: "/registry/services/endpoints",
    },
    { kind: "ConfigMap", resource: "configmaps", shortNames: ["cm"] },
    { kind: "Secret", resource: "secrets" },
    { kind: "Event", resource: "events", shortNames: ["ev"] },
    { kind: "ServiceAccount", resource: "serviceaccounts", shortNames: ["sa"] },
    { kind: "LimitRange", resource: "limitranges", shortNames: ["limits"] },
    {
      kind: "ResourceQuota",
      resource: "resourcequotas",
      shortNames: ["quota"],
      subresources: ["status"],
    },
  ]),
  ...group("apps", "v1", [
    {
      kind: "Deployment",
      resource: "deployments",
      shortNames: ["deploy"],
      categories: ["all"],
      subresources: ["status", "scale"],
      generation: true,
    },
    {
      kind: "ReplicaSet",
      resource: "replicasets",
      shortNames: ["rs"],
      categories: ["all"],
      subresources: ["status", "scale"],
      generation: true,
    },
  ]),
  ...group("coordination.k8s.io", "v1", [{ kind: "Lease", resource: "leases" }]),
  ...group("discovery.k8s.io", "v1", [{ kind: "EndpointSlice", resource: "endpointslices" }]),
  ...group("scheduling.k8s.io", "v1", [
    { kind: "PriorityClass", resource: "priorityclasses", shortNames: ["pc"], namespaced: false },
  ]),
  ...group("networking.k8s.io", "v1", [
    {
      kind: "Ingress",
      resource: "ingresses",
      shortNames: ["ing"],
      subresources: ["status"],
      storagePrefix: "/registry/ingress",
      generation: true,
    },
    { kind: "IngressClass", resource: "ingressclasses", namespaced: false },
    // A Service's cluster IP, held by name (KEP-1880, GA in Kubernetes 1.33): the allocator
    // creates one per address, so the store's create-if-absent is what keeps two Services
    // from sharing it.
    { kind: "IPAddress", resource: "ipaddresses", shortNames: ["ip"], namespaced: false },
  ]),
  ...group("rbac.authorization.k8s.io", "v1", [
    { kind: "Role", resource: "roles" },
    { kind: "ClusterRole", resource: "clusterroles", namespaced: false },
    { kind: "RoleBinding", resource: "rolebindings" },
    { kind: "ClusterRoleBinding", resource: "clusterrolebindings", namespaced: false },
  ]),
  ...group("authentication.k8s.io", "v1", [
    {
      kind: "SelfSubjectReview",
      resource: "selfsubjectreviews",
      namespaced: false,
      verbs: CREATE_ONLY,
      virtual: true,
    },
  ]),
  ...group("authorization.k8s.io", "v1", [
    {
      kind: "SelfSubjectAccessReview",
      resource: "selfsubjectaccessreviews",
      namespaced: false,
      verbs: CREATE_ONLY,
      virtual: true,
    },
  ]),
  ...group("apiextensions.k8s.io", "v1", [
    {
      kind: "CustomResourceDefinition",
      resource: "customresourcedefinitions",
      shortNames: ["crd", "crds"],
      namespaced: false,
      subresources: ["status"],
      storagePrefix: "/registry/apiextensions.k8s.io/customresourcedefinitions",
      generation: true,
    },
  ]),
];

/**
 * The resources served right now: the built-ins plus whatever CRDs added. Lookups by URL
 * (group, version, resource), by kind, and by short name.
 */
export class Scheme {
  private types: ResourceType[];

  constructor(types: readonly ResourceType[] = BUILTIN_TYPES) {
    this.types = [...types];
  }

  all(): readonly ResourceType[] {
    return this.types;
  }

  /** The type served at /apis/<group>/<version>/<resource> (or /api/v1/<resource>). */
  byResource(group: string, version: string, resource: string): ResourceType | undefined {
    return this.types.find(
      (t) => t.group === group && t.version === version && t.resource === resource,
    );
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.types.find((t) => apiVersionOfType(t) === apiVersion && t.kind === kind);
  }

  /** Group versions in discovery order, each with its resources. */
  groupVersions(): { group: string; version: string; types: ResourceType[] }[] {
    const out: { group: string; version: string; types: ResourceType[] }[] = [];
    for (const t of this.types) {
      const gv = out.find((x) => x.group === t.group && x.version === t.version);
      if (gv) gv.types.push(t);
      else out.push({ group: t.group, version: t.version, types: [t] });
    }
    return out;
  }

  /** Adds or replaces a type (CRDs); returns whether discovery changed. */
  upsert(type: ResourceType): boolean {
    const i = this.types.findIndex(
      (t) => t.group === type.group && t.version === type.version && t.resource === type.resource,
    );
    if (i >= 0) {
      const changed = JSON.stringify(this.types[i]) !== JSON.stringify(type);
      this.types[i] = type;
      return changed;
    }
    this.types.push(type);
    return true;
  }

  remove(group: string, version: string, resource: string): boolean {
    const before = this.types.length;
    this.types = this.types.filter(
      (t) => !(t.group === group && t.version === version && t.resource === resource),
    );
    return this.types.length !== before;
  }
}

/** The storage key of one object. */
export function storageKey(
  type: ResourceType,
  namespace: string | undefined,
  name: string,
): string {
  return type.namespaced
    ? `${type.storagePrefix}/${namespace}/${name}`
    : `${type.storagePrefix}/${name}`;
}

/** The key prefix of a collection: all namespaces, or one. Always ends with "/". */
export function storagePrefixOf(type: ResourceType, namespace?: string): string {
  return type.namespaced && namespace
    ? `${type.storagePrefix}/${namespace}/`
    : `${type.storagePrefix}/`;
}
