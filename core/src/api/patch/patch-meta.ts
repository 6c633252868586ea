/**
 * Patch metadata: how each list of a built-in kind combines when patched. Kubernetes keeps this in
 * the Go struct tags of k8s.io/api, for example on PodSpec
 *
 *   Containers []Container `json:"containers" patchStrategy:"merge" patchMergeKey:"name"`
 *
 * and strategic merge patch reads the tags by reflection. We keep the same facts as data: one table
 * per kind, from a field path to that field's `patchStrategy` and `patchMergeKey`. The facts were
 * read from the tags compiled into kubectl 1.32 and checked against k8s.io/api/core/v1/types.go.
 *
 * - A list with strategy "merge" and a merge key (containers by `name`) merges element by element:
 *   elements with the same key merge, new ones are added, `$patch: delete` removes one.
 * - A list of scalars with strategy "merge" and no key (`metadata.finalizers`) merges as a set.
 * - Every other list (tolerations, args, RBAC rules, Ingress rules) is atomic: a patch replaces it.
 * - "retainKeys" (a Deployment's `spec.strategy`, each of a PodSpec's `volumes`) marks an object
 *   of which only one member is meant to be set; client tools send a `$retainKeys` directive for it,
 *   which clears the members it does not list.
 * - "replace" on an object would make a patch replace it whole (no kind of ours uses it).
 *
 * A path is field names joined by "."; "[]" steps into the elements of a list:
 * "spec.template.spec.containers[].ports". Kinds are keyed by Kubernetes' GroupKind string:
 * "Pod" for the core group, "Deployment.apps" otherwise. Only the kinds listed here accept a
 * strategic merge patch; the API server refuses one for a custom resource with 415, and clients
 * (kubectl apply) fall back to a JSON merge patch for them.
 *
 * Server-side apply reads the same tables to key list elements (simplified: Kubernetes' apply reads
 * x-kubernetes-list-type and x-kubernetes-list-map-keys from OpenAPI instead, which sometimes key by
 * two fields, as containerPort+protocol for container ports).
 */
import { parseApiVersion, type TypeMeta } from "../object.ts";

export type PatchStrategy = "merge" | "replace" | "retainKeys";

export interface FieldMeta {
  /** The Go tag patchStrategy, split on ",". */
  readonly strategies: readonly PatchStrategy[];
  /** The Go tag patchMergeKey: the field that identifies an element of a merged list of objects. */
  readonly mergeKey?: string;
}

/** Field path → metadata, for one kind or one reusable type. */
export type FieldTable = Readonly<Record<string, FieldMeta>>;

const mergeBy = (mergeKey: string): FieldMeta => ({ strategies: ["merge"], mergeKey });
/** A list of scalars merged as a set. */
const SET: FieldMeta = { strategies: ["merge"] };
const RETAIN_KEYS: FieldMeta = { strategies: ["retainKeys"] };

/** The same table, every path prefixed: `under("spec", podSpec)`. */
function under(prefix: string, table: FieldTable): FieldTable {
  return Object.fromEntries(
    Object.entries(table).map(([path, meta]) => [`${prefix}.${path}`, meta]),
  );
}

// #region patch-meta-tables
/** metav1.ObjectMeta, under "metadata" of every kind. */
const objectMeta: FieldTable = {
  "metadata.finalizers": SET,
  "metadata.ownerReferences": mergeBy("uid"),
};

/** core/v1 Container (and EphemeralContainer, which shares its fields). */
const container: FieldTable = {
  ports: mergeBy("containerPort"),
  env: mergeBy("name"),
  volumeMounts: mergeBy("mountPath"),
  volumeDevices: mergeBy("devicePath"),
};

const podSpec: FieldTable = {
  volumes: { strategies: ["merge", "retainKeys"], mergeKey: "name" },
  initContainers: mergeBy("name"),
  ...under("initContainers[]", container),
  containers: mergeBy("name"),
  ...under("containers[]", container),
  ephemeralContainers: mergeBy("name"),
  ...under("ephemeralContainers[]", container),
  imagePullSecrets: mergeBy("name"),
  hostAliases: mergeBy("ip"),
  topologySpreadConstraints: mergeBy("topologyKey"),
  schedulingGates: mergeBy("name"),
  resourceClaims: { strategies: ["merge", "retainKeys"], mergeKey: "name" },
};

const podStatus: FieldTable = {
  conditions: mergeBy("type"),
  podIPs: mergeBy("ip"),
  hostIPs: mergeBy("ip"),
  resourceClaimStatuses: { strategies: ["merge", "retainKeys"], mergeKey: "name" },
};

