/**
 * OpenAPI v3 schema objects as Kubernetes serves them, and a small builder for writing them.
 *
 * A `Schema` is plain JSON: what `/openapi/v3/apis/apps/v1` puts under `components.schemas`, and
 * what a CustomResourceDefinition carries as `openAPIV3Schema`. The builders only save typing:
 * `obj({ replicas: int() }, { required: ["replicas"] })` is exactly
 * `{ type: "object", properties: { replicas: { type: "integer", format: "int32" } }, required: [...] }`.
 *
 * Conventions kept from Kubernetes' own documents:
 * - a reference with its own description is wrapped, `{ allOf: [{ $ref }], description }`, because
 *   OpenAPI 3.0 ignores the siblings of a bare `$ref`;
 * - int-or-string, quantities and timestamps are shared components (`IntOrString`, `Quantity`,
 *   `Time`), referenced, not inlined;
 * - every top-level kind carries `x-kubernetes-group-version-kind`, which is how kubectl finds the
 *   schema for a kind (kubectl explain, and the check that the server supports fieldValidation).
 */

export type SchemaType = "object" | "array" | "string" | "integer" | "number" | "boolean";

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface Schema {
  type?: SchemaType;
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  /** A map: every key allowed, each value checked against this schema (`true`: anything). */
  additionalProperties?: Schema | boolean;
  items?: Schema;
  enum?: unknown[];
  nullable?: boolean;
  default?: unknown;
  $ref?: string;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  not?: Schema;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  title?: string;
  /** Keep fields the schema does not name, instead of pruning or rejecting them. */
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  /** The value is a whole object: apiVersion, kind and metadata are allowed (RawExtension). */
  "x-kubernetes-embedded-resource"?: boolean;
  /** An integer or a string (a port number or name, "25%"). */
  "x-kubernetes-int-or-string"?: boolean;
  /** How server-side apply merges the list: replace whole, as a set, or by key. */
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  /** "atomic": server-side apply replaces the whole object instead of merging its fields. */
  "x-kubernetes-map-type"?: "atomic" | "granular";
  /** Strategic merge patch: the field whose value identifies a list element. */
  "x-kubernetes-patch-merge-key"?: string;
  /** Strategic merge patch: "merge", "replace", "retainKeys" or "merge,retainKeys". */
  "x-kubernetes-patch-strategy"?: string;
  "x-kubernetes-group-version-kind"?: GroupVersionKind[];
  "x-kubernetes-validations"?: unknown[];
}

/** Component name → schema, as under `components.schemas`. */
export type SchemaMap = Record<string, Schema>;

export const COMPONENT_PREFIX = "#/components/schemas/";

/** The component name a `$ref` points at ("#/components/schemas/X" → "X"). */
export function refName(ref: string): string {
  return ref.startsWith(COMPONENT_PREFIX) ? ref.slice(COMPONENT_PREFIX.length) : ref;
}

function described<T extends Schema>(schema: T, description: string | undefined): T {
  return description === undefined ? schema : { ...schema, description };
}

export function str(description?: string): Schema {
  return described({ type: "string" }, description);
}

/** A 32-bit integer (Go int32): replicas, ports, seconds. */
export function int(description?: string): Schema {
  return described({ type: "integer", format: "int32" }, description);
}

/** A 64-bit integer (Go int64): generations, user ids, grace periods. */
export function int64(description?: string): Schema {
  return described({ type: "integer", format: "int64" }, description);
}

export function num(description?: string): Schema {
  return described({ type: "number", format: "double" }, description);
}

export function bool(description?: string): Schema {
  return described({ type: "boolean" }, description);
}

/** Base64-encoded bytes, as Secret data travels in JSON. */
export function bytes(description?: string): Schema {
  return described({ type: "string", format: "byte" }, description);
}

/** A reference to another component, by its full name ("io.k8s.api.core.v1.PodSpec"). */
export function ref(name: string, description?: string): Schema {
  const target = { $ref: COMPONENT_PREFIX + name };
  return description === undefined ? target : { allOf: [target], description };
}

export const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
export const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
export const TIME = "io.k8s.apimachinery.pkg.apis.meta.v1.Time";
export const MICRO_TIME = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime";
export const OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
export const LIST_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";

/** A port number or name, or an absolute number or percentage ("25%"). */
export function intOrString(description?: string): Schema {
  return ref(INT_OR_STRING, description);
}

/** A resource quantity: "100m", "128Mi", or a plain number. */
export function quantity(description?: string): Schema {
  return ref(QUANTITY, description);
}

/** An RFC 3339 timestamp in seconds ("2024-05-01T12:00:00Z"). */
export function time(description?: string): Schema {
  return ref(TIME, description);
}

/** An RFC 3339 timestamp with microseconds. */
export function microTime(description?: string): Schema {
  return ref(MICRO_TIME, description);
}

export interface ObjOptions {
  required?: string[];
  description?: string;
  /** "atomic" for small structs that server-side apply replaces whole (references, selectors). */
  mapType?: "atomic";
}

