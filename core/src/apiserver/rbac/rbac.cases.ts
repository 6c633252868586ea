/**
 * The contract of RBAC evaluation: given these roles and bindings, may this user do this verb on
 * this resource in this namespace? Run against the core's authorize (rbac.test.ts) and against a
 * reader's in Lab 2. Each case is one scenario; its name says what is expected and why, and a
 * failure repeats it.
 */
import { describe, expect, it } from "vitest";
import { type RequestAttributes, requestAttributes } from "./attributes.ts";
import type { Decision } from "./authorize.ts";
import { type RbacObjects, type RbacState, staticRbacState } from "./state.ts";
import {
  type ClusterRole,
  type ClusterRoleBinding,
  type PolicyRule,
  RBAC_API_VERSION,
  RBAC_GROUP,
  type Role,
  type RoleBinding,
  type Subject,
} from "./types.ts";

export type AuthorizeFn = (attrs: RequestAttributes, state: RbacState) => Decision;

interface RbacCase {
  /** What is expected, and why: "alice may list pods in dev via RoleBinding dev/read-pods". */
  name: string;
  objects: RbacObjects;
  request: RequestAttributes;
  allowed: boolean;
  /** Checked when set: the exact reason Kubernetes gives. */
  reason?: string;
}

export function describeRbacContract(name: string, authorize: AuthorizeFn): void {
  describe(`RBAC evaluation: ${name}`, () => {
    for (const [topic, cases] of Object.entries(CASES)) {
      describe(topic, () => {
        for (const c of cases) {
          it(c.name, () => {
            const decision = authorize(c.request, staticRbacState(c.objects));
            expect(decision.allowed, `${c.name} (asked: ${describeRequest(c.request)})`).toBe(
              c.allowed,
            );
            if (c.reason !== undefined) {
              expect(decision.reason, `${c.name}: the reason`).toBe(c.reason);
            }
          });
        }
      });
    }
  });
}

// --- building blocks ------------------------------------------------------------------------

const authenticated = (username: string, ...groups: string[]) => ({
  username,
  groups: [...groups, "system:authenticated"],
});
const alice = authenticated("alice");
const bob = authenticated("bob");
const carol = authenticated("carol");
const dave = authenticated("dave", "devs");
const erin = authenticated("erin", "ops");
const anonymous = { username: "system:anonymous", groups: ["system:unauthenticated"] };
const serviceAccount = (namespace: string, name: string) =>
  authenticated(
    `system:serviceaccount:${namespace}:${name}`,
    "system:serviceaccounts",
    `system:serviceaccounts:${namespace}`,
  );

type User = RequestAttributes["user"];

interface Target {
  namespace?: string;
  name?: string;
  group?: string;
  subresource?: string;
}

/** A resource request, with the path the API server would have seen. */
function ask(user: User, verb: string, resource: string, target: Target = {}): RequestAttributes {
  const { namespace = "", name = "", group = "", subresource = "" } = target;
  const base = group === "" ? "/api/v1" : `/apis/${group}/v1`;
  const segments = [
    base,
    namespace !== "" && !(resource === "namespaces" && name === namespace)
      ? `/namespaces/${namespace}`
      : "",
    `/${resource}`,
    name !== "" ? `/${name}` : "",
    subresource !== "" ? `/${subresource}` : "",
  ];
  return {
    user,
    verb,
    resourceRequest: true,
    apiGroup: group,
    apiVersion: "v1",
    resource,
    subresource,
    namespace,
    name,
    path: segments.join(""),
  };
}

/** A request for a path outside the API's resources (/healthz, /version, /logs/...). */
function askPath(user: User, verb: string, path: string): RequestAttributes {
  return {
    user,
    verb,
    resourceRequest: false,
    apiGroup: "",
    apiVersion: "",
    resource: "",
    subresource: "",
    namespace: "",
    name: "",
    path,
  };
}

