import { describe, expect, it } from "vitest";
import { fakeNodes, fakePlugin, fakePod } from "./fake-plugins.ts";
import { findNodesThatFit, numFeasibleNodesToFind } from "./feasible.ts";
import { fitErrorMessage } from "./messages.ts";
import { emptyProfile, type Profile } from "./profile.ts";
import { Framework } from "./runtime.ts";
import { CycleState, type NodeInfo, status } from "./types.ts";

const ok = status("Success");
const pod = fakePod();
const nameOf = (n: NodeInfo) => n.node.metadata.name;
const scorer = fakePlugin("S", [], { score: () => ({ score: 0, status: ok }) });

/** A framework that rejects the named nodes and scores (so numFeasibleNodesToFind applies). */
function rejecting(names: string[], extra: Partial<Profile> = {}): Framework {
  const reject = new Set(names);
  return new Framework({
    ...emptyProfile(),
    filter: [
      fakePlugin("F", [], {
        filter: (_s: CycleState, _p: unknown, n: NodeInfo) =>
          reject.has(nameOf(n) ?? "") ? status("Unschedulable", "Insufficient cpu") : ok,
      }),
    ],
    score: [scorer],
    scoreWeights: new Map([["S", 1]]),
    ...extra,
  });
}

describe("numFeasibleNodesToFind", () => {
  it.each([
    [1, 1],
    [99, 99],
    [100, 100],
    [101, 100],
    [500, 230],
    [1000, 420],
    [5000, 500],
    [6000, 300],
    [15000, 750],
  ])("adaptive: %i nodes → %i", (numAllNodes, expected) => {
    expect(numFeasibleNodesToFind({ numAllNodes })).toBe(expected);
  });

  it("uses the profile's percentage over the global one, still at least 100 nodes", () => {
    expect(numFeasibleNodesToFind({ numAllNodes: 5000, globalPercentage: 20 })).toBe(1000);
    expect(
      numFeasibleNodesToFind({ numAllNodes: 5000, profilePercentage: 30, globalPercentage: 20 }),
    ).toBe(1500);
    expect(numFeasibleNodesToFind({ numAllNodes: 5000, profilePercentage: 1 })).toBe(100);
    expect(numFeasibleNodesToFind({ numAllNodes: 5000, profilePercentage: 100 })).toBe(5000);
    // A profile's explicit 0 means adaptive, even if the global value is set.
    expect(
      numFeasibleNodesToFind({ numAllNodes: 5000, profilePercentage: 0, globalPercentage: 20 }),
    ).toBe(500);
  });
});

