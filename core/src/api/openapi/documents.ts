/**
 * The OpenAPI v3 documents the API server publishes, built from the schemas and the resources
 * it serves:
 *
 * - `GET /openapi/v3` → `openapiV3Index`: one entry per group-version,
 *   `{ "paths": { "apis/apps/v1": { "serverRelativeURL": "/openapi/v3/apis/apps/v1?hash=…" } } }`.
 *   The hash changes exactly when the document changes, so clients cache documents by URL.
 * - `GET /openapi/v3/apis/apps/v1` → `openapiV3Document`: the paths of every resource of the
 *   group-version with their operations, and the schemas they use under `components.schemas`.
 *
 * What kubectl reads from them: `kubectl explain` finds a kind's schema by its
 * `x-kubernetes-group-version-kind`; before create, apply and patch, kubectl looks for a PATCH
 * operation tagged with the kind that takes a `fieldValidation` query parameter. Finding it,
 * kubectl sends `fieldValidation=Strict` and leaves validation to the server.
 *
 * Custom resources get the same documents: `crdSchemas` turns a CustomResourceDefinition's
 * openAPIV3Schema into components (with apiVersion, kind and metadata added, as Kubernetes adds
 * them) and `crdResources` lists its resources.
 */
import { createHash } from "node:crypto";
import { builtinSchemas } from "./definitions/index.ts";
import { META_V1 } from "./definitions/meta-v1.ts";
import {
  COMPONENT_PREFIX,
  type GroupVersionKind,
  listKind,
  OBJECT_META,
  refName,
  type Schema,
  type SchemaMap,
} from "./schema.ts";

/** A resource as the API server's scheme knows it. */
export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  /** Plural, lowercase: "deployments". */
  resource: string;
  namespaced: boolean;
  /** "status", "scale", "binding", "log", ... */
  subresources: string[];
  /**
   * The verbs the resource supports (get, list, watch, create, update, patch, delete,
   * deletecollection). Default: all of them. SelfSubjectReview, for example, has only create.
   */
  verbs?: string[];
}

export interface OpenAPIV3Index {
  paths: Record<string, { serverRelativeURL: string }>;
}

export interface Parameter {
  name: string;
  in: "query" | "path";
  description: string;
  required?: boolean;
  schema: Schema;
}

export interface Operation {
  description: string;
  operationId: string;
  tags: string[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }>; required?: boolean };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
  "x-kubernetes-action": string;
  "x-kubernetes-group-version-kind": GroupVersionKind;
}

export interface PathItem {
  parameters?: Parameter[];
  get?: Operation;
  put?: Operation;
  post?: Operation;
  patch?: Operation;
  delete?: Operation;
}

export interface OpenAPIV3Document {
  openapi: "3.0.0";
  info: { title: string; version: string };
  paths: Record<string, PathItem>;
  components: { schemas: SchemaMap };
}

const ALL_VERBS = [
  "get",
  "list",
  "watch",
  "create",
  "update",
  "patch",
  "delete",
  "deletecollection",
];

/** "api/v1" for the core group, "apis/<group>/<version>" otherwise. */
export function groupVersionPath(group: string, version: string): string {
  return group === "" ? `api/${version}` : `apis/${group}/${version}`;
}

/** A stable content hash of a document (SHA-512, uppercase hex, as Kubernetes prints it). */
export function documentHash(document: unknown): string {
  return createHash("sha512").update(stableJson(document)).digest("hex").toUpperCase();
}

// #region openapiV3Index
/** The `/openapi/v3` discovery document, for documents keyed by groupVersionPath. */
export function openapiV3Index(documents: Record<string, OpenAPIV3Document>): OpenAPIV3Index {
  const paths: OpenAPIV3Index["paths"] = {};
  for (const path of Object.keys(documents).sort()) {
    const hash = documentHash(documents[path]);
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  }
  return { paths };
}
// #endregion openapiV3Index

// #region openapiV3Document
/**
 * The document of one group-version: for each resource of it, its paths and operations, and the
 * schemas they reference (transitively) from `schemas`.
 */
