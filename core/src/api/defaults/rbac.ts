/** rbac.authorization.k8s.io/v1 defaulting (pkg/apis/rbac/v1/defaults.go). Roles have none. */
import { defaultString, ensureObject, type JsonObject, objectsAt } from "./fields.ts";

const RBAC_GROUP = "rbac.authorization.k8s.io";

// #region rbac-defaults
/**
 * SetDefaults_RoleBinding / _ClusterRoleBinding / _Subject: `roleRef.apiGroup` is RBAC's own
 * group; a User or Group subject lives in the RBAC group too, a ServiceAccount in the core
 * group ("", so nothing is written). kubectl's `create rolebinding --user=jane` relies on this.
 */
export function applyBindingDefaults<T extends JsonObject>(binding: T): T {
  const roleRef = ensureObject(binding, "roleRef");
  if (roleRef) defaultString(roleRef, "apiGroup", RBAC_GROUP);
  for (const subject of objectsAt(binding, "subjects")) {
    if (subject.apiGroup !== undefined && subject.apiGroup !== null && subject.apiGroup !== "")
      continue;
    // A ServiceAccount's group is "", which Go's encoder omits, so nothing to write for it.
    if (subject.kind === "User" || subject.kind === "Group") subject.apiGroup = RBAC_GROUP;
  }
  return binding;
}
// #endregion rbac-defaults
