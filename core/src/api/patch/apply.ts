/**
 * Server-side apply (`application/apply-patch+yaml`, what `kubectl apply --server-side` sends): the
 * client sends the fields it has an opinion about (its "configuration"), and the server merges
 * them into the live object, remembering per field manager which fields each one set, in
 * metadata.managedFields. One call both creates (no live object) and updates.
 *
 * The semantics, after sigs.k8s.io/structured-merge-diff (Updater.Apply):
 * 1. the configuration's fields are set; maps merge, keyed lists merge element by element (in the
 *    configuration's order, live-only elements keeping their place), other lists are replaced;
 * 2. fields this manager applied last time but leaves out now are removed, unless some manager
 *    (this one in its new configuration included) still owns them or something below them;
 * 3. a field another manager owns whose value this apply would change is a conflict; with any
 *    conflict nothing is written and the API server answers 409 ("Apply failed with 1 conflict:
 *    conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas"). With `force`
 *    the applier takes those fields over instead. Equal values are not conflicts: both managers
 *    then own the field;
 * 4. fields the write removed leave every manager's set; this manager's Apply entry becomes
 *    exactly its configuration's fields, timestamped `now` when the object changed.
 *
 * A worked example. Live Deployment, replicas 3, owned by "kubectl-client-side-apply" (Update);
 * "ci" applies {replicas: 3, template...image: "web:2"}: replicas is equal, so no conflict and
 * both own .spec.replicas; the image changes hands to "ci". A later apply by "hpa-tool" of
 * {replicas: 5} conflicts with both; with force it owns .spec.replicas alone. When "ci" then
 * applies without replicas, the field stays: "hpa-tool" still owns it.
 *
 * What is simplified, compared with Kubernetes:
 * - List keys come from the strategic merge patch metadata (patch-meta.ts), one merge key per
 *   list; Kubernetes reads x-kubernetes-list-type/-map-keys from OpenAPI, which sometimes uses
 *   two (container ports by containerPort and protocol) and makes some SMP-atomic lists
 *   associative. Custom resources get no list keys: every list is atomic.
 * - Every object is treated as a struct: no atomic maps or structs (a LabelSelector is owned
 *   field by field, where Kubernetes owns `.spec.selector` whole), and "." is recorded only for
 *   list elements, never for a map an Update created.
 * - No versions: one apiVersion per kind, so no conversion of managed fields between versions,
 *   and an applier's entry simply takes the apiVersion of its last apply.
 * - `null` in a configuration is dropped before applying (Kubernetes would own the field with a
 *   null value).
 * - Reset fields: the main resource ignores `status` and the status subresource everything but
 *   `status`, for every kind (Kubernetes lets each kind's strategy say).
 * - No "before-first-apply" manager for objects written before managed fields existed, no upgrade
 *   path from client-side apply's last-applied annotation, and no cap of ten Update entries
 *   (Kubernetes folds older ones into "ancient-changes").
 * - The whole result is returned, never the "no-op" marker SMD uses.
 *
 * Guarantees: arguments are never mutated; with unresolved conflicts `object` is `live` as given.
 */
import { parse as parseYaml } from "yaml";
import type { KubeObject } from "../object.ts";
import { PatchError } from "./errors.ts";
import { compareFields, type FieldPath, FieldSet, fieldSetOf, pathString } from "./field-set.ts";
import { copyJson, deepEqual, isObject, type JsonObject, jsonTypeName, setMember } from "./json.ts";
import {
  decodeManagedFields,
  describeManager,
  type FieldManager,
  identityOf,
  ownableFields,
  type WriteScope,
  withManagedFields,
} from "./managed-fields.ts";
import { childSchema, groupKindOf, type PatchSchema, patchSchemaFor } from "./patch-meta.ts";

export interface ApplyOptions extends WriteScope {
  /** The field manager (`?fieldManager=`); required for apply. */
  manager: string;
  /** `?force=true`: take conflicting fields over instead of failing. */
  force?: boolean;
  /** RFC 3339 time of the write. */
  now: string;
}

export interface ApplyConflict {
  /** The manager that owns the field, as its managedFields entry names it. */
  owner: Pick<FieldManager, "manager" | "operation" | "apiVersion" | "subresource">;
  /** `.spec.replicas`, `.spec.template.spec.containers[name="web"].image`. */
  field: string;
}