/** core/v1 PodTemplateSpec: its own metadata and a PodSpec. */
const podTemplate: FieldTable = { ...objectMeta, ...under("spec", podSpec) };

const conditionsByType: FieldTable = { "status.conditions": mergeBy("type") };

/** Every kind that accepts a strategic merge patch, keyed by GroupKind. */
export const PATCH_META: Readonly<Record<string, FieldTable>> = {
  Pod: { ...objectMeta, ...under("spec", podSpec), ...under("status", podStatus) },
  Node: {
    ...objectMeta,
    "spec.podCIDRs": SET,
    "status.conditions": mergeBy("type"),
    "status.addresses": mergeBy("type"),
  },
  Service: { ...objectMeta, "spec.ports": mergeBy("port"), ...conditionsByType },
  Namespace: { ...objectMeta, ...conditionsByType },
  ServiceAccount: { ...objectMeta, secrets: mergeBy("name") },
  Binding: objectMeta,
  ConfigMap: objectMeta,
  Secret: objectMeta,
  Endpoints: objectMeta,
  Event: objectMeta,
  LimitRange: objectMeta,
  ResourceQuota: objectMeta,
  "Deployment.apps": {
    ...objectMeta,
    "spec.strategy": RETAIN_KEYS,
    ...under("spec.template", podTemplate),
    ...conditionsByType,
  },
  "ReplicaSet.apps": { ...objectMeta, ...under("spec.template", podTemplate), ...conditionsByType },
  "Scale.autoscaling": objectMeta,
  "Lease.coordination.k8s.io": objectMeta,
  "EndpointSlice.discovery.k8s.io": objectMeta,
  "Ingress.networking.k8s.io": objectMeta,
  "IngressClass.networking.k8s.io": objectMeta,
  "IPAddress.networking.k8s.io": objectMeta,
  "Role.rbac.authorization.k8s.io": objectMeta,
  "ClusterRole.rbac.authorization.k8s.io": objectMeta,
  "RoleBinding.rbac.authorization.k8s.io": objectMeta,
  "ClusterRoleBinding.rbac.authorization.k8s.io": objectMeta,
  "CustomResourceDefinition.apiextensions.k8s.io": objectMeta,
};
// #endregion patch-meta-tables

/** Kubernetes' GroupKind.String(): "Pod", "Deployment.apps". */
export function groupKindOf(type: Pick<TypeMeta, "apiVersion" | "kind">): string {
  const { group } = parseApiVersion(type.apiVersion);
  return group === "" ? type.kind : `${type.kind}.${group}`;
}

/** False for custom resources (and anything else without Go types): the API server answers 415. */
export function supportsStrategicMerge(kindKey: string): boolean {
  return Object.hasOwn(PATCH_META, kindKey);
}

/**
 * The tables compiled into a tree, for walking alongside an object. `fields` holds an object's
 * members; a list's elements are the child named "[]".
 */
export interface PatchSchema {
  readonly meta: FieldMeta | undefined;
  readonly fields: ReadonlyMap<string, PatchSchema>;
}

const EMPTY: PatchSchema = { meta: undefined, fields: new Map() };
const compiled = new Map<string, PatchSchema>();

/** The schema of a kind; for an unknown kind, an empty one (every list atomic). */
export function patchSchemaFor(kindKey: string): PatchSchema {
  const table = PATCH_META[kindKey];
  if (!table) return EMPTY;
  let schema = compiled.get(kindKey);
  if (!schema) {
    schema = compile(table);
    compiled.set(kindKey, schema);
  }
  return schema;
}

/** The schema of an object member, or of a list's elements with "[]". */
export function childSchema(
  schema: PatchSchema | undefined,
  name: string,
): PatchSchema | undefined {
  return schema?.fields.get(name);
}

interface MutableSchema {
  meta: FieldMeta | undefined;
  fields: Map<string, MutableSchema>;
}

function compile(table: FieldTable): PatchSchema {
  const root: MutableSchema = { meta: undefined, fields: new Map() };
  for (const [path, meta] of Object.entries(table)) {
    let node = root;
    for (const segment of path.replaceAll("[]", ".[]").split(".")) {
      let next = node.fields.get(segment);
      if (!next) {
        next = { meta: undefined, fields: new Map() };
        node.fields.set(segment, next);
      }
      node = next;
    }
    node.meta = meta;
  }
  return root;
}
