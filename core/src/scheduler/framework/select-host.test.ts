import { describe, expect, it } from "vitest";
import { fakeNodes, fakePlugin, fakePod } from "./fake-plugins.ts";
import { emptyProfile } from "./profile.ts";
import { Framework, type NodePluginScores } from "./runtime.ts";
import { prioritizeNodes, selectHost } from "./select-host.ts";
import { CycleState, status } from "./types.ts";

const scored = (...totals: [string, number][]): NodePluginScores[] =>
  totals.map(([name, totalScore]) => ({ name, scores: [], totalScore }));

describe("selectHost", () => {
  it("picks the highest total, whatever the random source says", () => {
    expect(selectHost(scored(["a", 10], ["b", 30], ["c", 20]), () => 0)).toBe("b");
  });

  it("breaks ties by reservoir sampling: each later tie takes over when randomInt(ties) is 0", () => {
    const three = scored(["a", 5], ["b", 5], ["c", 5]);
    const calls: number[] = [];
    const never = (n: number) => {
      calls.push(n);
      return n - 1;
    };
    expect(selectHost(three, never)).toBe("a");
    expect(calls).toEqual([2, 3]);
    expect(selectHost(three, () => 0)).toBe("c");
    expect(selectHost(three, (n) => (n === 2 ? 0 : 1))).toBe("b");
  });

  it("is fair: over every random outcome, each of three tied nodes wins a third", () => {
    const wins = new Map<string, number>();
    // randomInt(2) ∈ {0,1} then randomInt(3) ∈ {0,1,2}: six equally likely outcomes.
    for (let r2 = 0; r2 < 2; r2++) {
      for (let r3 = 0; r3 < 3; r3++) {
        const host = selectHost(scored(["a", 1], ["b", 1], ["c", 1]), (n) => (n === 2 ? r2 : r3));
        wins.set(host, (wins.get(host) ?? 0) + 1);
      }
    }
    expect(wins).toEqual(
      new Map([
        ["a", 2],
        ["b", 2],
        ["c", 2],
      ]),
    );
  });

  it("a higher score resets the tie count", () => {
    const calls: number[] = [];
    const host = selectHost(scored(["a", 1], ["b", 1], ["c", 9], ["d", 9]), (n) => {
      calls.push(n);
      return 1;
    });
    expect(host).toBe("c");
    expect(calls).toEqual([2, 2]);
  });

  it("fails on an empty list with Kubernetes' message", () => {
    expect(() => selectHost([])).toThrow("empty priorityList");
  });
});

describe("prioritizeNodes", () => {
  it("gives every node 1 when no plugin scores", () => {
    const fw = new Framework(emptyProfile());
    expect(
      prioritizeNodes(fw, new CycleState(), fakePod(), fakeNodes(2)).scores.map(
        (s) => s.totalScore,
      ),
    ).toEqual([1, 1]);
  });

  it("stops at a PreScore failure", () => {
    const fw = new Framework({
      ...emptyProfile(),
      preScore: [fakePlugin("P", [], { preScore: () => status("Unschedulable", "no") })],
      score: [fakePlugin("S", [], { score: () => ({ score: 1, status: status("Success") }) })],
      scoreWeights: new Map([["S", 1]]),
    });
    expect(prioritizeNodes(fw, new CycleState(), fakePod(), fakeNodes(2)).status.reasons).toEqual([
      'running PreScore plugin "P": no',
    ]);
  });
});