export interface ApplyResult {
  object: KubeObject;
  /** Unresolved conflicts; when there are any, nothing was applied. */
  conflicts: ApplyConflict[];
}

/** Decodes an apply body: YAML (which JSON is) holding one object. */
export function parseApplyPatch(body: string): JsonObject {
  let value: unknown;
  try {
    value = parseYaml(body, { version: "1.1" }) ?? {};
  } catch (error) {
    throw PatchError.badRequest(`error decoding YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  if (!isObject(value)) {
    throw PatchError.badRequest(
      `error decoding YAML: json: cannot unmarshal ${jsonTypeName(value)} into Go value of type map[string]interface {}`,
    );
  }
  return value;
}

// #region serverSideApply
export function serverSideApply(
  live: KubeObject | undefined,
  applied: unknown,
  options: ApplyOptions,
): ApplyResult {
  const scope: WriteScope = options.subresource ? { subresource: options.subresource } : {};
  const config = configurationOf(applied, live, scope);
  const self = {
    manager: options.manager,
    operation: "Apply" as const,
    apiVersion: config.apiVersion,
    ...scope,
  };
  const applySet = fieldSetOf(ownableFields(config, scope, { strict: true }));

  if (!live) {
    const object = withManagedFields(config, [{ ...self, set: applySet, time: options.now }]);
    return { object, conflicts: [] };
  }

  // 1. merge the configuration in; the applier's entry becomes its configuration.
  const schema = patchSchemaFor(groupKindOf(config));
  const managers = decodeManagedFields(live.metadata.managedFields);
  const previous = managers.find((m) => identityOf(m) === identityOf(self));
  const others = managers.filter((m) => m !== previous);
  const merged = mergeApplied(live, config, schema) as KubeObject;

  // 2. remove what the applier dropped and nobody owns.
  const owned = others.reduce((set, m) => set.union(m.set), applySet);
  const dropped = previous ? previous.set.difference(applySet) : new FieldSet();
  const result = prune(merged, dropped, owned, config);

  // 3. conflicts: fields of other managers whose value changes.
  const change = compareFields(ownableFields(live, scope), ownableFields(result, scope));
  const changed = change.modified.union(change.added);
  const conflicts: ApplyConflict[] = [];
  for (const other of others) {
    for (const path of other.set.intersection(changed).sorted()) {
      conflicts.push({ owner: ownerOf(other), field: pathString(path) });
    }
  }
  if (conflicts.length > 0 && !options.force) return { object: live, conflicts };

  // 4. hand the changed fields over; removed fields leave every set.
  for (const other of others) other.set = other.set.difference(changed).difference(change.removed);
  const objectChanged = !deepEqual(withoutManagedFields(live), withoutManagedFields(result));
  const time = objectChanged || !previous?.time ? options.now : previous.time;
  const entries: FieldManager[] = [...others, { ...self, set: applySet, time }];
  return { object: withManagedFields(result, entries), conflicts: [] };
}
// #endregion serverSideApply

/**
 * The 409 kube-apiserver answers for conflicts (fieldmanager's NewConflictError), with one cause
 * per field: {"reason": "FieldManagerConflict", "message": "conflict with \"x\"", "field": ".spec.replicas"}.
 */
export function applyConflictError(conflicts: readonly ApplyConflict[]): PatchError {
  const causes = conflicts.map((c) => ({
    reason: "FieldManagerConflict",
    message: `conflict with ${describeManager(c.owner)}`,
    field: c.field,
  }));
  let message: string;
  const first = conflicts[0];
  if (conflicts.length === 1 && first) {
    message = `Apply failed with 1 conflict: conflict with ${describeManager(first.owner)}: ${first.field}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const name = describeManager(c.owner);
      byManager.set(name, [...(byManager.get(name) ?? []), c.field]);
    }
    const lines = [...byManager.keys()]
      .sort()
      .flatMap((name) => [
        `conflicts with ${name}:`,
        ...(byManager.get(name) ?? []).map((f) => `- ${f}`),
      ]);
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
  }
  return new PatchError({ code: 409, reason: "Conflict", statusMessage: message, causes });
}

