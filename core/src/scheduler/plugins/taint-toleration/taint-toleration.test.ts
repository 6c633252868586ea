import { describe, expect, it } from "vitest";
import type { Taint, Toleration } from "../../../api/types.ts";
import { CycleState, type NodeScore } from "../../framework/types.ts";
import { defaultNormalizeScore } from "../helper/normalize-score.ts";
import { makeNode, makeNodeInfo, makePod } from "../testing-nodes.ts";
import { ERR_REASON_UNTOLERATED, taintToleration } from "./taint-toleration.ts";
import { toleratesTaint } from "./tolerates.ts";

const dedicated: Taint = { key: "dedicated", value: "gpu", effect: "NoSchedule" };

describe("TaintToleration filter", () => {
  const cases: { name: string; taints: Taint[]; tolerations?: Toleration[]; code: string }[] = [
    { name: "no taints fit", taints: [], code: "Success" },
    {
      name: "an untolerated NoSchedule taint rejects",
      taints: [dedicated],
      code: "UnschedulableAndUnresolvable",
    },
    {
      name: "an untolerated NoExecute taint rejects",
      taints: [{ key: "node.kubernetes.io/not-ready", effect: "NoExecute" }],
      code: "UnschedulableAndUnresolvable",
    },
    {
      name: "PreferNoSchedule never rejects",
      taints: [{ key: "spot", value: "true", effect: "PreferNoSchedule" }],
      code: "Success",
    },
    {
      name: "Equal with the same key, value and effect tolerates",
      taints: [dedicated],
      tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
      code: "Success",
    },
    {
      name: "no operator means Equal",
      taints: [dedicated],
      tolerations: [{ key: "dedicated", value: "gpu" }],
      code: "Success",
    },
    {
      name: "a different value does not tolerate",
      taints: [dedicated],
      tolerations: [{ key: "dedicated", value: "tpu" }],
      code: "UnschedulableAndUnresolvable",
    },
    {
      name: "Exists ignores the value",
      taints: [dedicated],
      tolerations: [{ key: "dedicated", operator: "Exists" }],
      code: "Success",
    },
    {
      name: "a different effect does not tolerate",
      taints: [dedicated],
      tolerations: [{ key: "dedicated", operator: "Exists", effect: "NoExecute" }],
      code: "UnschedulableAndUnresolvable",
    },
    {
      name: "every taint must be tolerated",
      taints: [dedicated, { key: "zone", value: "a", effect: "NoExecute" }],
      tolerations: [{ key: "dedicated", operator: "Exists" }],
      code: "UnschedulableAndUnresolvable",
    },
    {
      name: "empty key with Exists tolerates all taints",
      taints: [dedicated, { key: "zone", value: "a", effect: "NoExecute" }],
      tolerations: [{ operator: "Exists" }],
      code: "Success",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pod = makePod("p", c.tolerations ? { tolerations: c.tolerations } : {});
      const s = taintToleration.filter(
        new CycleState(),
        pod,
        makeNodeInfo(makeNode("n", { taints: c.taints })),
      );
      expect({ code: s.code, reasons: s.reasons }).toEqual({
        code: c.code,
        reasons: c.code === "Success" ? [] : [ERR_REASON_UNTOLERATED],
      });
    });
  }

  it("does not reveal the taint in the reason", () => {
    expect(ERR_REASON_UNTOLERATED).toBe("node(s) had untolerated taint(s)");
  });
});

describe("TaintToleration score", () => {
  const prefer = (key: string, value = ""): Taint => ({ key, value, effect: "PreferNoSchedule" });

  function scoreNodes(taintsPerNode: Taint[][], tolerations: Toleration[] = []): number[] {
    const pod = makePod("p", { tolerations });
    const state = new CycleState();
    expect(taintToleration.preScore(state, pod).code).toBe("Success");
    const scores: NodeScore[] = taintsPerNode.map((taints, i) => {
      const r = taintToleration.score(state, pod, makeNodeInfo(makeNode(`n${i}`, { taints })));
      return { name: `n${i}`, score: r.score };
    });
    expect(taintToleration.normalizeScore(state, pod, scores).code).toBe("Success");
    return scores.map((s) => s.score);
  }

  const cases: { name: string; nodes: Taint[][]; tolerations?: Toleration[]; want: number[] }[] = [
    {
      name: "the worked example: 0, 1, 2 taints → 100, 50, 0",
      nodes: [[], [prefer("a")], [prefer("a"), prefer("b")]],
      want: [100, 50, 0],
    },
    { name: "no taints anywhere: all 100", nodes: [[], []], want: [100, 100] },
    { name: "NoSchedule taints do not count", nodes: [[dedicated], [prefer("a")]], want: [100, 0] },
    {
      name: "tolerated PreferNoSchedule taints do not count",
      nodes: [[prefer("a")], [prefer("b")]],
      tolerations: [{ key: "a", operator: "Exists", effect: "PreferNoSchedule" }],
      want: [100, 0],
    },
    {
      name: "a toleration without effect covers PreferNoSchedule",
      nodes: [[prefer("a", "x")], []],
      tolerations: [{ key: "a", value: "x" }],
      want: [100, 100],
    },
    {
      name: "a NoSchedule toleration does not cover PreferNoSchedule",
      nodes: [[prefer("a")], []],
      tolerations: [{ key: "a", operator: "Exists", effect: "NoSchedule" }],
      want: [0, 100],
    },
    {
      name: "truncates: 1 of 3 → 100 − 33 = 67",
      nodes: [[prefer("a")], [prefer("a"), prefer("b"), prefer("c")]],
      want: [67, 0],
    },
  ];
  for (const c of cases)
    it(c.name, () => expect(scoreNodes(c.nodes, c.tolerations)).toEqual(c.want));

  it("Score without PreScore is an Error", () => {
    const r = taintToleration.score(new CycleState(), makePod("p"), makeNodeInfo(makeNode("n")));
    expect(r.status.code).toBe("Error");
  });

  it("is named TaintToleration", () => expect(taintToleration.name).toBe("TaintToleration"));
});

describe("defaultNormalizeScore", () => {
  const run = (raw: number[], reverse: boolean) => {
    const scores = raw.map((score, i) => ({ name: `n${i}`, score }));
    defaultNormalizeScore(100, reverse, scores);
    return scores.map((s) => s.score);
  };
  it("scales onto 0..100, truncating", () => expect(run([0, 1, 3], false)).toEqual([0, 33, 100]));
  it("reverses after scaling", () => expect(run([0, 1, 3], true)).toEqual([100, 67, 0]));
  it("all zero stays zero, or becomes max when reversed", () => {
    expect(run([0, 0], false)).toEqual([0, 0]);
    expect(run([0, 0], true)).toEqual([100, 100]);
  });
});

describe("toleratesTaint", () => {
  it("treats an absent value as empty", () => {
    expect(
      toleratesTaint(
        { key: "k", operator: "Equal", value: "" },
        { key: "k", effect: "NoSchedule" },
      ),
    ).toBe(true);
  });
  it("an unknown operator tolerates nothing", () => {
    const bogus = { key: "k", operator: "Gt" } as unknown as Toleration;
    expect(toleratesTaint(bogus, { key: "k", value: "1", effect: "NoSchedule" })).toBe(false);
  });
});