export function openapiV3Document(
  groupVersion: { group: string; version: string },
  resources: readonly ResourceInfo[],
  schemas: SchemaMap = builtinSchemas,
): OpenAPIV3Document {
  const byKind = indexByGroupVersionKind(schemas);
  const ctx: PathContext = {
    prefix: `/${groupVersionPath(groupVersion.group, groupVersion.version)}`,
    tag: tagOf(groupVersion.group, groupVersion.version),
    idPrefix: operationIdPrefix(groupVersion.group, groupVersion.version),
    schemaFor: (gvk) => {
      const name = byKind.get(gvkKey(gvk));
      if (name === undefined) {
        throw new Error(
          `no schema with x-kubernetes-group-version-kind ${gvkKey(gvk)} for the OpenAPI document`,
        );
      }
      return name;
    },
  };
  const paths: Record<string, PathItem> = {};
  const sorted = [...resources]
    .filter((r) => r.group === groupVersion.group && r.version === groupVersion.version)
    .sort((a, b) => a.resource.localeCompare(b.resource));
  for (const resource of sorted) Object.assign(paths, resourcePaths(resource, ctx));

  const roots = new Set<string>();
  collectRefs(paths, roots);
  return {
    openapi: "3.0.0",
    info: {
      title: "Kubernetes",
      version: "v1.32.0",
    },
    paths: sortKeys(paths),
    components: { schemas: closure(roots, schemas) },
  };
}
// #endregion openapiV3Document

// --- paths and operations -------------------------------------------------------------------

interface PathContext {
  prefix: string;
  tag: string;
  idPrefix: string;
  schemaFor(gvk: GroupVersionKind): string;
}

/** The paths of one resource, namespaced ones under /namespaces/{namespace}. */
function resourcePaths(r: ResourceInfo, ctx: PathContext): Record<string, PathItem> {
  const verbs = new Set(r.verbs ?? ALL_VERBS);
  const gvk: GroupVersionKind = { group: r.group, version: r.version, kind: r.kind };
  const kindSchema = ctx.schemaFor(gvk);
  const listGvk = { ...gvk, kind: `${r.kind}List` };
  const base = r.namespaced
    ? `${ctx.prefix}/namespaces/{namespace}/${r.resource}`
    : `${ctx.prefix}/${r.resource}`;
  const scopeWord = r.namespaced ? "Namespaced" : "";
  const id = (verb: string, suffix = "") => `${verb}${ctx.idPrefix}${scopeWord}${r.kind}${suffix}`;
  const scopeParams = r.namespaced ? [NAMESPACE_PARAM] : [];
  const op = (o: Omit<Operation, "tags">): Operation => ({ ...o, tags: [ctx.tag] });

  const paths: Record<string, PathItem> = {};
  const collection: PathItem = { parameters: [...scopeParams, PRETTY_PARAM] };
  if (verbs.has("list")) {
    collection.get = op({
      description: `list or watch objects of kind ${r.kind}`,
      operationId: id("list"),
      parameters: LIST_PARAMS,
      responses: ok(ctx.schemaFor(listGvk), true),
      "x-kubernetes-action": "list",
      "x-kubernetes-group-version-kind": gvk,
    });
  }
  if (verbs.has("create")) {
    collection.post = op({
      description: `create a ${r.kind}`,
      operationId: id("create"),
      parameters: WRITE_PARAMS,
      requestBody: body(kindSchema),
      responses: { ...ok(kindSchema), ...created(kindSchema), ...accepted(kindSchema) },
      "x-kubernetes-action": "post",
      "x-kubernetes-group-version-kind": gvk,
    });
  }
  if (verbs.has("deletecollection")) {
    collection.delete = op({
      description: `delete collection of ${r.kind}`,
      operationId: `delete${ctx.idPrefix}Collection${scopeWord}${r.kind}`,
      parameters: [...DELETE_PARAMS, ...LIST_PARAMS.filter((p) => p.name !== "watch")],
      requestBody: { content: { "*/*": { schema: componentRef(`${META_V1}DeleteOptions`) } } },
      responses: ok(`${META_V1}Status`),
      "x-kubernetes-action": "deletecollection",
      "x-kubernetes-group-version-kind": gvk,
    });
  }
  if (collection.get || collection.post || collection.delete) paths[base] = collection;

  if (r.namespaced && verbs.has("list")) {
    paths[`${ctx.prefix}/${r.resource}`] = {
      parameters: [PRETTY_PARAM],
      get: op({
        description: `list or watch objects of kind ${r.kind}`,
        operationId: `list${ctx.idPrefix}${r.kind}ForAllNamespaces`,
        parameters: LIST_PARAMS,
        responses: ok(ctx.schemaFor(listGvk), true),
        "x-kubernetes-action": "list",
        "x-kubernetes-group-version-kind": gvk,
      }),
    };
  }

  const item: PathItem = {
    parameters: [nameParam(r.kind), ...scopeParams, PRETTY_PARAM],
  };
  Object.assign(
    item,
    itemOperations(verbs, gvk, kindSchema, (v) => id(v), op),
  );
  if (verbs.has("delete")) {
    item.delete = op({
      description: `delete a ${r.kind}`,
      operationId: id("delete"),
      parameters: DELETE_PARAMS,
      requestBody: { content: { "*/*": { schema: componentRef(`${META_V1}DeleteOptions`) } } },
      responses: { ...ok(`${META_V1}Status`), ...accepted(`${META_V1}Status`) },
      "x-kubernetes-action": "delete",
      "x-kubernetes-group-version-kind": gvk,
    });
  }
  if (item.get || item.put || item.patch || item.delete) paths[`${base}/{name}`] = item;

  for (const sub of r.subresources) {
    const subPath = subresourcePath(sub, r, gvk, ctx, id, op);
    if (subPath !== undefined) {
      paths[`${base}/{name}/${sub}`] = {
        parameters: [nameParam(subParamKind(sub, r.kind)), ...scopeParams, PRETTY_PARAM],
        ...subPath,
      };
    }
  }
  return paths;
}

