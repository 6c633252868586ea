import { describe, expect, it } from "vitest";
import { RequestInfoError, requestAttributes } from "./attributes.ts";

const alice = { username: "alice", groups: ["system:authenticated"] };

/** [method, path and query, what RequestInfoFactory makes of it] */
const RESOURCE_REQUESTS: [string, string, string][] = [
  ["GET", "/api/v1/namespaces/dev/pods/web/log", "get v1 pods/log web in dev"],
  ["GET", "/api/v1/namespaces/dev/pods/web", "get v1 pods web in dev"],
  ["HEAD", "/api/v1/namespaces/dev/pods/web", "get v1 pods web in dev"],
  ["GET", "/api/v1/namespaces/dev/pods", "list v1 pods in dev"],
  ["GET", "/api/v1/namespaces/dev/pods?watch=true", "watch v1 pods in dev"],
  ["GET", "/api/v1/namespaces/dev/pods?watch=1", "watch v1 pods in dev"],
  ["GET", "/api/v1/namespaces/dev/pods?watch=", "watch v1 pods in dev"],
  ["GET", "/api/v1/namespaces/dev/pods?watch=false", "list v1 pods in dev"],
  ["GET", "/api/v1/namespaces/dev/pods?watch=FALSE", "list v1 pods in dev"],
  ["GET", "/api/v1/namespaces/dev/pods?watch=0", "list v1 pods in dev"],
  ["GET", "/api/v1/pods", "list v1 pods"],
  ["GET", "/api/v1/pods?watch=true&resourceVersion=10", "watch v1 pods"],
  ["POST", "/api/v1/namespaces/dev/pods", "create v1 pods in dev"],
  ["POST", "/api/v1/namespaces/dev/pods/web/binding", "create v1 pods/binding web in dev"],
  ["PUT", "/api/v1/namespaces/dev/pods/web/status", "update v1 pods/status web in dev"],
  ["PATCH", "/api/v1/namespaces/dev/pods/web", "patch v1 pods web in dev"],
  ["DELETE", "/api/v1/namespaces/dev/pods/web", "delete v1 pods web in dev"],
  ["DELETE", "/api/v1/namespaces/dev/pods", "deletecollection v1 pods in dev"],
  [
    "DELETE",
    "/api/v1/namespaces/dev/pods?labelSelector=app%3Dweb",
    "deletecollection v1 pods in dev",
  ],
  ["OPTIONS", "/api/v1/namespaces/dev/pods/web", "'' v1 pods web in dev"],
  // Other groups.
  ["GET", "/apis/apps/v1/deployments", "list apps/v1 deployments"],
  [
    "GET",
    "/apis/apps/v1/namespaces/dev/deployments/web/scale",
    "get apps/v1 deployments/scale web in dev",
  ],
  [
    "PUT",
    "/apis/apps/v1/namespaces/dev/replicasets/web-1/scale",
    "update apps/v1 replicasets/scale web-1 in dev",
  ],
  [
    "POST",
    "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
    "create authorization.k8s.io/v1 selfsubjectaccessreviews",
  ],
  [
    "GET",
    "/apis/rbac.authorization.k8s.io/v1/clusterroles/view",
    "get rbac.authorization.k8s.io/v1 clusterroles view",
  ],
  // Cluster-scoped objects, and a namespace, which is in its own namespace.
  ["GET", "/api/v1/nodes/n1", "get v1 nodes n1"],
  ["PATCH", "/api/v1/nodes/n1/status", "patch v1 nodes/status n1"],
  ["GET", "/api/v1/namespaces", "list v1 namespaces"],
  ["GET", "/api/v1/namespaces/dev", "get v1 namespaces dev in dev"],
  ["DELETE", "/api/v1/namespaces/dev", "delete v1 namespaces dev in dev"],
  ["PUT", "/api/v1/namespaces/dev/status", "update v1 namespaces/status dev in dev"],
  ["PUT", "/api/v1/namespaces/dev/finalize", "update v1 namespaces/finalize dev in dev"],
  // A field selector on metadata.name names the object (kubectl get pod web -w).
  [
    "GET",
    "/api/v1/namespaces/dev/pods?fieldSelector=metadata.name%3Dweb&watch=true",
    "watch v1 pods web in dev",
  ],
  [
    "GET",
    "/api/v1/namespaces/dev/pods?fieldSelector=metadata.name%3D%3Dweb",
    "list v1 pods web in dev",
  ],
  [
    "GET",
    "/api/v1/namespaces/dev/pods?fieldSelector=status.phase%3DRunning%2Cmetadata.name%3Dweb",
    "list v1 pods web in dev",
  ],
  ["GET", "/api/v1/namespaces/dev/pods?fieldSelector=metadata.name!%3Dweb", "list v1 pods in dev"],
  ["GET", "/api/v1/namespaces/dev/pods?fieldSelector=spec.nodeName%3Dn1", "list v1 pods in dev"],
  [
    "GET",
    "/api/v1/namespaces/dev/pods?fieldSelector=metadata.name%3Dweb%2Cgarbage",
    "list v1 pods in dev",
  ],
  ["GET", "/api/v1/namespaces/dev/pods?fieldSelector=metadata.name%3D..", "list v1 pods in dev"],
  [
    "GET",
    "/api/v1/namespaces/dev/pods?fieldSelector=metadata.name%3Da%5C%3Db",
    "list v1 pods a=b in dev",
  ],
  [
    "DELETE",
    "/api/v1/namespaces/dev/pods?fieldSelector=metadata.name%3Dweb",
    "deletecollection v1 pods in dev",
  ],
  // The deprecated verbs in the path.
  ["GET", "/api/v1/watch/namespaces/dev/pods", "watch v1 pods in dev"],
  ["GET", "/api/v1/watch/namespaces/dev/pods/web", "watch v1 pods web in dev"],
  ["GET", "/api/v1/proxy/namespaces/dev/pods/web/some/path", "proxy v1 pods web in dev"],
  // Trailing slashes do not count.
  ["GET", "/api/v1/namespaces/dev/pods/", "list v1 pods in dev"],
];

