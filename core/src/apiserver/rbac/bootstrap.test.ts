import { describe, expect, it } from "vitest";
import type { UserInfo } from "../authn.ts";
import type { RequestAttributes } from "./attributes.ts";
import { authorize } from "./authorize.ts";
import {
  AUTOUPDATE_ANNOTATION,
  BOOTSTRAP_LABEL,
  bootstrapClusterRoleBindings,
  bootstrapClusterRoles,
  COMPONENT_USERS,
} from "./bootstrap.ts";
import { staticRbacState } from "./state.ts";
import { RBAC_API_VERSION, RBAC_GROUP, type RoleBinding } from "./types.ts";

const roles = bootstrapClusterRoles();
const bindings = bootstrapClusterRoleBindings();

const authenticated = (username: string, ...groups: string[]): UserInfo => ({
  username,
  groups: [...groups, "system:authenticated"],
});

/** People get admin, edit and view in namespace dev the usual way: a RoleBinding to the ClusterRole. */
const grantInDev = (username: string, clusterRole: string): RoleBinding => ({
  apiVersion: RBAC_API_VERSION,
  kind: "RoleBinding",
  metadata: { namespace: "dev", name: `${username}-${clusterRole}` },
  roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: clusterRole },
  subjects: [{ kind: "User", apiGroup: RBAC_GROUP, name: username }],
});

const USERS = {
  viewer: authenticated("vic"),
  editor: authenticated("ed"),
  admin: authenticated("ada"),
  someone: authenticated("sam"),
  anonymous: { username: "system:anonymous", groups: ["system:unauthenticated"] },
  scheduler: authenticated(COMPONENT_USERS.scheduler),
  controllerManager: authenticated(COMPONENT_USERS.controllerManager),
  node: authenticated("system:node:n1", "system:nodes"),
  proxy: authenticated(COMPONENT_USERS.proxy),
  dns: authenticated(
    COMPONENT_USERS.dns,
    "system:serviceaccounts",
    "system:serviceaccounts:kube-system",
  ),
} satisfies Record<string, UserInfo>;
type Who = keyof typeof USERS;

const state = staticRbacState({
  clusterRoles: roles,
  clusterRoleBindings: bindings,
  roleBindings: [grantInDev("vic", "view"), grantInDev("ed", "edit"), grantInDev("ada", "admin")],
});

/**
 * "get pods/log web in dev", "list deployments.apps", "update leases.coordination.k8s.io
 * kube-scheduler in kube-system", or a path: "get /healthz".
 */
function request(user: UserInfo, spec: string): RequestAttributes {
  const [verb = "", target = "", ...rest] = spec.split(" ");
  const at = rest.indexOf("in");
  const name = (at >= 0 ? rest.slice(0, at) : rest).join("");
  const namespace = at >= 0 ? (rest[at + 1] ?? "") : "";
  const base = { user, verb, apiVersion: "v1", namespace, name };
  if (target.startsWith("/")) {
    return {
      ...base,
      resourceRequest: false,
      apiGroup: "",
      apiVersion: "",
      resource: "",
      subresource: "",
      path: target,
    };
  }
  const [qualified = "", subresource = ""] = target.split("/");
  const dot = qualified.indexOf(".");
  const resource = dot < 0 ? qualified : qualified.slice(0, dot);
  const apiGroup = dot < 0 ? "" : qualified.slice(dot + 1);
  return { ...base, resourceRequest: true, apiGroup, resource, subresource, path: "" };
}

/** [who, what, allowed, why] */
type Row = [Who, string, boolean, string?];

function check(rows: Row[]) {
  it.each(rows)("%s: %s → %s", (who, what, allowed, why) => {
    const decision = authorize(request(USERS[who], what), state);
    const expectation = `${who} (${USERS[who].username}) ${allowed ? "may" : "may not"} ${what}${why ? `: ${why}` : ""}`;
    expect(decision.allowed, expectation).toBe(allowed);
  });
}

