/** rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding, ClusterRoleBinding. */
import {
  arr,
  type GroupVersionKind,
  kind,
  obj,
  ref,
  type Schema,
  type SchemaMap,
  str,
  withList,
} from "../schema.ts";
import { META_V1 } from "./meta-v1.ts";

export const RBAC_V1 = "io.k8s.api.rbac.v1.";
const rbac = (name: string, description?: string) => ref(RBAC_V1 + name, description);
const gvk = (k: string): GroupVersionKind => ({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  kind: k,
});

const types: SchemaMap = {
  PolicyRule: obj(
    {
      apiGroups: arr(str(), 'API groups the rule covers; "" is the core group, "*" all.'),
      nonResourceURLs: arr(str(), "URL paths like /healthz (ClusterRoles only)."),
      resourceNames: arr(str(), "Only these object names; all when empty."),
      resources: arr(str(), 'Resources, e.g. pods or pods/log; "*" for all.'),
      verbs: arr(str(), 'get, list, watch, create, update, patch, delete, ...; "*" for all.'),
    },
    { required: ["verbs"], description: "Verbs allowed on resources or URLs." },
  ),
  AggregationRule: obj({
    clusterRoleSelectors: arr(
      ref(`${META_V1}LabelSelector`),
      "ClusterRoles whose rules are added to this one.",
    ),
  }),
  RoleRef: obj(
    {
      apiGroup: str("rbac.authorization.k8s.io."),
      kind: str("Role or ClusterRole."),
      name: str("Name of the role."),
    },
    { required: ["apiGroup", "kind", "name"], mapType: "atomic" },
  ),
  Subject: obj(
    {
      apiGroup: str('"" for ServiceAccounts, rbac.authorization.k8s.io for users and groups.'),
      kind: str("User, Group or ServiceAccount."),
      name: str(),
      namespace: str("For ServiceAccounts."),
    },
    { required: ["kind", "name"], mapType: "atomic" },
  ),
};

const rules: Schema = arr(rbac("PolicyRule"), "What the role allows.");
const bindingProperties = {
  roleRef: rbac("RoleRef", "The role granted; cannot change once set."),
  subjects: arr(rbac("Subject"), "Who gets the role."),
};

export const rbacV1Schemas: SchemaMap = {
  ...Object.fromEntries(Object.entries(types).map(([name, s]) => [RBAC_V1 + name, s])),
  ...withList(
    RBAC_V1,
    gvk("Role"),
    kind({
      ...gvk("Role"),
      description: "A set of permissions within one namespace.",
      properties: { rules },
    }),
  ),
  ...withList(
    RBAC_V1,
    gvk("ClusterRole"),
    kind({
      ...gvk("ClusterRole"),
      description: "A set of permissions, usable cluster-wide or in any namespace.",
      properties: {
        aggregationRule: rbac("AggregationRule", "Build the rules from other ClusterRoles."),
        rules,
      },
    }),
  ),
  ...withList(
    RBAC_V1,
    gvk("RoleBinding"),
    kind({
      ...gvk("RoleBinding"),
      description: "Grants a Role or ClusterRole to subjects within one namespace.",
      properties: bindingProperties,
      required: ["roleRef"],
    }),
  ),
  ...withList(
    RBAC_V1,
    gvk("ClusterRoleBinding"),
    kind({
      ...gvk("ClusterRoleBinding"),
      description: "Grants a ClusterRole to subjects in every namespace.",
      properties: bindingProperties,
      required: ["roleRef"],
    }),
  ),
};