/** Renders attributes as "<verb> <apiVersion> <resource>[/<sub>] [<name>] [in <ns>]". */
function summary(method: string, url: string): string {
  const [path = "", query = ""] = url.split("?");
  const a = requestAttributes(method, path, new URLSearchParams(query), alice);
  expect(a.resourceRequest, `${method} ${url} is a resource request`).toBe(true);
  const resource = a.subresource === "" ? a.resource : `${a.resource}/${a.subresource}`;
  return [
    `${a.verb || "''"} ${a.apiGroup === "" ? a.apiVersion : `${a.apiGroup}/${a.apiVersion}`} ${resource}`,
    a.name !== "" ? ` ${a.name}` : "",
    a.namespace !== "" ? ` in ${a.namespace}` : "",
  ].join("");
}

describe("requestAttributes", () => {
  it.each(RESOURCE_REQUESTS)("%s %s → %s", (method, url, expected) => {
    expect(summary(method, url)).toBe(expected);
  });

  it.each([
    ["GET", "/healthz"],
    ["GET", "/livez"],
    ["GET", "/version"],
    ["GET", "/api"],
    ["GET", "/api/v1"],
    ["GET", "/apis"],
    ["GET", "/apis/apps"],
    ["GET", "/apis/apps/v1"],
    ["GET", "/openapi/v3"],
    ["GET", "/openapi/v3/apis/apps/v1"],
    ["POST", "/healthz"],
    ["GET", "/"],
    ["GET", "/logs/kube.log"],
  ])("%s %s is a non-resource request whose verb is the method", (method, path) => {
    const a = requestAttributes(method, path, new URLSearchParams(), alice);
    expect(a).toEqual({
      user: alice,
      verb: method.toLowerCase(),
      resourceRequest: false,
      apiGroup: "",
      apiVersion: "",
      resource: "",
      subresource: "",
      namespace: "",
      name: "",
      path,
    });
  });

  it("keeps the path and the user, and decodes the path as the server sees it", () => {
    const a = requestAttributes(
      "GET",
      "/api/v1/namespaces/dev/configmaps/a%3Ab",
      new URLSearchParams(),
      alice,
    );
    expect(a.path).toBe("/api/v1/namespaces/dev/configmaps/a:b");
    expect(a.name).toBe("a:b");
    expect(a.user).toBe(alice);
  });

  it("a verb in the path without a resource after it cannot be read", () => {
    expect(() => requestAttributes("GET", "/api/v1/watch", new URLSearchParams(), alice)).toThrow(
      new RequestInfoError("/api/v1/watch"),
    );
    expect(() => requestAttributes("GET", "/api/v1/watch", new URLSearchParams(), alice)).toThrow(
      "unable to determine kind and namespace from url, /api/v1/watch",
    );
  });
});