/** get, put and patch of one object (or of a subresource that reads and writes a whole object). */
function itemOperations(
  verbs: Set<string>,
  gvk: GroupVersionKind,
  schema: string,
  id: (verb: string) => string,
  op: (o: Omit<Operation, "tags">) => Operation,
  what = `the specified ${gvk.kind}`,
): PathItem {
  const item: PathItem = {};
  if (verbs.has("get")) {
    item.get = op({
      description: `read ${what}`,
      operationId: id("read"),
      responses: ok(schema),
      "x-kubernetes-action": "get",
      "x-kubernetes-group-version-kind": gvk,
    });
  }
  if (verbs.has("update")) {
    item.put = op({
      description: `replace ${what}`,
      operationId: id("replace"),
      parameters: WRITE_PARAMS,
      requestBody: body(schema),
      responses: { ...ok(schema), ...created(schema) },
      "x-kubernetes-action": "put",
      "x-kubernetes-group-version-kind": gvk,
    });
  }
  if (verbs.has("patch")) {
    item.patch = op({
      description: `partially update ${what}`,
      operationId: id("patch"),
      parameters: [...WRITE_PARAMS, FORCE_PARAM],
      requestBody: {
        content: Object.fromEntries(
          PATCH_CONTENT_TYPES.map((type) => [type, { schema: componentRef(`${META_V1}Patch`) }]),
        ),
        required: true,
      },
      responses: { ...ok(schema), ...created(schema) },
      "x-kubernetes-action": "patch",
      "x-kubernetes-group-version-kind": gvk,
    });
  }
  return item;
}

/**
 * The operations of one subresource: status (and its likes) read and write the object itself;
 * scale reads and writes an autoscaling/v1 Scale; binding takes a v1 Binding; log returns text.
 * Subresources without a body of their own (exec, attach, proxy) are not described.
 */
