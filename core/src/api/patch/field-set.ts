/**
 * Field paths and sets of them: the vocabulary of server-side apply (sigs.k8s.io/structured-merge-diff,
 * "SMD"). A path steps through an object by member name, into a keyed list by its element's key,
 * or into a set-like list by value:
 *
 *   .spec.replicas                                  [{field:"spec"}, {field:"replicas"}]
 *   .spec.containers[name="web"].image              ..., {field:"containers"}, {key:{name:"web"}}, {field:"image"}
 *   .metadata.finalizers[="example.com/x"]          ..., {field:"finalizers"}, {value:"example.com/x"}
 *
 * `fieldsOf(object)` lists what an object sets, as SMD's ToFieldSet does: every scalar leaf, every
 * atomic list as one leaf, and every element of a keyed or set-like list (the element itself is
 * then a member too, written "." in FieldsV1). Objects themselves are not members; an empty object
 * contributes nothing. FieldsV1 (`metadata.managedFields[].fieldsV1`) is the same set as a tree:
 *
 *   {"f:spec": {"f:replicas": {}, "f:containers": {"k:{\"name\":\"web\"}": {".": {}, "f:image": {}}}}}
 */
import { PatchError } from "./errors.ts";
import { deepEqual, isObject, type JsonObject } from "./json.ts";
import { childSchema, type PatchSchema } from "./patch-meta.ts";

export type PathElement =
  | { readonly field: string }
  | { readonly key: Readonly<JsonObject> }
  | { readonly value: unknown }
  | { readonly index: number };

export type FieldPath = readonly PathElement[];

/** SMD's Path.String(): `.spec.containers[name="web"].image`, what conflict messages show. */
export function pathString(path: FieldPath): string {
  return path
    .map((element) => {
      if ("field" in element) return `.${element.field}`;
      if ("key" in element) {
        const parts = Object.keys(element.key)
          .sort()
          .map((name) => `${name}=${JSON.stringify(element.key[name])}`);
        return `[${parts.join(",")}]`;
      }
      if ("value" in element) return `[=${JSON.stringify(element.value)}]`;
      return `[${element.index}]`;
    })
    .join("");
}

/** A set of paths. Members are keyed by an unambiguous encoding of the path. */
export class FieldSet {
  private readonly members = new Map<string, FieldPath>();

  constructor(paths: Iterable<FieldPath> = []) {
    for (const path of paths) this.add(path);
  }

  static key(path: FieldPath): string {
    return JSON.stringify(path.map(encodeElement));
  }

  add(path: FieldPath): void {
    this.members.set(FieldSet.key(path), path);
  }

  /** `add` for a path whose key is already known (`key` must be `FieldSet.key(path)`). */
  addKeyed(key: string, path: FieldPath): void {
    this.members.set(key, path);
  }

  has(path: FieldPath): boolean {
    return this.members.has(FieldSet.key(path));
  }

  get size(): number {
    return this.members.size;
  }

  paths(): FieldPath[] {
    return [...this.members.values()];
  }

  // The set operations reuse the members' keys: encoding a path is the costly part, and the API
  // server runs these on every write (managed fields).
  union(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [key, path] of this.members) out.members.set(key, path);
    for (const [key, path] of other.members) out.members.set(key, path);
    return out;
  }

  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [key, path] of this.members) if (!other.members.has(key)) out.members.set(key, path);
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [key, path] of this.members) if (other.members.has(key)) out.members.set(key, path);
    return out;
  }

  /** True when a member lies strictly below `path`. */
  hasDescendant(path: FieldPath): boolean {
    if (path.length === 0) return this.members.size > 0;
    const prefix = FieldSet.key(path).slice(0, -1);
    for (const key of this.members.keys()) {
      if (key.length > prefix.length + 1 && key.startsWith(`${prefix},`)) return true;
    }
    return false;
  }

  /** Members in SMD's order: by path element, fields before keys before values. */
  sorted(): FieldPath[] {
    return this.paths().sort(comparePaths);
  }
}

