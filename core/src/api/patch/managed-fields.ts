/**
 * `metadata.managedFields`: for each field manager (a client's name, "kubectl", "kube-controller-manager")
 * and operation, the set of fields it last set. Server-side apply reads it to find conflicts and
 * to know what an applier dropped; every other write records an "Update" entry for its manager,
 * as kube-apiserver's field manager does (k8s.io/apimachinery/pkg/util/managedfields/internal).
 *
 * An entry is identified by manager, operation and subresource, and for "Update" also by
 * apiVersion; `time` is when its fields last changed hands. Entries are kept sorted as the API
 * server sorts them: Apply before Update, then by time, manager, apiVersion, subresource. An entry
 * that owns nothing is dropped.
 *
 * Tracked fields exclude what no manager owns (apiVersion, kind, metadata.name, namespace, uid,
 * resourceVersion, generation, creationTimestamp, selfLink, managedFields), and are scoped by
 * endpoint the way Kubernetes' reset fields scope them for kinds with a status subresource: the
 * main resource tracks everything but `status`; the status subresource tracks only `status`.
 */
import type { KubeObject, ManagedFieldsEntry } from "../object.ts";
import {
  compareObjects,
  type FieldEntry,
  type FieldPath,
  type FieldSet,
  fieldsOf,
  fieldsV1Name,
  fieldsV1Of,
  fromFieldsV1,
  toFieldsV1,
} from "./field-set.ts";
import { copyJson, isObject, type JsonObject } from "./json.ts";
import { groupKindOf, patchSchemaFor } from "./patch-meta.ts";

