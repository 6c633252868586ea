/**
 * Strategic merge patch (`application/strategic-merge-patch+json`): a JSON merge patch that knows,
 * per field, how lists combine (patch-meta.ts), plus a few `$` directives. It is what
 * `kubectl apply` (client-side), `kubectl edit` and `kubectl patch` send. This module applies one
 * the way kube-apiserver does (k8s.io/apimachinery/pkg/util/strategicpatch, StrategicMergeMapPatch),
 * checked against the library compiled into kubectl 1.32 (`kubectl patch --local`).
 *
 * Maps merge key by key, and `null` deletes a key, as in a merge patch. Lists:
 *
 * - a list of objects with a merge key merges element by element: a patch element merges into the
 *   live element with the same key, or is added; `{"name": "x", "$patch": "delete"}` deletes one;
 *   `{"$patch": "replace"}` in the list makes the rest of the patch list replace the live list;
 * - a list of scalars with strategy merge (`metadata.finalizers`) is a set: the patch adds values,
 *   and a parallel list `$deleteFromPrimitiveList/finalizers: [...]` removes them;
 * - any other list is replaced by the patch's list.
 *
 * Directives on maps: `$patch: replace` replaces the map with the rest of the patch map,
 * `$patch: delete` empties it (the key stays, holding {}), `$retainKeys: [...]` drops every live
 * member the list does not name. `$patch: merge` is described in Kubernetes' design documents but
 * kube-apiserver refuses it ("unknown patch type: merge in map: ..."; in a list "merging lists
 * cannot yet be specified in the patch"), and so do we.
 *
 * Order. `$setElementOrder/containers: [{"name": "b"}, {"name": "a"}]` (what kubectl apply sends
 * beside every changed merge list) orders the result; elements only the server has keep their
 * place relative to the others. Without it, patch elements keep the patch's order and are placed
 * after the live element that precedes them, so a brand new element with nothing before it in
 * the patch lands first. A trace, live containers [a, b, c]:
 *
 *   patch [{"name":"b","image":"2"}, {"name":"d"}]
 *     merged      [a, b', c, d]     b' merged in place, d appended
 *     patch items [b', d]           (in patch order)   server-only [a, c] (in live order)
 *     interleave: a (before b' live) · b' · d (unknown to the server: patch order wins) · c
 *     result      [a, b', d, c]
 *   patch [{"name":"d"}] → [d, a, b, c]
 *   patch {"$setElementOrder/containers": [{"name":"c"},{"name":"b"},{"name":"a"}]} → [c, b, a]
 *
 * Values copied from the patch as they are (a new key, a new list element, a replacing list) lose
 * their `null` members and directives, as they would when the API server decodes the result into
 * its Go type; Kubernetes' library itself would keep them in its intermediate map.
 *
 * Guarantees: neither argument is mutated; errors are PatchErrors classified as the API server
 * does (a malformed directive is 400, a list of lists 422, anything else 500 with the library's
 * message). Unknown kinds (custom resources) have no metadata, so every list is replaced: the
 * API server refuses the patch type for them (415) before it gets here, see patch-types.ts.
 */
import type { KubeObject } from "../object.ts";
import { PatchError } from "./errors.ts";
import {
  copyJson,
  deepEqual,
  goFormat,
  goTypeName,
  isObject,
  type JsonObject,
  jsonTypeName,
  setMember,
} from "./json.ts";
import { childSchema, type PatchSchema, patchSchemaFor } from "./patch-meta.ts";

export const DIRECTIVE = "$patch";
export const RETAIN_KEYS = "$retainKeys";
export const SET_ELEMENT_ORDER = "$setElementOrder";
export const DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList";

// #region applyStrategicMergePatch
export function applyStrategicMergePatch(
  kindKey: string,
  object: KubeObject,
  patch: unknown,
): KubeObject {
  // The API server decodes the body into a map: `null` leaves it empty, anything but an object fails.
  if (patch === null) return copyJson(object);
  if (!isObject(patch)) {
    throw PatchError.badRequest(
      `json: cannot unmarshal ${jsonTypeName(patch)} into Go value of type map[string]interface {}`,
    );
  }
  return mergeMap(copyJson(object), copyJson(patch), patchSchemaFor(kindKey)) as KubeObject;
}

