/**
 * The four objects of rbac.authorization.k8s.io/v1, with Kubernetes' field names. A Role or
 * ClusterRole is a list of rules (what may be done); a RoleBinding or ClusterRoleBinding grants
 * one role to a list of subjects (who may do it). Nothing here denies: every rule only adds.
 */
import type { KubeObject } from "../../api/object.ts";
import type { LabelSelectorObject } from "../../api/validation.ts";

export const RBAC_GROUP = "rbac.authorization.k8s.io";
export const RBAC_API_VERSION = "rbac.authorization.k8s.io/v1";

/**
 * One grant. A rule is either a resource rule (verbs + apiGroups + resources, optionally
 * resourceNames) or a non-resource rule (verbs + nonResourceURLs); validation keeps
 * nonResourceURLs out of namespaced Roles. `*` in any list matches everything.
 */
export interface PolicyRule {
  /** "get", "list", "create", ..., the special "impersonate", "bind", "escalate", or "*". */
  verbs: string[];
  /** "" is the core group (pods, services, ...). */
  apiGroups?: string[];
  /**
   * Plural names. "pods/log" names a subresource; "*" followed by "/scale" names the scale
   * subresource of every resource.
   */
  resources?: string[];
  /**
   * Object names the rule is limited to. Empty means all. A request with no name (list, create,
   * deletecollection) never matches a rule that has names.
   */
  resourceNames?: string[];
  /** Paths like "/healthz"; a trailing "*" matches any suffix ("/apis/*"). */
  nonResourceURLs?: string[];
}

/** Who a binding grants to. */
export interface Subject {
  kind: "User" | "Group" | "ServiceAccount";
  /** "rbac.authorization.k8s.io" for User and Group, "" for ServiceAccount. */
  apiGroup?: string;
  name: string;
  /**
   * ServiceAccount only. In a RoleBinding it defaults to the binding's namespace; a
   * ClusterRoleBinding must set it.
   */
  namespace?: string;
}

/** The role a binding grants; it cannot be changed after the binding is created. */
export interface RoleRef {
  apiGroup: string;
  kind: "Role" | "ClusterRole";
  name: string;
}

/**
 * Builds a ClusterRole's rules from other ClusterRoles. When set, the rules are owned by the
 * aggregation controller: it overwrites them with the union of the rules of every ClusterRole
 * that any selector matches.
 */
export interface AggregationRule {
  clusterRoleSelectors?: LabelSelectorObject[];
}

/** Rules that apply in the Role's own namespace only. */
export interface Role extends KubeObject {
  apiVersion: typeof RBAC_API_VERSION;
  kind: "Role";
  rules?: PolicyRule[];
}

/**
 * Rules with no namespace of their own: bound by a ClusterRoleBinding they apply everywhere
 * (including cluster-scoped resources and non-resource URLs); bound by a RoleBinding they apply
 * in that binding's namespace only.
 */
export interface ClusterRole extends KubeObject {
  apiVersion: typeof RBAC_API_VERSION;
  kind: "ClusterRole";
  rules?: PolicyRule[];
  aggregationRule?: AggregationRule;
}

/** Grants a Role (of its own namespace) or a ClusterRole, within the binding's namespace. */
export interface RoleBinding extends KubeObject {
  apiVersion: typeof RBAC_API_VERSION;
  kind: "RoleBinding";
  subjects?: Subject[];
  roleRef: RoleRef;
}

/** Grants a ClusterRole in every namespace and at the cluster scope. */
export interface ClusterRoleBinding extends KubeObject {
  apiVersion: typeof RBAC_API_VERSION;
  kind: "ClusterRoleBinding";
  subjects?: Subject[];
  roleRef: RoleRef;
}