/** One decoded managedFields entry. */
export interface FieldManager {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

/** The endpoint a write came through: the main resource, or a subresource such as "status". */
export interface WriteScope {
  subresource?: string;
}

const UNOWNED: readonly string[] = [
  "apiVersion",
  "kind",
  "metadata.name",
  "metadata.namespace",
  "metadata.creationTimestamp",
  "metadata.selfLink",
  "metadata.uid",
  "metadata.clusterName",
  "metadata.generation",
  "metadata.managedFields",
  "metadata.resourceVersion",
];

/** Whether a write through `scope` may own `path`. */
export function inScope(path: FieldPath, scope: WriteScope): boolean {
  const dotted = path.map((e) => ("field" in e ? e.field : "*")).join(".");
  if (UNOWNED.some((unowned) => dotted === unowned || dotted.startsWith(`${unowned}.`)))
    return false;
  const inStatus = "field" in (path[0] ?? {}) && (path[0] as { field: string }).field === "status";
  return scope.subresource === "status" ? inStatus : !inStatus;
}

/** The fields of an object a write through `scope` can own, with their values. */
export function ownableFields(
  object: KubeObject,
  scope: WriteScope,
  options: { strict?: boolean } = {},
): Map<string, FieldEntry> {
  const all = fieldsOf(object, patchSchemaFor(groupKindOf(object)), options);
  return new Map([...all].filter(([, entry]) => inScope(entry.path, scope)));
}

export function identityOf(
  m: Pick<FieldManager, "manager" | "operation" | "apiVersion" | "subresource">,
): string {
  // BuildManagerIdentifier: an applier keeps one entry whatever apiVersion it applies with.
  return JSON.stringify([
    m.manager,
    m.operation,
    m.operation === "Apply" ? "" : m.apiVersion,
    m.subresource ?? "",
  ]);
}

export function decodeManagedFields(
  entries: readonly ManagedFieldsEntry[] | undefined,
): FieldManager[] {
  const byIdentity = new Map<string, FieldManager>();
  for (const entry of entries ?? []) {
    const decoded: FieldManager = {
      manager: entry.manager,
      operation: entry.operation,
      apiVersion: entry.apiVersion,
      set: fromFieldsV1(entry.fieldsV1 ?? {}),
      ...(entry.subresource ? { subresource: entry.subresource } : {}),
      ...(entry.time ? { time: entry.time } : {}),
    };
    const id = identityOf(decoded);
    const seen = byIdentity.get(id);
    if (seen) seen.set = seen.set.union(decoded.set);
    else byIdentity.set(id, decoded);
  }
  return [...byIdentity.values()];
}

/** The API server's order: Apply before Update, then by time (seconds), manager, apiVersion, subresource. */
function byManagedFieldsOrder(
  p: Pick<FieldManager, "manager" | "operation" | "apiVersion" | "subresource" | "time">,
  q: Pick<FieldManager, "manager" | "operation" | "apiVersion" | "subresource" | "time">,
): number {
  const seconds = (time: string | undefined) => (time ? Math.floor(Date.parse(time) / 1000) : 0);
  return (
    compare(p.operation, q.operation) ||
    seconds(p.time) - seconds(q.time) ||
    compare(p.manager, q.manager) ||
    compare(p.apiVersion, q.apiVersion) ||
    compare(p.subresource ?? "", q.subresource ?? "")
  );
}

function sortManagedFields(entries: ManagedFieldsEntry[]): ManagedFieldsEntry[] {
  return entries.sort(byManagedFieldsOrder);
}

export function encodeManagedFields(managers: readonly FieldManager[]): ManagedFieldsEntry[] {
  return managers
    .filter((m) => m.set.size > 0)
    .sort(byManagedFieldsOrder)
    .map((m) => ({
      manager: m.manager,
      operation: m.operation,
      apiVersion: m.apiVersion,
      ...(m.time ? { time: m.time } : {}),
      fieldsType: "FieldsV1" as const,
      fieldsV1: toFieldsV1(m.set),
      ...(m.subresource ? { subresource: m.subresource } : {}),
    }));
}

/** How conflict messages name a manager: `"kubectl"`, `"kube-controller-manager" using apps/v1`. */
export function describeManager(
  m: Pick<FieldManager, "manager" | "operation" | "apiVersion" | "subresource">,
): string {
  let text = JSON.stringify(m.manager);
  if (m.subresource) text += ` with subresource ${JSON.stringify(m.subresource)}`;
  return m.operation === "Update" ? `${text} using ${m.apiVersion}` : text;
}

// #region updateManagedFields
export interface UpdateOptions extends WriteScope {
  manager: string;
  /** RFC 3339 time of the write. */
  now: string;
}

/**
 * Records an ordinary write (create, update, any non-apply patch) of `newObject` over `oldObject`
 * (undefined on create) by `manager`, and returns `newObject` with the resulting managedFields:
 * 1. compare the two objects' fields: added, modified, removed;
 * 2. the writer takes every added or modified field from whoever had it (an update never
 *    conflicts), and removed fields leave every set;
 * 3. the writer's "Update" entry gains what it took, and its time moves to `now` if it took any.
 * The managedFields a client sends in `newObject` are ignored; the old object's are the record.
 */
export function updateManagedFields(
  oldObject: KubeObject | undefined,
  newObject: KubeObject,
  options: UpdateOptions,
): KubeObject {
  const result = copyJson(newObject);
  const entries = managedFieldsAfterUpdate(oldObject, newObject, options);
  if (entries) result.metadata.managedFields = entries;
  else delete result.metadata.managedFields;
  return result;
}

/**
 * updateManagedFields' entries alone (undefined for none), for a caller that sets them on the
 * object it holds. Two shortcuts keep a write's cost to what it changed, not the object's size:
 * the objects are compared side by side (compareObjects), and an entry that owns none of the
 * changed fields is kept as it was instead of being decoded and encoded again. The result is
 * the same as decoding every entry (managed-fields.test.ts checks it as a property).
 */
export function managedFieldsAfterUpdate(
  oldObject: KubeObject | undefined,
  newObject: KubeObject,
  options: UpdateOptions,
): ManagedFieldsEntry[] | undefined {
  const scope = { ...(options.subresource ? { subresource: options.subresource } : {}) };
  if (oldObject === undefined) return createEntries(newObject, options, scope);
  const { added, modified, removed } = compareObjects(
    oldObject ? ownablePart(oldObject, scope) : undefined,
    ownablePart(newObject, scope),
    patchSchemaFor(groupKindOf(newObject)),
    (path) => inScope(path, scope),
  );
  const taken = added.union(modified);
  const self = {
    manager: options.manager,
    operation: "Update" as const,
    apiVersion: newObject.apiVersion,
    ...scope,
  };
  const selfId = identityOf(self);
  const before = oldObject?.metadata.managedFields ?? [];
  const ids = before.map(identityOf);
  const changed = [...taken.paths(), ...removed.paths()];
  /** An entry as it was, or decoded to be changed. */
  const managers: { entry: ManagedFieldsEntry; kept: boolean; decoded?: FieldManager }[] = [];
  const duplicates = new Set(ids).size !== ids.length;
  for (const [i, entry] of before.entries()) {
    const touched =
      duplicates ||
      (ids[i] === selfId && taken.size > 0) ||
      !isObject(entry.fieldsV1) ||
      Object.keys(entry.fieldsV1).length === 0 ||
      changed.some((path) => fieldsV1Has(entry.fieldsV1 as JsonObject, path));
    managers.push({ entry, kept: !touched });
  }
  let decoded: FieldManager[] = [];
  if (managers.some((m) => !m.kept)) {
    decoded = decodeManagedFields(managers.filter((m) => !m.kept).map((m) => m.entry));
    for (const m of decoded) m.set = m.set.difference(taken).difference(removed);
  }
  if (taken.size > 0) {
    const existing = decoded.find((m) => identityOf(m) === selfId);
    if (existing) {
      existing.set = existing.set.union(taken);
      existing.time = options.now;
    } else {
      decoded.push({ ...self, set: taken, time: options.now });
    }
  }
  const entries = sortManagedFields([
    ...managers.filter((m) => m.kept).map((m) => m.entry),
    ...encodeManagedFields(decoded),
  ]);
  return entries.length > 0 ? entries : undefined;
}

/**
 * A create's entries: the writer owns every field it set, and no one else owns anything yet. The
 * tree is built straight from the object (fieldsV1Of), with the fields no one owns left out.
 */
function createEntries(
  object: KubeObject,
  options: UpdateOptions,
  scope: WriteScope,
): ManagedFieldsEntry[] | undefined {
  const part = ownablePart(object, scope);
  if (scope.subresource !== "status") {
    delete part.apiVersion;
    delete part.kind;
    if (isObject(part.metadata)) {
      const metadata = { ...part.metadata };
      for (const unowned of UNOWNED)
        if (unowned.startsWith("metadata.")) delete metadata[unowned.slice("metadata.".length)];
      part.metadata = metadata;
    }
  }
  const fieldsV1 = fieldsV1Of(part, patchSchemaFor(groupKindOf(object)));
  if (Object.keys(fieldsV1).length === 0) return undefined;
  return [
    {
      manager: options.manager,
      operation: "Update",
      apiVersion: object.apiVersion,
      time: options.now,
      fieldsType: "FieldsV1",
      fieldsV1,
      ...(scope.subresource ? { subresource: scope.subresource } : {}),
    },
  ];
}

/**
 * The part of an object a write through `scope` may own, without copying it: the status alone
 * for the status subresource, everything but status (and the old managedFields) otherwise.
 */
function ownablePart(object: KubeObject, scope: WriteScope): JsonObject {
  const raw = object as unknown as JsonObject;
  if (scope.subresource === "status")
    return Object.hasOwn(raw, "status") ? { status: raw.status } : {};
  const { status: _status, ...rest } = raw;
  if (!isObject(rest.metadata)) return rest;
  const { managedFields: _managed, ...metadata } = rest.metadata;
  return { ...rest, metadata };
}

/** Whether a FieldsV1 tree has `path` as a member (as fromFieldsV1 would decode it). */
function fieldsV1Has(fields: JsonObject, path: FieldPath): boolean {
  let node: unknown = fields;
  for (const element of path) {
    if (!isObject(node)) return false;
    node = node[fieldsV1Name(element)];
    if (node === undefined) return false;
  }
  if (!isObject(node)) return false;
  const names = Object.keys(node);
  return names.length === 0 || names.includes(".");
}
// #endregion updateManagedFields

/** A copy of `object` whose metadata.managedFields records `managers` (omitted when empty). */
export function withManagedFields(
  object: KubeObject,
  managers: readonly FieldManager[],
): KubeObject {
  const result = copyJson(object);
  const entries = encodeManagedFields(managers);
  if (entries.length > 0) result.metadata.managedFields = entries;
  else delete result.metadata.managedFields;
  return result;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
