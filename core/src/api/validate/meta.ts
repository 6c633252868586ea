/**
 * Metadata validation as pkg/apis/core/validation wraps it: the apimachinery checks from
 * ../validation.ts, plus the one rule core adds for every kind it validates: a finalizer without a
 * "/" must be one of Kubernetes' own ("kubernetes", "orphan", "foregroundDeletion").
 */
import type { ObjectMeta } from "../object.ts";
import {
  type FieldError,
  invalid,
  type NameValidator,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "../validation.ts";
import { isSet, type JsonObject, num, obj, objects, str, stringMap, strings } from "./access.ts";

const STANDARD_FINALIZERS = new Set(["kubernetes", "orphan", "foregroundDeletion"]);

function kubeFinalizerErrors(meta: ObjectMeta): FieldError[] {
  return (meta.finalizers ?? []).flatMap((name, i) =>
    !name.includes("/") && !STANDARD_FINALIZERS.has(name)
      ? [
          invalid(
            `metadata.finalizers[${i}]`,
            name,
            "name is neither a standard finalizer name nor is it fully qualified",
          ),
        ]
      : [],
  );
}

/**
 * The object's metadata as the typed ObjectMeta the apimachinery checks expect: strings, string
 * maps and lists of objects, with wrongly typed values read as their zero value.
 */
export function metaOf(object: JsonObject): ObjectMeta {
  const m = obj(object.metadata);
  const meta: Record<string, unknown> = {};
  for (const key of [
    "name",
    "generateName",
    "namespace",
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "deletionTimestamp",
  ]) {
    if (isSet(m[key])) meta[key] = str(m[key]);
  }
  for (const key of ["generation", "deletionGracePeriodSeconds"]) {
    if (isSet(m[key])) meta[key] = num(m[key]) ?? 0;
  }
  if (isSet(m.labels)) meta.labels = stringMap(m.labels) ?? {};
  if (isSet(m.annotations)) meta.annotations = stringMap(m.annotations) ?? {};
  if (isSet(m.finalizers)) meta.finalizers = strings(m.finalizers);
  if (isSet(m.ownerReferences)) {
    meta.ownerReferences = objects(m.ownerReferences).map((ref) => ({
      ...ref,
      apiVersion: str(ref.apiVersion),
      kind: str(ref.kind),
      name: str(ref.name),
      uid: str(ref.uid),
    }));
  }
  if (isSet(m.managedFields)) {
    meta.managedFields = objects(m.managedFields).map((entry) => ({
      ...entry,
      manager: str(entry.manager),
      ...(isSet(entry.subresource) ? { subresource: str(entry.subresource) } : {}),
    }));
  }
  return meta as ObjectMeta;
}

/** core validation.ValidateObjectMeta. */
export function validateMeta(
  object: JsonObject,
  rules: { namespaced: boolean; nameValidator: NameValidator },
): FieldError[] {
  const meta = metaOf(object);
  return [...validateObjectMeta(meta, rules), ...kubeFinalizerErrors(meta)];
}

/** core validation.ValidateObjectMetaUpdate. */
export function validateMetaUpdate(object: JsonObject, old: JsonObject): FieldError[] {
  const meta = metaOf(object);
  return [...validateObjectMetaUpdate(meta, metaOf(old)), ...kubeFinalizerErrors(meta)];
}