function subresourcePath(
  sub: string,
  r: ResourceInfo,
  gvk: GroupVersionKind,
  ctx: PathContext,
  id: (verb: string, suffix?: string) => string,
  op: (o: Omit<Operation, "tags">) => Operation,
): PathItem | undefined {
  const suffix = sub.charAt(0).toUpperCase() + sub.slice(1);
  const subId = (verb: string) => id(verb, suffix);
  const rw = new Set(["get", "update", "patch"]);
  switch (sub) {
    case "status":
    case "ephemeralcontainers":
    case "resize":
      return itemOperations(
        rw,
        gvk,
        ctx.schemaFor(gvk),
        subId,
        op,
        `${sub} of the specified ${r.kind}`,
      );
    case "scale": {
      const scale = { group: "autoscaling", version: "v1", kind: "Scale" };
      return itemOperations(
        rw,
        scale,
        ctx.schemaFor(scale),
        subId,
        op,
        `scale of the specified ${r.kind}`,
      );
    }
    case "binding": {
      const binding = { group: "", version: "v1", kind: "Binding" };
      const schema = ctx.schemaFor(binding);
      return {
        post: op({
          description: `create binding of a ${r.kind}`,
          operationId: subId("create"),
          parameters: WRITE_PARAMS,
          requestBody: body(schema),
          responses: { ...ok(schema), ...created(schema), ...accepted(schema) },
          "x-kubernetes-action": "post",
          "x-kubernetes-group-version-kind": binding,
        }),
      };
    }
    case "log":
      return {
        get: op({
          description: `read log of the specified ${r.kind}`,
          operationId: subId("read"),
          parameters: LOG_PARAMS,
          responses: {
            "200": {
              description: "OK",
              content: { "text/plain": { schema: { type: "string" } } },
            },
            "401": { description: "Unauthorized" },
          },
          "x-kubernetes-action": "get",
          "x-kubernetes-group-version-kind": gvk,
        }),
      };
    default:
      return undefined;
  }
}

function subParamKind(sub: string, kind: string): string {
  return sub === "scale" ? "Scale" : sub === "binding" ? "Binding" : kind;
}

// --- parameters -----------------------------------------------------------------------------

const query = (name: string, type: "string" | "integer" | "boolean", description: string) =>
  ({ name, in: "query", description, schema: { type, uniqueItems: true } }) as Parameter;

const NAMESPACE_PARAM: Parameter = {
  name: "namespace",
  in: "path",
  required: true,
  description: "object name and auth scope, such as for teams and projects",
  schema: { type: "string", uniqueItems: true },
};

function nameParam(kind: string): Parameter {
  return {
    name: "name",
    in: "path",
    required: true,
    description: `name of the ${kind}`,
    schema: { type: "string", uniqueItems: true },
  };
}

const PRETTY_PARAM = query("pretty", "string", "If 'true', the output is pretty-printed.");

/** The query parameters of create, update and patch, fieldValidation among them. */
const WRITE_PARAMS: Parameter[] = [
  query("dryRun", "string", "All: run every stage of the request but do not persist the result."),
  query("fieldManager", "string", "Name of the actor making the change, for managedFields."),
  query(
    "fieldValidation",
    "string",
    "What to do with unknown or duplicate fields: Ignore drops them silently, Warn drops them with a Warning header each, Strict fails the request with a BadRequest listing them.",
  ),
];

const FORCE_PARAM = query(
  "force",
  "boolean",
  "Server-side apply only: take over fields other managers own instead of failing with a conflict.",
);

const LIST_PARAMS: Parameter[] = [
  query("allowWatchBookmarks", "boolean", "Ask for BOOKMARK events in a watch."),
  query("continue", "string", "The token of the next page, from a previous list."),
  query("fieldSelector", "string", "Select objects by fields, e.g. metadata.name=web."),
  query("labelSelector", "string", "Select objects by labels, e.g. app=web,tier!=db."),
  query("limit", "integer", "The most objects to return; the rest come with a continue token."),
  query("resourceVersion", "string", "Read at (or watch from) this resourceVersion."),
  query("resourceVersionMatch", "string", "Exact or NotOlderThan: how resourceVersion applies."),
  query("sendInitialEvents", "boolean", "Start a watch with the current objects as ADDED events."),
  query("timeoutSeconds", "integer", "End the list or watch after this many seconds."),
  query("watch", "boolean", "Stream changes instead of returning a list."),
];

const DELETE_PARAMS: Parameter[] = [
  query("dryRun", "string", "All: run every stage of the request but do not persist the result."),
  query("gracePeriodSeconds", "integer", "Seconds to let the object terminate; 0 deletes at once."),
  query(
    "ignoreStoreReadErrorWithClusterBreakingPotential",
    "boolean",
    "Delete an object that cannot be read from storage (unsafe).",
  ),
  query("orphanDependents", "boolean", "Deprecated: use propagationPolicy."),
  query("propagationPolicy", "string", "Orphan, Background or Foreground."),
];

