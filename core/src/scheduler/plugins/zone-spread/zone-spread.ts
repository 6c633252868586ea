/**
 * ZoneSpread — tinykube's teaching plugin for Lab 5, NOT a Kubernetes plugin: kube-scheduler has
 * no plugin of this name. It shows the two extension points almost every plugin uses on a rule
 * small enough to hold in your head. In a real cluster you get this behaviour (and more) from
 * PodTopologySpread with topologyKey topology.kubernetes.io/zone, which is also one of its default
 * constraints (see ../pod-topology-spread/default-constraints.ts).
 *
 * - Filter (a yes/no per node): a node without the topology.kubernetes.io/zone label is
 *   UnschedulableAndUnresolvable, "node(s) had no zone label": evicting pods cannot give a node a
 *   label, so preemption skips it (as NodeAffinity rejects a node whose labels do not match). The
 *   label's presence is what counts, as in PodTopologySpread's nodeLabelsMatchSpreadConstraints:
 *   an empty value is the zone "".
 * - Score (a number per node that passed Filter): the node's zone's count of pods of the same
 *   app — pods whose `app` label equals the incoming pod's, in its namespace, not terminating
 *   (the pods PodTopologySpread's countPodsMatchSelector would count), on every node of that zone
 *   in the snapshot, including nodes that failed Filter. A pod without an `app` label counts 0
 *   everywhere: nothing to spread.
 * - NormalizeScore: DefaultNormalizeScore reversed, so the emptiest zone gets 100 and the fullest 0.
 *
 * Worked example: zone a = {n1, n2}, zone b = {n3}, zone c = {n4}; app=web runs 2 pods on n1,
 * 1 on n2, 1 on n3. A new app=web pod: raw scores n1 3, n2 3 (both count zone a), n3 1, n4 0;
 * normalized 100 − ⌊100·raw/3⌋: n1 0, n2 0, n3 100 − 33 = 67, n4 100.
 *
 * Trade-off: each Score call walks the whole snapshot, O(nodes²) per pod. A production plugin
 * counts once per cycle in PreScore and stores the counts in CycleState (PodTopologySpread does).
 */
import type { Node, Pod } from "../../../api/types.ts";
import {
  type CycleState,
  type FilterPlugin,
  MAX_NODE_SCORE,
  type NodeInfo,
  type NodeScore,
  type ScorePlugin,
  type Status,
  SUCCESS,
  status,
} from "../../framework/types.ts";
import { defaultNormalizeScore } from "../helper/normalize-score.ts";

export const NAME = "ZoneSpread";
/** Kubernetes' well-known zone label (v1.LabelTopologyZone); the beta failure-domain one is not read. */
export const ZONE_LABEL = "topology.kubernetes.io/zone";
/** The label that says which application a pod belongs to (a convention, not enforced by Kubernetes). */
export const APP_LABEL = "app";
export const ERR_REASON_NO_ZONE = "node(s) had no zone label";

/** What the plugin reads from the framework: every node of the current snapshot. */
export interface NodeInfoLister {
  nodeInfos(): readonly NodeInfo[];
}

/** The node's zone, or undefined when it has no zone label ("" is a zone). */
export function zoneOf(node: Node): string | undefined {
  const labels = node.metadata.labels ?? {};
  return Object.hasOwn(labels, ZONE_LABEL) ? labels[ZONE_LABEL] : undefined;
}

/** Whether `other` is a pod of `pod`'s app that spreading should count. */
function sameApp(pod: Pod, app: string, other: Pod): boolean {
  if (other.metadata.deletionTimestamp) return false; // going away: it will not crowd the zone
  if ((other.metadata.namespace ?? "") !== (pod.metadata.namespace ?? "")) return false;
  return other.metadata.labels?.[APP_LABEL] === app;
}

export class ZoneSpread implements FilterPlugin, ScorePlugin {
  readonly name = NAME;

  constructor(private readonly snapshot: NodeInfoLister) {}

  // #region filter
  filter(_state: CycleState, _pod: Pod, node: NodeInfo): Status {
    if (zoneOf(node.node) === undefined) {
      return status("UnschedulableAndUnresolvable", ERR_REASON_NO_ZONE);
    }
    return SUCCESS;
  }
  // #endregion filter

  // #region score
  score(_state: CycleState, pod: Pod, node: NodeInfo): { score: number; status: Status } {
    const zone = zoneOf(node.node);
    if (zone === undefined) {
      // Filter keeps such nodes out; reaching here means Filter was disabled in the profile.
      const name = node.node.metadata.name ?? "";
      return { score: 0, status: status("Error", `node ${name} has no ${ZONE_LABEL} label`) };
    }
    const app = pod.metadata.labels?.[APP_LABEL];
    if (app === undefined) return { score: 0, status: SUCCESS };
    let count = 0;
    for (const info of this.snapshot.nodeInfos()) {
      if (zoneOf(info.node) !== zone) continue;
      for (const other of info.pods) if (sameApp(pod, app, other)) count++;
    }
    return { score: count, status: SUCCESS };
  }

  /** Fewer pods of the app is better: the lowest count gets MAX_NODE_SCORE. */
  normalizeScore(_state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
    return SUCCESS;
  }
  // #endregion score
}
