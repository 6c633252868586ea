import { describe, expect, it } from "vitest";
import { zonedNode } from "../plugins/testing-pods.ts";
import { NodeTree, zoneKey } from "./node-tree.ts";

describe("zoneKey", () => {
  it("joins region and zone, preferring the beta labels, and is empty without both", () => {
    expect(zoneKey(zonedNode("n"))).toBe("");
    expect(zoneKey(zonedNode("n", "z1"))).toBe(":\x00:z1");
    const both = zonedNode("n", "z1", {
      "topology.kubernetes.io/region": "r",
      "failure-domain.beta.kubernetes.io/zone": "old",
    });
    expect(zoneKey(both)).toBe("r:\x00:old");
  });
});

describe("NodeTree", () => {
  it("lists nodes round-robin across zones in arrival order (the module trace)", () => {
    const tree = new NodeTree();
    for (const [name, zone] of [
      ["a1", "a"],
      ["a2", "a"],
      ["a3", "a"],
      ["b1", "b"],
      ["c1", "c"],
      ["c2", "c"],
    ] as const)
      tree.addNode(zonedNode(name, zone));
    expect(tree.list()).toEqual(["a1", "b1", "c1", "a2", "c2", "a3"]);
  });

  it("ignores a duplicate add, drops empty zones and moves a node whose zone changed", () => {
    const tree = new NodeTree();
    tree.addNode(zonedNode("a1", "a"));
    tree.addNode(zonedNode("a1", "a"));
    tree.addNode(zonedNode("b1", "b"));
    expect(tree.numNodes).toBe(2);
    tree.updateNode(zonedNode("a1", "a"), zonedNode("a1", "c"));
    expect(tree.list()).toEqual(["b1", "a1"]);
    tree.removeNode(zonedNode("b1", "b"));
    expect(tree.list()).toEqual(["a1"]);
    expect(() => tree.removeNode(zonedNode("b1", "b"))).toThrow(/"b1".*not found/);
  });
});