const LOG_PARAMS: Parameter[] = [
  query("container", "string", "The container whose log to read."),
  query("follow", "boolean", "Stream the log as it grows."),
  query("insecureSkipTLSVerifyBackend", "boolean", "Do not verify the kubelet's certificate."),
  query("limitBytes", "integer", "The most bytes to return."),
  query("previous", "boolean", "The log of the previous, terminated container."),
  query("sinceSeconds", "integer", "Only lines newer than this many seconds."),
  query("stream", "string", "All, Stdout or Stderr."),
  query("tailLines", "integer", "Only this many lines from the end."),
  query("timestamps", "boolean", "Prefix each line with its RFC 3339 timestamp."),
];

export const PATCH_CONTENT_TYPES = [
  "application/apply-patch+yaml",
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
] as const;

// --- responses ------------------------------------------------------------------------------

const RESPONSE_TYPES = [
  "application/json",
  "application/vnd.kubernetes.protobuf",
  "application/yaml",
];
const WATCH_TYPES = [
  "application/json;stream=watch",
  "application/vnd.kubernetes.protobuf;stream=watch",
];

function componentRef(name: string): Schema {
  return { $ref: COMPONENT_PREFIX + name };
}

function contentOf(schema: string, types: string[]) {
  return Object.fromEntries(types.map((type) => [type, { schema: componentRef(schema) }]));
}

function ok(schema: string, watchable = false): Operation["responses"] {
  const types = watchable ? [...RESPONSE_TYPES, ...WATCH_TYPES] : RESPONSE_TYPES;
  return {
    "200": { description: "OK", content: contentOf(schema, types) },
    "401": { description: "Unauthorized" },
  };
}

function created(schema: string): Operation["responses"] {
  return { "201": { description: "Created", content: contentOf(schema, RESPONSE_TYPES) } };
}

function accepted(schema: string): Operation["responses"] {
  return { "202": { description: "Accepted", content: contentOf(schema, RESPONSE_TYPES) } };
}

function body(schema: string): NonNullable<Operation["requestBody"]> {
  return { content: { "*/*": { schema: componentRef(schema) } }, required: true };
}

// --- naming ---------------------------------------------------------------------------------

/** "core_v1", "apps_v1", "rbacAuthorization_v1", as Kubernetes tags operations. */
function tagOf(group: string, version: string): string {
  const words = groupWords(group);
  const name = words.length === 0 ? "core" : words[0] + words.slice(1).map(capitalize).join("");
  return `${name}_${version}`;
}

/** "CoreV1", "AppsV1", "RbacAuthorizationV1": the group-version part of operation ids. */
function operationIdPrefix(group: string, version: string): string {
  const words = groupWords(group);
  return (words.length === 0 ? ["core"] : words).map(capitalize).join("") + capitalize(version);
}

/** "rbac.authorization.k8s.io" → ["rbac", "authorization"]; "" → []. */
function groupWords(group: string): string[] {
  return group
    .replace(/\.k8s\.io$/, "")
    .split(/[.-]/)
    .filter((w) => w !== "");
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

// --- schemas --------------------------------------------------------------------------------

/** The component that describes a group/version/kind, found by x-kubernetes-group-version-kind. */
export function findSchemaForKind(schemas: SchemaMap, gvk: GroupVersionKind): string | undefined {
  return indexByGroupVersionKind(schemas).get(gvkKey(gvk));
}

function gvkKey(gvk: GroupVersionKind): string {
  return `${gvk.group}/${gvk.version}/${gvk.kind}`;
}

/**
 * The index of each schema map, built once: request bodies are checked against the built-in map
 * on every write, and rebuilding it each time cost a few percent of the API server's CPU.
 */
const gvkIndexes = new WeakMap<SchemaMap, { names: number; index: Map<string, string> }>();

/** Which component describes each group/version/kind. */
function indexByGroupVersionKind(schemas: SchemaMap): Map<string, string> {
  const names = Object.keys(schemas).length;
  const cached = gvkIndexes.get(schemas);
  if (cached && cached.names === names) return cached.index;
  const index = buildGvkIndex(schemas);
  gvkIndexes.set(schemas, { names, index });
  return index;
}

function buildGvkIndex(schemas: SchemaMap): Map<string, string> {
  const index = new Map<string, string>();
  for (const [name, schema] of Object.entries(schemas)) {
    for (const gvk of schema["x-kubernetes-group-version-kind"] ?? []) {
      if (!index.has(gvkKey(gvk))) index.set(gvkKey(gvk), name);
    }
  }
  return index;
}

function collectRefs(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, into);
  } else if (typeof node === "object" && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") into.add(refName(value));
      else collectRefs(value, into);
    }
  }
}

