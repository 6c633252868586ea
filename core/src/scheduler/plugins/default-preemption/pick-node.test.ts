import { describe, expect, it } from "vitest";
import { type Candidate, pickOneNodeForPreemption } from "./pick-node.ts";
import { priorityPod } from "./testing.ts";

const NOW = 10_000_000;
/** Victims given as [priority, startedSecond], most important first. */
const candidate = (nodeName: string, victims: [number, number][]): Candidate => ({
  nodeName,
  victims: victims.map(([priority, started], i) =>
    priorityPod(`${nodeName}-${i}`, priority, "1", { startedSecond: started }),
  ),
});

describe("pickOneNodeForPreemption", () => {
  it.each([
    {
      rule: "1. the lowest highest-victim priority",
      candidates: [
        candidate("a", [[10, 0]]),
        candidate("b", [
          [5, 0],
          [4, 0],
          [3, 0],
        ]),
      ],
      want: "b",
    },
    {
      rule: "2. the smallest sum of shifted priorities (the doc comment's worked example)",
      candidates: [
        candidate("z", [[7, 0]]),
        candidate("y", [
          [5, 0],
          [0, 0],
          [0, 0],
        ]),
        candidate("x", [
          [5, 0],
          [1, 0],
        ]),
      ],
      want: "x",
    },
    {
      rule: "2. the sum, not the count, when counts are equal",
      candidates: [
        candidate("a", [
          [5, 0],
          [3, 0],
        ]),
        candidate("b", [
          [5, 0],
          [2, 0],
        ]),
      ],
      want: "b",
    },
    {
      rule: "2. negative priorities: two victims of -10 lose to one",
      candidates: [
        candidate("a", [
          [-10, 0],
          [-10, 0],
        ]),
        candidate("b", [[-10, 0]]),
      ],
      want: "b",
    },
    {
      rule: "3. the fewest victims, when the shifted sums tie (0 vs 0 + -2^31)",
      candidates: [
        candidate("b", [
          [0, 0],
          [-(2 ** 31), 0],
        ]),
        candidate("a", [[0, 0]]),
      ],
      want: "a",
    },
    {
      rule: "4. the latest start among the highest-priority victims",
      candidates: [
        candidate("a", [
          [5, 100],
          [1, 999],
        ]),
        candidate("b", [
          [5, 300],
          [1, 0],
        ]),
      ],
      want: "b",
    },
    {
      rule: "5. otherwise the first",
      candidates: [candidate("a", [[5, 100]]), candidate("b", [[5, 100]])],
      want: "a",
    },
  ])("$rule", ({ candidates, want }) => {
    expect(pickOneNodeForPreemption(candidates, NOW)).toBe(want);
  });

  it("has nothing to pick from no candidates", () => {
    expect(pickOneNodeForPreemption([], NOW)).toBeUndefined();
  });
});
