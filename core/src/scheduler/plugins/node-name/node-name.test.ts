import { describe, expect, it } from "vitest";
import { CycleState } from "../../framework/types.ts";
import { makeNode, makeNodeInfo, makePod } from "../testing-nodes.ts";
import { ERR_REASON, nodeName } from "./node-name.ts";

describe("NodeName filter", () => {
  const cases = [
    {
      name: "no nodeName fits every node",
      podNode: undefined,
      node: "n1",
      code: "Success",
      reasons: [],
    },
    { name: "the named node fits", podNode: "n1", node: "n1", code: "Success", reasons: [] },
    {
      name: "any other node is rejected for good",
      podNode: "n1",
      node: "n2",
      code: "UnschedulableAndUnresolvable",
      reasons: [ERR_REASON],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pod = makePod("p", c.podNode ? { nodeName: c.podNode } : {});
      const s = nodeName.filter(new CycleState(), pod, makeNodeInfo(makeNode(c.node)));
      expect({ code: s.code, reasons: s.reasons }).toEqual({ code: c.code, reasons: c.reasons });
    });
  }

  it("is named as kube-scheduler names it", () => {
    expect(nodeName.name).toBe("NodeName");
    expect(ERR_REASON).toBe("node(s) didn't match the requested node name");
  });
});