describe("bootstrap roles allow what they should, and nothing more", () => {
  describe("view (bound in dev)", () => {
    check([
      ["viewer", "get pods web in dev", true],
      ["viewer", "list pods in dev", true],
      ["viewer", "watch pods in dev", true],
      ["viewer", "get pods/log web in dev", true],
      ["viewer", "get pods/status web in dev", true],
      ["viewer", "list services in dev", true],
      ["viewer", "list endpoints in dev", true],
      ["viewer", "list endpointslices.discovery.k8s.io in dev", true],
      ["viewer", "list configmaps in dev", true],
      ["viewer", "list events in dev", true],
      ["viewer", "list serviceaccounts in dev", true],
      ["viewer", "list limitranges in dev", true],
      ["viewer", "list resourcequotas in dev", true],
      [
        "viewer",
        "get namespaces dev in dev",
        true,
        "read access to namespaces, bound in dev, reads dev",
      ],
      ["viewer", "list deployments.apps in dev", true],
      ["viewer", "get deployments.apps/scale web in dev", true],
      ["viewer", "list replicasets.apps in dev", true],
      ["viewer", "list ingresses.networking.k8s.io in dev", true],
      [
        "viewer",
        "get secrets db in dev",
        false,
        "view cannot read secrets: a secret may hold a more powerful token",
      ],
      ["viewer", "list secrets in dev", false, "view cannot read secrets"],
      ["viewer", "create pods in dev", false, "view is read-only"],
      ["viewer", "delete deployments.apps web in dev", false, "view is read-only"],
      ["viewer", "update deployments.apps/scale web in dev", false, "view is read-only"],
      [
        "viewer",
        "get roles.rbac.authorization.k8s.io r in dev",
        false,
        "view does not show who may do what",
      ],
      ["viewer", "list leases.coordination.k8s.io in dev", false],
      ["viewer", "list pods in prod", false, "the RoleBinding is in dev"],
      ["viewer", "list pods", false, "a RoleBinding never reaches across namespaces"],
      ["viewer", "list nodes", false, "nodes are cluster-scoped"],
    ]);
  });

  describe("edit (bound in dev)", () => {
    check([
      ["editor", "create pods in dev", true],
      ["editor", "delete pods web in dev", true],
      ["editor", "get pods/log web in dev", true, "edit includes view"],
      ["editor", "get secrets db in dev", true, "edit reads secrets, unlike view"],
      ["editor", "create secrets in dev", true],
      ["editor", "create configmaps in dev", true],
      ["editor", "patch services web in dev", true],
      ["editor", "create serviceaccounts in dev", true],
      ["editor", "impersonate serviceaccounts builder in dev", true],
      ["editor", "create deployments.apps in dev", true],
      ["editor", "update deployments.apps/scale web in dev", true],
      ["editor", "create ingresses.networking.k8s.io in dev", true],
      ["editor", "create events in dev", true],
      ["editor", "update leases.coordination.k8s.io lock in dev", true],
      ["editor", "list endpointslices.discovery.k8s.io in dev", true, "edit includes view"],
      ["editor", "create roles.rbac.authorization.k8s.io in dev", false, "edit cannot touch roles"],
      [
        "editor",
        "create rolebindings.rbac.authorization.k8s.io in dev",
        false,
        "edit cannot grant",
      ],
      ["editor", "update pods/status web in dev", false, "status is the system's to write"],
      [
        "editor",
        "update deployments.apps/status web in dev",
        false,
        "status is the system's to write",
      ],
      [
        "editor",
        "create endpoints in dev",
        false,
        "writing endpoints could hijack a Service (CVE-2021-25740)",
      ],
      ["editor", "create endpointslices.discovery.k8s.io in dev", false],
      ["editor", "update resourcequotas q in dev", false, "quota is the admin's"],
      ["editor", "create limitranges in dev", false, "limits are the admin's"],
      ["editor", "delete namespaces dev in dev", false],
      ["editor", "create pods in prod", false, "the RoleBinding is in dev"],
    ]);
  });

  describe("admin (bound in dev)", () => {
    check([
      ["admin", "create roles.rbac.authorization.k8s.io in dev", true],
      ["admin", "create rolebindings.rbac.authorization.k8s.io in dev", true],
      ["admin", "create localsubjectaccessreviews.authorization.k8s.io in dev", true],
      ["admin", "delete pods web in dev", true, "admin includes edit"],
      ["admin", "get secrets db in dev", true, "admin includes edit"],
      ["admin", "list resourcequotas in dev", true, "admin includes view"],
      [
        "admin",
        "update resourcequotas q in dev",
        false,
        "quota is set by whoever hands out the namespace",
      ],
      ["admin", "create limitranges in dev", false],
      ["admin", "delete namespaces dev in dev", false, "the namespace itself is not the admin's"],
      ["admin", "create clusterroles.rbac.authorization.k8s.io", false, "cluster-scoped"],
      ["admin", "create endpoints in dev", false],
      [
        "admin",
        "create roles.rbac.authorization.k8s.io in prod",
        false,
        "the RoleBinding is in dev",
      ],
    ]);
  });

  describe("every caller: system:basic-user, system:discovery, system:public-info-viewer", () => {
    check([
      [
        "someone",
        "create selfsubjectaccessreviews.authorization.k8s.io",
        true,
        "kubectl auth can-i",
      ],
      ["someone", "create selfsubjectrulesreviews.authorization.k8s.io", true],
      ["someone", "create selfsubjectreviews.authentication.k8s.io", true, "kubectl auth whoami"],
      ["someone", "get /api", true],
      ["someone", "get /apis", true],
      ["someone", "get /apis/apps/v1", true],
      ["someone", "get /openapi/v3", true],
      ["someone", "get /openapi/v3/apis/apps/v1", true],
      ["someone", "get /version", true],
      ["someone", "get /healthz", true],
      ["someone", "get /livez", true],
      ["someone", "get /readyz", true],
      ["someone", "get /healthz/etcd", false, "/healthz is listed without a trailing *"],
      ["someone", "post /api", false, "discovery is get only"],
      ["someone", "get /metrics", false],
      ["someone", "list pods in default", false, "being authenticated grants no resources"],
      ["someone", "list namespaces", false],
      [
        "someone",
        "create subjectaccessreviews.authorization.k8s.io",
        false,
        "asking about others is not basic",
      ],
      [
        "anonymous",
        "get /healthz",
        true,
        "system:public-info-viewer is bound to system:unauthenticated",
      ],
      ["anonymous", "get /livez", true],
      ["anonymous", "get /readyz", true],
      ["anonymous", "get /version", true],
      ["anonymous", "get /version/", true],
      ["anonymous", "get /api", false, "discovery is for authenticated users"],
      ["anonymous", "get /openapi/v3", false],
      ["anonymous", "create selfsubjectaccessreviews.authorization.k8s.io", false],
      ["anonymous", "list pods in default", false],
    ]);
  });

  describe("system:kube-scheduler", () => {
    check([
      [
        "scheduler",
        "create pods/binding web in dev",
        true,
        "binding a pod to a node is the scheduler's job",
      ],
      ["scheduler", "patch pods/status web in dev", true, "the PodScheduled condition"],
      ["scheduler", "list pods", true],
      ["scheduler", "watch pods", true],
      ["scheduler", "list nodes", true],
      ["scheduler", "get nodes n1", true],
      [
        "scheduler",
        "delete pods web in dev",
        true,
        "preemption deletes lower-priority pods, as in Kubernetes",
      ],
      ["scheduler", "create events in dev", true],
      ["scheduler", "create leases.coordination.k8s.io in kube-system", true],
      [
        "scheduler",
        "update leases.coordination.k8s.io kube-scheduler in kube-system",
        true,
        "its leader lease",
      ],
      ["scheduler", "list services", true],
      ["scheduler", "list replicasets.apps", true],
      ["scheduler", "list namespaces", true],
      [
        "scheduler",
        "create pods in dev",
        false,
        "the scheduler places pods, it does not make them",
      ],
      ["scheduler", "update pods web in dev", false, "only the binding and status"],
      ["scheduler", "patch pods web in dev", false],
      [
        "scheduler",
        "update leases.coordination.k8s.io kube-controller-manager in kube-system",
        false,
        "only its own lease",
      ],
      ["scheduler", "get secrets db in dev", false],
      ["scheduler", "create deployments.apps in dev", false],
      ["scheduler", "update nodes n1", false],
      ["scheduler", "patch nodes/status n1", false],
    ]);
  });

  describe("system:kube-controller-manager and the controllers it runs", () => {
    check([
      ["controllerManager", "create pods in dev", true, "replicaset controller"],
      ["controllerManager", "delete pods web in dev", true, "replicaset controller"],
      [
        "controllerManager",
        "patch pods web in dev",
        true,
        "replicaset controller adopts and releases",
      ],
      ["controllerManager", "create replicasets.apps in dev", true, "deployment controller"],
      ["controllerManager", "update replicasets.apps/status web-1 in dev", true],
      ["controllerManager", "update deployments.apps web in dev", true],
      ["controllerManager", "update deployments.apps/status web in dev", true],
      ["controllerManager", "create endpoints in dev", true, "endpoints controller"],
      ["controllerManager", "update endpoints web in dev", true],
      [
        "controllerManager",
        "create endpointslices.discovery.k8s.io in dev",
        true,
        "endpointslice controller",
      ],
      ["controllerManager", "delete configmaps orphan in dev", true, "garbage collector: any kind"],
      [
        "controllerManager",
        "patch configmaps orphan in dev",
        true,
        "garbage collector removes owner references",
      ],
      [
        "controllerManager",
        "deletecollection pods in dev",
        true,
        "namespace controller empties a namespace",
      ],
      ["controllerManager", "delete namespaces dev in dev", true, "namespace controller"],
      ["controllerManager", "update namespaces/finalize dev in dev", true, "namespace controller"],
      ["controllerManager", "update namespaces/status dev in dev", true],
      ["controllerManager", "patch nodes/status n1", true, "node lifecycle controller"],
      ["controllerManager", "delete nodes n1", true, "node lifecycle controller"],
      [
        "controllerManager",
        "patch pods/status web in dev",
        true,
        "node lifecycle marks pods not ready",
      ],
      ["controllerManager", "list secrets", true, "informers list and watch everything"],
      ["controllerManager", "watch clusterroles.rbac.authorization.k8s.io", true],
      ["controllerManager", "create events in dev", true],
      [
        "controllerManager",
        "update leases.coordination.k8s.io kube-controller-manager in kube-system",
        true,
      ],
      ["controllerManager", "create serviceaccounts in dev", true],
      [
        "controllerManager",
        "create deployments.apps in dev",
        false,
        "no controller creates deployments",
      ],
      ["controllerManager", "create configmaps in dev", false],
      ["controllerManager", "create nodes", false, "kubelets register nodes"],
      ["controllerManager", "create clusterrolebindings.rbac.authorization.k8s.io", false],
      ["controllerManager", "create roles.rbac.authorization.k8s.io in dev", false],
      ["controllerManager", "escalate clusterroles.rbac.authorization.k8s.io view", false],
      ["controllerManager", "impersonate users alice", false],
      [
        "controllerManager",
        "update leases.coordination.k8s.io kube-scheduler in kube-system",
        true,
        "the garbage collector may update anything, and tinykube runs every controller as one user",
      ],
      ["controllerManager", "get /metrics", false],
    ]);
  });

  describe("system:node (a kubelet)", () => {
    check([
      ["node", "create nodes", true, "a kubelet registers its node"],
      ["node", "get nodes n1", true],
      ["node", "update nodes/status n1", true, "node status"],
      ["node", "patch nodes/status n1", true],
      [
        "node",
        "list pods",
        true,
        "pods bound to it (Kubernetes narrows this with the Node authorizer)",
      ],
      ["node", "watch pods", true],
      ["node", "update pods/status web in dev", true, "pod status"],
      ["node", "patch pods/status web in dev", true],
      ["node", "create pods in dev", true, "mirror pods of static pods"],
      ["node", "delete pods web in dev", true, "mirror pods, and confirming a graceful delete"],
      ["node", "create events in dev", true],
      ["node", "patch events e in dev", true],
      ["node", "get configmaps settings in dev", true, "volumes and environment"],
      ["node", "get secrets db in dev", true, "volumes and environment"],
      ["node", "list services", true, "service environment variables"],
      ["node", "update leases.coordination.k8s.io n1 in kube-node-lease", true, "its heartbeat"],
      ["node", "create leases.coordination.k8s.io in kube-node-lease", true],
      ["node", "create tokenreviews.authentication.k8s.io", true],
      ["node", "create subjectaccessreviews.authorization.k8s.io", true],
      ["node", "create deployments.apps in dev", false],
      ["node", "delete deployments.apps web in dev", false],
      [
        "node",
        "update pods web in dev",
        false,
        "a kubelet reports status, it does not change specs",
      ],
      ["node", "create pods/binding web in dev", false, "scheduling is the scheduler's"],
      ["node", "delete nodes n1", false],
      ["node", "create configmaps in dev", false],
      ["node", "list endpointslices.discovery.k8s.io", false],
      ["node", "create namespaces", false],
    ]);
  });

  describe("system:node-proxier (kube-proxy)", () => {
    check([
      ["proxy", "list services", true],
      ["proxy", "watch services", true],
      ["proxy", "list endpointslices.discovery.k8s.io", true],
      ["proxy", "watch endpoints", true],
      ["proxy", "get nodes n1", true],
      ["proxy", "create events in default", true],
      ["proxy", "get services web in dev", false, "list and watch only: it keeps a cache"],
      ["proxy", "update services web in dev", false],
      ["proxy", "create endpointslices.discovery.k8s.io in dev", false],
      ["proxy", "list pods", false],
      ["proxy", "get secrets db in dev", false],
    ]);
  });

  describe("system:coredns (cluster DNS, ServiceAccount kube-system/coredns)", () => {
    check([
      ["dns", "list services", true],
      ["dns", "watch services", true],
      ["dns", "list endpointslices.discovery.k8s.io", true],
      ["dns", "watch namespaces", true],
      ["dns", "get services web in dev", false, "list and watch only"],
      ["dns", "create services in dev", false],
      ["dns", "list pods", false],
      ["dns", "list endpoints", false],
      ["dns", "get secrets db in dev", false],
    ]);
  });

  it("cluster-admin allows everything, paths included (bound to system:masters, which RBAC does not even need)", () => {
    const cathy = authenticated("cathy");
    const cathyIsAdmin = staticRbacState({
      clusterRoles: roles,
      clusterRoleBindings: [
        {
          apiVersion: RBAC_API_VERSION,
          kind: "ClusterRoleBinding",
          metadata: { name: "cathy" },
          roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: "cluster-admin" },
          subjects: [{ kind: "User", apiGroup: RBAC_GROUP, name: "cathy" }],
        },
      ],
    });
    for (const spec of [
      "delete nodes n1",
      "escalate clusterroles.rbac.authorization.k8s.io view",
      "get /metrics",
      "post /anything",
    ]) {
      expect(
        authorize(request(cathy, spec), cathyIsAdmin).allowed,
        `cathy, cluster-admin, may ${spec}`,
      ).toBe(true);
    }
    const masters = bindings.find((b) => b.metadata.name === "cluster-admin");
    expect(masters?.subjects).toEqual([
      { kind: "Group", apiGroup: RBAC_GROUP, name: "system:masters" },
    ]);
  });
});

