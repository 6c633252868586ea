/**
 * Namespace and ServiceAccount validation: both are little more than a name.
 *
 * A namespace name is a DNS-1123 *label* (no dots, at most 63 characters), stricter than most
 * names, because it becomes part of DNS names: `web.prod.svc.cluster.local`.
 */
import {
  type FieldError,
  invalid,
  isQualifiedName,
  nameIsDNSSubdomain,
  validateNamespaceName,
} from "../validation.ts";
import type { JsonObject } from "./access.ts";
import { obj, strings } from "./access.ts";
import { validateMeta, validateMetaUpdate } from "./meta.ts";

const STANDARD_FINALIZERS = new Set(["kubernetes", "orphan", "foregroundDeletion"]);

/** validateFinalizerName, as spec.finalizers uses it (reported on the list, not the entry). */
function specFinalizerErrors(namespace: JsonObject): FieldError[] {
  const field = "spec.finalizers";
  return strings(obj(namespace.spec).finalizers).flatMap((name) => [
    ...isQualifiedName(name).map((msg) => invalid(field, name, msg)),
    ...(!name.includes("/") && !STANDARD_FINALIZERS.has(name)
      ? [
          invalid(
            field,
            name,
            "name is neither a standard finalizer name nor is it fully qualified",
          ),
        ]
      : []),
  ]);
}

export function validateNamespaceCreate(namespace: JsonObject): FieldError[] {
  return [
    ...validateMeta(namespace, { namespaced: false, nameValidator: validateNamespaceName }),
    ...specFinalizerErrors(namespace),
  ];
}

/** Only metadata can change: the strategy keeps spec and status as they were. */
export function validateNamespaceUpdate(namespace: JsonObject, old: JsonObject): FieldError[] {
  return validateMetaUpdate(namespace, old);
}

export function validateServiceAccountCreate(account: JsonObject): FieldError[] {
  return validateMeta(account, { namespaced: true, nameValidator: nameIsDNSSubdomain });
}

export function validateServiceAccountUpdate(account: JsonObject, old: JsonObject): FieldError[] {
  return [...validateMetaUpdate(account, old), ...validateServiceAccountCreate(account)];
}
