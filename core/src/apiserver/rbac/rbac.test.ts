import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { UserInfo } from "../authn.ts";
import type { RequestAttributes } from "./attributes.ts";
import { authorize, ruleAllows } from "./authorize.ts";
import { describeRbacContract } from "./rbac.cases.ts";
import { type RbacObjects, staticRbacState } from "./state.ts";
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

describeRbacContract("core", authorize);

// --- properties over small random worlds ----------------------------------------------------

const NAMESPACES = ["dev", "prod"];
const ROLE_NAMES = ["r1", "r2", "r3"];

const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);
const someOf = <T>(values: readonly T[]) => fc.subarray([...values], { minLength: 1 });

const resourceRule: fc.Arbitrary<PolicyRule> = fc.record(
  {
    verbs: someOf(["get", "list", "create", "delete", "*"]),
    apiGroups: someOf(["", "apps", "*"]),
    resources: someOf(["pods", "pods/log", "deployments", "*", "*/scale"]),
    resourceNames: someOf(["web", "db"]),
  },
  { requiredKeys: ["verbs", "apiGroups", "resources"] },
);
const urlRule: fc.Arbitrary<PolicyRule> = fc.record({
  verbs: someOf(["get", "post", "*"]),
  nonResourceURLs: someOf(["/healthz", "/logs/*", "*"]),
});
const rules = fc.array(fc.oneof(resourceRule, urlRule), { maxLength: 3 });

const subject: fc.Arbitrary<Subject> = fc.oneof(
  pick(["alice", "bob"]).map((name): Subject => ({ kind: "User", apiGroup: RBAC_GROUP, name })),
  pick(["devs", "system:authenticated"]).map(
    (name): Subject => ({ kind: "Group", apiGroup: RBAC_GROUP, name }),
  ),
  fc.record({ name: pick(["ci"]), namespace: pick(["dev", ""]) }).map(
    ({ name, namespace }): Subject => ({
      kind: "ServiceAccount",
      name,
      ...(namespace ? { namespace } : {}),
    }),
  ),
);

const roleRef = fc.record({
  apiGroup: fc.constant(RBAC_GROUP),
  kind: pick(["Role", "ClusterRole"] as const),
  name: pick(ROLE_NAMES),
});

const roleBinding: fc.Arbitrary<RoleBinding> = fc
  .record({
    namespace: pick(NAMESPACES),
    name: pick(["b1", "b2"]),
    roleRef,
    subjects: fc.array(subject, { maxLength: 3 }),
  })
  .map(({ namespace, name, roleRef, subjects }) => ({
    apiVersion: RBAC_API_VERSION,
    kind: "RoleBinding",
    metadata: { namespace, name },
    roleRef,
    subjects,
  }));

const clusterRoleBinding: fc.Arbitrary<ClusterRoleBinding> = fc
  .record({
    name: pick(["c1", "c2"]),
    roleName: pick(ROLE_NAMES),
    subjects: fc.array(subject, { maxLength: 3 }),
  })
  .map(({ name, roleName, subjects }) => ({
    apiVersion: RBAC_API_VERSION,
    kind: "ClusterRoleBinding",
    metadata: { name },
    roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: roleName },
    subjects,
  }));

/** Roles and ClusterRoles; some names are left out so that some bindings dangle. */
const roles = fc.record({
  roles: fc.array(
    fc.record({ namespace: pick(NAMESPACES), name: pick(ROLE_NAMES), rules }).map(
      ({ namespace, name, rules }): Role => ({
        apiVersion: RBAC_API_VERSION,
        kind: "Role",
        metadata: { namespace, name },
        rules: rules.filter((r) => r.nonResourceURLs === undefined),
      }),
    ),
    { maxLength: 4 },
  ),
  clusterRoles: fc.array(
    fc.record({ name: pick(ROLE_NAMES), rules }).map(
      ({ name, rules }): ClusterRole => ({
        apiVersion: RBAC_API_VERSION,
        kind: "ClusterRole",
        metadata: { name },
        rules,
      }),
    ),
    { maxLength: 3 },
  ),
});

const bindings = fc.record({
  roleBindings: fc.array(roleBinding, { maxLength: 4 }),
  clusterRoleBindings: fc.array(clusterRoleBinding, { maxLength: 3 }),
});

const user = fc.constantFrom<UserInfo>(
  { username: "alice", groups: ["system:authenticated"] },
  { username: "bob", groups: ["devs", "system:authenticated"] },
  {
    username: "system:serviceaccount:dev:ci",
    groups: ["system:serviceaccounts", "system:authenticated"],
  },
);

const request: fc.Arbitrary<RequestAttributes> = fc.oneof(
  fc
    .record({
      user,
      verb: pick(["get", "list", "create", "delete", "watch"]),
      target: pick([
        { apiGroup: "", resource: "pods", subresource: "" },
        { apiGroup: "", resource: "pods", subresource: "log" },
        { apiGroup: "apps", resource: "deployments", subresource: "" },
        { apiGroup: "apps", resource: "deployments", subresource: "scale" },
        { apiGroup: "", resource: "nodes", subresource: "" },
      ]),
      namespace: pick(["dev", "prod", ""]),
      name: pick(["web", "db", ""]),
    })
    .map(({ user, verb, target, namespace, name }) => ({
      user,
      verb,
      resourceRequest: true,
      apiVersion: "v1",
      ...target,
      namespace,
      name,
      path: "/",
    })),
  fc
    .record({
      user,
      verb: pick(["get", "post"]),
      path: pick(["/healthz", "/logs/a", "/logs", "/version"]),
    })
    .map(({ user, verb, path }) => ({
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
    })),
);

