/**
 * RBAC's escalation prevention: nobody grants permissions they do not hold. Writing a Role or
 * ClusterRole needs every permission it grants (or the `escalate` verb on it); writing a binding
 * needs every permission of the role it binds (or the `bind` verb on that role). Without this, a
 * user allowed to edit roles could write themselves a cluster-admin role.
 *
 * Kubernetes checks this in the RBAC registry itself (ConfirmNoEscalation); tinykube runs the same
 * check as a validating admission step, where the caller is known.
 */
import type { KubeObject } from "../../api/object.ts";
import { forbidden } from "../errors.ts";
import type { RequestAttributes } from "../rbac/attributes.ts";
import type { PolicyRule, RoleRef } from "../rbac/types.ts";
import type { AdmissionRequest } from "../server.ts";
import type { AdmissionPlugin } from "./chain.ts";

const RBAC = "rbac.authorization.k8s.io";

/** One permission: a rule cut down to one verb, group, resource and name (or one URL). */
function* permissions(rule: PolicyRule): Generator<Omit<RequestAttributes, "user" | "namespace">> {
  for (const verb of rule.verbs ?? []) {
    if (rule.nonResourceURLs?.length) {
      for (const path of rule.nonResourceURLs) {
        yield {
          verb,
          resourceRequest: false,
          apiGroup: "",
          apiVersion: "",
          resource: "",
          subresource: "",
          name: "",
          path,
        };
      }
      continue;
    }
    for (const apiGroup of rule.apiGroups ?? []) {
      for (const full of rule.resources ?? []) {
        const [resource = "", subresource = ""] = full.split("/");
        const names = rule.resourceNames?.length ? rule.resourceNames : [""];
        for (const name of names) {
          yield {
            verb,
            resourceRequest: true,
            apiGroup,
            apiVersion: "",
            resource,
            subresource,
            name,
            path: "",
          };
        }
      }
    }
  }
}

// #region confirmNoEscalation
/** The permissions of `rules` the user does not hold in `namespace` ("" for cluster-wide). */
async function notHeld(
  request: AdmissionRequest,
  rules: readonly PolicyRule[],
  namespace: string,
): Promise<string[]> {
  const missing: string[] = [];
  for (const rule of rules) {
    for (const p of permissions(rule)) {
      const decision = await request.server.authorize({ ...p, user: request.user, namespace });
      if (!decision.allowed) {
        missing.push(
          p.resourceRequest
            ? `{APIGroups:["${p.apiGroup}"], Resources:["${p.subresource ? `${p.resource}/${p.subresource}` : p.resource}"]${p.name ? `, ResourceNames:["${p.name}"]` : ""}, Verbs:["${p.verb}"]}`
            : `{NonResourceURLs:["${p.path}"], Verbs:["${p.verb}"]}`,
        );
      }
    }
  }
  return missing;
}
// #endregion confirmNoEscalation

/** Whether the user may use the escape hatch: `escalate` on the role, `bind` on a bound role. */
async function mayUse(
  request: AdmissionRequest,
  verb: "escalate" | "bind",
  resource: string,
  name: string,
  namespace: string,
) {
  const decision = await request.server.authorize({
    user: request.user,
    verb,
    resourceRequest: true,
    apiGroup: RBAC,
    apiVersion: "v1",
    resource,
    subresource: "",
    namespace,
    name,
    path: "",
  });
  return decision.allowed;
}

/** The rules a binding's roleRef grants, looked up as the authorizer would. */
async function rulesOf(
  request: AdmissionRequest,
  roleRef: RoleRef,
  namespace: string,
): Promise<PolicyRule[]> {
  const type = request.server.scheme.byResource(
    RBAC,
    "v1",
    roleRef.kind === "ClusterRole" ? "clusterroles" : "roles",
  );
  if (!type) return [];
  try {
    const role = await request.server
      .registry(type)
      .get(roleRef.kind === "ClusterRole" ? undefined : namespace, roleRef.name);
    return (role.rules as PolicyRule[] | undefined) ?? [];
  } catch {
    // A binding may name a role that does not exist yet; it grants nothing until it does.
    return [];
  }
}

function refuse(request: AdmissionRequest, object: KubeObject, missing: string[]): never {
  const { type, user } = request;
  throw forbidden(
    `${type.resource}.${RBAC} "${object.metadata.name}" is forbidden: user "${user.username}" (groups=${JSON.stringify(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${missing.join("\n")}`,
    type,
    object.metadata.name,
  );
}

export const rbacEscalation: AdmissionPlugin = {
  name: "RBACEscalation",
  async validate(request) {
    const { type, object, subresource } = request;
    if (type.group !== RBAC || subresource || request.operation === "DELETE") return;
    const namespace = type.namespaced ? (object.metadata.namespace ?? "") : "";
    const name = object.metadata.name ?? "";
    if (type.resource === "roles" || type.resource === "clusterroles") {
      if (await mayUse(request, "escalate", type.resource, name, namespace)) return;
      const missing = await notHeld(
        request,
        (object.rules as PolicyRule[] | undefined) ?? [],
        namespace,
      );
      if (missing.length > 0) refuse(request, object, missing);
      return;
    }
    if (type.resource === "rolebindings" || type.resource === "clusterrolebindings") {
      const roleRef = object.roleRef as RoleRef;
      const roleResource = roleRef.kind === "ClusterRole" ? "clusterroles" : "roles";
      if (await mayUse(request, "bind", roleResource, roleRef.name, namespace)) return;
      const missing = await notHeld(request, await rulesOf(request, roleRef, namespace), namespace);
      if (missing.length > 0) refuse(request, object, missing);
    }
  },
};
