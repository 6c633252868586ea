/**
 * The order in which the scheduler lists nodes: round-robin across zones — kube-scheduler's
 * nodeTree (pkg/scheduler/backend/cache/node_tree.go).
 *
 * Guarantees:
 * - `list()` holds every added node exactly once: the first node of each zone, then the second
 *   of each zone, and so on. Zones are visited in the order they first appeared, nodes within a
 *   zone in the order they were added.
 * - Why interleave: the scheduler stops searching once it has found enough feasible nodes
 *   (percentageOfNodesToScore), so a list that walked one zone at a time would place a burst of
 *   pods all in the first zone.
 *
 * Trace, nodes added a1, a2, a3 (zone a), b1 (zone b), c1, c2 (zone c):
 *   zones a: [a1 a2 a3]  b: [b1]  c: [c1 c2]
 *   list() = a1 b1 c1 | a2 c2 | a3
 */
import type { Node } from "../../api/types.ts";

/**
 * A node's failure zone, as k8s.io/component-helpers node/topology GetZoneKey: region and zone,
 * each read from the deprecated failure-domain.beta.kubernetes.io label first, then the
 * topology.kubernetes.io one. "" when the node has neither. The NUL separator cannot occur in a
 * label value, so "a:b"+"c" and "a"+"b:c" stay distinct.
 */
export function zoneKey(node: Node): string {
  const labels = node.metadata.labels ?? {};
  const zone =
    labels["failure-domain.beta.kubernetes.io/zone"] ?? labels["topology.kubernetes.io/zone"] ?? "";
  const region =
    labels["failure-domain.beta.kubernetes.io/region"] ??
    labels["topology.kubernetes.io/region"] ??
    "";
  if (region === "" && zone === "") return "";
  return `${region}:\x00:${zone}`;
}

export class NodeTree {
  /** Zone key → node names in that zone. Map order is zone arrival order; no zone is empty. */
  private readonly zones = new Map<string, string[]>();
  /** Names across all zones; equals the sum of the zones' lengths. */
  numNodes = 0;

  /** Adds a node to its zone; adding a name already in that zone changes nothing. */
  addNode(node: Node): void {
    const name = node.metadata.name ?? "";
    const key = zoneKey(node);
    const names = this.zones.get(key);
    if (names?.includes(name)) return;
    if (names) names.push(name);
    else this.zones.set(key, [name]);
    this.numNodes += 1;
  }

  removeNode(node: Node): void {
    const name = node.metadata.name ?? "";
    const key = zoneKey(node);
    const names = this.zones.get(key) ?? [];
    const i = names.indexOf(name);
    if (i < 0) {
      throw new Error(`node tree: node "${name}" in zone ${JSON.stringify(key)} was not found`);
    }
    names.splice(i, 1);
    if (names.length === 0) this.zones.delete(key);
    this.numNodes -= 1;
  }

  /** Moves a node whose zone labels changed; Kubernetes ignores an old node that was not there. */
  updateNode(oldNode: Node | undefined, newNode: Node): void {
    const oldKey = oldNode ? zoneKey(oldNode) : "";
    if (oldKey === zoneKey(newNode)) return;
    if (oldNode) {
      try {
        this.removeNode(oldNode);
      } catch {
        // As node_tree.go's updateNode: the old node may never have been added; adding the new
        // one below is what matters.
      }
    }
    this.addNode(newNode);
  }

  // #region node-tree-list
  /** Node names, round-robin across zones (see the trace above). */
  list(): string[] {
    const zones = [...this.zones.values()];
    const out: string[] = [];
    for (let index = 0; out.length < this.numNodes; index++) {
      for (const names of zones) {
        const name = names[index];
        if (name !== undefined) out.push(name);
      }
    }
    return out;
  }
  // #endregion node-tree-list
}
