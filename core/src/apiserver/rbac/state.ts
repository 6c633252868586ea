/**
 * What the authorizer reads: roles by name and bindings by namespace, the four lookups
 * Kubernetes' rule resolver makes (RoleGetter, RoleBindingLister, ClusterRoleGetter,
 * ClusterRoleBindingLister). The API server answers them from its watch caches, so they are
 * synchronous; tests and labs use staticRbacState.
 */
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from "./types.ts";

export interface RbacState {
  getRole(namespace: string, name: string): Role | undefined;
  getClusterRole(name: string): ClusterRole | undefined;
  /** The RoleBindings in one namespace, in a stable order. */
  listRoleBindings(namespace: string): readonly RoleBinding[];
  listClusterRoleBindings(): readonly ClusterRoleBinding[];
}

export interface RbacObjects {
  roles?: readonly Role[];
  clusterRoles?: readonly ClusterRole[];
  roleBindings?: readonly RoleBinding[];
  clusterRoleBindings?: readonly ClusterRoleBinding[];
}

/** An RbacState over fixed lists of objects; bindings are listed in the order given. */
export function staticRbacState(objects: RbacObjects): RbacState {
  const roles = objects.roles ?? [];
  const clusterRoles = objects.clusterRoles ?? [];
  const roleBindings = objects.roleBindings ?? [];
  const clusterRoleBindings = objects.clusterRoleBindings ?? [];
  return {
    getRole: (namespace, name) =>
      roles.find((r) => r.metadata.namespace === namespace && r.metadata.name === name),
    getClusterRole: (name) => clusterRoles.find((r) => r.metadata.name === name),
    listRoleBindings: (namespace) => roleBindings.filter((b) => b.metadata.namespace === namespace),
    listClusterRoleBindings: () => clusterRoleBindings,
  };
}
