import { describe, expect, it } from "vitest";
import { fitErrorMessage, statusMessage } from "./messages.ts";
import { type Status, status } from "./types.ts";

const statuses = (entries: [string, Status][]) => new Map(entries);
const cpu = status("Unschedulable", "Insufficient cpu");
const taint = status(
  "UnschedulableAndUnresolvable",
  "node(s) had untolerated taint {node-role: master}",
);

describe("fitErrorMessage", () => {
  it("counts reasons across nodes (the brief's five-node example)", () => {
    const message = fitErrorMessage({
      numAllNodes: 5,
      nodeToStatus: statuses([
        ["n1", cpu],
        ["n2", cpu],
        ["n3", taint],
        ["n4", taint],
        ["n5", taint],
      ]),
    });
    expect(message).toBe(
      "0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated taint {node-role: master}.",
    );
  });

  it("appends the preemption message after one space, as DefaultPreemption built it", () => {
    const allNodes = statuses([
      ["n1", cpu],
      ["n2", cpu],
      ["n3", taint],
      ["n4", taint],
      ["n5", taint],
    ]);
    const preemption = `preemption: ${fitErrorMessage({
      numAllNodes: 5,
      nodeToStatus: new Map(
        [...allNodes.keys()].map((n) => [
          n,
          status("Unschedulable", "No preemption victims found for incoming pod"),
        ]),
      ),
    })}`;
    expect(
      fitErrorMessage({ numAllNodes: 5, nodeToStatus: allNodes, postFilterMsg: preemption }),
    ).toBe(
      "0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated taint {node-role: master}. " +
        "preemption: 0/5 nodes are available: 5 No preemption victims found for incoming pod.",
    );
  });

  it("sorts entries as strings, count included, as Go's sort.Strings does", () => {
    const nodeToStatus = new Map<string, Status>();
    for (let i = 0; i < 10; i++)
      nodeToStatus.set(`m${i}`, status("Unschedulable", "Insufficient memory"));
    for (let i = 0; i < 2; i++) nodeToStatus.set(`c${i}`, cpu);
    expect(fitErrorMessage({ numAllNodes: 12, nodeToStatus })).toBe(
      "0/12 nodes are available: 10 Insufficient memory, 2 Insufficient cpu.",
    );
  });

  it("counts every reason of a node that gave several", () => {
    const both = status("Unschedulable", "Insufficient cpu", "Insufficient memory");
    expect(
      fitErrorMessage({
        numAllNodes: 2,
        nodeToStatus: statuses([
          ["a", both],
          ["b", cpu],
        ]),
      }),
    ).toBe("0/2 nodes are available: 1 Insufficient memory, 2 Insufficient cpu.");
  });

  it("counts the absent-node status once per node Filter never saw", () => {
    const absent = status(
      "UnschedulableAndUnresolvable",
      "node(s) didn't satisfy plugin(s) [NodeName]",
    );
    expect(
      fitErrorMessage({
        numAllNodes: 4,
        nodeToStatus: statuses([["a", cpu]]),
        absentNodesStatus: absent,
      }),
    ).toBe(
      "0/4 nodes are available: 1 Insufficient cpu, 3 node(s) didn't satisfy plugin(s) [NodeName].",
    );
  });

  it("uses only the PreFilter message when PreFilter rejected the pod", () => {
    const rejected = status(
      "UnschedulableAndUnresolvable",
      "node(s) didn't satisfy plugin NodeAffinity",
    );
    expect(
      fitErrorMessage({
        numAllNodes: 3,
        nodeToStatus: statuses([
          ["a", rejected],
          ["b", rejected],
          ["c", rejected],
        ]),
        preFilterMsg: statusMessage(rejected),
      }),
    ).toBe("0/3 nodes are available: node(s) didn't satisfy plugin NodeAffinity.");
  });

  it("ends at the colon when no node gave a reason (no nodes at all)", () => {
    expect(fitErrorMessage({ numAllNodes: 0, nodeToStatus: new Map() })).toBe(
      "0/0 nodes are available:",
    );
  });
});
