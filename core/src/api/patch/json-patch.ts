/**
 * JSON Patch (RFC 6902, `application/json-patch+json`): a list of operations, each naming a JSON
 * Pointer (RFC 6901) into the document. kube-apiserver applies them with
 * gopkg.in/evanphx/json-patch.v4, so this module follows that library's behaviour and words its
 * errors the same way. Where the library is more lenient than the RFC, so are we:
 *
 * - `replace` of a missing object member adds it (the RFC says the target must exist);
 * - `copy` from a missing object member copies `null` (the RFC says `from` must exist);
 * - an array index may be negative (`-1` is the last element) or carry a sign or leading zeros;
 * - a `test` compares `null` and "absent" as equal, and numbers by value (`1` equals `1.0`);
 * - the whole document ("" pointer) cannot be added to or replaced.
 *
 * Guarantees: the input document and patch are never mutated; operations apply in order to a copy,
 * and the first one that fails stops the patch with a PatchError naming its index (nothing of a
 * failed patch is kept). A patch that is not a list of operation objects is a 400, one with more
 * than 10,000 operations a 413, and a failed operation a 422, as the API server answers.
 *
 * A worked example, on {"spec":{"replicas":1,"ports":[80]}}:
 *
 *   {"op":"test",    "path":"/spec/replicas", "value":1}     passes
 *   {"op":"add",     "path":"/spec/ports/-",  "value":443}   ports [80, 443]   ("-" appends)
 *   {"op":"add",     "path":"/spec/ports/0",  "value":8080}  ports [8080, 80, 443]  (inserts)
 *   {"op":"move",    "from":"/spec/ports/2",  "path":"/spec/tls"}   ports [8080, 80], tls 443
 *   {"op":"remove",  "path":"/spec/nope"}
 *     → 422; detail "error in remove for path: '/spec/nope': Unable to remove nonexistent key:
 *       nope: missing value", operation 4
 */
import { PatchError } from "./errors.ts";
import { copyJson, deepEqual, isObject, type JsonObject, jsonTypeName, setMember } from "./json.ts";

/** kube-apiserver's maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10_000;

/** kube-apiserver's default JSONPatchMaxCopyBytes: what all `copy` operations may add together. */
export const MAX_JSON_PATCH_COPY_BYTES = 3 * 1024 * 1024;

export interface JsonPatchOperation {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  from?: string;
  value?: unknown;
}

export interface JsonPatchOptions {
  maxOperations?: number;
  /** 0 disables the limit. */
  maxCopyBytes?: number;
}

// #region applyJsonPatch
export function applyJsonPatch<T>(document: T, patch: unknown, options: JsonPatchOptions = {}): T {
  const operations = decodeJsonPatch(patch);
  const maxOperations = options.maxOperations ?? MAX_JSON_PATCH_OPERATIONS;
  if (operations.length > maxOperations) {
    throw PatchError.tooLarge(
      `The allowed maximum operations in a JSON patch is ${maxOperations}, got ${operations.length}`,
    );
  }
  const root = copyJson(document);
  if (!isContainer(root)) throw new TypeError("a JSON patch applies to an object or an array");
  const copies = { bytes: 0, limit: options.maxCopyBytes ?? MAX_JSON_PATCH_COPY_BYTES };
  operations.forEach((operation, index) => {
    try {
      applyOperation(root, operation ?? {}, copies);
    } catch (error) {
      if (error instanceof OperationFailed) throw PatchError.invalid(error.message, index);
      throw error;
    }
  });
  return root as T;
}
// #endregion applyJsonPatch

/** Checks the shape Go's decoder would accept: a list (or null) of objects (or nulls). */
function decodeJsonPatch(patch: unknown): (JsonObject | null)[] {
  if (patch === null) return [];
  if (!Array.isArray(patch)) {
    throw PatchError.badRequest(
      `json: cannot unmarshal ${jsonTypeName(patch)} into Go value of type jsonpatch.Patch`,
    );
  }
  for (const operation of patch) {
    if (operation !== null && !isObject(operation)) {
      throw PatchError.badRequest(
        `json: cannot unmarshal ${jsonTypeName(operation)} into Go value of type jsonpatch.Operation`,
      );
    }
  }
  return patch as (JsonObject | null)[];
}

/** An operation that cannot apply; the message is evanphx/json-patch's error chain. */
class OperationFailed extends Error {}

/** pkg/errors.Wrapf: "context: cause". */
const wrap = (context: string, cause: string) => `${context}: ${cause}`;
const MISSING = "missing value";
const INVALID_INDEX = "invalid index referenced";

type Container = JsonObject | unknown[];