/**
 * Merges `patch` into `original`, both owned by this module and changed in place:
 * 1. a `$patch` directive decides for the whole map;
 * 2. `$retainKeys` drops live members it does not name;
 * 3. each `$setElementOrder/<list>` merges its list and orders the result;
 * 4. every other member merges by its kind: null deletes, maps recurse, lists follow their
 *    strategy, anything else (or a change of kind) is replaced.
 */
function mergeMap(
  original: JsonObject,
  patch: JsonObject,
  schema: PatchSchema | undefined,
): JsonObject {
  if (Object.hasOwn(patch, DIRECTIVE)) return mapDirective(patch);
  applyRetainKeys(original, patch);
  mergeOrderedLists(original, patch, schema);
  for (const [member, patchValue] of Object.entries(patch)) {
    const isDeleteList = member.startsWith(DELETE_FROM_PRIMITIVE_LIST);
    const key = isDeleteList ? listKeyOf(member, DELETE_FROM_PRIMITIVE_LIST) : member;
    if (patchValue === null) {
      delete original[key];
      continue;
    }
    const current = original[key];
    if (!Object.hasOwn(original, key) || kindOf(current) !== kindOf(patchValue)) {
      if (!isDeleteList) setFromPatch(original, key, patchValue);
      continue;
    }
    const child = childSchema(schema, key);
    if (isObject(current)) {
      const merged = child?.meta?.strategies.includes("replace")
        ? cleanValue(patchValue)
        : mergeMap(current, patchValue as JsonObject, child);
      setMember(original, key, merged);
    } else if (Array.isArray(current)) {
      setMember(
        original,
        key,
        mergeListField(key, current, patchValue as unknown[], child, isDeleteList),
      );
    } else {
      setFromPatch(original, key, patchValue);
    }
  }
  return original;
}
// #endregion applyStrategicMergePatch

function mapDirective(patch: JsonObject): JsonObject {
  const directive = patch[DIRECTIVE];
  if (directive === "replace") {
    const { [DIRECTIVE]: _, ...rest } = patch;
    return cleanValue(rest) as JsonObject;
  }
  if (directive === "delete") return {};
  throw PatchError.unknown(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(patch)}`);
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const retained = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(retained)) throw PatchError.badRequest("invalid patch format of retainKeys");
  const keep = new Set<unknown>(retained);
  for (const [key, value] of Object.entries(patch)) {
    const isDirective =
      key.startsWith(DELETE_FROM_PRIMITIVE_LIST) || key.startsWith(SET_ELEMENT_ORDER);
    if (value !== null && !isDirective && !keep.has(key)) {
      throw PatchError.badRequest("invalid patch format of retainKeys");
    }
  }
  for (const key of Object.keys(original)) {
    if (!keep.has(key)) delete original[key];
  }
}

/** Handles each `$setElementOrder/<list>` and its list, removing both from the patch. */
function mergeOrderedLists(
  original: JsonObject,
  patch: JsonObject,
  schema: PatchSchema | undefined,
) {
  for (const member of Object.keys(patch)) {
    if (!member.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[member];
    delete patch[member];
    if (!Array.isArray(order)) throw badArgType("[]interface {}", order);
    const key = listKeyOf(member, SET_ELEMENT_ORDER);
    const hasLive = Object.hasOwn(original, key);
    const hasPatch = Object.hasOwn(patch, key);
    const live = hasLive ? original[key] : undefined;
    const patchList = hasPatch ? patch[key] : undefined;
    if (hasLive && !Array.isArray(live)) throw badArgType("[]interface {}", live);
    if (hasPatch && !Array.isArray(patchList)) throw badArgType("[]interface {}", patchList);
    const child = childSchema(schema, key);
    const mergeKey = child?.meta?.mergeKey ?? "";
    validateAgainstOrder((patchList as unknown[] | undefined) ?? [], order, mergeKey);
    let merged: unknown[];
    let liveView = (live as unknown[] | undefined) ?? [];
    if (hasLive && hasPatch) {
      ({ merged, liveView } = mergeList(
        key,
        live as unknown[],
        patchList as unknown[],
        child,
        false,
      ));
    } else if (hasLive) {
      merged = live as unknown[];
    } else if (hasPatch) {
      merged = cleanValue(patchList) as unknown[];
    } else {
      continue;
    }
    delete patch[key];
    const kind = elementKind([
      (live as unknown[] | undefined) ?? [],
      (patchList as unknown[] | undefined) ?? [],
    ]);
    const [inOrder, serverOnly] = partition(merged, order, mergeKey, kind);
    setMember(original, key, normalizeOrder(inOrder, serverOnly, order, liveView, mergeKey, kind));
  }
}

/**
 * The patch list's elements (deletions aside) must appear in `$setElementOrder` in the same
 * relative order; the directive may name more elements than the patch carries.
 */
function validateAgainstOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let kept = patchList;
  if (mergeKey !== "") {
    kept = patchList.filter((item) => {
      if (!isObject(item)) throw badArgType("map[string]interface {}", item);
      return item[DIRECTIVE] !== "delete";
    });
  }
  let p = 0;
  let o = 0;
  while (p < kept.length && o < order.length) {
    if (isObject(kept[p]) && Object.hasOwn(kept[p] as JsonObject, DIRECTIVE)) {
      p++;
      continue;
    }
    if (sameElement(kept[p], order[o], mergeKey)) p++;
    o++;
  }
  if (p < kept.length && o >= order.length) {
    throw PatchError.unknown(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goFormat(order)}\n`,
    );
  }
}

