/**
 * RBAC authorization, evaluated as kube-apiserver evaluates it
 * (k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac/rbac.go and the rule resolver in
 * pkg/registry/rbac/validation/rule.go).
 *
 * How one request is decided:
 *
 *   0. Outside RBAC: members of system:masters are allowed everything. kube-apiserver puts a
 *      privileged-group authorizer in front of RBAC, so no binding (or missing binding) can lock
 *      the cluster's administrators out.
 *   1. Every ClusterRoleBinding is visited. When one of its subjects is the user (a User by name,
 *      a Group the user is in, or the user's ServiceAccount), each rule of its ClusterRole is
 *      tried against the request. ClusterRoleBindings grant in every namespace, at the cluster
 *      scope and for non-resource URLs.
 *   2. If the request has a namespace, every RoleBinding in that namespace is visited the same
 *      way. Its roleRef is a Role of that namespace or a ClusterRole, whose rules then apply in
 *      this namespace only.
 *   3. The first rule that allows the request ends the walk: allowed, with a reason that names
 *      the binding, the role and the subject that matched.
 *   4. When no rule allows it, RBAC has no opinion and the API server answers 403 Forbidden.
 *
 * There are no deny rules: a binding can only add permissions, so the order of bindings never
 * changes the decision, only which binding the reason names. Some consequences:
 *   - A RoleBinding never grants a cluster-scoped resource (nodes, namespaces as a list) or a
 *     non-resource URL: those requests have no namespace, so step 2 never runs for them.
 *   - A binding whose role does not exist grants nothing and breaks nothing; the lookup error is
 *     reported only if the request ends up denied.
 *   - A rule with resourceNames never allows a request without a name: list, create,
 *     deletecollection (a list or watch names an object only through fieldSelector
 *     metadata.name=<x>).
 *
 * Trace: alice (groups devs, system:authenticated) runs `kubectl logs web -n dev`, which asks to
 * get pods/log "web" in namespace dev.
 *
 *   ClusterRoleBinding cluster-admin       Group system:masters: not alice's → skip
 *   ClusterRoleBinding system:basic-user   Group system:authenticated → ClusterRole system:basic-user
 *     rule create selfsubjectaccessreviews,...            verb get is not create → no
 *   ClusterRoleBinding system:discovery    Group system:authenticated → ClusterRole system:discovery
 *     rule get /api, /api/*, /apis, ...                   a resource request → no
 *   ... the other ClusterRoleBindings: likewise, or subjects that are not alice
 *   RoleBinding devs-view in dev           Group devs → ClusterRole view
 *     rule get,list,watch configmaps,endpoints,pods,...   "pods" is not "pods/log" → no
 *     rule get,list,watch ...,pods/log,pods/status,...    verb, group and resource match → yes
 *   allowed: RBAC: allowed by RoleBinding "devs-view/dev" of ClusterRole "view" to Group "devs"
 */
import { goQuote } from "../../api/validation.ts";
import { MASTERS_GROUP, type UserInfo } from "../authn.ts";
import type { RequestAttributes } from "./attributes.ts";
import type { RbacState } from "./state.ts";
import type { PolicyRule, RoleRef, Subject } from "./types.ts";

export interface Decision {
  allowed: boolean;
  /**
   * Allowed by RBAC: which binding, role and subject allowed it (the audit annotation
   * authorization.k8s.io/reason). Allowed through system:masters: "". Denied: "" or the role
   * lookups that failed ("RBAC: clusterrole.rbac.authorization.k8s.io \"x\" not found"), which
   * the Forbidden message appends.
   */
  reason: string;
}

// #region authorize
export function authorize(attrs: RequestAttributes, state: RbacState): Decision {
  // 0. Not RBAC: the privileged-group authorizer kube-apiserver runs first.
  if (inPrivilegedGroup(attrs.user)) return { allowed: true, reason: "" };

  const lookupErrors: string[] = [];

  // 1. ClusterRoleBindings grant everywhere.
  for (const binding of state.listClusterRoleBindings()) {
    const subject = matchingSubject(attrs.user, binding.subjects ?? [], "");
    if (subject === undefined) continue;
    const role = resolveRoleRef(binding.roleRef, "", state);
    if ("error" in role) {
      lookupErrors.push(role.error);
      continue;
    }
    if (role.rules.some((rule) => ruleAllows(attrs, rule))) {
      const { roleRef } = binding;
      return allowedBy(
        `ClusterRoleBinding ${goQuote(binding.metadata.name ?? "")} of ${roleRef.kind} ${goQuote(roleRef.name)} to ${describeSubject(subject, "")}`,
      );
    }
  }

  // 2. RoleBindings grant in their own namespace, so only the request's namespace is visited.
  if (attrs.namespace !== "") {
    for (const binding of state.listRoleBindings(attrs.namespace)) {
      const subject = matchingSubject(attrs.user, binding.subjects ?? [], attrs.namespace);
      if (subject === undefined) continue;
      const role = resolveRoleRef(binding.roleRef, attrs.namespace, state);
      if ("error" in role) {
        lookupErrors.push(role.error);
        continue;
      }
      if (role.rules.some((rule) => ruleAllows(attrs, rule))) {
        const { roleRef } = binding;
        const where = `${binding.metadata.name ?? ""}/${attrs.namespace}`;
        return allowedBy(
          `RoleBinding ${goQuote(where)} of ${roleRef.kind} ${goQuote(roleRef.name)} to ${describeSubject(subject, attrs.namespace)}`,
        );
      }
    }
  }

  // 3. Nothing allowed it. Only failed lookups make it into the reason.
  return {
    allowed: false,
    reason: lookupErrors.length > 0 ? `RBAC: ${aggregate(lookupErrors)}` : "",
  };
}
// #endregion authorize

