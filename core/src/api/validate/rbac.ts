/**
 * rbac.authorization.k8s.io/v1 validation (pkg/apis/rbac/validation). Role and binding names
 * only have to fit in a URL path segment; a binding's roleRef can never change ("cannot change
 * roleRef"): a binding that suddenly granted another role would be a silent escalation, so the
 * binding must be deleted and created again.
 */
import {
  type FieldError,
  invalid,
  nameIsDNSSubdomain,
  nameIsPathSegment,
  notSupported,
  required,
} from "../validation.ts";
import { deepEqual, type JsonObject, obj, objects, str, strings } from "./access.ts";
import { validateMeta, validateMetaUpdate } from "./meta.ts";

const RBAC_GROUP = "rbac.authorization.k8s.io";

function policyRuleErrors(rule: JsonObject, namespaced: boolean, at: string): FieldError[] {
  const errs: FieldError[] = [];
  if (strings(rule.verbs).length === 0)
    errs.push(required(`${at}.verbs`, "verbs must contain at least one value"));
  const urls = strings(rule.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced)
      errs.push(
        invalid(
          `${at}.nonResourceURLs`,
          urls,
          "namespaced rules cannot apply to non-resource URLs",
        ),
      );
    if (
      strings(rule.apiGroups).length > 0 ||
      strings(rule.resources).length > 0 ||
      strings(rule.resourceNames).length > 0
    ) {
      errs.push(
        invalid(
          `${at}.nonResourceURLs`,
          urls,
          "rules cannot apply to both regular resources and non-resource URLs",
        ),
      );
    }
    return errs;
  }
  if (strings(rule.apiGroups).length === 0)
    errs.push(required(`${at}.apiGroups`, "resource rules must supply at least one api group"));
  if (strings(rule.resources).length === 0)
    errs.push(required(`${at}.resources`, "resource rules must supply at least one resource"));
  if (strings(rule.resourceNames).length > 0 && strings(rule.resources).length > 1) {
    errs.push(required(`${at}.resourceNames`, "resource names cannot apply to multiple resources"));
  }
  return errs;
}

function roleErrors(role: JsonObject, namespaced: boolean): FieldError[] {
  return [
    ...validateMeta(role, { namespaced, nameValidator: nameIsPathSegment }),
    ...objects(role.rules).flatMap((rule, i) => policyRuleErrors(rule, namespaced, `rules[${i}]`)),
  ];
}

// #region bindings
function bindingErrors(binding: JsonObject, namespaced: boolean): FieldError[] {
  const errs = validateMeta(binding, { namespaced, nameValidator: nameIsPathSegment });
  const roleRef = obj(binding.roleRef);
  if (str(roleRef.apiGroup) !== RBAC_GROUP)
    errs.push(notSupported("roleRef.apiGroup", str(roleRef.apiGroup), [RBAC_GROUP]));
  const kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
  if (!kinds.includes(str(roleRef.kind)))
    errs.push(notSupported("roleRef.kind", str(roleRef.kind), kinds));
  const name = str(roleRef.name);
  if (name === "") errs.push(required("roleRef.name"));
  else
    errs.push(...nameIsPathSegment(name, false).map((msg) => invalid("roleRef.name", name, msg)));
  errs.push(
    ...objects(binding.subjects).flatMap((subject, i) =>
      subjectErrors(subject, namespaced, `subjects[${i}]`),
    ),
  );
  return errs;
}

function subjectErrors(subject: JsonObject, namespaced: boolean, at: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(subject.name);
  const apiGroup = str(subject.apiGroup);
  if (name === "") errs.push(required(`${at}.name`));
  switch (subject.kind) {
    case "ServiceAccount":
      if (name !== "")
        errs.push(
          ...nameIsDNSSubdomain(name, false).map((msg) => invalid(`${at}.name`, name, msg)),
        );
      if (apiGroup !== "") errs.push(notSupported(`${at}.apiGroup`, apiGroup, [""]));
      // A ClusterRoleBinding has no namespace to find the account in.
      if (!namespaced && str(subject.namespace) === "") errs.push(required(`${at}.namespace`));
      break;
    case "User":
    case "Group":
      if (name === "")
        errs.push(
          invalid(
            `${at}.name`,
            name,
            `${subject.kind === "User" ? "user" : "group"} name cannot be empty`,
          ),
        );
      if (apiGroup !== RBAC_GROUP)
        errs.push(notSupported(`${at}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(`${at}.kind`, str(subject.kind), ["ServiceAccount", "User", "Group"]));
  }
  return errs;
}

function roleRefChange(binding: JsonObject, old: JsonObject): FieldError[] {
  return deepEqual(binding.roleRef, old.roleRef)
    ? []
    : [invalid("roleRef", binding.roleRef ?? null, "cannot change roleRef")];
}
// #endregion bindings

export const validateRoleCreate = (role: JsonObject) => roleErrors(role, true);
export const validateRoleUpdate = (role: JsonObject, old: JsonObject) => [
  ...roleErrors(role, true),
  ...validateMetaUpdate(role, old),
];
export const validateClusterRoleCreate = (role: JsonObject) => roleErrors(role, false);
export const validateClusterRoleUpdate = (role: JsonObject, old: JsonObject) => [
  ...roleErrors(role, false),
  ...validateMetaUpdate(role, old),
];

export const validateRoleBindingCreate = (binding: JsonObject) => bindingErrors(binding, true);
export const validateRoleBindingUpdate = (binding: JsonObject, old: JsonObject) => [
  ...bindingErrors(binding, true),
  ...validateMetaUpdate(binding, old),
  ...roleRefChange(binding, old),
];
export const validateClusterRoleBindingCreate = (binding: JsonObject) =>
  bindingErrors(binding, false);
export const validateClusterRoleBindingUpdate = (binding: JsonObject, old: JsonObject) => [
  ...bindingErrors(binding, false),
  ...validateMetaUpdate(binding, old),
  ...roleRefChange(binding, old),
];