/** Merges a list member by its strategy (or as a deletion list for `$deleteFromPrimitiveList`). */
function mergeListField(
  key: string,
  live: unknown[],
  patch: unknown[],
  schema: PatchSchema | undefined,
  isDeleteList: boolean,
): unknown[] {
  return mergeList(key, live, patch, schema, isDeleteList).merged;
}

interface ListMerge {
  merged: unknown[];
  /**
   * The live list as Go's slice of it reads after the merge. Deleting an element shifts the
   * shared backing array left, and appending writes into the slots that frees, so a caller still
   * holding the live slice sees [kept..., appended..., stale tail]. `$setElementOrder` orders
   * server-only elements by this view, so its quirk shows in the result, and we reproduce it:
   *
   *   live [a, d, c], patch [{"name":"d","$patch":"delete"}, {"name":"b"}]
   *   backing after the delete [a, c, c]; after appending b [a, c, b]: c orders before b.
   */
  liveView: unknown[];
}

function mergeList(
  key: string,
  live: unknown[],
  patch: unknown[],
  schema: PatchSchema | undefined,
  isDeleteList: boolean,
): ListMerge {
  if (!isDeleteList && !schema?.meta?.strategies.includes("merge")) {
    return { merged: cleanValue(patch) as unknown[], liveView: live };
  }
  if (live.length === 0 && patch.length === 0) return { merged: live, liveView: live };
  const kind = elementKind([live, patch]);
  if (kind !== "object") {
    if (isDeleteList)
      return { merged: live.filter((value) => !patch.includes(value)), liveView: live };
    const merged: unknown[] = [];
    for (const value of [...live, ...patch]) if (!merged.includes(value)) merged.push(value);
    const [inPatch, serverOnly] = partition(merged, patch, "", kind);
    return { merged: normalizeOrder(inPatch, serverOnly, patch, live, "", kind), liveView: live };
  }
  const mergeKey = schema?.meta?.mergeKey ?? "";
  if (mergeKey === "") throw PatchError.unknown(`cannot merge lists without merge key for ${key}`);
  const { remaining, backing, kept, patchItems, replaced } = applyListDirectives(
    live,
    patch,
    mergeKey,
  );
  const merged = [...remaining];
  const elementSchema = childSchema(schema, "[]");
  for (const item of patchItems) {
    const element = item as JsonObject;
    if (!Object.hasOwn(element, mergeKey)) throw noMergeKey(element, mergeKey);
    const at = merged.findIndex((m) => isObject(m) && sameKeyValue(m[mergeKey], element[mergeKey]));
    if (at >= 0) merged[at] = mergeMap(merged[at] as JsonObject, element, elementSchema);
    else merged.push(cleanValue(element));
  }
  const [inPatch, serverOnly] = partition(merged, patchItems, mergeKey, kind);
  const appended = replaced ? [] : merged.slice(remaining.length);
  const liveView = backing.map((element, i) =>
    i < kept ? element : (appended[i - kept] ?? element),
  );
  return {
    merged: normalizeOrder(inPatch, serverOnly, patchItems, remaining, mergeKey, kind),
    liveView,
  };
}

