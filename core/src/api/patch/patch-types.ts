/**
 * The patch media types (k8s.io/apimachinery/pkg/types PatchType) and which a kind accepts. The
 * API server matches the request's Content-Type (parameters after ";" dropped) against this list
 * and answers 415 UnsupportedMediaType, listing it, for anything else.
 */
import { PatchError } from "./errors.ts";
import { supportsStrategicMerge } from "./patch-meta.ts";

export const JSON_PATCH = "application/json-patch+json";
export const MERGE_PATCH = "application/merge-patch+json";
export const STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
export const APPLY_PATCH = "application/apply-patch+yaml";

export type PatchType =
  | typeof JSON_PATCH
  | typeof MERGE_PATCH
  | typeof STRATEGIC_MERGE_PATCH
  | typeof APPLY_PATCH;

/** In the order kube-apiserver lists them; custom resources lack strategic merge patch. */
export function acceptedPatchTypes(kindKey: string): PatchType[] {
  return supportsStrategicMerge(kindKey)
    ? [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH]
    : [JSON_PATCH, MERGE_PATCH, APPLY_PATCH];
}

/** The patch type of a Content-Type header, or the 415 the API server answers. */
export function patchTypeOf(contentType: string | undefined, kindKey: string): PatchType {
  const mediaType = (contentType ?? "").split(";")[0]?.trim() ?? "";
  const accepted = acceptedPatchTypes(kindKey);
  const found = accepted.find((type) => type === mediaType);
  if (!found) throw PatchError.unsupportedMediaType(accepted);
  return found;
}