// #region ruleAllows
/** Whether one rule allows the request. Every list must match; "*" matches anything. */
export function ruleAllows(attrs: RequestAttributes, rule: PolicyRule): boolean {
  const listed = (list: string[] | undefined, value: string) =>
    (list ?? []).some((item) => item === "*" || item === value);

  if (!listed(rule.verbs, attrs.verb)) return false;

  if (!attrs.resourceRequest) {
    // "/healthz" matches itself; "/apis/*" matches "/apis/" and everything under it.
    return (rule.nonResourceURLs ?? []).some(
      (url) =>
        url === "*" ||
        url === attrs.path ||
        (url.endsWith("*") && attrs.path.startsWith(url.replace(/\*+$/, ""))),
    );
  }

  // A subresource is matched as "pods/log"; "*/log" matches the log subresource of anything.
  const resource =
    attrs.subresource === "" ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  const resourceListed = (rule.resources ?? []).some(
    (r) =>
      r === "*" || r === resource || (attrs.subresource !== "" && r === `*/${attrs.subresource}`),
  );
  // No resourceNames: every name. Otherwise the request must name one of them.
  const names = rule.resourceNames ?? [];
  const nameListed = names.length === 0 || names.includes(attrs.name);

  return listed(rule.apiGroups, attrs.apiGroup) && resourceListed && nameListed;
}
// #endregion ruleAllows

/** The group kube-apiserver allows everything, before any other authorizer is asked. */
export function inPrivilegedGroup(user: UserInfo): boolean {
  return user.groups.includes(MASTERS_GROUP);
}

/**
 * The first subject that is this user. A ServiceAccount authenticates as the user
 * `system:serviceaccount:<namespace>:<name>`; a ServiceAccount subject without a namespace means
 * the binding's own namespace (only RoleBindings have one).
 */
function matchingSubject(
  user: UserInfo,
  subjects: readonly Subject[],
  bindingNamespace: string,
): Subject | undefined {
  return subjects.find((subject) => {
    switch (subject.kind) {
      case "User":
        return user.username === subject.name;
      case "Group":
        return user.groups.includes(subject.name);
      case "ServiceAccount": {
        const namespace = subject.namespace || bindingNamespace;
        return (
          namespace !== "" && user.username === `system:serviceaccount:${namespace}:${subject.name}`
        );
      }
      default:
        return false;
    }
  });
}

/** How the reason names a subject: `User "alice"`, `ServiceAccount "builder/dev"` (name/namespace). */
function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === "ServiceAccount") {
    return `${subject.kind} ${goQuote(`${subject.name}/${subject.namespace || bindingNamespace}`)}`;
  }
  return `${subject.kind} ${goQuote(subject.name)}`;
}

/** The rules a binding grants, or why they could not be found (the lister's NotFound message). */
function resolveRoleRef(
  roleRef: RoleRef,
  bindingNamespace: string,
  state: RbacState,
): { rules: PolicyRule[] } | { error: string } {
  switch (roleRef.kind) {
    case "Role": {
      const role = state.getRole(bindingNamespace, roleRef.name);
      return role
        ? { rules: role.rules ?? [] }
        : { error: `role.rbac.authorization.k8s.io ${goQuote(roleRef.name)} not found` };
    }
    case "ClusterRole": {
      const role = state.getClusterRole(roleRef.name);
      return role
        ? { rules: role.rules ?? [] }
        : { error: `clusterrole.rbac.authorization.k8s.io ${goQuote(roleRef.name)} not found` };
    }
    default:
      return { error: `unsupported role reference kind: ${goQuote(String(roleRef.kind))}` };
  }
}

function allowedBy(source: string): Decision {
  return { allowed: true, reason: `RBAC: allowed by ${source}` };
}

/** utilerrors.NewAggregate's message: one error as itself, several as "[a, b]", duplicates once. */
function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] ?? "") : `[${unique.join(", ")}]`;
}