/** One member of an object's field set, with the value there when it is a leaf. */
export interface FieldEntry {
  readonly path: FieldPath;
  /** Set for leaves (scalars, atomic lists); undefined for list elements. */
  readonly value?: unknown;
  readonly leaf: boolean;
}

export interface FieldsOfOptions {
  /** Refuse what SMD refuses in an applied configuration: keyless or duplicate list elements. */
  strict?: boolean;
}

/** The fields an object sets, keyed like FieldSet members. */
export function fieldsOf(
  object: unknown,
  schema: PatchSchema | undefined,
  options: FieldsOfOptions = {},
): Map<string, FieldEntry> {
  return isObject(object) ? collectFields(object, [], schema, options) : new Map();
}

/**
 * The members a value at `path` contributes, as fieldsOf walks it: an object its members', a
 * merging list its elements (and theirs), anything else itself as a leaf. With `objectOnly`, the
 * value is a keyed list element, whose own members are wanted without the element itself.
 */
function collectFields(
  value: unknown,
  path: FieldPath,
  schema: PatchSchema | undefined,
  options: FieldsOfOptions,
  objectOnly = false,
): Map<string, FieldEntry> {
  const out = new Map<string, FieldEntry>();
  const leaf = (path: FieldPath, value: unknown) =>
    out.set(FieldSet.key(path), { path, value, leaf: true });
  const walkObject = (value: JsonObject, path: FieldPath, node: PatchSchema | undefined) => {
    for (const [name, member] of Object.entries(value)) {
      walk(member, [...path, { field: name }], childSchema(node, name));
    }
  };
  const walk = (value: unknown, path: FieldPath, node: PatchSchema | undefined) => {
    if (isObject(value)) walkObject(value, path, node);
    else if (Array.isArray(value)) walkList(value, path, node);
    else leaf(path, value);
  };
  const walkList = (list: unknown[], path: FieldPath, node: PatchSchema | undefined) => {
    const meta = node?.meta;
    if (!meta?.strategies.includes("merge")) {
      leaf(path, list);
      return;
    }
    const seen = new Set<string>();
    list.forEach((element, index) => {
      let step: PathElement;
      if (meta.mergeKey !== undefined) {
        if (!isObject(element) || !Object.hasOwn(element, meta.mergeKey)) {
          if (options.strict) {
            throw PatchError.unknown(
              `${pathString(path)}: element ${index}: associative list with keys has an element that omits key field "${meta.mergeKey}" (and doesn't have default value)`,
            );
          }
          return;
        }
        step = { key: { [meta.mergeKey]: element[meta.mergeKey] } };
      } else {
        step = { value: element };
      }
      const elementPath = [...path, step];
      const id = FieldSet.key(elementPath);
      if (seen.has(id)) {
        if (options.strict) {
          throw PatchError.unknown(
            `${pathString(path)}: duplicate entries for key ${pathString([step])}`,
          );
        }
        return; // the live object may hold duplicates; SMD keeps the first
      }
      seen.add(id);
      if ("key" in step) {
        out.set(id, { path: elementPath, leaf: false });
        walkObject(element as JsonObject, elementPath, childSchema(node, "[]"));
      } else {
        leaf(elementPath, element);
      }
    });
  };
  if (objectOnly) walkObject(value as JsonObject, path, schema);
  else walk(value, path, schema);
  return out;
}

// #region compareObjects
/**
 * compareFields(fieldsOf(before), fieldsOf(after)) without listing either object's fields: the
 * two objects are walked side by side and only where they differ are paths made. An update
 * changes a few fields of an object of hundreds (a Lease's renewTime, a pod's status), and the
 * API server records every write in managedFields, so listing both objects' fields on each write
 * was most of its cost. The result is the same, member for member (field-set.test.ts checks it
 * as a property); `keep` drops paths before they are put in a set (a write's scope).
 *
 * Where the two sides have different shapes at one path (an object on one side, a scalar or a
 * keyed list on the other), their members there cannot coincide — objects are not members,
 * leaves are, and list elements add a step — so one side's subtree is all removed and the
 * other's all added.
 */
