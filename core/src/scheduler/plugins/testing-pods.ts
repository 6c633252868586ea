/**
 * Test builders for the plugins that look at labels and placement (NodeAffinity,
 * PodTopologySpread, InterPodAffinity): labelled nodes, pods with affinity and spread
 * constraints, and one-call runs of a plugin's Filter and Score phases the way the framework would
 * call them. Test-only; nothing in the scheduler imports it.
 */
import type {
  Affinity,
  Node,
  Pod,
  Taint,
  Toleration,
  TopologySpreadConstraint,
} from "../../api/types.ts";
import { newNodeInfo } from "../framework/node-info.ts";
import {
  CycleState,
  type FilterPlugin,
  type NodeInfo,
  type NodeScore,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
  type Status,
} from "../framework/types.ts";

export function labeledNode(
  name: string,
  labels: Record<string, string> = {},
  taints?: Taint[],
): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, uid: `node-${name}`, labels },
    spec: taints ? { taints } : {},
    status: { allocatable: { cpu: "4", memory: "8Gi", pods: "110" } },
  };
}

/** A node named like Kubernetes' tests: hostname label = name, plus a zone if given. */
export function zonedNode(name: string, zone?: string, extra: Record<string, string> = {}): Node {
  return labeledNode(name, {
    "kubernetes.io/hostname": name,
    ...(zone ? { "topology.kubernetes.io/zone": zone } : {}),
    ...extra,
  });
}

export interface LabeledPodOptions {
  labels?: Record<string, string>;
  namespace?: string;
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  topologySpreadConstraints?: TopologySpreadConstraint[];
  tolerations?: Toleration[];
  terminating?: boolean;
}

let nextUid = 0;

export function labeledPod(name: string, options: LabeledPodOptions = {}): Pod {
  nextUid += 1;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: options.namespace ?? "default",
      uid: `pod-${name}-${nextUid}`,
      labels: options.labels ?? {},
      ...(options.terminating ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
    },
    spec: {
      containers: [{ name: "c" }],
      ...(options.nodeName ? { nodeName: options.nodeName } : {}),
      ...(options.nodeSelector ? { nodeSelector: options.nodeSelector } : {}),
      ...(options.affinity ? { affinity: options.affinity } : {}),
      ...(options.topologySpreadConstraints
        ? { topologySpreadConstraints: options.topologySpreadConstraints }
        : {}),
      ...(options.tolerations ? { tolerations: options.tolerations } : {}),
    },
  };
}

/** NodeInfos for `nodes`, each holding the pods whose spec.nodeName names it. */
export function snapshot(nodes: Node[], pods: Pod[] = []): NodeInfo[] {
  return nodes.map((node) =>
    newNodeInfo(
      node,
      pods.filter((p) => p.spec.nodeName === node.metadata.name),
    ),
  );
}

export interface FilterRun {
  preFilter: Status;
  /** Node names PreFilter narrowed the search to, if it did. */
  narrowed?: string[];
  /** Each node's Filter status (absent when PreFilter failed or said Skip). */
  filter: Record<string, Status>;
}

/** PreFilter once, then Filter on every node unless PreFilter said Skip or failed. */
export function runFilter(
  plugin: PreFilterPlugin & FilterPlugin,
  pod: Pod,
  nodes: NodeInfo[],
): FilterRun {
  const state = new CycleState();
  const { result, status } = plugin.preFilter(state, pod, nodes);
  const run: FilterRun = { preFilter: status, filter: {} };
  if (result?.nodeNames) run.narrowed = [...result.nodeNames].sort();
  if (status.code !== "Success") return run;
  for (const info of nodes)
    run.filter[info.node.metadata.name ?? ""] = plugin.filter(state, pod, info);
  return run;
}

export interface ScoreRun {
  preScore: Status;
  /** Raw scores, then normalized ones; empty when PreScore said Skip. */
  raw: Record<string, number>;
  normalized: Record<string, number>;
}

/** PreScore over the feasible nodes, Score each, then NormalizeScore, as the framework does. */
export function runScore(
  plugin: PreScorePlugin & ScorePlugin,
  pod: Pod,
  feasible: NodeInfo[],
): ScoreRun {
  const state = new CycleState();
  const preScore = plugin.preScore(state, pod, feasible);
  const run: ScoreRun = { preScore, raw: {}, normalized: {} };
  if (preScore.code !== "Success") return run;
  const scores: NodeScore[] = feasible.map((info) => {
    const { score, status } = plugin.score(state, pod, info);
    if (status.code !== "Success")
      throw new Error(`score ${info.node.metadata.name ?? ""}: ${status.reasons}`);
    return { name: info.node.metadata.name ?? "", score };
  });
  for (const s of scores) run.raw[s.name] = s.score;
  const normalized = plugin.normalizeScore?.(state, pod, scores);
  if (normalized && normalized.code !== "Success")
    throw new Error(`normalize: ${normalized.reasons}`);
  for (const s of scores) run.normalized[s.name] = s.score;
  return run;
}