export function obj(properties: Record<string, Schema>, options: ObjOptions = {}): Schema {
  const schema: Schema = { type: "object", properties };
  if (options.description !== undefined) schema.description = options.description;
  if (options.required !== undefined && options.required.length > 0) {
    schema.required = options.required;
  }
  if (options.mapType !== undefined) schema["x-kubernetes-map-type"] = options.mapType;
  return schema;
}

/** A map with string keys and values of one schema (labels, data, resource lists). */
export function map(values: Schema, description?: string): Schema {
  return described({ type: "object", additionalProperties: values }, description);
}

export interface ArrOptions {
  description?: string;
  /** Default "atomic": server-side apply replaces the list whole. */
  listType?: "atomic" | "set" | "map";
  /** For listType "map": the fields that identify an element. */
  keys?: string[];
  /** Strategic merge patch key (containers merge by "name"). */
  mergeKey?: string;
  /** Strategic merge patch strategy; "merge" when mergeKey is given and this is not. */
  strategy?: "merge" | "replace" | "merge,retainKeys";
}

export function arr(items: Schema, options: ArrOptions | string = {}): Schema {
  const o: ArrOptions = typeof options === "string" ? { description: options } : options;
  const schema: Schema = { type: "array", items };
  if (o.description !== undefined) schema.description = o.description;
  schema["x-kubernetes-list-type"] = o.listType ?? "atomic";
  if (o.keys !== undefined) schema["x-kubernetes-list-map-keys"] = o.keys;
  if (o.mergeKey !== undefined) schema["x-kubernetes-patch-merge-key"] = o.mergeKey;
  const strategy = o.strategy ?? (o.mergeKey !== undefined ? "merge" : undefined);
  if (strategy !== undefined) schema["x-kubernetes-patch-strategy"] = strategy;
  return schema;
}

/** A list merged by key: `listMap(ref(Container), ["name"])` for containers, env, volumes, ... */
export function listMap(
  items: Schema,
  keys: string[],
  options: Omit<ArrOptions, "keys" | "listType"> = {},
): Schema {
  return arr(items, { ...options, listType: "map", keys });
}

/** A list of unique scalars (finalizers, podCIDRs). */
export function setList(items: Schema, options: Omit<ArrOptions, "listType"> = {}): Schema {
  return arr(items, { ...options, listType: "set" });
}

/**
 * A subtree tinykube does not spell out: any object is accepted and kept as it is. Each use is a
 * simplification listed in definitions/index.ts.
 */
export function preserveUnknown(description?: string): Schema {
  return described({ type: "object", "x-kubernetes-preserve-unknown-fields": true }, description);
}

/** Any JSON value at all (a CRD schema's `default`, `enum` values, `example`). */
export function anyValue(description?: string): Schema {
  return described({ "x-kubernetes-preserve-unknown-fields": true }, description);
}

export interface KindOptions extends GroupVersionKind {
  description: string;
  properties: Record<string, Schema>;
  required?: string[];
  /** Kinds without ObjectMeta (none of ours so far) set this to false. */
  metadata?: boolean;
}

const API_VERSION_DESCRIPTION =
  "The versioned schema of this object: group/version, or just the version for the core group.";
const KIND_DESCRIPTION = "The kind of object this is, in CamelCase (Pod, Deployment, ...).";

/**
 * A top-level kind: apiVersion, kind and metadata first, then its own fields, tagged with its
 * group/version/kind.
 */
export function kind(options: KindOptions): Schema {
  const properties: Record<string, Schema> = {
    apiVersion: str(API_VERSION_DESCRIPTION),
    kind: str(KIND_DESCRIPTION),
  };
  if (options.metadata !== false) {
    properties.metadata = ref(
      OBJECT_META,
      "Standard object metadata: name, namespace, labels, ...",
    );
  }
  Object.assign(properties, options.properties);
  const schema = obj(properties, { required: options.required, description: options.description });
  schema["x-kubernetes-group-version-kind"] = [
    { group: options.group, version: options.version, kind: options.kind },
  ];
  return schema;
}

/** The `<Kind>List` that list requests return: ListMeta and the items. */
export function listKind(gvk: GroupVersionKind, itemComponent: string): Schema {
  // The items of a list kind carry no list-type of their own in Kubernetes' documents.
  const items: Schema = {
    type: "array",
    items: ref(itemComponent),
    description: `The ${gvk.kind} objects.`,
  };
  const schema = obj(
    {
      apiVersion: str(API_VERSION_DESCRIPTION),
      items,
      kind: str(KIND_DESCRIPTION),
      metadata: ref(LIST_META, "Standard list metadata: resourceVersion and continue."),
    },
    { required: ["items"], description: `A list of ${gvk.kind} objects.` },
  );
  schema["x-kubernetes-group-version-kind"] = [
    { group: gvk.group, version: gvk.version, kind: `${gvk.kind}List` },
  ];
  return schema;
}

/** Adds a kind and its list to a SchemaMap under Kubernetes' component names. */
export function withList(
  prefix: string,
  gvk: GroupVersionKind,
  schema: Schema,
): Record<string, Schema> {
  return {
    [prefix + gvk.kind]: schema,
    [`${prefix}${gvk.kind}List`]: listKind(gvk, prefix + gvk.kind),
  };
}
