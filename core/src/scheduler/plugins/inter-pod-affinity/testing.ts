/** Fixtures the InterPodAffinity tests share: terms, labels, and four nodes in two zones. */
import type { Affinity, Node, PodAffinityTerm } from "../../../api/types.ts";
import { zonedNode } from "../testing-pods.ts";

export const ZONE = "topology.kubernetes.io/zone";
export const HOST = "kubernetes.io/hostname";

export const term = (
  topologyKey: string,
  matchLabels: Record<string, string>,
  extra: Partial<PodAffinityTerm> = {},
): PodAffinityTerm => ({ topologyKey, labelSelector: { matchLabels }, ...extra });
export const requiredAffinity = (...terms: PodAffinityTerm[]): Affinity => ({
  podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms },
});
export const requiredAnti = (...terms: PodAffinityTerm[]): Affinity => ({
  podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms },
});

export const cache = { app: "cache" };
export const web = { app: "web" };

/** n1, n2 in zone a; n3 in zone b; n4 has no zone label. */
export const nodes: Node[] = [
  zonedNode("n1", "a"),
  zonedNode("n2", "a"),
  zonedNode("n3", "b"),
  zonedNode("n4"),
];
