import { describe, expect, it } from "vitest";
import type { NodeSelectorTerm, Pod, PreferredSchedulingTerm } from "../../../api/types.ts";
import { labeledNode, labeledPod, runFilter, runScore, snapshot } from "../testing-pods.ts";
import {
  ERR_REASON_CONFLICT,
  ERR_REASON_POD,
  NodeAffinity,
  nodeAffinity,
} from "./node-affinity.ts";

const required = (...terms: NodeSelectorTerm[]): Pod["spec"]["affinity"] => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
});
const preferred = (...terms: PreferredSchedulingTerm[]): Pod["spec"]["affinity"] => ({
  nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: terms },
});

describe("NodeAffinity filter", () => {
  const node = labeledNode("n1", { zone: "a", disk: "ssd", gpus: "2" });
  const cases: {
    name: string;
    pod: Pod;
    code: string;
    reasons?: string[];
  }[] = [
    { name: "no selector and no affinity: PreFilter skips", pod: labeledPod("p"), code: "Skip" },
    {
      name: "nodeSelector matches",
      pod: labeledPod("p", { nodeSelector: { zone: "a" } }),
      code: "Success",
    },
    {
      name: "nodeSelector with a different value",
      pod: labeledPod("p", { nodeSelector: { zone: "b" } }),
      code: "UnschedulableAndUnresolvable",
      reasons: [ERR_REASON_POD],
    },
    {
      name: "nodeSelector and affinity must both hold",
      pod: labeledPod("p", {
        nodeSelector: { zone: "a" },
        affinity: required({
          matchExpressions: [{ key: "disk", operator: "In", values: ["hdd"] }],
        }),
      }),
      code: "UnschedulableAndUnresolvable",
      reasons: [ERR_REASON_POD],
    },
    {
      name: "In on one of several values",
      pod: labeledPod("p", {
        affinity: required({
          matchExpressions: [{ key: "zone", operator: "In", values: ["b", "a"] }],
        }),
      }),
      code: "Success",
    },
    {
      name: "NotIn holds on a node without the label",
      pod: labeledPod("p", {
        affinity: required({
          matchExpressions: [{ key: "arch", operator: "NotIn", values: ["arm64"] }],
        }),
      }),
      code: "Success",
    },
    {
      name: "expressions in a term are ANDed: Exists and DoesNotExist",
      pod: labeledPod("p", {
        affinity: required({
          matchExpressions: [
            { key: "disk", operator: "Exists" },
            { key: "gpus", operator: "DoesNotExist" },
          ],
        }),
      }),
      code: "UnschedulableAndUnresolvable",
      reasons: [ERR_REASON_POD],
    },
    {
      name: "terms are ORed: the second matches",
      pod: labeledPod("p", {
        affinity: required(
          { matchExpressions: [{ key: "zone", operator: "In", values: ["b"] }] },
          { matchExpressions: [{ key: "gpus", operator: "Gt", values: ["1"] }] },
        ),
      }),
      code: "Success",
    },
    {
      name: "Lt compares integers: 2 < 2 is false",
      pod: labeledPod("p", {
        affinity: required({ matchExpressions: [{ key: "gpus", operator: "Lt", values: ["2"] }] }),
      }),
      code: "UnschedulableAndUnresolvable",
      reasons: [ERR_REASON_POD],
    },
    {
      name: "Gt on a label that is not an integer does not match",
      pod: labeledPod("p", {
        affinity: required({ matchExpressions: [{ key: "disk", operator: "Gt", values: ["1"] }] }),
      }),
      code: "UnschedulableAndUnresolvable",
      reasons: [ERR_REASON_POD],
    },
    {
      name: "an empty term matches nothing",
      pod: labeledPod("p", { affinity: required({}) }),
      code: "UnschedulableAndUnresolvable",
      reasons: [ERR_REASON_POD],
    },
    {
      name: "a term that does not parse (Gt with two values) matches nothing, the next still can",
      pod: labeledPod("p", {
        affinity: required(
          { matchExpressions: [{ key: "gpus", operator: "Gt", values: ["1", "2"] }] },
          { matchExpressions: [{ key: "zone", operator: "Exists" }] },
        ),
      }),
      code: "Success",
    },
    {
      name: "matchFields metadata.name In the node's name",
      pod: labeledPod("p", {
        affinity: required({
          matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }],
        }),
      }),
      code: "Success",
    },
    {
      name: "matchFields NotIn the node's name, ANDed with a matching expression",
      pod: labeledPod("p", {
        affinity: required({
          matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }],
          matchFields: [{ key: "metadata.name", operator: "NotIn", values: ["n1"] }],
        }),
      }),
      code: "UnschedulableAndUnresolvable",
      reasons: [ERR_REASON_POD],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const run = runFilter(nodeAffinity, c.pod, snapshot([node]));
      const s = run.preFilter.code === "Success" ? run.filter.n1 : run.preFilter;
      expect({ code: s?.code, reasons: s?.reasons }).toEqual({
        code: c.code,
        reasons: c.reasons ?? [],
      });
    });
  }
});