/**
 * Applies the list elements that carry `$patch`: "delete" removes the live elements with that
 * key, "replace" makes the other patch elements the whole list. Deletion is done as Go does it,
 * on a backing array of the live list's length (see ListMerge.liveView).
 */
function applyListDirectives(live: unknown[], patch: unknown[], mergeKey: string) {
  const backing = [...live];
  let length = live.length;
  const plain: unknown[] = [];
  let replace = false;
  for (const item of patch) {
    const element = item as JsonObject;
    if (!Object.hasOwn(element, DIRECTIVE)) {
      plain.push(element);
      continue;
    }
    switch (element[DIRECTIVE]) {
      case "delete": {
        if (!Object.hasOwn(element, mergeKey)) throw noMergeKey(element, mergeKey);
        const doomed = element[mergeKey];
        for (;;) {
          const at = backing
            .slice(0, length)
            .findIndex((m) => isObject(m) && sameKeyValue(m[mergeKey], doomed));
          if (at < 0) break;
          backing.copyWithin(at, at + 1, length);
          length--;
        }
        break;
      }
      case "replace":
        replace = true; // keep going: the other directives are pruned from the list
        break;
      case "merge":
        throw PatchError.unknown("merging lists cannot yet be specified in the patch");
      default:
        throw PatchError.unknown(
          `unknown patch type: ${goFormat(element[DIRECTIVE])} in map: ${goFormat(element)}`,
        );
    }
  }
  if (replace) {
    return {
      remaining: cleanValue(plain) as unknown[],
      backing,
      kept: length,
      patchItems: [],
      replaced: true,
    };
  }
  return {
    remaining: backing.slice(0, length),
    backing,
    kept: length,
    patchItems: plain,
    replaced: false,
  };
}

type ElementKind = "object" | "array" | "string" | "number" | "boolean" | "null";

function kindOf(value: unknown): ElementKind {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value as ElementKind;
}

/** The one kind all elements share; lists of lists and mixed lists are refused. */
function elementKind(lists: unknown[][]): ElementKind {
  let kind: ElementKind | undefined;
  for (const value of lists.flat()) {
    const next = kindOf(value);
    if (kind === undefined) {
      if (next === "array") throw PatchError.invalid("lists of lists are not supported");
      kind = next;
    } else if (kind !== next) {
      throw PatchError.unknown(`list element types are not identical: ${goFormat(lists)}`);
    }
  }
  if (kind === undefined) throw PatchError.unknown("no elements in any of the given slices");
  return kind;
}

/** Splits `items` into those present in `by` and the rest, keeping their order. */
function partition(items: unknown[], by: unknown[], mergeKey: string, kind: ElementKind) {
  const present: unknown[] = [];
  const absent: unknown[] = [];
  for (const item of items) {
    if (
      kind === "object" &&
      mergeKey !== "" &&
      !(isObject(item) && Object.hasOwn(item, mergeKey))
    ) {
      throw noMergeKey(item as JsonObject, mergeKey);
    }
    (indexIn(by, item, mergeKey, kind) >= 0 ? present : absent).push(item);
  }
  return [present, absent] as const;
}

/**
 * Sorts the patch's elements by `patchOrder` and the server-only ones by `serverOrder`, then
 * interleaves them: a server-only element goes first while the live list had it before the next
 * patch element; an element the live list did not have never waits for server-only ones.
 */
function normalizeOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: ElementKind,
): unknown[] {
  const right = sortBy(patchItems, patchOrder, mergeKey, kind);
  const left = sortBy(serverOnly, serverOrder, mergeKey, kind);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const li = indexIn(serverOrder, left[i], mergeKey, kind);
    const ri = indexIn(serverOrder, right[j], mergeKey, kind);
    if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
    else out.push(right[j++]);
  }
  return [...out, ...left.slice(i), ...right.slice(j)];
}

/**
 * Sorts by position in `order` as Go's sort.SliceStable does with strategicpatch's comparator,
 * "a before b if both are in `order` and a comes first, otherwise true". When every element is
 * in `order` that is a plain stable sort; an element `order` lacks moves to the front. (Go sorts
 * blocks of 20 by insertion and then merges them; one insertion sort agrees for lists that long.)
 */