function isContainer(value: unknown): value is Container {
  return Array.isArray(value) || isObject(value);
}

function applyOperation(root: Container, op: JsonObject, copies: { bytes: number; limit: number }) {
  const kind = typeof op.op === "string" ? op.op : "unknown";
  switch (kind) {
    case "add": {
      const path = pathOf(op, "path");
      if (typeof path !== "string")
        throw new OperationFailed(wrap("add operation failed to decode path", MISSING));
      const target = resolve(root, path);
      if (!target)
        throw new OperationFailed(
          `add operation does not apply: doc is missing path: "${path}": ${MISSING}`,
        );
      attempt(`error in add for path: '${path}'`, () => add(target, operationValue(op)));
      return;
    }
    case "remove": {
      const path = pathOf(op, "path");
      if (typeof path !== "string")
        throw new OperationFailed(wrap("remove operation failed to decode path", MISSING));
      const target = resolve(root, path);
      if (!target)
        throw new OperationFailed(
          `remove operation does not apply: doc is missing path: "${path}": ${MISSING}`,
        );
      attempt(`error in remove for path: '${path}'`, () => remove(target));
      return;
    }
    case "replace": {
      const path = decodedPath(op, "path", "replace operation failed to decode path");
      const target = resolve(root, path);
      if (!target)
        throw new OperationFailed(
          `replace operation does not apply: doc is missing path: ${path}: ${MISSING}`,
        );
      if (!succeeds(() => get(target))) {
        throw new OperationFailed(
          `replace operation does not apply: doc is missing key: ${path}: ${MISSING}`,
        );
      }
      set(target, operationValue(op));
      return;
    }
    case "move": {
      const from = decodedPath(op, "from", "move operation failed to decode from");
      const source = resolve(root, from);
      if (!source)
        throw new OperationFailed(
          `move operation does not apply: doc is missing from path: ${from}: ${MISSING}`,
        );
      // The library names the key, not the path, in these two messages.
      const value = attempt(`error in move for path: '${source.key}'`, () => get(source));
      attempt(`error in move for path: '${source.key}'`, () => remove(source));
      const path = decodedPath(op, "path", "move operation failed to decode path");
      const target = resolve(root, path);
      if (!target)
        throw new OperationFailed(
          `move operation does not apply: doc is missing destination path: ${path}: ${MISSING}`,
        );
      attempt(`error in move for path: '${path}'`, () => add(target, value ?? null));
      return;
    }
    case "test": {
      const path = decodedPath(op, "path", "test operation failed to decode path");
      const target = resolve(root, path);
      if (!target)
        throw new OperationFailed(
          `test operation does not apply: is missing path: ${path}: ${MISSING}`,
        );
      const actual = attempt(`error in test for path: '${path}'`, () => get(target)) ?? null;
      const hasValue = Object.hasOwn(op, "value");
      const passes =
        actual === null ? hasValue && op.value === null : hasValue && deepEqual(actual, op.value);
      if (!passes) throw new OperationFailed(`testing value ${path} failed: test failed`);
      return;
    }
    case "copy": {
      const from = decodedPath(op, "from", "copy operation failed to decode from");
      const source = resolve(root, from);
      if (!source)
        throw new OperationFailed(
          `copy operation does not apply: doc is missing from path: ${from}: ${MISSING}`,
        );
      const value = attempt(`error in copy for from: '${from}'`, () => get(source)) ?? null;
      const path = pathOf(op, "path");
      if (typeof path !== "string")
        throw new OperationFailed(wrap("copy operation failed to decode path", MISSING));
      const target = resolve(root, path);
      if (!target)
        throw new OperationFailed(
          `copy operation does not apply: doc is missing destination path: ${path}: ${MISSING}`,
        );
      copies.bytes += Buffer.byteLength(JSON.stringify(value));
      if (copies.limit > 0 && copies.bytes > copies.limit) {
        throw new OperationFailed(
          `Unable to complete the copy, the accumulated size increase of copy is ${copies.bytes}, exceeding the limit ${copies.limit}`,
        );
      }
      attempt("error while adding value during copy", () => add(target, copyJson(value)));
      return;
    }
    default:
      throw new OperationFailed(`Unexpected kind: ${kind}`);
  }
}

/** The op's "path" or "from": a string, undefined when absent or null, or the value as found. */
function pathOf(op: JsonObject, field: "path" | "from"): unknown {
  return op[field] ?? undefined;
}

