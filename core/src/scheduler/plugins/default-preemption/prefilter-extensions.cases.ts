/**
 * The contract preemption relies on from a PreFilter plugin with AddPod/RemovePod extensions,
 * as one suite each such plugin runs with its own cases (InterPodAffinity, PodTopologySpread):
 *
 * - RemovePod: PreFilter over the nodes, then RemovePod(X) on X's node with X taken off, gives
 *   the same Filter verdict on every node as a fresh PreFilter over the nodes without X.
 * - AddPod: PreFilter over the nodes without X, then AddPod(X) on X's node with X put on, gives
 *   the same verdicts as a fresh PreFilter over the nodes with X.
 * - Both run on a clone of the cycle state (CycleState.clone): the original's verdicts do not
 *   change.
 * - Without PreFilter's state (PreFilter never ran), both are an Error.
 *
 * A case whose `changes` is true must change some verdict when X goes — so a plugin whose
 * extensions did nothing fails it; one whose `changes` is false shows X is rightly not counted.
 * Test-only; nothing in the scheduler imports it.
 */
import { describe, expect, it } from "vitest";
import type { Node, Pod } from "../../../api/types.ts";
import { cloneNodeInfo } from "../../cache/snapshot.ts";
import { addPod, newNodeInfo, removePod } from "../../framework/node-info.ts";
import {
  CycleState,
  type FilterPlugin,
  type NodeInfo,
  type PreFilterPlugin,
  type Status,
} from "../../framework/types.ts";

export interface ExtensionCase {
  name: string;
  nodes: Node[];
  /** Every pod, X included, each on the node its spec.nodeName names. */
  pods: Pod[];
  incoming: Pod;
  /** The pod a simulation takes off or puts on. */
  x: Pod;
  /** Whether taking X off changes some node's Filter verdict. */
  changes: boolean;
}

export type PluginWithExtensions = PreFilterPlugin &
  FilterPlugin &
  Required<Pick<PreFilterPlugin, "addPod" | "removePod">>;

/** A plugin reading the snapshot through `nodes` (it changes as a case removes X). */
export type PluginFactory = (nodes: () => readonly NodeInfo[]) => PluginWithExtensions;

const snapshotOf = (nodes: Node[], pods: Pod[]) =>
  nodes.map((node) =>
    newNodeInfo(
      node,
      pods.filter((p) => p.spec.nodeName === node.metadata.name),
    ),
  );

export function describePreFilterExtensionsContract(
  name: string,
  makePlugin: PluginFactory,
  cases: ExtensionCase[],
): void {
  /** The cluster a case sees, switchable between with and without X. */
  function harness(c: ExtensionCase) {
    let current: NodeInfo[] = [];
    const plugin = makePlugin(() => current);
    const use = (withX: boolean) => {
      current = snapshotOf(
        c.nodes,
        c.pods.filter((p) => withX || p !== c.x),
      );
      return current;
    };
    const preFilter = (nodes: NodeInfo[]) => {
      const state = new CycleState();
      const s = plugin.preFilter(state, c.incoming, nodes).status;
      if (s.code === "Skip") state.skipFilter.add(plugin.name);
      else if (s.code !== "Success") throw new Error(`${c.name}: PreFilter said ${s.code}`);
      return state;
    };
    const verdicts = (state: CycleState, nodes: NodeInfo[]) => {
      const out: Record<string, Status> = {};
      for (const info of nodes) {
        out[info.node.metadata.name ?? ""] = state.skipFilter.has(plugin.name)
          ? { code: "Success", reasons: [] }
          : plugin.filter(state, c.incoming, info);
      }
      return out;
    };
    /** A clone of the state and of X's node, with X taken off or put on and the plugin told. */
    const simulate = (state: CycleState, nodes: NodeInfo[], change: "add" | "remove") => {
      expect(
        state.skipFilter.has(plugin.name),
        "PreFilter must not Skip, or the framework never calls the extensions",
      ).toBe(false);
      const clone = state.clone();
      const changed = nodes.map((info) => {
        if (info.node.metadata.name !== c.x.spec.nodeName) return info;
        const copy = cloneNodeInfo(info);
        let s: Status;
        if (change === "remove") {
          removePod(copy, c.x);
          s = plugin.removePod(clone, c.incoming, c.x, copy);
        } else {
          addPod(copy, c.x);
          s = plugin.addPod(clone, c.incoming, c.x, copy);
        }
        expect(s).toEqual({ code: "Success", reasons: [] });
        return copy;
      });
      return { clone, changed };
    };
    return { plugin, use, preFilter, verdicts, simulate };
  }

  describe(`${name}: PreFilter extensions keep PreFilter's state right`, () => {
    it.each(cases)("RemovePod(X) gives the verdicts of a fresh PreFilter without X: $name", (c) => {
      const h = harness(c);
      const all = h.use(true);
      const state = h.preFilter(all);
      const before = h.verdicts(state, all);
      const { clone, changed } = h.simulate(state, all, "remove");
      const got = h.verdicts(clone, changed);
      expect(h.verdicts(state, all), "the original state is unchanged").toEqual(before);
      const without = h.use(false);
      const want = h.verdicts(h.preFilter(without), without);
      expect(got).toEqual(want);
      if (c.changes) expect(want, "taking X off changes a verdict").not.toEqual(before);
      else expect(want, "X does not count").toEqual(before);
    });

    it.each(cases)("AddPod(X) gives the verdicts of a fresh PreFilter with X: $name", (c) => {
      const h = harness(c);
      const without = h.use(false);
      const state = h.preFilter(without);
      const before = h.verdicts(state, without);
      const { clone, changed } = h.simulate(state, without, "add");
      const got = h.verdicts(clone, changed);
      expect(h.verdicts(state, without), "the original state is unchanged").toEqual(before);
      const all = h.use(true);
      expect(got).toEqual(h.verdicts(h.preFilter(all), all));
    });

    it("without PreFilter's state, AddPod and RemovePod are an Error", () => {
      const c = cases[0] as ExtensionCase;
      const { plugin } = harness(c);
      const node = newNodeInfo(c.nodes[0] as Node);
      for (const s of [
        plugin.addPod(new CycleState(), c.incoming, c.x, node),
        plugin.removePod(new CycleState(), c.incoming, c.x, node),
      ]) {
        expect(s).toEqual({
          code: "Error",
          reasons: [`reading "PreFilter${plugin.name}" from cycleState: not found`],
        });
      }
    });
  });
}