function sortBy(
  items: unknown[],
  order: unknown[],
  mergeKey: string,
  kind: ElementKind,
): unknown[] {
  if (kind === "object") {
    for (const item of [...items, ...order]) {
      if (!isObject(item)) throw badArgType("map[string]interface {}", item);
      if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
    }
  }
  const ranked = items.map((item) => ({ item, rank: indexIn(order, item, mergeKey, kind) }));
  const less = (a: { rank: number }, b: { rank: number }) =>
    a.rank >= 0 && b.rank >= 0 ? a.rank < b.rank : true;
  for (let i = 1; i < ranked.length; i++) {
    for (
      let j = i;
      j > 0 && less(ranked[j] as { rank: number }, ranked[j - 1] as { rank: number });
      j--
    ) {
      [ranked[j - 1], ranked[j]] = [
        ranked[j] as (typeof ranked)[number],
        ranked[j - 1] as (typeof ranked)[number],
      ];
    }
  }
  return ranked.map((r) => r.item);
}

/** Position of `item` in `list`: by merge key value for objects, by value for scalars. */
function indexIn(list: unknown[], item: unknown, mergeKey: string, kind: ElementKind): number {
  if (kind !== "object") return list.findIndex((x) => sameKeyValue(x, item));
  const value = isObject(item) ? item[mergeKey] : undefined;
  return list.findIndex((x) => isObject(x) && sameKeyValue(x[mergeKey], value));
}

function sameElement(a: unknown, b: unknown, mergeKey: string): boolean {
  if (mergeKey === "") return sameKeyValue(a, b);
  if (!isObject(a)) throw badArgType("map[string]interface {}", a);
  if (!isObject(b)) throw badArgType("map[string]interface {}", b);
  if (!Object.hasOwn(a, mergeKey)) throw noMergeKey(a, mergeKey);
  if (!Object.hasOwn(b, mergeKey)) throw noMergeKey(b, mergeKey);
  return sameKeyValue(a[mergeKey], b[mergeKey]);
}

/** Go compares merge key values with ==; undefined (absent) never matches. */
function sameKeyValue(a: unknown, b: unknown): boolean {
  return a !== undefined && b !== undefined && deepEqual(a, b);
}

/** Sets a member to a value taken whole from the patch; a directive map there sets nothing. */
function setFromPatch(target: JsonObject, key: string, value: unknown): void {
  const cleaned = cleanValue(value);
  if (cleaned === DROPPED) delete target[key];
  else setMember(target, key, cleaned);
}

const DROPPED = Symbol("dropped");

/** A copy without null members, directive members, or maps carrying `$patch`. */
function cleanValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cleanValue).filter((v) => v !== DROPPED);
  if (!isObject(value)) return value;
  if (Object.hasOwn(value, DIRECTIVE)) return DROPPED;
  const out: JsonObject = {};
  for (const [key, member] of Object.entries(value)) {
    if (member === null || isDirectiveKey(key)) continue;
    const cleaned = cleanValue(member);
    if (cleaned !== DROPPED) setMember(out, key, cleaned);
  }
  return out;
}

function isDirectiveKey(key: string): boolean {
  return (
    key === DIRECTIVE ||
    key === RETAIN_KEYS ||
    key.startsWith(`${SET_ELEMENT_ORDER}/`) ||
    key.startsWith(`${DELETE_FROM_PRIMITIVE_LIST}/`)
  );
}

/** "$setElementOrder/containers" → "containers"; a malformed prefix is a 400. */
function listKeyOf(member: string, prefix: string): string {
  const slash = member.indexOf("/");
  if (slash < 0 || member.slice(0, slash) !== prefix) {
    throw PatchError.badRequest(
      prefix === SET_ELEMENT_ORDER
        ? "invalid patch format of setElementOrder list"
        : "invalid patch format of primitive list",
    );
  }
  return member.slice(slash + 1);
}

function noMergeKey(map: JsonObject, mergeKey: string): PatchError {
  return PatchError.unknown(
    `map: ${goFormat(map)} does not contain declared merge key: ${mergeKey}`,
  );
}

function badArgType(expected: string, actual: unknown): PatchError {
  return PatchError.unknown(`expected a ${expected}, but received a ${goTypeName(actual)}`);
}
