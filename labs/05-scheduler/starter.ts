/**
 * Lab 5: a scheduler plugin with two extension points, Filter and Score. ZoneSpread is
 * tinykube's teaching plugin — kube-scheduler has no plugin of this name; in a real cluster
 * PodTopologySpread with topologyKey topology.kubernetes.io/zone does this job and more.
 *
 * For each pod, the scheduler asks every enabled plugin, in two rounds:
 *
 *   Filter  "may the pod run on this node?" — once per node, a Status. Success keeps the node;
 *           any other code drops it, and the reasons end up in the pod's event
 *           ("0/4 nodes are available: 1 node(s) had no zone label, ..."). One plugin's no is
 *           final. The code also tells preemption whether evicting pods could help:
 *           Unschedulable (maybe) or UnschedulableAndUnresolvable (no, do not try this node).
 *   Score   "how good is this node?" — only for the nodes every Filter kept, a number per node.
 *           Raw scores can be anything non-negative; NormalizeScore then maps this plugin's raw
 *           scores onto 0..100 (MAX_NODE_SCORE), and the framework adds up every plugin's
 *           normalized score × its weight. The highest total wins.
 *
 * The interfaces (from @tinykube/core/scheduler/framework/types, as kube-scheduler's
 * framework/interface.go):
 *
 *   filter(state, pod, node: NodeInfo): Status                       // {code, reasons}
 *   score(state, pod, node: NodeInfo): { score: number; status: Status }
 *   normalizeScore(state, pod, scores: NodeScore[]): Status            // rewrite scores in place
 *
 * A NodeInfo is the Node (node.node, with its metadata.labels) and the pods bound to it
 * (node.pods). `state` is per-cycle scratch space; this plugin does not need it.
 *
 * ZoneSpread's rules:
 *   Filter: a node without the topology.kubernetes.io/zone label is UnschedulableAndUnresolvable,
 *           "node(s) had no zone label". Presence counts: the value "" is a zone.
 *   Score:  the number of pods of the incoming pod's app (same `app` label, same namespace, not
 *           terminating) on all nodes of the node's zone — every node in this.snapshot, not only
 *           the ones being scored.
 *   NormalizeScore: fewer is better, so reversed: 100 − ⌊100 × raw / highest⌋, all 100 if
 *           every raw score is 0 (Kubernetes' DefaultNormalizeScore with reverse = true).
 *
 * Worked example: zone a = {n1, n2}, zone b = {n3}, zone c = {n4}; app=web runs 2 pods on n1,
 * 1 on n2, 1 on n3. A new app=web pod arrives.
 *
 *   node  zone  web pods on the node  raw score (the zone's)  normalized
 *   n1    a     2                     3                       100 − ⌊100·3/3⌋ = 0
 *   n2    a     1                     3                       0
 *   n3    b     1                     1                       100 − ⌊100·1/3⌋ = 100 − 33 = 67
 *   n4    c     0                     0                       100 − 0 = 100
 *
 * n4 wins; with another plugin scoring too, n3 could still win on the sum.
 *
 * Write filter, score and normalizeScore below; the constants are done. Chapter 5's docs page
 * explains the scheduling framework next to the core's code. Check your work with
 * `npm run lab -- check 5`; stuck? `npm run lab -- hint 5`.
 */
// biome-ignore-all lint/correctness/noUnusedImports: SUCCESS and status are what your methods return.
import type { Pod } from "@tinykube/core/api/types";
import {
  type CycleState,
  type FilterPlugin,
  type NodeInfo,
  type NodeScore,
  type ScorePlugin,
  type Status,
  SUCCESS,
  status,
} from "@tinykube/core/scheduler/framework/types";

/** Kubernetes' well-known zone label (v1.LabelTopologyZone). */
export const ZONE_LABEL = "topology.kubernetes.io/zone";
/** The label that names a pod's application. */
export const APP_LABEL = "app";
/** Filter's reason for a node without a zone label: use it exactly. */
export const NO_ZONE_REASON = "node(s) had no zone label";

/** What the plugin is given: every node of the scheduler's snapshot, with its pods. */
export interface NodeInfoLister {
  nodeInfos(): readonly NodeInfo[];
}

export class ZoneSpread implements FilterPlugin, ScorePlugin {
  readonly name = "ZoneSpread";

  constructor(private readonly snapshot: NodeInfoLister) {}

  /** Success if the node has the zone label, else UnschedulableAndUnresolvable NO_ZONE_REASON. */
  filter(_state: CycleState, _pod: Pod, node: NodeInfo): Status {
    throw new Error(
      `ZoneSpread.filter is not implemented yet (asked about node ${node.node.metadata.name} with labels ` +
        `${JSON.stringify(node.node.metadata.labels ?? {})}). Return status("UnschedulableAndUnresolvable", ` +
        `NO_ZONE_REASON) when the labels lack "${ZONE_LABEL}", and SUCCESS otherwise.`,
    );
  }

  /** The count of the pod's app's pods in the node's zone, over every node of this.snapshot. */
  score(_state: CycleState, pod: Pod, node: NodeInfo): { score: number; status: Status } {
    const zone = node.node.metadata.labels?.[ZONE_LABEL];
    throw new Error(
      `ZoneSpread.score is not implemented yet (asked about node ${node.node.metadata.name} in zone ` +
        `${JSON.stringify(zone)}, for a pod with ${APP_LABEL}=${JSON.stringify(pod.metadata.labels?.[APP_LABEL])}, ` +
        `among ${this.snapshot.nodeInfos().length} nodes). Count the pods of the same app, namespace, not ` +
        `terminating, on every node with the same zone, and return { score: count, status: SUCCESS }.`,
    );
  }

  /** Rewrites `scores` in place: 100 − ⌊100·raw/highest⌋, or all 100 when every raw is 0. */
  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    const raw = scores.map((s) => `${s.name} ${s.score}`).join(", ");
    throw new Error(
      `ZoneSpread.normalizeScore is not implemented yet (given raw scores ${raw || "none"}). ` +
        `Reverse them onto 0..100 so the lowest raw score gets 100, and return SUCCESS.`,
    );
  }
}