export function compareObjects(
  before: unknown,
  after: unknown,
  schema: PatchSchema | undefined,
  keep: (path: FieldPath) => boolean = () => true,
): Comparison {
  const added = new FieldSet();
  const removed = new FieldSet();
  const modified = new FieldSet();
  const put = (set: FieldSet, path: FieldPath) => {
    if (keep(path)) set.add(path);
  };
  const putAll = (
    set: FieldSet,
    value: unknown,
    path: FieldPath,
    node: PatchSchema | undefined,
  ) => {
    for (const entry of collectFields(value, path, node, {}).values()) put(set, entry.path);
  };
  const diffObjects = (
    a: JsonObject,
    b: JsonObject,
    path: FieldPath,
    node: PatchSchema | undefined,
  ) => {
    for (const name of Object.keys(a)) {
      const child = [...path, { field: name }];
      if (Object.hasOwn(b, name)) diff(a[name], b[name], child, childSchema(node, name));
      else putAll(removed, a[name], child, childSchema(node, name));
    }
    for (const name of Object.keys(b)) {
      if (!Object.hasOwn(a, name))
        putAll(added, b[name], [...path, { field: name }], childSchema(node, name));
    }
  };
  const diff = (a: unknown, b: unknown, path: FieldPath, node: PatchSchema | undefined) => {
    const kind = shapeOf(a, node);
    if (kind !== shapeOf(b, node)) {
      putAll(removed, a, path, node);
      putAll(added, b, path, node);
    } else if (kind === "object") {
      diffObjects(a as JsonObject, b as JsonObject, path, node);
    } else if (kind === "leaf") {
      if (!deepEqual(a, b)) put(modified, path);
    } else {
      const left = listElements(a as unknown[], node);
      const right = listElements(b as unknown[], node);
      const elementSchema = childSchema(node, "[]");
      /** A list element one side alone has: the element, and its members if it is keyed. */
      const putElement = (set: FieldSet, element: ListElement, elementPath: FieldPath) => {
        put(set, elementPath);
        if ("key" in element.step)
          for (const e of collectFields(
            element.value,
            elementPath,
            elementSchema,
            {},
            true,
          ).values())
            put(set, e.path);
      };
      for (const [id, element] of left) {
        const elementPath = [...path, element.step];
        const other = right.get(id);
        if (other === undefined) putElement(removed, element, elementPath);
        else if ("key" in element.step)
          diffObjects(
            element.value as JsonObject,
            other.value as JsonObject,
            elementPath,
            elementSchema,
          );
        else if (!deepEqual(element.value, other.value)) put(modified, elementPath);
      }
      for (const [id, element] of right)
        if (!left.has(id)) putElement(added, element, [...path, element.step]);
    }
  };
  if (isObject(before) && isObject(after)) diffObjects(before, after, [], schema);
  else {
    if (isObject(before)) putAll(removed, before, [], schema);
    if (isObject(after)) putAll(added, after, [], schema);
  }
  return { added, removed, modified };
}

/**
 * toFieldsV1 of every field an object sets (fieldsOf), built in one walk of the object: the set
 * a create records in managedFields, without a path and a key made for each field first. Same
 * tree, same member order (field-set.test.ts checks it as a property).
 */