function describeRequest(r: RequestAttributes): string {
  if (!r.resourceRequest) return `${r.verb} ${r.path} as ${r.user.username}`;
  const resource = [r.resource, r.subresource].filter((s) => s !== "").join("/");
  const qualified = r.apiGroup === "" ? resource : `${resource}.${r.apiGroup}`;
  const named = r.name === "" ? "" : ` "${r.name}"`;
  const where = r.namespace === "" ? "at the cluster scope" : `in namespace "${r.namespace}"`;
  return `${r.verb} ${qualified}${named} ${where} as ${r.user.username}`;
}

const rule = (
  verbs: string[],
  apiGroups: string[],
  resources: string[],
  resourceNames?: string[],
): PolicyRule => ({
  verbs,
  apiGroups,
  resources,
  ...(resourceNames ? { resourceNames } : {}),
});
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({
  verbs,
  nonResourceURLs,
});

const role = (namespace: string, name: string, ...rules: PolicyRule[]): Role => ({
  apiVersion: RBAC_API_VERSION,
  kind: "Role",
  metadata: { namespace, name },
  rules,
});
const clusterRole = (name: string, ...rules: PolicyRule[]): ClusterRole => ({
  apiVersion: RBAC_API_VERSION,
  kind: "ClusterRole",
  metadata: { name },
  rules,
});

const User = (name: string): Subject => ({ kind: "User", apiGroup: RBAC_GROUP, name });
const Group = (name: string): Subject => ({ kind: "Group", apiGroup: RBAC_GROUP, name });
const ServiceAccount = (name: string, namespace?: string): Subject => ({
  kind: "ServiceAccount",
  name,
  ...(namespace !== undefined ? { namespace } : {}),
});

/** `ref` is "Role/<name>" or "ClusterRole/<name>". */
function roleBinding(
  namespace: string,
  name: string,
  ref: string,
  ...subjects: Subject[]
): RoleBinding {
  const [kind, roleName = ""] = ref.split("/");
  return {
    apiVersion: RBAC_API_VERSION,
    kind: "RoleBinding",
    metadata: { namespace, name },
    roleRef: {
      apiGroup: RBAC_GROUP,
      kind: kind === "Role" ? "Role" : "ClusterRole",
      name: roleName,
    },
    subjects,
  };
}
function clusterRoleBinding(
  name: string,
  clusterRoleName: string,
  ...subjects: Subject[]
): ClusterRoleBinding {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: "ClusterRoleBinding",
    metadata: { name },
    roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: clusterRoleName },
    subjects,
  };
}

const READ = ["get", "list", "watch"];

// --- scenarios ------------------------------------------------------------------------------

const devPodReader: RbacObjects = {
  roles: [role("dev", "pod-reader", rule(READ, [""], ["pods"]))],
  roleBindings: [roleBinding("dev", "read-pods", "Role/pod-reader", User("alice"))],
};

const podReaderEverywhere: RbacObjects = {
  clusterRoles: [
    clusterRole("pod-reader", rule(READ, [""], ["pods"])),
    clusterRole("node-reader", rule(READ, [""], ["nodes"])),
  ],
  clusterRoleBindings: [
    clusterRoleBinding("read-pods-everywhere", "pod-reader", User("bob")),
    clusterRoleBinding("read-nodes", "node-reader", User("bob")),
  ],
};

const clusterRolesBoundInDev: RbacObjects = {
  clusterRoles: podReaderEverywhere.clusterRoles ?? [],
  roleBindings: [
    roleBinding("dev", "carol-reads-pods", "ClusterRole/pod-reader", User("carol")),
    roleBinding("dev", "carol-reads-nodes", "ClusterRole/node-reader", User("carol")),
  ],
};

const deployer = clusterRole(
  "deployer",
  rule(["create", "update", "patch", "delete"], ["apps"], ["deployments"]),
);

