/**
 * The 403 a denied request gets, worded as kube-apiserver words it
 * (k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go, forbiddenMessage, and
 * apierrors.NewForbidden). kubectl prints `Error from server (Forbidden): <message>`:
 *
 *   pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "dev"
 *   pods "web" is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "dev"
 *   nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope
 *   deployments.apps is forbidden: User "alice" cannot create resource "deployments" in API group "apps" in the namespace "dev"
 *   forbidden: User "alice" cannot get path "/logs"
 *
 * The prefix names the resource without its subresource (pods "web"), the sentence names it
 * with (pods/log). A denial's reason, when RBAC has one, follows after ": ".
 */
import type { Status } from "../../api/object.ts";
import { goQuote } from "../../api/validation.ts";
import type { RequestAttributes } from "./attributes.ts";

/** The sentence after "is forbidden: ". */
export function forbiddenMessage(attrs: RequestAttributes): string {
  const user = goQuote(attrs.user.username);
  if (!attrs.resourceRequest) {
    return `User ${user} cannot ${attrs.verb} path ${goQuote(attrs.path)}`;
  }
  const resource =
    attrs.subresource === "" ? attrs.resource : `${attrs.resource}/${attrs.subresource}`;
  const scope =
    attrs.namespace === ""
      ? "at the cluster scope"
      : `in the namespace ${goQuote(attrs.namespace)}`;
  return `User ${user} cannot ${attrs.verb} resource ${goQuote(resource)} in API group ${goQuote(attrs.apiGroup)} ${scope}`;
}

/** The whole metav1.Status body of the 403, with `reason` (Decision.reason) appended if set. */
export function forbiddenStatus(attrs: RequestAttributes, reason = ""): Status {
  const sentence = escapeHtml(forbiddenMessage(attrs));
  const detail = reason === "" ? sentence : `${sentence}: ${reason}`;
  const groupResource =
    attrs.apiGroup === "" ? attrs.resource : `${attrs.resource}.${attrs.apiGroup}`;
  let message: string;
  if (groupResource === "") message = `forbidden: ${detail}`;
  else if (attrs.name === "") message = `${groupResource} is forbidden: ${detail}`;
  else message = `${groupResource} ${goQuote(attrs.name)} is forbidden: ${detail}`;
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason: "Forbidden",
    // Kubernetes always sends details; empty fields are left out of the JSON.
    details: {
      ...(attrs.name !== "" ? { name: attrs.name } : {}),
      ...(attrs.apiGroup !== "" ? { group: attrs.apiGroup } : {}),
      ...(attrs.resource !== "" ? { kind: attrs.resource } : {}),
    },
    code: 403,
  };
}

/** Kubernetes keeps error bodies from looking like HTML (quotes are fine). */
function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