const decide = (attrs: RequestAttributes, objects: RbacObjects) =>
  authorize(attrs, staticRbacState(objects));

describe("RBAC evaluation: properties", () => {
  it("only allows: the decision for two sets of bindings together is the OR of the decisions for each", () => {
    fc.assert(
      fc.property(roles, bindings, bindings, request, (r, a, b, attrs) => {
        const both = {
          ...r,
          roleBindings: [...a.roleBindings, ...b.roleBindings],
          clusterRoleBindings: [...a.clusterRoleBindings, ...b.clusterRoleBindings],
        };
        const either =
          decide(attrs, { ...r, ...a }).allowed || decide(attrs, { ...r, ...b }).allowed;
        expect(decide(attrs, both).allowed).toBe(either);
      }),
    );
  });

  it("bindings whose subjects are not the user change nothing, not even the reason", () => {
    const strangers = fc.array(pick(["mallory", "trent"]), { minLength: 1, maxLength: 2 });
    fc.assert(
      fc.property(
        roles,
        bindings,
        bindings,
        strangers,
        request,
        (r, mine, theirs, names, attrs) => {
          const subjects = names.map(
            (name): Subject => ({ kind: "User", apiGroup: RBAC_GROUP, name }),
          );
          const others = {
            roleBindings: theirs.roleBindings.map((b) => ({ ...b, subjects })),
            clusterRoleBindings: theirs.clusterRoleBindings.map((b) => ({ ...b, subjects })),
          };
          const before = decide(attrs, { ...r, ...mine });
          const after = decide(attrs, {
            ...r,
            roleBindings: [...others.roleBindings, ...mine.roleBindings],
            clusterRoleBindings: [...others.clusterRoleBindings, ...mine.clusterRoleBindings],
          });
          expect(after).toEqual(before);
        },
      ),
    );
  });

  it("a RoleBinding never allows a request without a namespace", () => {
    fc.assert(
      fc.property(roles, bindings, request, (r, b, attrs) => {
        const onlyRoleBindings = { ...r, roleBindings: b.roleBindings };
        const clusterWide = { ...attrs, namespace: "" };
        expect(decide(clusterWide, onlyRoleBindings).allowed).toBe(false);
      }),
    );
  });

  it("members of system:masters are allowed whatever the bindings say", () => {
    fc.assert(
      fc.property(roles, bindings, request, (r, b, attrs) => {
        const root = { ...attrs, user: { username: "root", groups: ["system:masters"] } };
        expect(decide(root, { ...r, ...b })).toEqual({ allowed: true, reason: "" });
      }),
    );
  });

  it("an allowed request's reason names a binding that exists and the subject that matched", () => {
    fc.assert(
      fc.property(roles, bindings, request, (r, b, attrs) => {
        const decision = decide(attrs, { ...r, ...b });
        if (!decision.allowed) return;
        const match =
          /^RBAC: allowed by (ClusterRoleBinding|RoleBinding) "([^"/]+)(?:\/([^"]+))?" of (Role|ClusterRole) "([^"]+)" to (User|Group|ServiceAccount) "([^"]+)"$/.exec(
            decision.reason,
          );
        expect(match, decision.reason).not.toBeNull();
        const [, kind, name, namespace] = match ?? [];
        const named =
          kind === "ClusterRoleBinding"
            ? b.clusterRoleBindings.some((x) => x.metadata.name === name)
            : b.roleBindings.some(
                (x) => x.metadata.name === name && x.metadata.namespace === namespace,
              );
        expect(named, `${decision.reason} names an existing binding`).toBe(true);
      }),
    );
  });
});

describe("ruleAllows", () => {
  it('a rule of "*" everywhere allows every resource request, and no non-resource request', () => {
    const everything: PolicyRule = { verbs: ["*"], apiGroups: ["*"], resources: ["*"] };
    fc.assert(
      fc.property(request, (attrs) => {
        expect(ruleAllows(attrs, everything)).toBe(attrs.resourceRequest);
      }),
    );
  });

  it('nonResourceURLs ["*"] with verbs ["*"] allows every non-resource request, and no resource request', () => {
    const everyPath: PolicyRule = { verbs: ["*"], nonResourceURLs: ["*"] };
    fc.assert(
      fc.property(request, (attrs) => {
        expect(ruleAllows(attrs, everyPath)).toBe(!attrs.resourceRequest);
      }),
    );
  });

  it("a rule with empty lists allows nothing", () => {
    fc.assert(
      fc.property(request, (attrs) => {
        expect(
          ruleAllows(attrs, { verbs: [], apiGroups: [], resources: [], nonResourceURLs: [] }),
        ).toBe(false);
      }),
    );
  });
});