export function fieldsV1Of(object: unknown, schema: PatchSchema | undefined): JsonObject {
  interface Child {
    element: PathElement;
    name: string;
    tree: JsonObject;
  }
  const assemble = (children: Child[], member: boolean): JsonObject => {
    const out: JsonObject = {};
    if (member && children.length > 0) out["."] = {};
    children.sort((a, b) => compareElements(a.element, b.element));
    for (const child of children) out[child.name] = child.tree;
    return out;
  };
  /** The tree a value contributes, or undefined when it contributes no member. */
  const treeOf = (value: unknown, node: PatchSchema | undefined): JsonObject | undefined => {
    const shape = shapeOf(value, node);
    if (shape === "leaf") return {};
    const children =
      shape === "object"
        ? objectChildren(value as JsonObject, node)
        : listChildren(value as unknown[], node);
    return children.length > 0 ? assemble(children, false) : undefined;
  };
  const objectChildren = (value: JsonObject, node: PatchSchema | undefined): Child[] => {
    const children: Child[] = [];
    for (const [name, member] of Object.entries(value)) {
      const tree = treeOf(member, childSchema(node, name));
      if (tree) children.push({ element: { field: name }, name: `f:${name}`, tree });
    }
    return children;
  };
  const listChildren = (list: unknown[], node: PatchSchema | undefined): Child[] => {
    const elementSchema = childSchema(node, "[]");
    return [...listElements(list, node).values()].map(({ step, value }) => ({
      element: step,
      name: fieldsV1Name(step),
      tree: "key" in step ? assemble(objectChildren(value as JsonObject, elementSchema), true) : {},
    }));
  };
  return isObject(object) ? assemble(objectChildren(object, schema), false) : {};
}

/** How fieldsOf treats a value at a node: walks into it, lists its elements, or takes it whole. */
function shapeOf(value: unknown, node: PatchSchema | undefined): "object" | "list" | "leaf" {
  if (isObject(value)) return "object";
  if (Array.isArray(value) && node?.meta?.strategies.includes("merge")) return "list";
  return "leaf";
}

/**
 * A merging list's elements as fieldsOf counts them, by their step's encoding: keyed elements
 * without their key are skipped, and of duplicates the first is kept.
 */
interface ListElement {
  step: PathElement;
  value: unknown;
}

function listElements(list: unknown[], node: PatchSchema | undefined): Map<string, ListElement> {
  const out = new Map<string, ListElement>();
  const mergeKey = node?.meta?.mergeKey;
  for (const element of list) {
    let step: PathElement;
    if (mergeKey !== undefined) {
      if (!isObject(element) || !Object.hasOwn(element, mergeKey)) continue;
      step = { key: { [mergeKey]: element[mergeKey] } };
    } else {
      step = { value: element };
    }
    const id = JSON.stringify(encodeElement(step));
    if (!out.has(id)) out.set(id, { step, value: element });
  }
  return out;
}
// #endregion compareObjects

/** The paths of fieldsOf, as a set. */
export function fieldSetOf(entries: Map<string, FieldEntry>): FieldSet {
  return new FieldSet([...entries.values()].map((entry) => entry.path));
}

/** What changed from `before` to `after`, as SMD's Compare reports it. */
export interface Comparison {
  added: FieldSet;
  removed: FieldSet;
  /** Leaves present in both with different values. */
  modified: FieldSet;
}

export function compareFields(
  before: Map<string, FieldEntry>,
  after: Map<string, FieldEntry>,
): Comparison {
  const added = new FieldSet();
  const removed = new FieldSet();
  const modified = new FieldSet();
  for (const [key, entry] of after) {
    const old = before.get(key);
    if (!old) added.addKeyed(key, entry.path);
    else if ((entry.leaf || old.leaf) && !deepEqual(old.value, entry.value))
      modified.addKeyed(key, entry.path);
  }
  for (const [key, entry] of before) if (!after.has(key)) removed.addKeyed(key, entry.path);
  return { added, removed, modified };
}