describe("NodeAffinity PreFilter narrows to nodes named by matchFields", () => {
  const nodes = snapshot(["n1", "n2", "n3"].map((n) => labeledNode(n)));
  const byName = (...terms: string[][]) =>
    labeledPod("p", {
      affinity: required(
        ...terms.map((values) => ({
          matchFields: [{ key: "metadata.name", operator: "In" as const, values }],
        })),
      ),
    });
  const cases = [
    { name: "one term names one node", pod: byName(["n2"]), narrowed: ["n2"] },
    { name: "terms are ORed: union", pod: byName(["n1"], ["n3"]), narrowed: ["n1", "n3"] },
    {
      name: "a term without names allows every node",
      pod: labeledPod("p", {
        affinity: required(
          { matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] },
          { matchExpressions: [{ key: "zone", operator: "Exists" }] },
        ),
      }),
      narrowed: undefined,
    },
    {
      name: "requirements in a term are ANDed: intersection",
      pod: labeledPod("p", {
        affinity: required({
          matchFields: [
            { key: "metadata.name", operator: "In", values: ["n1", "n2"] },
            { key: "metadata.name", operator: "In", values: ["n2", "n3"] },
          ],
        }),
      }),
      narrowed: ["n2"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const run = runFilter(nodeAffinity, c.pod, nodes);
      expect(run.preFilter.code).toBe("Success");
      expect(run.narrowed).toEqual(c.narrowed);
    });
  }

  it("an empty intersection is a conflict no node can resolve", () => {
    const pod = labeledPod("p", {
      affinity: required({
        matchFields: [
          { key: "metadata.name", operator: "In", values: ["n1"] },
          { key: "metadata.name", operator: "In", values: ["n2"] },
        ],
      }),
    });
    const run = runFilter(nodeAffinity, pod, nodes);
    expect(run.preFilter).toEqual({
      code: "UnschedulableAndUnresolvable",
      reasons: [ERR_REASON_CONFLICT],
    });
  });
});

describe("NodeAffinity score", () => {
  const nodes = snapshot([
    labeledNode("x", { zone: "a", disk: "ssd" }),
    labeledNode("y", { zone: "a" }),
    labeledNode("z", { zone: "b" }),
  ]);
  const zoneA = { matchExpressions: [{ key: "zone", operator: "In" as const, values: ["a"] }] };
  const ssd = { matchExpressions: [{ key: "disk", operator: "In" as const, values: ["ssd"] }] };
  const cases = [
    {
      name: "sum of matching weights, best node scaled to 100 (the doc comment's example)",
      pod: labeledPod("p", {
        affinity: preferred({ weight: 2, preference: zoneA }, { weight: 8, preference: ssd }),
      }),
      raw: { x: 10, y: 2, z: 0 },
      normalized: { x: 100, y: 20, z: 0 },
    },
    {
      name: "integer division rounds down: 3 of 7 is 42",
      pod: labeledPod("p", {
        affinity: preferred({ weight: 3, preference: zoneA }, { weight: 4, preference: ssd }),
      }),
      raw: { x: 7, y: 3, z: 0 },
      normalized: { x: 100, y: 42, z: 0 },
    },
    {
      name: "no node matches: every score stays 0",
      pod: labeledPod("p", {
        affinity: preferred({
          weight: 5,
          preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["c"] }] },
        }),
      }),
      raw: { x: 0, y: 0, z: 0 },
      normalized: { x: 0, y: 0, z: 0 },
    },
    {
      name: "weight 0 and empty preferences are skipped",
      pod: labeledPod("p", {
        affinity: preferred({ weight: 0, preference: zoneA }, { weight: 9, preference: {} }),
      }),
      raw: { x: 0, y: 0, z: 0 },
      normalized: { x: 0, y: 0, z: 0 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const run = runScore(new NodeAffinity(), c.pod, nodes);
      expect(run.preScore.code).toBe("Success");
      expect(run.raw).toEqual(c.raw);
      expect(run.normalized).toEqual(c.normalized);
    });
  }

  it("PreScore skips a pod without preferred terms", () => {
    expect(runScore(nodeAffinity, labeledPod("p"), nodes).preScore.code).toBe("Skip");
  });

  it("a preferred term that does not parse is an Error", () => {
    const pod = labeledPod("p", {
      affinity: preferred({
        weight: 1,
        preference: { matchFields: [{ key: "metadata.name", operator: "Exists" }] },
      }),
    });
    const s = runScore(nodeAffinity, pod, nodes).preScore;
    expect(s.code).toBe("Error");
    expect(s.reasons[0]).toContain('Unsupported value: "Exists"');
  });

  it("is named as kube-scheduler names it, with its reasons", () => {
    expect(nodeAffinity.name).toBe("NodeAffinity");
    expect(ERR_REASON_POD).toBe("node(s) didn't match Pod's node affinity/selector");
  });
});
