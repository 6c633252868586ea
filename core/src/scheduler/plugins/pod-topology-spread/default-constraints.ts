/**
 * The constraints a pod without its own topologySpreadConstraints is spread by — kube-scheduler's
 * PodTopologySpreadArgs defaulting (defaultingType System) and helper.DefaultSelector
 * (plugins/helper/spread.go).
 *
 * Guarantees, as in Kubernetes:
 * - The system defaults are two soft constraints: hostname with maxSkew 3 and zone with maxSkew 5,
 *   both ScheduleAnyway (pkg/scheduler/framework/plugins/podtopologyspread/plugin.go,
 *   systemDefaultConstraints). They only ever score; they never filter.
 * - Their selector is the pod's "group": every Service in its namespace that selects it (selectors
 *   merged), plus the selector of its controlling ReplicationController, ReplicaSet or
 *   StatefulSet. A pod no such object selects gets no default constraints.
 * - A Service without a selector selects nothing (not everything).
 *
 * Worked example: a pod of ReplicaSet web-7d4 (selector app=web, pod-template-hash=7d4) that
 * Service web (selector app=web) also selects is spread over zones (maxSkew 5) and nodes
 * (maxSkew 3) by the Service's requirements ANDed with the ReplicaSet's:
 * "app=web,app=web,pod-template-hash=7d4" — Kubernetes appends without removing repeats, which
 * changes nothing about which pods match.
 */
import {
  type LabelRequirement,
  type LabelSelector,
  matchesLabels,
  selectorFromLabelSelector,
  selectorFromSet,
} from "../../../api/labels.ts";
import type { LabelSelectorSpec, Pod, TopologySpreadConstraint } from "../../../api/types.ts";

export const SYSTEM_DEFAULT_CONSTRAINTS: readonly TopologySpreadConstraint[] = Object.freeze([
  { topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", maxSkew: 3 },
  { topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", maxSkew: 5 },
]);

/** The objects whose selectors make up a pod's group, as the scheduler's informers hold them. */
export interface GroupListers {
  /** spec.selector of each Service in the namespace (undefined: a Service without a selector). */
  serviceSelectors(namespace: string): (Record<string, string> | undefined)[];
  replicationControllerSelector?(
    namespace: string,
    name: string,
  ): Record<string, string> | undefined;
  replicaSetSelector?(namespace: string, name: string): LabelSelectorSpec | undefined;
  statefulSetSelector?(namespace: string, name: string): LabelSelectorSpec | undefined;
}

const byKey = (a: LabelRequirement, b: LabelRequirement) =>
  a.key < b.key ? -1 : a.key > b.key ? 1 : 0;

// #region defaultSelector
/** helper.DefaultSelector: the selector of the pod's Services and controller, ANDed. */
export function defaultSelector(pod: Pod, listers: GroupListers): LabelSelector {
  const namespace = pod.metadata.namespace ?? "";
  let set: Record<string, string> = {};
  for (const selector of listers.serviceSelectors(namespace)) {
    if (selector === undefined) continue;
    if (matchesLabels(selectorFromSet(selector), pod.metadata.labels))
      set = { ...set, ...selector };
  }
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller === true);
  let extra: LabelSelectorSpec | undefined;
  if (owner?.apiVersion === "v1" && owner.kind === "ReplicationController") {
    set = { ...set, ...(listers.replicationControllerSelector?.(namespace, owner.name) ?? {}) };
  } else if (owner?.apiVersion === "apps/v1" && owner.kind === "ReplicaSet") {
    extra = listers.replicaSetSelector?.(namespace, owner.name);
  } else if (owner?.apiVersion === "apps/v1" && owner.kind === "StatefulSet") {
    extra = listers.statefulSetSelector?.(namespace, owner.name);
  }
  const base = selectorFromSet(set);
  let added: LabelSelector | undefined;
  try {
    added = extra ? selectorFromLabelSelector(extra) : undefined;
  } catch {
    added = undefined; // a controller selector that does not parse is ignored, as in Kubernetes
  }
  // A controller selector that selects nothing adds no requirements, as Requirements() reports.
  if (added === undefined || added.type === "nothing" || base.type === "nothing") return base;
  return {
    type: "requirements",
    requirements: [...base.requirements, ...added.requirements].sort(byKey),
  };
}
// #endregion defaultSelector