describe("findNodesThatFit", () => {
  it("records each rejection and advances the start index round the list (the doc trace)", () => {
    const nodes = fakeNodes(6);
    const out = findNodesThatFit({
      framework: rejecting(["n1", "n4"]),
      state: new CycleState(),
      pod,
      allNodes: nodes,
      nextStartNodeIndex: 4,
    });
    expect(out.feasibleNodes.map(nameOf)).toEqual(["n5", "n0", "n2", "n3"]);
    expect([...out.diagnosis.nodeToStatus.keys()]).toEqual(["n4", "n1"]);
    expect(out.diagnosis.nodeToStatus.get("n1")?.plugin).toBe("F");
    expect(out.nextStartNodeIndex).toBe(4);
  });

  it("stops once enough nodes fit, and the next cycle starts after the last node examined", () => {
    const nodes = fakeNodes(250); // 250 nodes: 50 − 2 = 48% → 120 to find
    const fw = rejecting(["n0", "n1"]);
    const first = findNodesThatFit({
      framework: fw,
      state: new CycleState(),
      pod,
      allNodes: nodes,
      nextStartNodeIndex: 0,
    });
    expect(first.feasibleNodes).toHaveLength(120);
    expect(first.feasibleNodes[0] && nameOf(first.feasibleNodes[0])).toBe("n2");
    expect(first.nextStartNodeIndex).toBe(122);
    const second = findNodesThatFit({
      framework: fw,
      state: new CycleState(),
      pod,
      allNodes: nodes,
      nextStartNodeIndex: first.nextStartNodeIndex,
    });
    expect(second.feasibleNodes[0] && nameOf(second.feasibleNodes[0])).toBe("n122");
    // 128 nodes left before wrapping: n122..n249 fit (128 > 120), so no wrap this time.
    expect(second.nextStartNodeIndex).toBe(242);
  });

  it("finds a single node when nothing scores", () => {
    const fw = rejecting([], { score: [], scoreWeights: new Map() });
    const out = findNodesThatFit({
      framework: fw,
      state: new CycleState(),
      pod,
      allNodes: fakeNodes(5),
      nextStartNodeIndex: 3,
    });
    expect(out.feasibleNodes.map(nameOf)).toEqual(["n3"]);
    expect(out.nextStartNodeIndex).toBe(4);
  });

  it("takes the next nodes as they come when there are no Filter plugins", () => {
    const fw = new Framework({
      ...emptyProfile(),
      score: [scorer],
      scoreWeights: new Map([["S", 1]]),
    });
    const out = findNodesThatFit({
      framework: fw,
      state: new CycleState(),
      pod,
      allNodes: fakeNodes(3),
      nextStartNodeIndex: 2,
    });
    expect(out.feasibleNodes.map(nameOf)).toEqual(["n2", "n0", "n1"]);
    expect(out.nextStartNodeIndex).toBe(2);
  });

  it("searches only the PreFilter's nodes and explains the others", () => {
    const fw = rejecting(["n2"], {
      preFilter: [
        fakePlugin("NodeName", [], {
          preFilter: () => ({ result: { nodeNames: new Set(["n2", "gone"]) }, status: ok }),
        }),
      ],
    });
    const out = findNodesThatFit({
      framework: fw,
      state: new CycleState(),
      pod,
      allNodes: fakeNodes(4),
      nextStartNodeIndex: 0,
    });
    expect(out.feasibleNodes).toEqual([]);
    expect(fitErrorMessage(out.diagnosis)).toBe(
      "0/4 nodes are available: 1 Insufficient cpu, 3 node(s) didn't satisfy plugin(s) [NodeName].",
    );
  });

  it("a PreFilter rejection becomes the whole message", () => {
    const fw = rejecting([], {
      preFilter: [
        fakePlugin("NodeAffinity", [], {
          preFilter: () => ({
            status: status(
              "UnschedulableAndUnresolvable",
              "node(s) didn't match Pod's node affinity/selector",
            ),
          }),
        }),
      ],
    });
    const out = findNodesThatFit({
      framework: fw,
      state: new CycleState(),
      pod,
      allNodes: fakeNodes(3),
      nextStartNodeIndex: 1,
    });
    expect(out.nextStartNodeIndex).toBe(1);
    expect([...(out.diagnosis.unschedulablePlugins ?? [])]).toEqual(["NodeAffinity"]);
    expect(fitErrorMessage(out.diagnosis)).toBe(
      "0/3 nodes are available: node(s) didn't match Pod's node affinity/selector.",
    );
  });

  it("returns a Filter error and still advances past the nodes examined", () => {
    const fw = new Framework({
      ...emptyProfile(),
      filter: [
        fakePlugin("F", [], {
          filter: (_s: CycleState, _p: unknown, n: NodeInfo) =>
            nameOf(n) === "n2" ? status("Error", "boom") : ok,
        }),
      ],
      score: [scorer],
      scoreWeights: new Map([["S", 1]]),
    });
    const out = findNodesThatFit({
      framework: fw,
      state: new CycleState(),
      pod,
      allNodes: fakeNodes(4),
      nextStartNodeIndex: 0,
    });
    expect(out.error?.reasons).toEqual(['running "F" filter plugin: boom']);
    expect(out.feasibleNodes).toEqual([]);
    expect(out.nextStartNodeIndex).toBe(2);
  });
});