/** A path whose decode error the library reports in full ("operation missing path field", ...). */
function decodedPath(op: JsonObject, field: "path" | "from", context: string): string {
  const path = pathOf(op, field);
  if (typeof path === "string") return path;
  if (path === undefined) {
    const missing =
      field === "path" ? "operation missing path field" : "operation, missing from field";
    throw new OperationFailed(wrap(wrap(context, missing), MISSING));
  }
  throw new OperationFailed(
    wrap(context, `json: cannot unmarshal ${jsonTypeName(path)} into Go value of type string`),
  );
}

/** An absent "value" adds or replaces with null, as the library does. */
function operationValue(op: JsonObject): unknown {
  return copyJson(op.value ?? null);
}

/** Runs `step`; its failure becomes "context: cause". */
function attempt<T>(context: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (!(error instanceof StepFailed)) throw error;
    throw new OperationFailed(wrap(context, error.message));
  }
}

function succeeds(step: () => unknown): boolean {
  try {
    step();
    return true;
  } catch (error) {
    if (!(error instanceof StepFailed)) throw error;
    return false;
  }
}

/** A container operation's own error, before the operation adds its context. */
class StepFailed extends Error {}

// A target is the container holding the pointed-at location and the (decoded) last token.
interface Target {
  container: Container;
  key: string;
}

/**
 * Walks every token but the last. Like the library, the text before the first "/" is ignored, a
 * pointer without any "/" (including "") resolves to nothing, and a token that names no element
 * (a missing member, a bad or out-of-range index, a scalar) leaves the path missing.
 */
function resolve(root: Container, pointer: string): Target | undefined {
  const tokens = pointer.split("/");
  if (tokens.length < 2) return undefined;
  let container: Container = root;
  for (const token of tokens.slice(1, -1)) {
    const key = unescapeToken(token);
    let next: unknown;
    if (Array.isArray(container)) {
      const index = parseIndex(key);
      next =
        index !== undefined && index >= 0 && index < container.length
          ? container[index]
          : undefined;
    } else {
      next = Object.hasOwn(container, key) ? container[key] : undefined;
    }
    if (!isContainer(next)) return undefined;
    container = next;
  }
  return { container, key: unescapeToken(tokens.at(-1) ?? "") };
}

/** RFC 6901: "~1" is "/", then "~0" is "~" (in that order, so "~01" is "~1"). */
function unescapeToken(token: string): string {
  return token.replaceAll("~1", "/").replaceAll("~0", "~");
}

/** Go's strconv.Atoi: an optional sign and decimal digits, within int64. */
function parseIndex(key: string): number | undefined {
  if (!/^[+-]?\d+$/.test(key)) return undefined;
  const value = BigInt(key);
  if (value > 9223372036854775807n || value < -9223372036854775808n) return undefined;
  return Number(value);
}

function atoi(key: string): number {
  const index = parseIndex(key);
  if (index !== undefined) return index;
  const why = /^[+-]?\d+$/.test(key) ? "value out of range" : "invalid syntax";
  throw new StepFailed(`strconv.Atoi: parsing "${key}": ${why}`);
}

function invalidIndex(index: number): StepFailed {
  return new StepFailed(`Unable to access invalid index: ${index}: ${INVALID_INDEX}`);
}

/** The value at the target; undefined when an object member is absent. */
function get({ container, key }: Target): unknown {
  if (!Array.isArray(container)) return Object.hasOwn(container, key) ? container[key] : undefined;
  const index = atoi(key);
  if (index >= container.length || index < 0) throw invalidIndex(index);
  return container[index];
}

function set(target: Target, value: unknown): void {
  const { container, key } = target;
  if (Array.isArray(container)) container[atoi(key)] = value;
  else setMember(container, key, value);
}

function add({ container, key }: Target, value: unknown): void {
  if (!Array.isArray(container)) {
    setMember(container, key, value);
    return;
  }
  if (key === "-") {
    container.push(value);
    return;
  }
  let index: number;
  try {
    index = atoi(key);
  } catch (error) {
    if (error instanceof StepFailed)
      throw new StepFailed(wrap(`value was not a proper array index: '${key}'`, error.message));
    throw error;
  }
  const size = container.length + 1;
  if (index >= size || index < -size) throw invalidIndex(index);
  container.splice(index < 0 ? index + size : index, 0, value);
}

function remove({ container, key }: Target): void {
  if (!Array.isArray(container)) {
    if (!Object.hasOwn(container, key))
      throw new StepFailed(`Unable to remove nonexistent key: ${key}: ${MISSING}`);
    delete container[key];
    return;
  }
  const index = atoi(key);
  if (index >= container.length || index < -container.length) throw invalidIndex(index);
  container.splice(index < 0 ? index + container.length : index, 1);
}
