import { describe, expect, it } from "vitest";
import { CycleState } from "../../framework/types.ts";
import { makeNode, makeNodeInfo, makePod } from "../testing-nodes.ts";
import {
  balancedResourceScore,
  NodeResourcesBalancedAllocation,
  nodeResourcesBalancedAllocation,
} from "./balanced-allocation.ts";

const node = (allocatable: Record<string, string>, existing: Record<string, string>[] = []) =>
  makeNodeInfo(
    makeNode("n", { allocatable }),
    existing.map((requests, i) => makePod(`existing-${i}`, { requests: [requests] })),
  );

describe("NodeResourcesBalancedAllocation score", () => {
  const cases: {
    name: string;
    allocatable: Record<string, string>;
    existing?: Record<string, string>[];
    requests: Record<string, string>[];
    want: number;
  }[] = [
    {
      name: "the worked example: fractions 0.75 and 0.5 → 87",
      allocatable: { cpu: "4", memory: "10000" },
      existing: [{ cpu: "1", memory: "2000" }],
      requests: [{ cpu: "2", memory: "3000" }],
      want: 87,
    },
    {
      name: "equal fractions are perfectly balanced",
      allocatable: { cpu: "4", memory: "8Gi" },
      requests: [{ cpu: "2", memory: "4Gi" }],
      want: 100,
    },
    {
      name: "all cpu and no memory is the worst: 1 − 0.5 = 50",
      allocatable: { cpu: "1", memory: "8Gi" },
      requests: [{ cpu: "1" }],
      want: 50,
    },
    {
      name: "fractions are capped at 1",
      allocatable: { cpu: "1", memory: "8Gi" },
      existing: [{ cpu: "3" }],
      requests: [{ cpu: "1" }],
      want: 50,
    },
    {
      name: "real requests, not defaults: an empty existing pod adds nothing",
      allocatable: { cpu: "4", memory: "4Gi" },
      existing: [{}],
      requests: [{ cpu: "1", memory: "1Gi" }],
      want: 100,
    },
    {
      name: "truncates: fractions 0.3 and 0.2 → 95",
      allocatable: { cpu: "10", memory: "10" },
      requests: [{ cpu: "3", memory: "2" }],
      want: 95,
    },
    {
      name: "one resource with allocatable has no deviation",
      allocatable: { cpu: "4" },
      requests: [{ cpu: "3", memory: "1Gi" }],
      want: 100,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const state = new CycleState();
      const pod = makePod("p", { requests: c.requests });
      expect(nodeResourcesBalancedAllocation.preScore(state, pod).code).toBe("Success");
      const r = nodeResourcesBalancedAllocation.score(state, pod, node(c.allocatable, c.existing));
      expect({ code: r.status.code, score: r.score }).toEqual({ code: "Success", score: c.want });
    });
  }

  it("PreScore skips a best-effort pod; Score without PreScore gives it 0", () => {
    const pod = makePod("p", { requests: [{}] });
    expect(nodeResourcesBalancedAllocation.preScore(new CycleState(), pod).code).toBe("Skip");
    expect(
      nodeResourcesBalancedAllocation.score(
        new CycleState(),
        pod,
        node({ cpu: "1", memory: "1Gi" }),
      ).score,
    ).toBe(0);
  });

  it("uses the population deviation for three resources", () => {
    // Fractions 0.2, 0.5, 0.8: mean 0.5, variance (0.09 + 0 + 0.09)/3 = 0.06, std ≈ 0.2449 → 75.
    expect(balancedResourceScore([2, 5, 8], [10, 10, 10])).toBe(75);
    const plugin = new NodeResourcesBalancedAllocation({
      resources: [
        { name: "cpu", weight: 1 },
        { name: "memory", weight: 1 },
        { name: "example.com/foo", weight: 1 },
      ],
    });
    const pod = makePod("p", { requests: [{ cpu: "2", memory: "5", "example.com/foo": "8" }] });
    const info = node({ cpu: "10", memory: "10", "example.com/foo": "10" });
    expect(plugin.score(new CycleState(), pod, info).score).toBe(75);
  });

  it("is named NodeResourcesBalancedAllocation", () =>
    expect(nodeResourcesBalancedAllocation.name).toBe("NodeResourcesBalancedAllocation"));
});