/** Checks the configuration as the API server does and reduces it to what this write may set. */
function configurationOf(
  applied: unknown,
  live: KubeObject | undefined,
  scope: WriteScope,
): KubeObject {
  if (!isObject(applied)) {
    throw PatchError.badRequest(
      `error decoding YAML: json: cannot unmarshal ${jsonTypeName(applied)} into Go value of type map[string]interface {}`,
    );
  }
  const expected = live?.apiVersion;
  const given = typeof applied.apiVersion === "string" ? applied.apiVersion : "";
  if (given === "" || (expected !== undefined && given !== expected)) {
    throw PatchError.badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${given}, expected: ${expected ?? "a group/version"}`,
    );
  }
  if (typeof applied.kind !== "string" || applied.kind === "") {
    throw PatchError.badRequest(
      "error decoding YAML: Object 'Kind' is missing in the apply configuration",
    );
  }
  const metadata = isObject(applied.metadata) ? applied.metadata : {};
  if (metadata.managedFields !== undefined)
    throw PatchError.badRequest("metadata.managedFields must be nil");
  const config = withoutNulls(applied) as KubeObject;
  config.metadata = isObject(config.metadata) ? config.metadata : {};
  if (scope.subresource === "status") {
    const { name, namespace } = config.metadata;
    return {
      apiVersion: config.apiVersion,
      kind: config.kind,
      metadata: { ...(name ? { name } : {}), ...(namespace ? { namespace } : {}) },
      ...(config.status === undefined ? {} : { status: config.status }),
    };
  }
  delete config.status;
  return config;
}

function ownerOf(m: FieldManager): ApplyConflict["owner"] {
  return {
    manager: m.manager,
    operation: m.operation,
    apiVersion: m.apiVersion,
    ...(m.subresource ? { subresource: m.subresource } : {}),
  };
}

/**
 * SMD's Merge: the configuration (rhs) wins on scalars and atomic lists; maps merge; keyed and
 * set-like lists merge by element identity, following the configuration's order for the
 * elements it names and keeping live-only elements in their place. Two empty values: rhs.
 */
function mergeApplied(lhs: unknown, rhs: unknown, schema: PatchSchema | undefined): unknown {
  if (isObject(lhs) && isObject(rhs)) {
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(lhs)) {
      setMember(
        out,
        key,
        Object.hasOwn(rhs, key)
          ? mergeApplied(value, rhs[key], childSchema(schema, key))
          : copyJson(value),
      );
    }
    for (const [key, value] of Object.entries(rhs))
      if (!Object.hasOwn(lhs, key)) setMember(out, key, copyJson(value));
    return out;
  }
  const meta = schema?.meta;
  if (Array.isArray(lhs) && Array.isArray(rhs) && meta?.strategies.includes("merge")) {
    const identity = (element: unknown, index: number, side: string) => {
      if (meta.mergeKey === undefined) return JSON.stringify(element);
      return isObject(element) && Object.hasOwn(element, meta.mergeKey)
        ? JSON.stringify(element[meta.mergeKey])
        : `${side}#${index}`;
    };
    return mergeListItems(lhs, rhs, identity, (l, r) =>
      l === undefined
        ? copyJson(r)
        : r === undefined
          ? copyJson(l)
          : mergeApplied(l, r, childSchema(schema, "[]")),
    );
  }
  return copyJson(rhs);
}

/**
 * Merges two lists by element identity (SMD's visitListItems): a walk down both lists that
 * emits live-only elements as the live walk meets them, and elements the configuration names
 * in the configuration's order (a shared element met out of turn is skipped and emitted when
 * the configuration reaches it).
 *
 *   live [a, x], config [b, a]        →  [b, a', x]
 *   live [a, x, b], config [b, a, c]  →  [x, b', a', c]   (a skipped: b is due first)
 */
