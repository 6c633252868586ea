export {
  type ApplyConflict,
  type ApplyOptions,
  type ApplyResult,
  applyConflictError,
  parseApplyPatch,
  serverSideApply,
} from "./apply.ts";
export {
  GENERIC_INVALID_MESSAGE,
  PatchError,
  type PatchErrorInit,
  type PatchFailureReason,
} from "./errors.ts";
export {
  type FieldPath,
  fromFieldsV1,
  type PathElement,
  pathString,
  toFieldsV1,
} from "./field-set.ts";
export {
  applyJsonPatch,
  type JsonPatchOperation,
  type JsonPatchOptions,
  MAX_JSON_PATCH_COPY_BYTES,
  MAX_JSON_PATCH_OPERATIONS,
} from "./json-patch.ts";
export {
  type FieldManager,
  managedFieldsAfterUpdate,
  type UpdateOptions,
  updateManagedFields,
  type WriteScope,
} from "./managed-fields.ts";
export { applyMergePatch, createMergePatch, mergePatchValue } from "./merge-patch.ts";
export {
  type FieldMeta,
  type FieldTable,
  groupKindOf,
  PATCH_META,
  type PatchStrategy,
  supportsStrategicMerge,
} from "./patch-meta.ts";
export {
  APPLY_PATCH,
  acceptedPatchTypes,
  JSON_PATCH,
  MERGE_PATCH,
  type PatchType,
  patchTypeOf,
  STRATEGIC_MERGE_PATCH,
} from "./patch-types.ts";
export { applyStrategicMergePatch } from "./strategic-merge.ts";
