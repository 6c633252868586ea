import { describe, expect, it } from "vitest";
import type { Pod } from "../../../api/types.ts";
import { type NodeInfo, type Status, status } from "../../framework/types.ts";
import { DefaultPreemption } from "./default-preemption.ts";
import { cpuNode, fitFilters, makeNodeInfo, priorityPod } from "./testing.ts";

const insufficientCpu: Status = {
  ...status("Unschedulable", "Insufficient cpu"),
  plugin: "NodeResourcesFit",
};
const untolerated: Status = {
  ...status("UnschedulableAndUnresolvable", "node(s) had untolerated taint {dedicated: db}"),
  plugin: "TaintToleration",
};

function preempt(preemptor: Pod, nodes: NodeInfo[], filtered: Record<string, Status>) {
  const evicted: string[] = [];
  const { state, runFilters } = fitFilters(preemptor);
  const plugin = new DefaultPreemption({
    nodeInfos: () => nodes,
    runFilterPlugins: runFilters,
    preemptPod: async (victim, _preemptor, nodeName) => {
      evicted.push(`${nodeName}/${victim.metadata.name}`);
    },
    now: () => 0,
  });
  return plugin
    .postFilter(state, preemptor, new Map(Object.entries(filtered)))
    .then((result) => ({ result, evicted }));
}

describe("DefaultPreemption", () => {
  it("evicts the victims on the node whose most important victim matters least, and nominates it", async () => {
    const n1 = makeNodeInfo(cpuNode("n1"), [
      priorityPod("n1-a", 50, "2", { nodeName: "n1" }),
      priorityPod("n1-b", 10, "2", { nodeName: "n1" }),
    ]);
    const n2 = makeNodeInfo(cpuNode("n2"), [
      priorityPod("n2-a", 20, "2", { nodeName: "n2" }),
      priorityPod("n2-b", 30, "2", { nodeName: "n2" }),
    ]);
    const { result, evicted } = await preempt(priorityPod("p", 100, "2"), [n1, n2], {
      n1: insufficientCpu,
      n2: insufficientCpu,
    });
    // n1 would lose n1-b (10), n2 would lose n2-a (20): n1's highest victim is lower.
    expect(result).toEqual({ nominatedNodeName: "n1", status: status("Success") });
    expect(evicted).toEqual(["n1/n1-b"]);
  });

  it("never simulates on an UnschedulableAndUnresolvable node, however cheap its pods", async () => {
    const tainted = makeNodeInfo(cpuNode("tainted"), [
      priorityPod("t", 1, "4", { nodeName: "tainted" }),
    ]);
    const full = makeNodeInfo(cpuNode("full"), [priorityPod("f", 90, "4", { nodeName: "full" })]);
    const { result, evicted } = await preempt(priorityPod("p", 100, "2"), [tainted, full], {
      tainted: untolerated,
      full: insufficientCpu,
    });
    expect(result.nominatedNodeName).toBe("full");
    expect(evicted).toEqual(["full/f"]);
  });

  it("says why nothing helps, in Kubernetes' words, and clears the nomination", async () => {
    const a = makeNodeInfo(cpuNode("a"), [priorityPod("a1", 100, "4", { nodeName: "a" })]);
    const b = makeNodeInfo(cpuNode("b"), [priorityPod("b1", 500, "4", { nodeName: "b" })]);
    const c = makeNodeInfo(cpuNode("c"), []);
    const d = makeNodeInfo(cpuNode("d", "1"), [priorityPod("d1", 1, "1", { nodeName: "d" })]);
    const { result, evicted } = await preempt(priorityPod("p", 100, "2"), [a, b, c, d], {
      a: insufficientCpu,
      b: insufficientCpu,
      c: untolerated,
      d: insufficientCpu,
    });
    expect(evicted).toEqual([]);
    expect(result).toEqual({
      nominatedNodeName: "",
      status: status(
        "Unschedulable",
        "preemption: 0/4 nodes are available: 1 Insufficient cpu, 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
      ),
    });
  });

  it("does not preempt for a pod with preemptionPolicy Never", async () => {
    const n1 = makeNodeInfo(cpuNode("n1"), [priorityPod("low", 1, "4", { nodeName: "n1" })]);
    const { result, evicted } = await preempt(
      priorityPod("p", 100, "2", { preemptionPolicy: "Never" }),
      [n1],
      { n1: insufficientCpu },
    );
    expect(evicted).toEqual([]);
    expect(result).toEqual({
      status: status("Unschedulable", "preemption: not eligible due to preemptionPolicy=Never."),
    });
  });

  it("turns a failed eviction into an Error, without a nomination", async () => {
    const n1 = makeNodeInfo(cpuNode("n1"), [priorityPod("low", 1, "4", { nodeName: "n1" })]);
    const { state, runFilters } = fitFilters(priorityPod("p", 100, "2"));
    const plugin = new DefaultPreemption({
      nodeInfos: () => [n1],
      runFilterPlugins: runFilters,
      preemptPod: async () => {
        throw new Error('pods "low" is forbidden');
      },
      now: () => 0,
    });
    const result = await plugin.postFilter(
      state,
      priorityPod("p", 100, "2"),
      new Map([["n1", insufficientCpu]]),
    );
    expect(result).toEqual({ status: status("Error", 'preemption: pods "low" is forbidden') });
  });
});
