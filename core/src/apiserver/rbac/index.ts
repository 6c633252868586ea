export { AggregationError, aggregateClusterRoles } from "./aggregate.ts";
export { type RequestAttributes, RequestInfoError, requestAttributes } from "./attributes.ts";
export { authorize, type Decision, inPrivilegedGroup, ruleAllows } from "./authorize.ts";
export {
  AUTOUPDATE_ANNOTATION,
  BOOTSTRAP_LABEL,
  bootstrapClusterRoleBindings,
  bootstrapClusterRoles,
  COMPONENT_USERS,
} from "./bootstrap.ts";
export { forbiddenMessage, forbiddenStatus } from "./forbidden.ts";
export { type RbacObjects, type RbacState, staticRbacState } from "./state.ts";
export {
  type AggregationRule,
  type ClusterRole,
  type ClusterRoleBinding,
  type PolicyRule,
  RBAC_API_VERSION,
  RBAC_GROUP,
  type Role,
  type RoleBinding,
  type RoleRef,
  type Subject,
} from "./types.ts";
