/**
 * Lab 2: RBAC evaluation, as kube-apiserver's RBAC authorizer does it. Given the roles and
 * bindings, may this user do this verb on this resource (or path) in this namespace?
 *
 *   0. Members of system:masters are allowed everything, before RBAC is asked (given below).
 *   1. Visit every ClusterRoleBinding. When one of its subjects is the user (a User by name, a
 *      Group the user is in, or the user's ServiceAccount), try each rule of its ClusterRole.
 *      ClusterRoleBindings grant in every namespace, at the cluster scope, and for paths.
 *   2. If the request has a namespace, visit every RoleBinding in that namespace the same way.
 *      Its roleRef is a Role of that namespace or a ClusterRole; either way, its rules apply in
 *      this namespace only.
 *   3. The first rule that allows the request ends the walk: allowed, with a reason that names the
 *      binding, the role and the subject that matched.
 *   4. No rule allows it: denied. The reason is "" unless role lookups failed on the way.
 *
 * Nothing denies: a binding only adds, and a binding whose role is missing grants nothing and
 * breaks nothing.
 *
 * Trace: alice (groups devs, system:authenticated) runs `kubectl logs web -n dev`, which asks to
 * get pods/log "web" in namespace dev.
 *
 *   ClusterRoleBinding system:basic-user   Group system:authenticated → ClusterRole system:basic-user
 *     rule create selfsubjectaccessreviews,...            verb get is not create → no
 *   ... the other ClusterRoleBindings: no rule matches, or the subjects are not alice
 *   RoleBinding devs-view in dev           Group devs → ClusterRole view
 *     rule get,list,watch configmaps,endpoints,pods,...   "pods" is not "pods/log" → no
 *     rule get,list,watch ...,pods/log,pods/status,...    verb, group and resource match → yes
 *   allowed: RBAC: allowed by RoleBinding "devs-view/dev" of ClusterRole "view" to Group "devs"
 *
 * Write `authorize` and `ruleAllows`; the helpers below them are done. Chapter 2's docs page
 * explains RBAC next to the core's code. Check your work with `npm run lab -- check 2`; stuck?
 * `npm run lab -- hint 2`.
 */
import { goQuote } from "@tinykube/core/api/validation";
import {
  type Decision,
  inPrivilegedGroup,
  type PolicyRule,
  type RbacState,
  type RequestAttributes,
  type RoleRef,
  type Subject,
} from "@tinykube/core/apiserver/rbac";

export { inPrivilegedGroup };

/**
 * The decision for one request. Allowed: `reason` is `RBAC: allowed by <binding> of <role> to
 * <subject>` (see allowedBy), or "" for system:masters. Denied: "" or `RBAC: <failed lookups>`.
 */
export function authorize(attrs: RequestAttributes, state: RbacState): Decision {
  throw new Error(
    `authorize is not implemented yet (asked: ${attrs.verb} ${attrs.resource || attrs.path} as ${attrs.user.username}; ` +
      `${state.listClusterRoleBindings().length} ClusterRoleBindings to visit)`,
  );
}

/**
 * Whether one rule allows the request. Every list must match; "*" matches anything.
 * - verbs: attrs.verb, exactly (case included).
 * - A non-resource request (attrs.resourceRequest false) is matched by nonResourceURLs only:
 *   "/healthz" matches itself; "/logs/*" matches "/logs/" and everything under it; "*" matches all.
 * - A resource request: apiGroups lists attrs.apiGroup; resources lists the resource, named
 *   "pods/log" for a subresource, and "*" + "/log" in a rule matches the log subresource of
 *   anything; when the rule has resourceNames, attrs.name is one of them.
 */
export function ruleAllows(attrs: RequestAttributes, rule: PolicyRule): boolean {
  throw new Error(
    `ruleAllows is not implemented yet (asked: ${attrs.verb} ${attrs.resource || attrs.path}; rule verbs ${JSON.stringify(rule.verbs)})`,
  );
}

// --- helpers: done ------------------------------------------------------------------------

/**
 * The first subject that is this user, or undefined. A ServiceAccount authenticates as the user
 * `system:serviceaccount:<namespace>:<name>`; a ServiceAccount subject without a namespace means
 * the binding's own namespace (pass "" for a ClusterRoleBinding, which has none).
 */
export function matchingSubject(
  user: RequestAttributes["user"],
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

/** How a reason names a subject: `User "alice"`, `ServiceAccount "builder/dev"` (name/namespace). */
export function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === "ServiceAccount") {
    return `${subject.kind} ${goQuote(`${subject.name}/${subject.namespace || bindingNamespace}`)}`;
  }
  return `${subject.kind} ${goQuote(subject.name)}`;
}

/**
 * The rules a binding grants, or why they could not be found. A Role is looked up in the
 * binding's namespace; a ClusterRole by name.
 */
export function resolveRoleRef(
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

/**
 * An allowed decision. `source` is, for example,
 * `ClusterRoleBinding "read-pods" of ClusterRole "pod-reader" to User "bob"` or
 * `RoleBinding "read-pods/dev" of Role "pod-reader" to User "alice"` (a RoleBinding as name/namespace).
 */
export function allowedBy(source: string): Decision {
  return { allowed: true, reason: `RBAC: allowed by ${source}` };
}

/** Several failed lookups as one message: one as itself, several as "[a, b]", duplicates once. */
export function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] ?? "") : `[${unique.join(", ")}]`;
}