/** The named schemas and every schema they reference, transitively, in name order. */
function closure(roots: Set<string>, schemas: SchemaMap): SchemaMap {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (seen.has(name)) continue;
    const schema = schemas[name];
    if (schema === undefined)
      throw new Error(`the OpenAPI document references "${name}", which is not defined`);
    seen.add(name);
    const refs = new Set<string>();
    collectRefs(schema, refs);
    queue.push(...refs);
  }
  return Object.fromEntries([...seen].sort().map((name) => [name, schemas[name] as Schema]));
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

/** JSON with object keys sorted, so equal documents hash equally whatever their key order. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

// --- custom resources -----------------------------------------------------------------------

/** The parts of a CustomResourceDefinition the documents need (apiextensions.k8s.io/v1). */
export interface CustomResourceDefinitionLike {
  spec: {
    group: string;
    scope: "Namespaced" | "Cluster";
    names: { kind: string; plural: string; listKind?: string };
    versions: {
      name: string;
      served: boolean;
      schema?: { openAPIV3Schema?: Schema };
      subresources?: { status?: object; scale?: object };
    }[];
  };
}

/**
 * The component name of a custom kind: the group reversed, then version and kind, as Kubernetes
 * names them ("stable.example.com", v1, CronTab → "com.example.stable.v1.CronTab").
 */
export function crdSchemaName(group: string, version: string, kind: string): string {
  return `${group.split(".").reverse().join(".")}.${version}.${kind}`;
}

// #region crdSchemas
/**
 * Components for every served version of a CRD: its kind, wrapped as Kubernetes wraps it
 * (apiVersion and kind strings, metadata an ObjectMeta, the group-version-kind extension), and
 * its list kind.
 */
export function crdSchemas(crd: CustomResourceDefinitionLike): SchemaMap {
  const { group, names } = crd.spec;
  const out: SchemaMap = {};
  for (const version of crd.spec.versions) {
    if (!version.served) continue;
    const user: Schema = version.schema?.openAPIV3Schema ?? {
      type: "object",
      "x-kubernetes-preserve-unknown-fields": true,
    };
    const name = crdSchemaName(group, version.name, names.kind);
    const gvk = { group, version: version.name, kind: names.kind };
    out[name] = {
      ...user,
      type: "object",
      properties: {
        ...user.properties,
        apiVersion: {
          type: "string",
          description: "The versioned schema of this object: group/version.",
        },
        kind: { type: "string", description: "The kind of object this is." },
        metadata: {
          allOf: [componentRef(OBJECT_META)],
          description: "Standard object metadata: name, namespace, labels, ...",
        },
      },
      "x-kubernetes-group-version-kind": [gvk],
    };
    const listName = crdSchemaName(group, version.name, names.listKind ?? `${names.kind}List`);
    const list = listKind(gvk, name);
    list["x-kubernetes-group-version-kind"] = [
      { ...gvk, kind: names.listKind ?? `${names.kind}List` },
    ];
    out[listName] = list;
  }
  return out;
}
// #endregion crdSchemas

/** The resources a CRD adds, one per served version. */
export function crdResources(crd: CustomResourceDefinitionLike): ResourceInfo[] {
  const { group, names, scope } = crd.spec;
  return crd.spec.versions
    .filter((v) => v.served)
    .map((v) => ({
      group,
      version: v.name,
      kind: names.kind,
      resource: names.plural,
      namespaced: scope === "Namespaced",
      subresources: [
        ...(v.subresources?.status !== undefined ? ["status"] : []),
        ...(v.subresources?.scale !== undefined ? ["scale"] : []),
      ],
    }));
}

/**
 * The document of a group-version served by CRDs: their resources, with their schemas beside the
 * built-in ones they reference (ObjectMeta, ListMeta, Status, ...).
 */
export function crdOpenapiV3Document(
  groupVersion: { group: string; version: string },
  crds: readonly CustomResourceDefinitionLike[],
): OpenAPIV3Document {
  const schemas: SchemaMap = { ...builtinSchemas };
  const resources: ResourceInfo[] = [];
  for (const crd of crds) {
    Object.assign(schemas, crdSchemas(crd));
    resources.push(...crdResources(crd));
  }
  return openapiV3Document(groupVersion, resources, schemas);
}
