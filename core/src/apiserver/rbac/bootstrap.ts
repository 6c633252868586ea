/**
 * The ClusterRoles and ClusterRoleBindings the API server creates on first start, as Kubernetes'
 * bootstrap policy defines them (plugin/pkg/auth/authorizer/rbac/bootstrappolicy: policy.go,
 * controller_policy.go; the rules as of Kubernetes 1.33).
 *
 * What is the same as Kubernetes: the role and binding names, the bindings' subjects (except as
 * listed below), the aggregation labels of admin/edit/view, and each rule's verbs. Every object carries the label
 * `kubernetes.io/bootstrapping: rbac-defaults` and the annotation
 * `rbac.authorization.kubernetes.io/autoupdate: "true"`, and every rule's lists are sorted, as
 * Kubernetes stores them.
 *
 * What differs, and why:
 *   - Rules name only resources tinykube serves (no statefulsets, jobs, persistentvolumes, ...),
 *     and events only in the core group (tinykube does not serve events.k8s.io). The review APIs
 *     (TokenReview, SubjectAccessReview, ...) stay where Kubernetes has them.
 *   - admin, edit and view come with their rules already aggregated: in Kubernetes the
 *     clusterrole-aggregation controller fills them in moments after start; tinykube computes
 *     the same rules (aggregateClusterRoles) so they work before any controller runs.
 *   - The controllers' roles (system:controller:deployment-controller, ...) are bound to the
 *     user system:kube-controller-manager. Kubernetes binds each to its own ServiceAccount in
 *     kube-system (the controller manager's --use-service-account-credentials); tinykube's
 *     controller manager runs all its controllers under one identity, which may therefore do
 *     what any of them may (the garbage collector's update and delete on everything, say).
 *     Only the controllers tinykube runs have roles.
 *   - system:node is bound to the group system:nodes. Kubernetes leaves that binding empty and
 *     lets the Node authorizer (plus the NodeRestriction admission plugin) limit each kubelet
 *     to its own node and the pods bound to it; tinykube has no Node authorizer, so every
 *     kubelet may do what system:node allows on any node.
 *   - system:coredns is kubeadm's CoreDNS role (an add-on, not bootstrap policy) without the
 *     endpoints and pods tinykube's DNS server does not read.
 *   - system:ingress-controller is ingress-nginx's ClusterRole (an add-on too: its Helm chart's
 *     clusterrole.yaml and controller-role.yaml), without what tinykube's ingress controller does not
 *     read (configmaps, endpoints, nodes, pods, namespaces, leases), bound to the ServiceAccount
 *     kube-system/ingress-controller.
 */
import {
  AUTHENTICATED_GROUP,
  MASTERS_GROUP,
  NODES_GROUP,
  UNAUTHENTICATED_GROUP,
} from "../authn.ts";
import { aggregateClusterRoles } from "./aggregate.ts";
import {
  type ClusterRole,
  type ClusterRoleBinding,
  type PolicyRule,
  RBAC_API_VERSION,
  RBAC_GROUP,
  type Subject,
} from "./types.ts";

export const BOOTSTRAP_LABEL = { "kubernetes.io/bootstrapping": "rbac-defaults" } as const;
/** Kubernetes re-adds missing rules and subjects to objects carrying this on every start. */
export const AUTOUPDATE_ANNOTATION = "rbac.authorization.kubernetes.io/autoupdate";

/** The identities the bootstrap bindings name; authentication must produce exactly these. */
export const COMPONENT_USERS = {
  scheduler: "system:kube-scheduler",
  controllerManager: "system:kube-controller-manager",
  proxy: "system:kube-proxy",
  /** The ServiceAccount kube-system/coredns, as a username. */
  dns: "system:serviceaccount:kube-system:coredns",
  /** The ServiceAccount kube-system/ingress-controller, as a username. */
  ingress: "system:serviceaccount:kube-system:ingress-controller",
} as const;

