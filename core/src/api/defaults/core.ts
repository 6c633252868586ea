/**
 * Defaulting of the smaller core/v1 kinds (k8s.io/kubernetes/pkg/apis/core/v1/defaults.go).
 * Pods and Services have their own files. ConfigMap, ServiceAccount and Event have no defaults
 * that show: SetDefaults_ConfigMap makes `data` an empty map, which Go's encoder then omits.
 */
import {
  defaultString,
  ensureObject,
  hasEntries,
  isObject,
  type JsonObject,
  objectAt,
  objectsAt,
} from "./fields.ts";
import { defaultResourceList } from "./resources.ts";

// #region namespace-defaults
/**
 * SetDefaults_Namespace and SetDefaults_NamespaceStatus: every named namespace carries the label
 * `kubernetes.io/metadata.name: <name>` (so NetworkPolicies can select namespaces by name), and
 * a namespace is Active until it is deleted. The label is the one default here that overwrites:
 * Kubernetes sets it whatever the user wrote, so the label can always be trusted.
 *
 * `spec.finalizers: ["kubernetes"]` is not a default: the namespace strategy adds it on create
 * only ("we cannot use this in defaults conversion because we let it get removed over life of
 * object"), and the registry's strategy does the same here.
 */
export function applyNamespaceDefaults<T extends JsonObject>(namespace: T): T {
  const metadata = objectAt(namespace, "metadata");
  const name = metadata?.name;
  if (metadata && typeof name === "string" && name !== "") {
    const labels = ensureObject(metadata, "labels");
    if (labels) labels["kubernetes.io/metadata.name"] = name;
  }
  const status = ensureObject(namespace, "status");
  if (status) defaultString(status, "phase", "Active");
  return namespace;
}
// #endregion namespace-defaults

/** SetDefaults_NodeStatus: a node that reports capacity but no allocatable can give it all. */
export function applyNodeDefaults<T extends JsonObject>(node: T): T {
  const status = objectAt(node, "status");
  if (status) {
    if (
      (status.allocatable === undefined || status.allocatable === null) &&
      isObject(status.capacity)
    ) {
      status.allocatable = { ...status.capacity };
    }
    defaultResourceList(status.capacity);
    defaultResourceList(status.allocatable);
  }
  return node;
}

/**
 * SetDefaults_Secret: a Secret without a type is Opaque (arbitrary user data).
 *
 * Also what Kubernetes does while converting a v1 Secret, before defaulting: the write-only
 * `stringData` is merged into `data` (base64-encoded, winning over a `data` key of the same name)
 * and dropped, so no stored Secret and no response ever has `stringData`.
 */
export function applySecretDefaults<T extends JsonObject>(secret: T): T {
  const stringData = objectAt(secret, "stringData");
  if (stringData) {
    const data = ensureObject(secret, "data");
    if (data) {
      for (const [key, value] of Object.entries(stringData)) {
        if (typeof value === "string") data[key] = Buffer.from(value, "utf8").toString("base64");
      }
      delete secret.stringData;
    }
  }
  defaultString(secret, "type", "Opaque");
  return secret;
}

/** SetDefaults_Endpoints: endpoint ports without a protocol are TCP. */
export function applyEndpointsDefaults<T extends JsonObject>(endpoints: T): T {
  for (const subset of objectsAt(endpoints, "subsets")) {
    for (const port of objectsAt(subset, "ports")) defaultString(port, "protocol", "TCP");
  }
  return endpoints;
}

// #region limit-range-defaults
/**
 * SetDefaults_LimitRangeItem, for `type: Container` items only. Each resource missing from
 * `default` takes its `max`; each missing from `defaultRequest` takes its `default`, else its
 * `min`. For example
 *
 *   max: {cpu: 2}, min: {memory: 64Mi}, default: {memory: 256Mi}
 *   → default:        {memory: 256Mi, cpu: 2}
 *   → defaultRequest: {memory: 256Mi, cpu: 2}   (from default; min's 64Mi comes too late)
 *
 * so a container the LimitRanger admission plugin fills in never gets a request above its limit.
 */
export function applyLimitRangeDefaults<T extends JsonObject>(limitRange: T): T {
  const spec = objectAt(limitRange, "spec");
  for (const item of spec ? objectsAt(spec, "limits") : []) {
    if (item.type === "Container") {
      const fill = (target: string, source: string) => {
        const from = objectAt(item, source);
        if (!from || !hasEntries(from)) return;
        const existing = item[target];
        if (existing !== undefined && existing !== null && !isObject(existing)) return;
        const into: JsonObject = isObject(existing) ? existing : {};
        for (const [name, quantity] of Object.entries(from))
          if (!(name in into)) into[name] = quantity;
        // Go makes both maps unconditionally but omits them when empty; so do we.
        if (hasEntries(into)) item[target] = into;
      };
      fill("default", "max");
      fill("defaultRequest", "default");
      fill("defaultRequest", "min");
    }
    for (const list of ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"]) {
      defaultResourceList(item[list]);
    }
  }
  return limitRange;
}
// #endregion limit-range-defaults

/** The quota's quantities are rounded like every ResourceList. */
export function applyResourceQuotaDefaults<T extends JsonObject>(quota: T): T {
  const spec = objectAt(quota, "spec");
  if (spec) defaultResourceList(spec.hard);
  const status = objectAt(quota, "status");
  if (status) {
    defaultResourceList(status.hard);
    defaultResourceList(status.used);
  }
  return quota;
}

/** Kinds whose defaulting changes nothing visible. */
export function noDefaults<T extends JsonObject>(obj: T): T {
  return obj;
}
