/**
 * JSON Merge Patch (RFC 7386, `application/merge-patch+json`): the patch looks like the object,
 * and says only what changes.
 *
 * - an object in the patch merges into the object at the same place, key by key, recursively;
 * - `null` deletes the key;
 * - anything else, arrays included, replaces the value whole. A merge patch cannot change one
 *   element of a list: it sends the entire new list. (Strategic merge patch exists for that.)
 *
 * kube-apiserver applies merge patches with gopkg.in/evanphx/json-patch.v4, which also drops
 * `null` members from objects it copies in from the patch, including objects inside arrays
 * (`{"x":[{"a":null,"b":1}]}` stores `[{"b":1}]`); the RFC would keep them. We do as the API
 * server does. It refuses a patch that is `null` or a scalar with 400 "Invalid JSON Patch"; an
 * array patch would replace the whole object, which then fails to decode as one (422).
 *
 * Neither function mutates its arguments.
 */
import type { KubeObject } from "../object.ts";
import { PatchError } from "./errors.ts";
import { copyJson, deepEqual, isObject, type JsonObject, setMember } from "./json.ts";

// #region applyMergePatch
/** Applies a merge patch to an object, refusing the patches kube-apiserver refuses. */
export function applyMergePatch(object: KubeObject, patch: unknown): KubeObject {
  if (Array.isArray(patch)) {
    throw new PatchError({
      code: 422,
      reason: "Invalid",
      statusMessage: `"" is invalid: patch: Invalid value: ${JSON.stringify(JSON.stringify(patch))}: a merge patch that is a list would replace the whole object`,
    });
  }
  if (!isObject(patch)) throw PatchError.badRequest("Invalid JSON Patch");
  return mergePatchValue(object, patch) as KubeObject;
}

/** RFC 7386's MergePatch(Target, Patch) for any JSON values. */
export function mergePatchValue(target: unknown, patch: unknown): unknown {
  return mergeInto(copyJson(target), patch);
}

/** MergePatch on a target this module owns (a copy), changing it in place. */
function mergeInto(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return pruneNulls(patch);
  const result: JsonObject = isObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else
      setMember(
        result,
        key,
        Object.hasOwn(result, key) ? mergeInto(result[key], value) : pruneNulls(value),
      );
  }
  return result;
}
// #endregion applyMergePatch

/**
 * The merge patch that turns `original` into `modified`: deleted keys become null, changed
 * objects recurse, anything else changed is sent whole. `mergePatchValue(a, createMergePatch(a,
 * b))` equals `b` whenever `b` holds no nulls (a merge patch cannot say "set this to null").
 */
export function createMergePatch(original: unknown, modified: unknown): unknown {
  if (!isObject(original) || !isObject(modified)) return copyJson(modified);
  const patch: JsonObject = {};
  for (const key of Object.keys(original)) {
    if (!Object.hasOwn(modified, key)) setMember(patch, key, null);
  }
  for (const [key, value] of Object.entries(modified)) {
    if (!Object.hasOwn(original, key)) {
      setMember(patch, key, copyJson(value));
    } else if (isObject(original[key]) && isObject(value)) {
      const nested = createMergePatch(original[key], value) as JsonObject;
      if (Object.keys(nested).length > 0) setMember(patch, key, nested);
    } else if (!deepEqual(original[key], value)) {
      setMember(patch, key, copyJson(value));
    }
  }
  return patch;
}

/** A copy without null members in objects, recursively, also inside arrays (array nulls stay). */
function pruneNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pruneNulls);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== null) setMember(out, key, pruneNulls(member));
  }
  return out;
}