const AGGREGATE_TO_ADMIN = "rbac.authorization.k8s.io/aggregate-to-admin";
const AGGREGATE_TO_EDIT = "rbac.authorization.k8s.io/aggregate-to-edit";
const AGGREGATE_TO_VIEW = "rbac.authorization.k8s.io/aggregate-to-view";

const READ = ["get", "list", "watch"];
const WRITE = ["create", "update", "patch", "delete", "deletecollection"];
const READ_WRITE = [...READ, ...WRITE];

const CORE = "";
const APPS = "apps";
const AUTHENTICATION = "authentication.k8s.io";
const AUTHORIZATION = "authorization.k8s.io";
const COORDINATION = "coordination.k8s.io";
const DISCOVERY = "discovery.k8s.io";
const NETWORKING = "networking.k8s.io";

/** Kubernetes' NewRule(verbs...).Groups(...).Resources(...).Names(...): lists sorted. */
function rule(
  verbs: readonly string[],
  apiGroups: string[],
  resources: string[],
  resourceNames?: string[],
): PolicyRule {
  return {
    verbs: sorted(verbs),
    apiGroups: sorted(apiGroups),
    resources: sorted(resources),
    ...(resourceNames ? { resourceNames: sorted(resourceNames) } : {}),
  };
}

function urlRule(verbs: readonly string[], nonResourceURLs: string[]): PolicyRule {
  return { verbs: sorted(verbs), nonResourceURLs: sorted(nonResourceURLs) };
}

/** Components record what they do as Events. */
const eventsRule = () => rule(["create", "update", "patch"], [CORE], ["events"]);

function clusterRole(
  name: string,
  rules: PolicyRule[],
  extra: { labels?: Record<string, string>; aggregateLabel?: string } = {},
): ClusterRole {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: "ClusterRole",
    metadata: {
      name,
      labels: { ...BOOTSTRAP_LABEL, ...extra.labels },
      annotations: { [AUTOUPDATE_ANNOTATION]: "true" },
    },
    rules,
    ...(extra.aggregateLabel
      ? {
          aggregationRule: {
            clusterRoleSelectors: [{ matchLabels: { [extra.aggregateLabel]: "true" } }],
          },
        }
      : {}),
  };
}

/** The ClusterRoles, with admin, edit and view aggregated. A fresh copy on every call. */
export function bootstrapClusterRoles(): ClusterRole[] {
  return aggregateClusterRoles([...userFacingRoles(), ...componentRoles(), ...controllerRoles()]);
}

// #region bootstrapClusterRoleBindings
/** The ClusterRoleBindings. A fresh copy on every call. */
export function bootstrapClusterRoleBindings(): ClusterRoleBinding[] {
  const controllerManager = user(COMPONENT_USERS.controllerManager);
  return [
    binding("cluster-admin", [group(MASTERS_GROUP)]),
    binding("system:basic-user", [group(AUTHENTICATED_GROUP)]),
    binding("system:discovery", [group(AUTHENTICATED_GROUP)]),
    binding("system:public-info-viewer", [
      group(AUTHENTICATED_GROUP),
      group(UNAUTHENTICATED_GROUP),
    ]),
    binding("system:kube-controller-manager", [controllerManager]),
    binding("system:kube-scheduler", [user(COMPONENT_USERS.scheduler)]),
    binding("system:node-proxier", [user(COMPONENT_USERS.proxy)]),
    binding("system:node", [group(NODES_GROUP)]),
    binding("system:coredns", [
      { kind: "ServiceAccount", name: "coredns", namespace: "kube-system" },
    ]),
    binding("system:ingress-controller", [
      { kind: "ServiceAccount", name: "ingress-controller", namespace: "kube-system" },
    ]),
    ...controllerRoles().map((role) => binding(role.metadata.name ?? "", [controllerManager])),
  ];
}
// #endregion bootstrapClusterRoleBindings

