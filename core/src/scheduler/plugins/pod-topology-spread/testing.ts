/** Fixtures the PodTopologySpread tests share: constraints on label foo, and two zones of two nodes. */
import type { TopologySpreadConstraint } from "../../../api/types.ts";
import { labeledPod, zonedNode } from "../testing-pods.ts";

export const ZONE = "topology.kubernetes.io/zone";
export const HOST = "kubernetes.io/hostname";

/** A DoNotSchedule constraint over pods labelled foo. */
export const hard = (
  topologyKey: string,
  maxSkew: number,
  extra: Partial<TopologySpreadConstraint> = {},
): TopologySpreadConstraint => ({
  maxSkew,
  topologyKey,
  whenUnsatisfiable: "DoNotSchedule",
  labelSelector: { matchLabels: { foo: "" } },
  ...extra,
});

/** The pod being scheduled: labelled foo, with these constraints. */
export const incoming = (
  constraints: TopologySpreadConstraint[],
  extra: Parameters<typeof labeledPod>[1] = {},
) =>
  labeledPod("incoming", { labels: { foo: "" }, topologySpreadConstraints: constraints, ...extra });

/** n1, n2 in zone a; n3, n4 in zone b: the layout Kubernetes' own table tests use. */
export const fourNodes = [
  zonedNode("n1", "a"),
  zonedNode("n2", "a"),
  zonedNode("n3", "b"),
  zonedNode("n4", "b"),
];