describe("bootstrap objects", () => {
  const SERVED_WRITES = [
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "escalate",
    "bind",
    "impersonate",
  ];

  it("only system:masters (cluster-admin) may create or change RBAC grants at the cluster scope", () => {
    for (const who of Object.keys(USERS) as Who[]) {
      for (const resource of ["clusterroles", "clusterrolebindings"]) {
        for (const verb of ["create", "escalate", "bind"]) {
          const spec = `${verb} ${resource}.rbac.authorization.k8s.io`;
          expect(
            authorize(request(USERS[who], spec), state).allowed,
            `${who} may not ${spec}`,
          ).toBe(false);
        }
      }
    }
  });

  it("view writes nothing, anywhere it is bound", () => {
    for (const verb of SERVED_WRITES) {
      for (const target of [
        "pods",
        "pods/status",
        "deployments.apps/scale",
        "services",
        "configmaps",
        "secrets",
        "events",
      ]) {
        const spec = `${verb} ${target} x in dev`;
        expect(
          authorize(request(USERS.viewer, spec), state).allowed,
          `viewer may not ${spec}`,
        ).toBe(false);
      }
    }
  });

  it("no component but the kubelet and the controller manager reads secrets", () => {
    for (const who of ["scheduler", "proxy", "dns", "someone", "anonymous"] as const) {
      for (const spec of ["get secrets db in dev", "list secrets", "watch secrets in dev"]) {
        expect(authorize(request(USERS[who], spec), state).allowed, `${who} may not ${spec}`).toBe(
          false,
        );
      }
    }
  });

  it("carry Kubernetes' bootstrap label and autoupdate annotation", () => {
    for (const object of [...roles, ...bindings]) {
      expect(object.metadata.labels, object.metadata.name).toMatchObject(BOOTSTRAP_LABEL);
      expect(object.metadata.annotations, object.metadata.name).toEqual({
        [AUTOUPDATE_ANNOTATION]: "true",
      });
    }
  });

  it("every binding refers to a bootstrap ClusterRole of its own name", () => {
    const names = new Set(roles.map((r) => r.metadata.name));
    for (const b of bindings) {
      expect(b.roleRef, b.metadata.name).toEqual({
        apiGroup: RBAC_GROUP,
        kind: "ClusterRole",
        name: b.metadata.name,
      });
      expect(
        names.has(b.roleRef.name),
        `${b.metadata.name} refers to an existing ClusterRole`,
      ).toBe(true);
      expect(b.subjects?.length, `${b.metadata.name} names someone`).toBeGreaterThan(0);
    }
  });

  it("names are unique, and every rule's lists are sorted, as Kubernetes stores them", () => {
    expect(new Set(roles.map((r) => r.metadata.name)).size).toBe(roles.length);
    expect(new Set(bindings.map((b) => b.metadata.name)).size).toBe(bindings.length);
    for (const role of roles) {
      for (const rule of role.rules ?? []) {
        for (const list of [
          rule.verbs,
          rule.apiGroups,
          rule.resources,
          rule.resourceNames,
          rule.nonResourceURLs,
        ]) {
          if (list)
            expect(list, `${role.metadata.name}: ${JSON.stringify(rule)}`).toEqual(
              [...list].sort(),
            );
        }
      }
    }
  });

  it("admin, edit and view keep their aggregation rules and labels, and arrive aggregated", () => {
    const get = (name: string) => roles.find((r) => r.metadata.name === name);
    const label = "rbac.authorization.k8s.io/aggregate-to-";
    expect(get("admin")?.aggregationRule).toEqual({
      clusterRoleSelectors: [{ matchLabels: { [`${label}admin`]: "true" } }],
    });
    expect(get("edit")?.aggregationRule).toEqual({
      clusterRoleSelectors: [{ matchLabels: { [`${label}edit`]: "true" } }],
    });
    expect(get("view")?.aggregationRule).toEqual({
      clusterRoleSelectors: [{ matchLabels: { [`${label}view`]: "true" } }],
    });
    expect(get("edit")?.metadata.labels).toMatchObject({ [`${label}admin`]: "true" });
    expect(get("view")?.metadata.labels).toMatchObject({ [`${label}edit`]: "true" });
    const view = get("view")?.rules ?? [];
    const edit = get("edit")?.rules ?? [];
    const admin = get("admin")?.rules ?? [];
    expect(view).toEqual(get("system:aggregate-to-view")?.rules);
    expect(edit).toEqual([...(get("system:aggregate-to-edit")?.rules ?? []), ...view]);
    expect(admin).toEqual([...edit, ...(get("system:aggregate-to-admin")?.rules ?? [])]);
  });

  it("returns fresh objects on every call", () => {
    const a = bootstrapClusterRoles();
    a[0]?.rules?.push({ verbs: ["*"], nonResourceURLs: ["*"] });
    expect(bootstrapClusterRoles()).toEqual(roles);
  });
});