// #region fieldsV1
/** Encodes a set as FieldsV1: "f:" members, "k:" keyed elements, "v:" values, "." the node itself. */
export function toFieldsV1(set: FieldSet): JsonObject {
  interface Node {
    member: boolean;
    children: Map<string, { element: PathElement; node: Node }>;
  }
  const root: Node = { member: false, children: new Map() };
  for (const path of set.paths()) {
    let node = root;
    for (const element of path) {
      const name = fieldsV1Name(element);
      let child = node.children.get(name);
      if (!child) {
        child = { element, node: { member: false, children: new Map() } };
        node.children.set(name, child);
      }
      node = child.node;
    }
    node.member = true;
  }
  const encode = (node: Node): JsonObject => {
    const out: JsonObject = {};
    if (node.member && node.children.size > 0) out["."] = {};
    const children = [...node.children.entries()].sort(([, a], [, b]) =>
      compareElements(a.element, b.element),
    );
    for (const [name, child] of children) out[name] = encode(child.node);
    return out;
  };
  return encode(root);
}

export function fromFieldsV1(fields: unknown): FieldSet {
  const set = new FieldSet();
  const decode = (node: unknown, path: PathElement[]) => {
    if (!isObject(node)) return;
    const names = Object.keys(node);
    if (path.length > 0 && (names.length === 0 || names.includes("."))) set.add(path);
    for (const name of names) {
      if (name === ".") continue;
      decode(node[name], [...path, parseFieldsV1Name(name)]);
    }
  };
  decode(fields, []);
  return set;
}
// #endregion fieldsV1

/** A path element's name in FieldsV1: "f:name", "k:{...}", "v:...", "i:0". */
export function fieldsV1Name(element: PathElement): string {
  if ("field" in element) return `f:${element.field}`;
  if ("key" in element) return `k:${JSON.stringify(sortKeys(element.key))}`;
  if ("value" in element) return `v:${JSON.stringify(element.value)}`;
  return `i:${element.index}`;
}

function parseFieldsV1Name(name: string): PathElement {
  const body = name.slice(2);
  switch (name.slice(0, 2)) {
    case "f:":
      return { field: body };
    case "k:":
      return { key: JSON.parse(body) as JsonObject };
    case "v:":
      return { value: JSON.parse(body) as unknown };
    case "i:":
      return { index: Number(body) };
    default:
      throw PatchError.badRequest(
        `unknown field path element ${JSON.stringify(name)} in managedFields`,
      );
  }
}

function encodeElement(element: PathElement): unknown[] {
  if ("field" in element) return ["f", element.field];
  if ("key" in element) return ["k", sortKeys(element.key)];
  if ("value" in element) return ["v", element.value];
  return ["i", element.index];
}

function sortKeys(object: Readonly<JsonObject>): JsonObject {
  return Object.fromEntries(
    Object.keys(object)
      .sort()
      .map((k) => [k, object[k]]),
  );
}

const ELEMENT_RANK = { field: 0, key: 1, value: 2, index: 3 } as const;

function rankOf(element: PathElement): number {
  if ("field" in element) return ELEMENT_RANK.field;
  if ("key" in element) return ELEMENT_RANK.key;
  if ("value" in element) return ELEMENT_RANK.value;
  return ELEMENT_RANK.index;
}

function compareElements(a: PathElement, b: PathElement): number {
  const byRank = rankOf(a) - rankOf(b);
  if (byRank !== 0) return byRank;
  if ("field" in a && "field" in b) return compareValues(a.field, b.field);
  if ("key" in a && "key" in b)
    return compareValues(JSON.stringify(sortKeys(a.key)), JSON.stringify(sortKeys(b.key)));
  if ("value" in a && "value" in b) return compareValues(a.value, b.value);
  if ("index" in a && "index" in b) return a.index - b.index;
  return 0;
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const x = typeof a === "string" ? a : JSON.stringify(a);
  const y = typeof b === "string" ? b : JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function comparePaths(a: FieldPath, b: FieldPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compareElements(a[i] as PathElement, b[i] as PathElement);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}