function mergeListItems(
  lhs: unknown[],
  rhs: unknown[],
  identity: (element: unknown, index: number, side: string) => string,
  mergeItem: (l: unknown, r: unknown) => unknown,
): unknown[] {
  const index = (list: unknown[], side: string) => {
    const ids: string[] = [];
    const byId = new Map<string, unknown>();
    list.forEach((element, i) => {
      const id = identity(element, i, side);
      if (byId.has(id)) return; // a repeated element: SMD keeps the first
      byId.set(id, element);
      ids.push(id);
    });
    return { ids, byId };
  };
  const left = index(lhs, "live");
  const right = index(rhs, "config");
  const shared = right.ids.filter((id) => left.byId.has(id));
  let nextShared = shared.shift();
  const done = new Set<string>();
  const out: unknown[] = [];
  let l = 0;
  let r = 0;
  while (l < left.ids.length || r < right.ids.length) {
    const lid = left.ids[l];
    const rid = right.ids[r];
    if (lid !== undefined && rid !== undefined) {
      if (lid === rid) {
        done.add(lid);
        out.push(mergeItem(left.byId.get(lid), right.byId.get(rid)));
        l++;
        r++;
        nextShared = shared.shift();
        continue;
      }
      if (right.byId.has(lid) && nextShared !== undefined && nextShared !== lid) {
        l++; // shared, but not its turn yet: it comes with the configuration's order
        continue;
      }
    }
    if (lid !== undefined) {
      if (!right.byId.has(lid)) {
        out.push(mergeItem(left.byId.get(lid), undefined));
        l++;
        continue;
      }
      if (done.has(lid)) {
        l++;
        continue;
      }
    }
    if (rid !== undefined) {
      done.add(rid);
      out.push(mergeItem(left.byId.get(rid), right.byId.get(rid)));
      r++;
      if (nextShared === rid) nextShared = shared.shift();
    }
  }
  return out;
}

/**
 * Removes each dropped path nobody owns (SMD's prune): a field, a keyed element with everything
 * in it, or a set member. A path with an owned descendant stays, and so do key fields. Maps and
 * lists emptied by a removal go too, as SMD's removal leaves them null, unless the configuration
 * itself holds them (empty): Go's typed encoding makes "empty" and "absent" one, JSON does not.
 */
function prune(
  object: KubeObject,
  dropped: FieldSet,
  owned: FieldSet,
  config: KubeObject,
): KubeObject {
  const result = copyJson(object);
  for (const path of dropped.sorted().reverse()) {
    if (owned.has(path) || owned.hasDescendant(path) || isKeyField(path)) continue;
    removePath(result, path, config);
  }
  return result;
}

function isKeyField(path: FieldPath): boolean {
  const last = path.at(-1);
  const parent = path.at(-2);
  return (
    last !== undefined &&
    parent !== undefined &&
    "field" in last &&
    "key" in parent &&
    Object.hasOwn(parent.key, last.field)
  );
}

/** The value at `path`, or undefined. */
function valueAt(root: unknown, path: FieldPath): unknown {
  let current = root;
  for (const element of path) {
    const step = stepInto(current, element);
    if (!step) return undefined;
    current = step.value;
  }
  return current;
}

function stepInto(current: unknown, element: FieldPath[number]) {
  if ("field" in element) {
    return isObject(current) && Object.hasOwn(current, element.field)
      ? { container: current, at: element.field as number | string, value: current[element.field] }
      : undefined;
  }
  if (!Array.isArray(current)) return undefined;
  const at = current.findIndex((item) =>
    "key" in element
      ? isObject(item) && Object.entries(element.key).every(([k, v]) => deepEqual(item[k], v))
      : "value" in element && deepEqual(item, element.value),
  );
  return at < 0
    ? undefined
    : { container: current, at: at as number | string, value: current[at] as unknown };
}

function removePath(root: JsonObject, path: FieldPath, config: KubeObject): void {
  // Walk down, remembering each container, so emptied ones can be removed on the way back up.
  const trail: { container: JsonObject | unknown[]; at: number | string }[] = [];
  let current: unknown = root;
  for (const element of path) {
    const step = stepInto(current, element);
    if (!step) return;
    trail.push(step);
    current = step.value;
  }
  const removeAt = ({ container, at }: (typeof trail)[number]) => {
    if (Array.isArray(container)) container.splice(at as number, 1);
    else delete container[at as string];
  };
  let i = trail.length - 1;
  const last = trail[i];
  if (!last) return;
  removeAt(last);
  for (; i > 0; i--) {
    const { container } = trail[i] as (typeof trail)[number];
    const emptied = Array.isArray(container)
      ? container.length === 0
      : Object.keys(container).length === 0;
    const parent = trail[i - 1] as (typeof trail)[number];
    // An emptied list element stays (keyed elements keep their keys; SMD would leave a null).
    if (!emptied || Array.isArray(parent.container)) return;
    if (valueAt(config, path.slice(0, i)) !== undefined) return;
    removeAt(parent);
  }
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, member] of Object.entries(value))
    if (member !== null) setMember(out, key, withoutNulls(member));
  return out;
}

function withoutManagedFields(object: KubeObject): KubeObject {
  const { managedFields: _, ...metadata } = object.metadata;
  return { ...object, metadata };
}