const devsDeploy: RbacObjects = {
  clusterRoles: [deployer, clusterRole("namespace-lister", rule(["list"], [""], ["namespaces"]))],
  roleBindings: [roleBinding("dev", "devs-deploy", "ClusterRole/deployer", Group("devs"))],
  clusterRoleBindings: [
    clusterRoleBinding(
      "everyone-lists-namespaces",
      "namespace-lister",
      Group("system:authenticated"),
    ),
  ],
};

const serviceAccounts: RbacObjects = {
  clusterRoles: [
    deployer,
    clusterRole("service-watcher", rule(["list", "watch"], [""], ["services"])),
  ],
  roleBindings: [
    roleBinding("dev", "builder-deploys", "ClusterRole/deployer", ServiceAccount("builder", "dev")),
    roleBinding("dev", "ci-deploys", "ClusterRole/deployer", ServiceAccount("ci")),
    roleBinding(
      "staging",
      "all-sa-deploy",
      "ClusterRole/deployer",
      Group("system:serviceaccounts:staging"),
    ),
  ],
  clusterRoleBindings: [
    clusterRoleBinding(
      "dns-watches-services",
      "service-watcher",
      ServiceAccount("coredns", "kube-system"),
    ),
  ],
};

const wildcards: RbacObjects = {
  clusterRoles: [
    clusterRole("core-everything", rule(["*"], [""], ["*"])),
    clusterRole("deployments-any-group", rule(["get"], ["*"], ["deployments"])),
  ],
  clusterRoleBindings: [
    clusterRoleBinding("frank-core", "core-everything", User("frank")),
    clusterRoleBinding("gina-deployments", "deployments-any-group", User("gina")),
  ],
};
const frank = authenticated("frank");
const gina = authenticated("gina");

const subresources: RbacObjects = {
  clusterRoles: [
    clusterRole("pod-getter", rule(["get"], [""], ["pods"])),
    clusterRole("log-reader", rule(["get"], [""], ["pods/log"])),
    clusterRole("scaler", rule(["get", "update"], ["apps"], ["*/scale"])),
  ],
  roleBindings: [
    roleBinding("dev", "pods", "ClusterRole/pod-getter", User("hank")),
    roleBinding("dev", "logs", "ClusterRole/log-reader", User("ivy")),
    roleBinding("dev", "scale", "ClusterRole/scaler", User("jack")),
  ],
};
const hank = authenticated("hank");
const ivy = authenticated("ivy");
const jack = authenticated("jack");

const onlyWeb: RbacObjects = {
  roles: [
    role(
      "dev",
      "web-only",
      rule(["get", "list", "watch", "create", "update"], [""], ["pods"], ["web"]),
    ),
  ],
  roleBindings: [roleBinding("dev", "web-only", "Role/web-only", User("kim"))],
};
const kim = authenticated("kim");

const healthAndLogs: RbacObjects = {
  clusterRoles: [
    clusterRole("health-and-logs", urls(["get"], ["/healthz", "/logs/*"])),
    clusterRole("every-path", urls(["get"], ["*"])),
  ],
  clusterRoleBindings: [
    clusterRoleBinding("health-and-logs", "health-and-logs", User("leo")),
    clusterRoleBinding("every-path", "every-path", User("mia")),
  ],
  roleBindings: [roleBinding("dev", "paths-in-dev", "ClusterRole/every-path", User("ned"))],
};
const leo = authenticated("leo");
const mia = authenticated("mia");
const ned = authenticated("ned");

