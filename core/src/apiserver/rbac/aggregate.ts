/**
 * ClusterRole aggregation, as the clusterrole-aggregation controller in kube-controller-manager
 * does it (pkg/controller/clusterroleaggregation). A ClusterRole with an aggregationRule owns no
 * rules of its own: its rules are the union of the rules of every other ClusterRole whose labels
 * match one of its clusterRoleSelectors. That is how `view`, `edit` and `admin` grow: a CRD's
 * author ships a ClusterRole labelled `rbac.authorization.k8s.io/aggregate-to-view: "true"` and
 * every viewer can read the new resource.
 *
 * Worked example with the bootstrap roles:
 *
 *   view   selects aggregate-to-view   → system:aggregate-to-view's rules
 *   edit   selects aggregate-to-edit   → system:aggregate-to-edit's, then view's (view carries
 *                                        the aggregate-to-edit label)
 *   admin  selects aggregate-to-admin  → edit's, then system:aggregate-to-admin's
 *
 * edit can only include view's rules once view has them, and admin edit's. The controller gets
 * there by re-syncing every aggregated role whenever any ClusterRole changes; this function does
 * the same passes until nothing changes.
 */
import { matchesLabels, selectorFromLabelSelector } from "../../api/labels.ts";
import { clone } from "../../api/object.ts";
import type { ClusterRole, PolicyRule } from "./types.ts";

/**
 * Aggregated roles that select each other in a cycle can keep reordering each other's rules
 * forever; Kubernetes' controller would keep rewriting them. Here that is an error naming them.
 */
export class AggregationError extends Error {
  override name = "AggregationError";
  constructor(
    readonly unsettled: string[],
    passes: number,
  ) {
    super(
      `aggregated ClusterRoles still changing after ${passes} passes (do they select each other?): ${unsettled.join(", ")}`,
    );
  }
}

/**
 * The ClusterRoles with every aggregated role's rules filled in (copies; the input is not
 * changed). Within one selector, matching roles contribute in name order; a role never includes
 * itself; a rule already present is not added again. An empty selector `{}` selects every
 * ClusterRole, as in Kubernetes. Throws LabelSelectorError for a selector that is not valid.
 */
export function aggregateClusterRoles(clusterRoles: readonly ClusterRole[]): ClusterRole[] {
  const roles = clusterRoles.map((r) => clone(r));
  const aggregated = roles.filter((r) => r.aggregationRule !== undefined).sort(byName);
  // Without cycles, a chain of n aggregated roles settles within n passes; one more proves it.
  const passes = aggregated.length + 1;
  let changed: string[] = [];
  for (let pass = 0; pass < passes; pass++) {
    changed = [];
    for (const role of aggregated) {
      const rules = aggregatedRules(role, roles);
      if (!sameRules(rules, role.rules ?? [])) {
        role.rules = rules;
        changed.push(role.metadata.name ?? "");
      }
    }
    if (changed.length === 0) return roles;
  }
  throw new AggregationError(changed, passes);
}

/** One sync of one aggregated role (syncClusterRole), against the roles as they are now. */
function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] {
  const rules: PolicyRule[] = [];
  for (const labelSelector of role.aggregationRule?.clusterRoleSelectors ?? []) {
    const selector = selectorFromLabelSelector(labelSelector);
    const selected = all.filter((r) => matchesLabels(selector, r.metadata.labels)).sort(byName);
    for (const other of selected) {
      if (other.metadata.name === role.metadata.name) continue;
      for (const rule of other.rules ?? []) {
        if (!rules.some((r) => sameRule(r, rule))) rules.push(clone(rule));
      }
    }
  }
  return rules;
}

/** Rules compare field by field, in order; an absent list equals an empty one. */
function sameRule(a: PolicyRule, b: PolicyRule): boolean {
  const same = (x: string[] | undefined, y: string[] | undefined) => {
    const xs = x ?? [];
    const ys = y ?? [];
    return xs.length === ys.length && xs.every((v, i) => v === ys[i]);
  };
  return (
    same(a.verbs, b.verbs) &&
    same(a.apiGroups, b.apiGroups) &&
    same(a.resources, b.resources) &&
    same(a.resourceNames, b.resourceNames) &&
    same(a.nonResourceURLs, b.nonResourceURLs)
  );
}

function sameRules(a: readonly PolicyRule[], b: readonly PolicyRule[]): boolean {
  return a.length === b.length && a.every((rule, i) => sameRule(rule, b[i] as PolicyRule));
}

function byName(a: ClusterRole, b: ClusterRole): number {
  const x = a.metadata.name ?? "";
  const y = b.metadata.name ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
}
