import { describe, expect, it } from "vitest";
import type { NodeSelectorTerm } from "../../../api/types.ts";
import { labeledNode, labeledPod } from "../testing-pods.ts";
import {
  NodeSelectorTermError,
  nodeSelectorTerm,
  preferredSchedulingTerms,
  requiredNodeAffinity,
} from "./node-selector.ts";

describe("nodeSelectorTerm parsing", () => {
  const bad: { name: string; term: NodeSelectorTerm; message: RegExp }[] = [
    {
      name: "an unknown operator",
      term: { matchExpressions: [{ key: "a", operator: "Like" as "In", values: ["x"] }] },
      message: /Unsupported value: "Like"/,
    },
    {
      name: "In with no values",
      term: { matchExpressions: [{ key: "a", operator: "In", values: [] }] },
      message: /values set can't be empty/,
    },
    {
      name: "Gt with a value that is not an integer",
      term: { matchExpressions: [{ key: "a", operator: "Gt", values: ["x"] }] },
      message: /the value must be an integer/,
    },
    {
      name: "matchFields with two names in one requirement",
      term: { matchFields: [{ key: "metadata.name", operator: "In", values: ["a", "b"] }] },
      message: /must have one element/,
    },
  ];
  for (const c of bad) {
    it(`rejects ${c.name}`, () => {
      expect(() => nodeSelectorTerm(c.term)).toThrow(NodeSelectorTermError);
      expect(() => nodeSelectorTerm(c.term)).toThrow(c.message);
    });
  }

  it("an empty term is dropped (undefined), not an error", () => {
    expect(nodeSelectorTerm({ matchExpressions: [], matchFields: [] })).toBeUndefined();
  });
});

describe("requiredNodeAffinity", () => {
  it("a pod without rules fits every node", () => {
    expect(requiredNodeAffinity(labeledPod("p"))(labeledNode("n"))).toBe(true);
  });

  it("matchFields is skipped on a node without a name, as Kubernetes extracts no fields then", () => {
    const pod = labeledPod("p", {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchFields: [{ key: "metadata.name", operator: "In", values: ["other"] }] },
            ],
          },
        },
      },
    });
    const nameless = labeledNode("");
    expect(requiredNodeAffinity(pod)(nameless)).toBe(true);
    expect(requiredNodeAffinity(pod)(labeledNode("n1"))).toBe(false);
  });
});

describe("preferredSchedulingTerms", () => {
  it("sums the weights of matching terms (the module's worked example, preferred form)", () => {
    const score = preferredSchedulingTerms([
      {
        weight: 2,
        preference: { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] },
      },
      { weight: 8, preference: { matchExpressions: [{ key: "disk", operator: "Exists" }] } },
    ]);
    expect(score(labeledNode("x", { zone: "a", disk: "ssd" }))).toBe(10);
    expect(score(labeledNode("y", { zone: "a" }))).toBe(2);
    expect(score(labeledNode("z"))).toBe(0);
  });

  it("throws on a term that does not parse", () => {
    expect(() =>
      preferredSchedulingTerms([
        { weight: 1, preference: { matchExpressions: [{ key: "a", operator: "Lt", values: [] }] } },
      ]),
    ).toThrow(/exactly one value is required/);
  });
});