/** For people: everything, namespace admin/edit/view, and what every caller may ask. */
function userFacingRoles(): ClusterRole[] {
  return [
    clusterRole("cluster-admin", [rule(["*"], ["*"], ["*"]), urlRule(["*"], ["*"])]),
    // Enough to find the API and check the server is up.
    clusterRole("system:discovery", [
      urlRule(
        ["get"],
        [
          "/livez",
          "/readyz",
          "/healthz",
          "/version",
          "/version/",
          "/openapi",
          "/openapi/*",
          "/api",
          "/api/*",
          "/apis",
          "/apis/*",
        ],
      ),
    ]),
    // Bound to unauthenticated callers too: nothing here says anything about the cluster's contents.
    clusterRole("system:public-info-viewer", [
      urlRule(["get"], ["/livez", "/readyz", "/healthz", "/version", "/version/"]),
    ]),
    // Who am I, and what may I do? (kubectl auth whoami, kubectl auth can-i)
    clusterRole("system:basic-user", [
      rule(["create"], [AUTHORIZATION], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
      rule(["create"], [AUTHENTICATION], ["selfsubjectreviews"]),
    ]),
    // admin = edit + managing who may do what in the namespace.
    clusterRole("admin", [], { aggregateLabel: AGGREGATE_TO_ADMIN }),
    clusterRole("edit", [], {
      labels: { [AGGREGATE_TO_ADMIN]: "true" },
      aggregateLabel: AGGREGATE_TO_EDIT,
    }),
    clusterRole("view", [], {
      labels: { [AGGREGATE_TO_EDIT]: "true" },
      aggregateLabel: AGGREGATE_TO_VIEW,
    }),
    clusterRole(
      "system:aggregate-to-admin",
      [
        rule(["create"], [AUTHORIZATION], ["localsubjectaccessreviews"]),
        rule(READ_WRITE, [RBAC_GROUP], ["roles", "rolebindings"]),
      ],
      { labels: { [AGGREGATE_TO_ADMIN]: "true" } },
    ),
    // Everything a user does in a namespace, but not status (the system's to write), quota and
    // limits (the admin's), endpoints (writing them could redirect a Service; CVE-2021-25740)
    // or roles.
    clusterRole(
      "system:aggregate-to-edit",
      [
        // Reading secrets is edit's, not view's: a secret can hold a token that grants more.
        rule(READ, [CORE], ["secrets"]),
        rule(["impersonate"], [CORE], ["serviceaccounts"]),
        rule(WRITE, [CORE], ["pods"]),
        rule(WRITE, [CORE], ["configmaps", "secrets", "serviceaccounts", "services"]),
        rule(WRITE, [CORE], ["events"]),
        rule(
          WRITE,
          [APPS],
          ["deployments", "deployments/scale", "replicasets", "replicasets/scale"],
        ),
        rule(WRITE, [NETWORKING], ["ingresses"]),
        rule(READ_WRITE, [COORDINATION], ["leases"]),
      ],
      { labels: { [AGGREGATE_TO_EDIT]: "true" } },
    ),
    clusterRole(
      "system:aggregate-to-view",
      [
        rule(
          READ,
          [CORE],
          ["configmaps", "endpoints", "pods", "serviceaccounts", "services", "services/status"],
        ),
        rule(
          READ,
          [CORE],
          [
            "limitranges",
            "namespaces/status",
            "pods/log",
            "pods/status",
            "resourcequotas",
            "resourcequotas/status",
          ],
        ),
        // Read access to namespaces, bound in a namespace, lets a user read that namespace.
        rule(READ, [CORE], ["namespaces"]),
        rule(READ, [CORE], ["events"]),
        rule(READ, [DISCOVERY], ["endpointslices"]),
        rule(
          READ,
          [APPS],
          [
            "deployments",
            "deployments/scale",
            "deployments/status",
            "replicasets",
            "replicasets/scale",
            "replicasets/status",
          ],
        ),
        rule(READ, [NETWORKING], ["ingresses", "ingresses/status"]),
      ],
      { labels: { [AGGREGATE_TO_VIEW]: "true" } },
    ),
  ];
}

/** One role per component, with what that component reads and writes. */
function componentRoles(): ClusterRole[] {
  return [
    clusterRole("system:kube-scheduler", [
      eventsRule(),
      // Leader election: create the lease, then only ever touch its own.
      rule(["create"], [COORDINATION], ["leases"]),
      rule(["get", "list", "update", "watch"], [COORDINATION], ["leases"], ["kube-scheduler"]),
      rule(READ, [CORE], ["nodes"]),
      // delete: preemption deletes lower-priority pods to make room.
      rule(["get", "list", "watch", "delete"], [CORE], ["pods"]),
      rule(["create"], [CORE], ["pods/binding"]),
      rule(["patch", "update"], [CORE], ["pods/status"]),
      // Things that select pods, for spreading.
      rule(READ, [CORE], ["services"]),
      rule(READ, [APPS], ["replicasets"]),
      rule(["create"], [AUTHENTICATION], ["tokenreviews"]),
      rule(["create"], [AUTHORIZATION], ["subjectaccessreviews"]),
      rule(READ, [CORE], ["namespaces"]),
    ]),
    // The controller manager itself; each controller's own needs are in controllerRoles().
    clusterRole("system:kube-controller-manager", [
      eventsRule(),
      rule(["create"], [COORDINATION], ["leases"]),
      rule(["get", "update"], [COORDINATION], ["leases"], ["kube-controller-manager"]),
      rule(["create"], [CORE], ["secrets", "serviceaccounts"]),
      rule(["delete"], [CORE], ["secrets"]),
      rule(["get"], [CORE], ["configmaps", "namespaces", "secrets", "serviceaccounts"]),
      rule(["update"], [CORE], ["secrets", "serviceaccounts"]),
      rule(["create"], [AUTHENTICATION], ["tokenreviews"]),
      rule(["create"], [AUTHORIZATION], ["subjectaccessreviews"]),
      // Every controller's informers.
      rule(["list", "watch"], ["*"], ["*"]),
    ]),
    // The kubelet: its Node and lease, the pods bound to it and what they use.
    clusterRole("system:node", [
      rule(["create"], [AUTHENTICATION], ["tokenreviews"]),
      rule(["create"], [AUTHORIZATION], ["subjectaccessreviews", "localsubjectaccessreviews"]),
      // Service environment variables for containers.
      rule(READ, [CORE], ["services"]),
      rule(["create", "get", "list", "watch"], [CORE], ["nodes"]),
      rule(["update", "patch"], [CORE], ["nodes/status"]),
      rule(["update", "patch"], [CORE], ["nodes"]),
      rule(["create", "update", "patch"], [CORE], ["events"]),
      rule(READ, [CORE], ["pods"]),
      // Mirror pods of static pods.
      rule(["create", "delete"], [CORE], ["pods"]),
      rule(["update", "patch"], [CORE], ["pods/status"]),
      // Volumes and environment from secrets and config maps.
      rule(READ, [CORE], ["secrets", "configmaps"]),
      rule(["get"], [CORE], ["endpoints"]),
      // The node's heartbeat lease in kube-node-lease.
      rule(["get", "create", "update", "patch", "delete"], [COORDINATION], ["leases"]),
    ]),
    // kube-proxy: what Services exist and which endpoints back them.
    clusterRole("system:node-proxier", [
      rule(["list", "watch"], [CORE], ["services", "endpoints"]),
      rule(READ, [CORE], ["nodes"]),
      eventsRule(),
      rule(["list", "watch"], [DISCOVERY], ["endpointslices"]),
    ]),
    // Cluster DNS: names for Services and their endpoints, in namespaces that exist.
    clusterRole("system:coredns", [
      rule(["list", "watch"], [CORE], ["services", "namespaces"]),
      rule(["list", "watch"], [DISCOVERY], ["endpointslices"]),
    ]),
    // The ingress controller: Ingresses of its classes, the Services and endpoints they name, the
    // TLS Secrets; it writes only Ingress status (with PUT: update, not patch) and events.
    clusterRole("system:ingress-controller", [
      rule(READ, [NETWORKING], ["ingresses", "ingressclasses"]),
      rule(["update"], [NETWORKING], ["ingresses/status"]),
      rule(READ, [CORE], ["services"]),
      rule(READ, [DISCOVERY], ["endpointslices"]),
      rule(["list", "watch"], [CORE], ["secrets"]),
      rule(["create", "patch"], [CORE], ["events"]),
    ]),
  ];
}

/** The roles of the controllers tinykube's controller manager runs (controller_policy.go). */
function controllerRoles(): ClusterRole[] {
  const controller = (name: string, rules: PolicyRule[]) =>
    clusterRole(`system:controller:${name}`, rules);
  return [
    controller("deployment-controller", [
      rule(["get", "list", "watch", "update"], [APPS], ["deployments"]),
      rule(["update"], [APPS], ["deployments/status"]),
      rule(
        ["get", "list", "watch", "create", "update", "patch", "delete"],
        [APPS],
        ["replicasets"],
      ),
      rule(["get", "list", "watch", "update"], [CORE], ["pods"]),
      eventsRule(),
    ]),
    controller("replicaset-controller", [
      rule(["get", "list", "watch", "update"], [APPS], ["replicasets"]),
      rule(["update"], [APPS], ["replicasets/status"]),
      rule(["list", "watch", "patch", "create", "delete"], [CORE], ["pods"]),
      eventsRule(),
    ]),
    controller("endpoint-controller", [
      rule(READ, [CORE], ["services", "pods"]),
      rule(["get", "list", "create", "update", "delete"], [CORE], ["endpoints"]),
      eventsRule(),
    ]),
    controller("endpointslice-controller", [
      rule(READ, [CORE], ["services", "pods", "nodes"]),
      rule(["get", "list", "create", "update", "delete"], [DISCOVERY], ["endpointslices"]),
      eventsRule(),
    ]),
    // Owners and dependents can be of any kind.
    controller("generic-garbage-collector", [
      rule(["get", "list", "watch", "patch", "update", "delete"], ["*"], ["*"]),
      eventsRule(),
    ]),
    // Deleting a namespace deletes everything in it, of every kind.
    controller("namespace-controller", [
      rule(["get", "list", "watch", "delete"], [CORE], ["namespaces"]),
      rule(["update"], [CORE], ["namespaces/finalize", "namespaces/status"]),
      rule(["get", "list", "delete", "deletecollection"], ["*"], ["*"]),
    ]),
    // Node lifecycle (marks silent nodes NotReady, taints them, marks their pods not Ready) and
    // node IPAM; the taint eviction controller has no role of its own and runs as node-controller
    // too ("taint-manager uses existing cluster role from node-controller", kube-controller-manager
    // core.go): reading and deleting pods, and patching pods/status for DisruptionTarget.
    controller("node-controller", [
      rule(["get", "list", "update", "delete", "patch"], [CORE], ["nodes"]),
      rule(["patch", "update"], [CORE], ["nodes/status"]),
      rule(["patch", "update"], [CORE], ["pods/status"]),
      rule(["list", "get", "delete"], [CORE], ["pods"]),
      eventsRule(),
    ]),
  ];
}

function binding(roleName: string, subjects: Subject[]): ClusterRoleBinding {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: "ClusterRoleBinding",
    metadata: {
      name: roleName,
      labels: { ...BOOTSTRAP_LABEL },
      annotations: { [AUTOUPDATE_ANNOTATION]: "true" },
    },
    roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: roleName },
    subjects,
  };
}

const user = (name: string): Subject => ({ kind: "User", apiGroup: RBAC_GROUP, name });
const group = (name: string): Subject => ({ kind: "Group", apiGroup: RBAC_GROUP, name });

function sorted(list: readonly string[]): string[] {
  return [...list].sort();
}
