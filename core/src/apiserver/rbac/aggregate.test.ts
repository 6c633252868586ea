import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LabelSelectorError } from "../../api/labels.ts";
import type { LabelSelectorObject } from "../../api/validation.ts";
import { AggregationError, aggregateClusterRoles } from "./aggregate.ts";
import { type ClusterRole, type PolicyRule, RBAC_API_VERSION } from "./types.ts";

const TO_ADMIN = "rbac.authorization.k8s.io/aggregate-to-admin";
const TO_EDIT = "rbac.authorization.k8s.io/aggregate-to-edit";
const TO_VIEW = "rbac.authorization.k8s.io/aggregate-to-view";

function role(
  name: string,
  options: {
    labels?: Record<string, string>;
    rules?: PolicyRule[];
    selectors?: LabelSelectorObject[];
  } = {},
): ClusterRole {
  return {
    apiVersion: RBAC_API_VERSION,
    kind: "ClusterRole",
    metadata: { name, ...(options.labels ? { labels: options.labels } : {}) },
    ...(options.rules ? { rules: options.rules } : {}),
    ...(options.selectors ? { aggregationRule: { clusterRoleSelectors: options.selectors } } : {}),
  };
}
const read = (resource: string): PolicyRule => ({
  verbs: ["get"],
  apiGroups: [""],
  resources: [resource],
});
const rulesOf = (roles: ClusterRole[], name: string) =>
  roles.find((r) => r.metadata.name === name)?.rules?.map((r) => r.resources?.join(","));

/** Kubernetes' admin ⊃ edit ⊃ view chain, listed admin first so one pass is not enough. */
const chain = () => [
  role("admin", { selectors: [{ matchLabels: { [TO_ADMIN]: "true" } }] }),
  role("edit", {
    labels: { [TO_ADMIN]: "true" },
    selectors: [{ matchLabels: { [TO_EDIT]: "true" } }],
  }),
  role("view", {
    labels: { [TO_EDIT]: "true" },
    selectors: [{ matchLabels: { [TO_VIEW]: "true" } }],
  }),
  role("system:aggregate-to-admin", { labels: { [TO_ADMIN]: "true" }, rules: [read("roles")] }),
  role("system:aggregate-to-edit", { labels: { [TO_EDIT]: "true" }, rules: [read("secrets")] }),
  role("system:aggregate-to-view", { labels: { [TO_VIEW]: "true" }, rules: [read("pods")] }),
];

