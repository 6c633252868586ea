import { describe, expect, it } from "vitest";
import { requestAttributes } from "./attributes.ts";
import { forbiddenMessage, forbiddenStatus } from "./forbidden.ts";

const alice = { username: "alice", groups: ["system:authenticated"] };
const attrs = (method: string, url: string, user = alice) => {
  const [path = "", query = ""] = url.split("?");
  return requestAttributes(method, path, new URLSearchParams(query), user);
};

describe("forbiddenStatus: kube-apiserver's wording", () => {
  it.each([
    [
      "a list in a namespace",
      "GET",
      "/api/v1/namespaces/default/pods",
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"',
    ],
    [
      "a named object: the prefix names it",
      "GET",
      "/api/v1/namespaces/dev/pods/web",
      'pods "web" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "dev"',
    ],
    [
      "a subresource: the prefix names the resource, the sentence the subresource",
      "GET",
      "/api/v1/namespaces/dev/pods/web/log",
      'pods "web" is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "dev"',
    ],
    [
      "a cluster-scoped resource",
      "GET",
      "/api/v1/nodes",
      'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope',
    ],
    [
      "a list across all namespaces",
      "GET",
      "/api/v1/pods?watch=true",
      'pods is forbidden: User "alice" cannot watch resource "pods" in API group "" at the cluster scope',
    ],
    [
      "a named group: resource.group in the prefix",
      "POST",
      "/apis/apps/v1/namespaces/dev/deployments",
      'deployments.apps is forbidden: User "alice" cannot create resource "deployments" in API group "apps" in the namespace "dev"',
    ],
    [
      "a namespace, which is in its own namespace",
      "DELETE",
      "/api/v1/namespaces/dev",
      'namespaces "dev" is forbidden: User "alice" cannot delete resource "namespaces" in API group "" in the namespace "dev"',
    ],
    ["a non-resource URL", "GET", "/logs", 'forbidden: User "alice" cannot get path "/logs"'],
    [
      "a non-resource URL with another method",
      "POST",
      "/healthz",
      'forbidden: User "alice" cannot post path "/healthz"',
    ],
  ])("%s", (_, method, url, message) => {
    expect(forbiddenStatus(attrs(method, url)).message).toBe(message);
  });

  it("is a metav1.Status with reason Forbidden, code 403 and the resource in details", () => {
    expect(
      forbiddenStatus(attrs("GET", "/apis/apps/v1/namespaces/dev/deployments/web/scale")),
    ).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        'deployments.apps "web" is forbidden: User "alice" cannot get resource "deployments/scale" in API group "apps" in the namespace "dev"',
      reason: "Forbidden",
      details: { name: "web", group: "apps", kind: "deployments" },
      code: 403,
    });
  });

  it("leaves empty fields out of details: no name for a list, no group for the core group, nothing for a path", () => {
    expect(forbiddenStatus(attrs("GET", "/api/v1/namespaces/dev/pods")).details).toEqual({
      kind: "pods",
    });
    expect(forbiddenStatus(attrs("GET", "/logs")).details).toEqual({});
  });

  it("appends the authorizer's reason after a colon", () => {
    const status = forbiddenStatus(
      attrs("GET", "/api/v1/namespaces/dev/pods"),
      'RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found',
    );
    expect(status.message).toBe(
      'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "dev": RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found',
    );
  });

  it("quotes names as Go's %q does, and escapes what would look like HTML", () => {
    const mallory = { username: 'mal"<b>lory\n', groups: [] };
    expect(forbiddenMessage(attrs("GET", "/api/v1/pods", mallory))).toBe(
      'User "mal\\"<b>lory\\n" cannot list resource "pods" in API group "" at the cluster scope',
    );
    expect(forbiddenStatus(attrs("GET", "/api/v1/pods", mallory)).message).toBe(
      'pods is forbidden: User "mal\\"&lt;b&gt;lory\\n" cannot list resource "pods" in API group "" at the cluster scope',
    );
  });
});