const CASES: Record<string, RbacCase[]> = {
  "denied unless a rule allows it": [
    {
      name: "with no roles or bindings at all, alice may not list pods in dev",
      objects: {},
      request: ask(alice, "list", "pods", { namespace: "dev" }),
      allowed: false,
      reason: "",
    },
    {
      name: "a role no binding refers to grants nothing: alice may not list pods in dev",
      objects: { roles: devPodReader.roles ?? [] },
      request: ask(alice, "list", "pods", { namespace: "dev" }),
      allowed: false,
    },
    {
      name: "a binding with no subjects grants nobody: alice may not list pods in dev",
      objects: {
        ...devPodReader,
        roleBindings: [roleBinding("dev", "read-pods", "Role/pod-reader")],
      },
      request: ask(alice, "list", "pods", { namespace: "dev" }),
      allowed: false,
    },
  ],

  "Role and RoleBinding: one namespace": [
    {
      name: "alice may list pods in dev via RoleBinding dev/read-pods",
      objects: devPodReader,
      request: ask(alice, "list", "pods", { namespace: "dev" }),
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "read-pods/dev" of Role "pod-reader" to User "alice"',
    },
    {
      name: "alice may get pod web in dev via RoleBinding dev/read-pods",
      objects: devPodReader,
      request: ask(alice, "get", "pods", { namespace: "dev", name: "web" }),
      allowed: true,
    },
    {
      name: "alice may not list pods in prod: a RoleBinding grants only in its own namespace",
      objects: devPodReader,
      request: ask(alice, "list", "pods", { namespace: "prod" }),
      allowed: false,
      reason: "",
    },
    {
      name: "alice may not list pods across all namespaces: a RoleBinding never grants at the cluster scope",
      objects: devPodReader,
      request: ask(alice, "list", "pods"),
      allowed: false,
    },
    {
      name: "alice may not delete pods in dev: the role grants get, list and watch only",
      objects: devPodReader,
      request: ask(alice, "delete", "pods", { namespace: "dev", name: "web" }),
      allowed: false,
    },
    {
      name: "alice may not list services in dev: the role names only pods",
      objects: devPodReader,
      request: ask(alice, "list", "services", { namespace: "dev" }),
      allowed: false,
    },
    {
      name: "bob may not list pods in dev: the binding names only alice",
      objects: devPodReader,
      request: ask(bob, "list", "pods", { namespace: "dev" }),
      allowed: false,
    },
    {
      name: "alice may not list pods in dev when her binding's Role exists only in prod: a RoleBinding refers to a Role of its own namespace",
      objects: {
        roles: [role("prod", "pod-reader", rule(READ, [""], ["pods"]))],
        roleBindings: devPodReader.roleBindings ?? [],
      },
      request: ask(alice, "list", "pods", { namespace: "dev" }),
      allowed: false,
      reason: 'RBAC: role.rbac.authorization.k8s.io "pod-reader" not found',
    },
    {
      name: "alice may get namespace dev itself: reading namespaces, bound in dev, reads that namespace",
      objects: {
        clusterRoles: [clusterRole("namespace-reader", rule(["get"], [""], ["namespaces"]))],
        roleBindings: [
          roleBinding("dev", "see-dev", "ClusterRole/namespace-reader", User("alice")),
        ],
      },
      request: ask(alice, "get", "namespaces", { namespace: "dev", name: "dev" }),
      allowed: true,
    },
    {
      name: "alice may not list namespaces: the list is cluster-scoped, out of reach of a RoleBinding",
      objects: {
        clusterRoles: [
          clusterRole("namespace-reader", rule(["get", "list"], [""], ["namespaces"])),
        ],
        roleBindings: [
          roleBinding("dev", "see-dev", "ClusterRole/namespace-reader", User("alice")),
        ],
      },
      request: ask(alice, "list", "namespaces"),
      allowed: false,
    },
  ],

  "ClusterRoleBinding: everywhere": [
    {
      name: "bob may list pods in dev via ClusterRoleBinding read-pods-everywhere",
      objects: podReaderEverywhere,
      request: ask(bob, "list", "pods", { namespace: "dev" }),
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "read-pods-everywhere" of ClusterRole "pod-reader" to User "bob"',
    },
    {
      name: "bob may list pods in prod too: a ClusterRoleBinding grants in every namespace",
      objects: podReaderEverywhere,
      request: ask(bob, "list", "pods", { namespace: "prod" }),
      allowed: true,
    },
    {
      name: "bob may list pods across all namespaces: a ClusterRoleBinding grants at the cluster scope",
      objects: podReaderEverywhere,
      request: ask(bob, "list", "pods"),
      allowed: true,
    },
    {
      name: "bob may list nodes (cluster-scoped) via ClusterRoleBinding read-nodes",
      objects: podReaderEverywhere,
      request: ask(bob, "list", "nodes"),
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "read-nodes" of ClusterRole "node-reader" to User "bob"',
    },
  ],

  "RoleBinding to a ClusterRole": [
    {
      name: "carol may list pods in dev: RoleBinding dev/carol-reads-pods grants ClusterRole pod-reader in dev",
      objects: clusterRolesBoundInDev,
      request: ask(carol, "list", "pods", { namespace: "dev" }),
      allowed: true,
      reason:
        'RBAC: allowed by RoleBinding "carol-reads-pods/dev" of ClusterRole "pod-reader" to User "carol"',
    },
    {
      name: "carol may not list pods in prod: a ClusterRole bound by a RoleBinding applies in that binding's namespace only",
      objects: clusterRolesBoundInDev,
      request: ask(carol, "list", "pods", { namespace: "prod" }),
      allowed: false,
    },
    {
      name: "carol may not list nodes: a RoleBinding cannot grant cluster-scoped resources, whatever its ClusterRole says",
      objects: clusterRolesBoundInDev,
      request: ask(carol, "list", "nodes"),
      allowed: false,
    },
  ],

  "subjects: users, groups, service accounts": [
    {
      name: "dave, in group devs, may create deployments in dev via the Group subject of RoleBinding dev/devs-deploy",
      objects: devsDeploy,
      request: ask(dave, "create", "deployments", { namespace: "dev", group: "apps" }),
      allowed: true,
      reason:
        'RBAC: allowed by RoleBinding "devs-deploy/dev" of ClusterRole "deployer" to Group "devs"',
    },
    {
      name: "erin, not in group devs, may not create deployments in dev",
      objects: devsDeploy,
      request: ask(erin, "create", "deployments", { namespace: "dev", group: "apps" }),
      allowed: false,
    },
    {
      name: "a user named devs may not create deployments in dev: a Group subject matches group membership, not the user name",
      objects: devsDeploy,
      request: ask({ username: "devs", groups: [] }, "create", "deployments", {
        namespace: "dev",
        group: "apps",
      }),
      allowed: false,
    },
    {
      name: "any authenticated user may list namespaces via the Group system:authenticated",
      objects: devsDeploy,
      request: ask(erin, "list", "namespaces"),
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "everyone-lists-namespaces" of ClusterRole "namespace-lister" to Group "system:authenticated"',
    },
    {
      name: "system:anonymous may not list namespaces: it is in system:unauthenticated, not system:authenticated",
      objects: devsDeploy,
      request: ask(anonymous, "list", "namespaces"),
      allowed: false,
    },
    {
      name: "ServiceAccount dev/builder may create deployments in dev via RoleBinding dev/builder-deploys",
      objects: serviceAccounts,
      request: ask(serviceAccount("dev", "builder"), "create", "deployments", {
        namespace: "dev",
        group: "apps",
      }),
      allowed: true,
      reason:
        'RBAC: allowed by RoleBinding "builder-deploys/dev" of ClusterRole "deployer" to ServiceAccount "builder/dev"',
    },
    {
      name: "ServiceAccount prod/builder may not create deployments in dev: same name, other namespace",
      objects: serviceAccounts,
      request: ask(serviceAccount("prod", "builder"), "create", "deployments", {
        namespace: "dev",
        group: "apps",
      }),
      allowed: false,
    },
    {
      name: "a user named builder may not create deployments in dev: a ServiceAccount subject matches only system:serviceaccount:<namespace>:<name>",
      objects: serviceAccounts,
      request: ask(authenticated("builder"), "create", "deployments", {
        namespace: "dev",
        group: "apps",
      }),
      allowed: false,
    },
    {
      name: "ServiceAccount dev/ci may create deployments in dev: a ServiceAccount subject without a namespace means the RoleBinding's",
      objects: serviceAccounts,
      request: ask(serviceAccount("dev", "ci"), "create", "deployments", {
        namespace: "dev",
        group: "apps",
      }),
      allowed: true,
      reason:
        'RBAC: allowed by RoleBinding "ci-deploys/dev" of ClusterRole "deployer" to ServiceAccount "ci/dev"',
    },
    {
      name: "every ServiceAccount of staging may create deployments in staging via the Group system:serviceaccounts:staging",
      objects: serviceAccounts,
      request: ask(serviceAccount("staging", "anything"), "create", "deployments", {
        namespace: "staging",
        group: "apps",
      }),
      allowed: true,
    },
    {
      name: "ServiceAccount kube-system/coredns may watch services in all namespaces via ClusterRoleBinding dns-watches-services",
      objects: serviceAccounts,
      request: ask(serviceAccount("kube-system", "coredns"), "watch", "services"),
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "dns-watches-services" of ClusterRole "service-watcher" to ServiceAccount "coredns/kube-system"',
    },
    {
      name: "the reason names the first subject of the binding that matches (Group devs before User dave)",
      objects: {
        clusterRoles: [deployer],
        roleBindings: [
          roleBinding(
            "dev",
            "deploy",
            "ClusterRole/deployer",
            User("zed"),
            Group("devs"),
            User("dave"),
          ),
        ],
      },
      request: ask(dave, "patch", "deployments", { namespace: "dev", group: "apps", name: "web" }),
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "deploy/dev" of ClusterRole "deployer" to Group "devs"',
    },
  ],

  "wildcards and exact matching": [
    {
      name: 'frank may deletecollection configmaps in dev: verbs ["*"] matches every verb',
      objects: wildcards,
      request: ask(frank, "deletecollection", "configmaps", { namespace: "dev" }),
      allowed: true,
    },
    {
      name: 'frank may get pods/log in dev: resources ["*"] matches subresources too',
      objects: wildcards,
      request: ask(frank, "get", "pods", { namespace: "dev", name: "web", subresource: "log" }),
      allowed: true,
    },
    {
      name: 'frank may not list deployments.apps: apiGroups [""] is the core group only',
      objects: wildcards,
      request: ask(frank, "list", "deployments", { namespace: "dev", group: "apps" }),
      allowed: false,
    },
    {
      name: 'gina may get deployments.apps: apiGroups ["*"] matches every group',
      objects: wildcards,
      request: ask(gina, "get", "deployments", { namespace: "dev", group: "apps", name: "web" }),
      allowed: true,
    },
    {
      name: 'gina may not get "Deployments": resource names match exactly, case included',
      objects: wildcards,
      request: ask(gina, "get", "Deployments", { namespace: "dev", group: "apps", name: "web" }),
      allowed: false,
    },
    {
      name: 'gina may not "GET" deployments: verbs match exactly, case included',
      objects: wildcards,
      request: ask(gina, "GET", "deployments", { namespace: "dev", group: "apps", name: "web" }),
      allowed: false,
    },
    {
      name: "frank may impersonate serviceaccounts: special verbs are matched like any other, and * covers them",
      objects: wildcards,
      request: ask(frank, "impersonate", "serviceaccounts", { namespace: "dev", name: "builder" }),
      allowed: true,
    },
    {
      name: "gina may not impersonate deployments: a rule that lists only get does not allow impersonate",
      objects: wildcards,
      request: ask(gina, "impersonate", "deployments", {
        namespace: "dev",
        group: "apps",
        name: "web",
      }),
      allowed: false,
    },
  ],

  subresources: [
    {
      name: "hank may get pod web in dev",
      objects: subresources,
      request: ask(hank, "get", "pods", { namespace: "dev", name: "web" }),
      allowed: true,
    },
    {
      name: 'hank may not get pods/log: a rule for "pods" does not cover its subresources',
      objects: subresources,
      request: ask(hank, "get", "pods", { namespace: "dev", name: "web", subresource: "log" }),
      allowed: false,
    },
    {
      name: 'ivy may get pods/log in dev via a rule for "pods/log"',
      objects: subresources,
      request: ask(ivy, "get", "pods", { namespace: "dev", name: "web", subresource: "log" }),
      allowed: true,
    },
    {
      name: 'ivy may not get the pod itself: a rule for "pods/log" covers only the log',
      objects: subresources,
      request: ask(ivy, "get", "pods", { namespace: "dev", name: "web" }),
      allowed: false,
    },
    {
      name: 'jack may update deployments/scale in dev: "*/scale" matches the scale subresource of any resource',
      objects: subresources,
      request: ask(jack, "update", "deployments", {
        namespace: "dev",
        group: "apps",
        name: "web",
        subresource: "scale",
      }),
      allowed: true,
    },
    {
      name: 'jack may get replicasets/scale in dev through the same "*/scale" rule',
      objects: subresources,
      request: ask(jack, "get", "replicasets", {
        namespace: "dev",
        group: "apps",
        name: "web-1",
        subresource: "scale",
      }),
      allowed: true,
    },
    {
      name: 'jack may not update the deployment itself: "*/scale" covers only scale',
      objects: subresources,
      request: ask(jack, "update", "deployments", { namespace: "dev", group: "apps", name: "web" }),
      allowed: false,
    },
    {
      name: 'jack may not update deployments/status: "*/scale" is not "*/status"',
      objects: subresources,
      request: ask(jack, "update", "deployments", {
        namespace: "dev",
        group: "apps",
        name: "web",
        subresource: "status",
      }),
      allowed: false,
    },
  ],

  resourceNames: [
    {
      name: 'kim may get pod web: the rule\'s resourceNames ["web"] include it',
      objects: onlyWeb,
      request: ask(kim, "get", "pods", { namespace: "dev", name: "web" }),
      allowed: true,
    },
    {
      name: "kim may not get pod db: it is not in the rule's resourceNames",
      objects: onlyWeb,
      request: ask(kim, "get", "pods", { namespace: "dev", name: "db" }),
      allowed: false,
    },
    {
      name: "kim may not list pods: a list names no object, so a rule with resourceNames never matches it",
      objects: onlyWeb,
      request: ask(kim, "list", "pods", { namespace: "dev" }),
      allowed: false,
    },
    {
      name: "kim may not create pods: a create names no object in its URL, so resourceNames never match it",
      objects: onlyWeb,
      request: ask(kim, "create", "pods", { namespace: "dev" }),
      allowed: false,
    },
    {
      name: "kim may watch pod web through fieldSelector metadata.name=web (kubectl get pod web -w)",
      objects: onlyWeb,
      request: requestAttributes(
        "GET",
        "/api/v1/namespaces/dev/pods",
        new URLSearchParams({ fieldSelector: "metadata.name=web", watch: "true" }),
        kim,
      ),
      allowed: true,
    },
  ],

  "non-resource URLs": [
    {
      name: "leo may get /healthz via ClusterRoleBinding health-and-logs",
      objects: healthAndLogs,
      request: askPath(leo, "get", "/healthz"),
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "health-and-logs" of ClusterRole "health-and-logs" to User "leo"',
    },
    {
      name: 'leo may not get /healthz/etcd: "/healthz" has no trailing *, so it matches exactly',
      objects: healthAndLogs,
      request: askPath(leo, "get", "/healthz/etcd"),
      allowed: false,
    },
    {
      name: 'leo may get /logs/kube.log: "/logs/*" matches any path starting with "/logs/"',
      objects: healthAndLogs,
      request: askPath(leo, "get", "/logs/kube.log"),
      allowed: true,
    },
    {
      name: 'leo may not get /logs: "/logs/*" needs the slash',
      objects: healthAndLogs,
      request: askPath(leo, "get", "/logs"),
      allowed: false,
    },
    {
      name: "leo may not post /healthz: the rule allows get only (a non-resource verb is the HTTP method)",
      objects: healthAndLogs,
      request: askPath(leo, "post", "/healthz"),
      allowed: false,
    },
    {
      name: "leo may not list pods: a nonResourceURLs rule allows no resources",
      objects: healthAndLogs,
      request: ask(leo, "list", "pods", { namespace: "dev" }),
      allowed: false,
    },
    {
      name: 'mia may get /metrics: nonResourceURLs ["*"] matches every path',
      objects: healthAndLogs,
      request: askPath(mia, "get", "/metrics"),
      allowed: true,
    },
    {
      name: "ned may not get /healthz: his RoleBinding's ClusterRole lists it, but a non-resource request has no namespace, so no RoleBinding applies",
      objects: healthAndLogs,
      request: askPath(ned, "get", "/healthz"),
      allowed: false,
    },
  ],

  "bindings add up; broken ones break nothing": [
    {
      name: "alice may watch pods in dev: get comes from one binding, watch from another, rules add up",
      objects: {
        clusterRoles: [
          clusterRole("getter", rule(["get"], [""], ["pods"])),
          clusterRole("watcher", rule(["watch"], [""], ["pods"])),
        ],
        roleBindings: [
          roleBinding("dev", "a-get", "ClusterRole/getter", User("alice")),
          roleBinding("dev", "b-watch", "ClusterRole/watcher", User("alice")),
        ],
      },
      request: ask(alice, "watch", "pods", { namespace: "dev" }),
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "b-watch/dev" of ClusterRole "watcher" to User "alice"',
    },
    {
      name: "alice may list pods in dev although another of her bindings names a ClusterRole that does not exist",
      objects: {
        ...devPodReader,
        clusterRoleBindings: [clusterRoleBinding("dangling", "ghost", User("alice"))],
      },
      request: ask(alice, "list", "pods", { namespace: "dev" }),
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "read-pods/dev" of Role "pod-reader" to User "alice"',
    },
    {
      name: "alice may not delete pods in dev, and the reason reports the missing ClusterRole",
      objects: {
        ...devPodReader,
        clusterRoleBindings: [clusterRoleBinding("dangling", "ghost", User("alice"))],
      },
      request: ask(alice, "delete", "pods", { namespace: "dev", name: "web" }),
      allowed: false,
      reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found',
    },
    {
      name: "several lookup failures are reported together, as [first, second]",
      objects: {
        clusterRoleBindings: [clusterRoleBinding("dangling", "ghost", User("alice"))],
        roleBindings: [roleBinding("dev", "dangling", "Role/phantom", User("alice"))],
      },
      request: ask(alice, "list", "pods", { namespace: "dev" }),
      allowed: false,
      reason:
        'RBAC: [clusterrole.rbac.authorization.k8s.io "ghost" not found, role.rbac.authorization.k8s.io "phantom" not found]',
    },
    {
      name: "a missing role only matters to the users its binding names: bob's denial has no reason",
      objects: { clusterRoleBindings: [clusterRoleBinding("dangling", "ghost", User("alice"))] },
      request: ask(bob, "list", "pods", { namespace: "dev" }),
      allowed: false,
      reason: "",
    },
  ],

  "system:masters (before RBAC)": [
    {
      name: "a member of system:masters may delete nodes with no roles or bindings at all",
      objects: {},
      request: ask(authenticated("root", "system:masters"), "delete", "nodes", { name: "n1" }),
      allowed: true,
      reason: "",
    },
    {
      name: "a member of system:masters may get any path",
      objects: {},
      request: askPath(authenticated("root", "system:masters"), "get", "/debug/pprof"),
      allowed: true,
    },
    {
      name: "a user named system:masters, not in the group, may not delete nodes",
      objects: {},
      request: ask(authenticated("system:masters"), "delete", "nodes", { name: "n1" }),
      allowed: false,
    },
  ],
};