describe("aggregateClusterRoles", () => {
  it("fills admin, edit and view transitively, selected roles in name order", () => {
    const out = aggregateClusterRoles(chain());
    expect(rulesOf(out, "view")).toEqual(["pods"]);
    expect(rulesOf(out, "edit"), "system:aggregate-to-edit, then view").toEqual([
      "secrets",
      "pods",
    ]);
    expect(rulesOf(out, "admin"), "edit's, then system:aggregate-to-admin").toEqual([
      "secrets",
      "pods",
      "roles",
    ]);
  });

  it("a new role labelled aggregate-to-view reaches view, edit and admin (how a CRD joins them)", () => {
    const crontabs = role("crontabs-view", {
      labels: { [TO_VIEW]: "true" },
      rules: [read("crontabs")],
    });
    const out = aggregateClusterRoles([...chain(), crontabs]);
    for (const name of ["view", "edit", "admin"]) {
      expect(rulesOf(out, name), `${name} includes crontabs`).toContain("crontabs");
    }
  });

  it("returns copies and leaves its input alone", () => {
    const input = chain();
    const before = structuredClone(input);
    const out = aggregateClusterRoles(input);
    expect(input).toEqual(before);
    expect(out[0]).not.toBe(input[0]);
  });

  it("leaves roles without an aggregationRule as they are", () => {
    const out = aggregateClusterRoles(chain());
    expect(out.find((r) => r.metadata.name === "system:aggregate-to-edit")).toEqual(chain()[4]);
  });

  it("replaces whatever rules an aggregated role had: the controller owns them", () => {
    const stale = role("view", {
      labels: {},
      rules: [read("everything-once")],
      selectors: [{ matchLabels: { [TO_VIEW]: "true" } }],
    });
    const out = aggregateClusterRoles([
      stale,
      role("pods", { labels: { [TO_VIEW]: "true" }, rules: [read("pods")] }),
    ]);
    expect(rulesOf(out, "view")).toEqual(["pods"]);
  });

  it("adds a rule that two selected roles share only once", () => {
    const out = aggregateClusterRoles([
      role("all", { selectors: [{ matchLabels: { team: "a" } }] }),
      role("one", { labels: { team: "a" }, rules: [read("pods"), read("services")] }),
      role("two", { labels: { team: "a" }, rules: [read("services"), read("secrets")] }),
    ]);
    expect(rulesOf(out, "all")).toEqual(["pods", "services", "secrets"]);
  });

  it("never includes the aggregated role itself, even when its own labels match", () => {
    const out = aggregateClusterRoles([
      role("self", {
        labels: { team: "a" },
        rules: [read("stale")],
        selectors: [{ matchLabels: { team: "a" } }],
      }),
      role("other", { labels: { team: "a" }, rules: [read("pods")] }),
    ]);
    expect(rulesOf(out, "self")).toEqual(["pods"]);
  });

  it("matchLabels needs every label; several selectors add up in their order", () => {
    const out = aggregateClusterRoles([
      role("agg", {
        selectors: [{ matchLabels: { team: "a", tier: "web" } }, { matchLabels: { team: "b" } }],
      }),
      role("a-web", { labels: { team: "a", tier: "web" }, rules: [read("ingresses")] }),
      role("a-db", { labels: { team: "a", tier: "db" }, rules: [read("secrets")] }),
      role("b", { labels: { team: "b" }, rules: [read("configmaps")] }),
    ]);
    expect(rulesOf(out, "agg")).toEqual(["ingresses", "configmaps"]);
  });

  it("an empty selector selects every other ClusterRole", () => {
    const out = aggregateClusterRoles([
      role("everything", { selectors: [{}] }),
      role("x", { rules: [read("pods")] }),
      role("y", { labels: { any: "thing" }, rules: [read("nodes")] }),
    ]);
    expect(rulesOf(out, "everything")).toEqual(["pods", "nodes"]);
  });

  it("matchExpressions select too", () => {
    const out = aggregateClusterRoles([
      role("agg", {
        selectors: [{ matchExpressions: [{ key: "team", operator: "In", values: ["a", "b"] }] }],
      }),
      role("a", { labels: { team: "a" }, rules: [read("pods")] }),
      role("c", { labels: { team: "c" }, rules: [read("nodes")] }),
    ]);
    expect(rulesOf(out, "agg")).toEqual(["pods"]);
  });

  it("an invalid selector is an error, not an empty role", () => {
    const bad = role("agg", { selectors: [{ matchLabels: { "not a key!": "x" } }] });
    expect(() => aggregateClusterRoles([bad])).toThrow(LabelSelectorError);
  });

  it("aggregated roles that keep reordering each other's rules are an error naming them", () => {
    // r1 and r5 select everything, r4 selects r5: every pass reorders the others' rules.
    const cycle = [
      role("r1", { rules: [], selectors: [{}] }),
      role("r4", { rules: [read("nodes")], selectors: [{ matchLabels: { b: "1" } }] }),
      role("r5", { labels: { b: "1" }, rules: [read("pods")], selectors: [{}] }),
    ];
    expect(() => aggregateClusterRoles(cycle)).toThrow(AggregationError);
    expect(() => aggregateClusterRoles(cycle)).toThrow(
      "aggregated ClusterRoles still changing after 4 passes (do they select each other?): r1, r4, r5",
    );
  });

  it("without cycles it settles, and aggregating the result again changes nothing", () => {
    const labels = fc.dictionary(fc.constantFrom("a", "b"), fc.constantFrom("1", "2"), {
      maxKeys: 2,
    });
    const someRole = fc.record({
      name: fc.constantFrom("r1", "r2", "r3", "r4", "r5"),
      labels,
      rules: fc.array(fc.constantFrom("pods", "nodes", "secrets").map(read), { maxLength: 2 }),
      selectors: fc.option(
        fc.array(
          labels.map((matchLabels) => ({ matchLabels })),
          { maxLength: 2 },
        ),
        {
          nil: undefined,
        },
      ),
    });
    const world = fc.uniqueArray(someRole, { selector: (r) => r.name, maxLength: 5 });
    fc.assert(
      fc.property(world, (specs) => {
        const roles = specs.map((s) => role(s.name, s));
        fc.pre(!selectsInACycle(roles));
        const once = aggregateClusterRoles(roles);
        expect(aggregateClusterRoles(once)).toEqual(once);
      }),
    );
  });
});

/** Whether some aggregated roles select each other round in a circle (matchLabels only). */
function selectsInACycle(roles: ClusterRole[]): boolean {
  const selects = (a: ClusterRole, b: ClusterRole) =>
    a !== b &&
    b.aggregationRule !== undefined &&
    (a.aggregationRule?.clusterRoleSelectors ?? []).some((s) =>
      Object.entries(s.matchLabels ?? {}).every(([k, v]) => b.metadata.labels?.[k] === v),
    );
  const visiting = new Set<ClusterRole>();
  const done = new Set<ClusterRole>();
  const cyclic = (r: ClusterRole): boolean => {
    if (done.has(r)) return false;
    if (visiting.has(r)) return true;
    visiting.add(r);
    const found = roles.some((next) => selects(r, next) && cyclic(next));
    visiting.delete(r);
    done.add(r);
    return found;
  };
  return roles.some(cyclic);
}
