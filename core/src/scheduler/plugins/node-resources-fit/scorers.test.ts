import { describe, expect, it } from "vitest";
import { DEFAULT_RESOURCES } from "./resource-allocation.ts";
import { leastRequestedScore, mostRequestedScore, weightedScore } from "./scorers.ts";

describe("per-resource scores", () => {
  const cases = [
    { name: "empty", requested: 0, capacity: 4000, least: 100, most: 0 },
    { name: "a quarter", requested: 1000, capacity: 4000, least: 75, most: 25 },
    { name: "truncates: 1/3", requested: 1, capacity: 3, least: 66, most: 33 },
    { name: "full", requested: 4000, capacity: 4000, least: 0, most: 100 },
    { name: "over-committed", requested: 5000, capacity: 4000, least: 0, most: 100 },
    { name: "no capacity", requested: 10, capacity: 0, least: 0, most: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(leastRequestedScore(c.requested, c.capacity)).toBe(c.least);
      expect(mostRequestedScore(c.requested, c.capacity)).toBe(c.most);
    });
  }
});

describe("weightedScore", () => {
  it("is the truncated weighted mean of the resources taking part", () => {
    expect(weightedScore("LeastAllocated", DEFAULT_RESOURCES, [3000, 5000], [4000, 10000])).toBe(
      37,
    );
    expect(weightedScore("MostAllocated", DEFAULT_RESOURCES, [3000, 5000], [4000, 10000])).toBe(62);
    expect(weightedScore("MostAllocated", DEFAULT_RESOURCES, [3000, 0], [4000, 0])).toBe(75);
  });

  it("is 0 when no resource takes part", () => {
    expect(weightedScore("LeastAllocated", DEFAULT_RESOURCES, [0, 0], [0, 0])).toBe(0);
  });
});
