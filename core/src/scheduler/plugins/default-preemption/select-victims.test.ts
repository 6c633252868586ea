import { describe, expect, it } from "vitest";
import type { Pod } from "../../../api/types.ts";
import { fakePlugin } from "../../framework/fake-plugins.ts";
import { type CycleState, type NodeInfo, type Status, status } from "../../framework/types.ts";
import { NodeResourcesFit } from "../node-resources-fit/fit.ts";
import { NO_VICTIMS, selectVictimsOnNode } from "./select-victims.ts";
import { cpuNode, fitFilters, frameworkFilters, makeNodeInfo, priorityPod } from "./testing.ts";

const NOW = 1_000_000_000;

function victimsOf(
  preemptor: ReturnType<typeof priorityPod>,
  pods: ReturnType<typeof priorityPod>[],
) {
  const node = makeNodeInfo(cpuNode("n1"), pods);
  const before = node.requested.milliCPU;
  const { runFilterPlugins, ...simulation } = fitFilters(preemptor);
  const r = selectVictimsOnNode({
    ...simulation,
    runFilters: runFilterPlugins,
    pod: preemptor,
    node,
    now: NOW,
  });
  // The snapshot's NodeInfo is never changed by the simulation.
  expect(node.requested.milliCPU).toBe(before);
  expect(node.pods).toHaveLength(pods.length);
  return r;
}

describe("selectVictimsOnNode", () => {
  it("reprieves the most important pods first: the doc comment's worked example", () => {
    const a = priorityPod("a", 10, "2");
    const b = priorityPod("b", 5, "1");
    const c = priorityPod("c", 1, "1");
    const r = victimsOf(priorityPod("p", 100, "2"), [c, a, b]);
    expect(r.status).toBeUndefined();
    expect(r.status === undefined && r.victims.map((v) => v.metadata.name)).toEqual(["b", "c"]);
  });

  it("never preempts a pod of equal or higher priority", () => {
    const r = victimsOf(priorityPod("p", 100, "2"), [
      priorityPod("same", 100, "2"),
      priorityPod("higher", 200, "2"),
    ]);
    expect(r.status).toEqual({ code: "UnschedulableAndUnresolvable", reasons: [NO_VICTIMS] });
  });

  it("gives Filter's rejection when even removing every lower-priority pod is not enough", () => {
    const r = victimsOf(priorityPod("p", 100, "3"), [
      priorityPod("low", 1, "1"),
      priorityPod("high", 500, "2"),
    ]);
    expect(r.status).toMatchObject({ code: "Unschedulable", reasons: ["Insufficient cpu"] });
  });

  it("among equal priorities spares the pod running longest, evicts the youngest", () => {
    const r = victimsOf(priorityPod("p", 100, "2"), [
      priorityPod("young", 1, "2", { startedSecond: 200 }),
      priorityPod("old", 1, "2", { startedSecond: 100 }),
    ]);
    expect(r.status === undefined && r.victims.map((v) => v.metadata.name)).toEqual(["young"]);
  });

  it("takes only as many victims as needed, cheapest last reprieved", () => {
    const r = victimsOf(priorityPod("p", 100, "1"), [
      priorityPod("x", 3, "1"),
      priorityPod("y", 2, "1"),
      priorityPod("z", 1, "1"),
      priorityPod("w", 4, "1"),
    ]);
    expect(r.status === undefined && r.victims.map((v) => v.metadata.name)).toEqual(["z"]);
  });
});

describe("selectVictimsOnNode and the PreFilter extensions", () => {
  /** PreFilter state that records what the extensions were told; cloned with the cycle state. */
  class Log {
    constructor(readonly entries: string[] = []) {}
    clone() {
      return new Log([...this.entries]);
    }
  }

  /**
   * A PreFilter plugin whose extensions append "-name" (RemovePod) or "+name" (AddPod) to the
   * state's Log and to `calls`; `fail` makes RemovePod of that pod fail.
   */
  const recorder = (calls: string[], fail?: string) => {
    const note = (state: CycleState, entry: string): Status => {
      state.read<Log>("log")?.entries.push(entry);
      calls.push(entry);
      return status("Success");
    };
    return fakePlugin("Recorder", [], {
      preFilter: (state: CycleState) => {
        state.write("log", new Log());
        return { status: status("Success") };
      },
      filter: () => status("Success"),
      addPod: (state: CycleState, _p: Pod, other: Pod) => note(state, `+${other.metadata.name}`),
      removePod: (state: CycleState, _p: Pod, other: Pod, _n: NodeInfo) =>
        other.metadata.name === fail
          ? status("Unschedulable", `cannot forget ${fail}`)
          : note(state, `-${other.metadata.name}`),
    });
  };

  function simulate(calls: string[], fail?: string) {
    const preemptor = priorityPod("p", 100, "2");
    // The doc comment's worked example: b and c are victims, a is spared.
    const node = makeNodeInfo(cpuNode("n1"), [
      priorityPod("a", 10, "2"),
      priorityPod("b", 5, "1"),
      priorityPod("c", 1, "1"),
    ]);
    const { state, runFilterPlugins, ...extensions } = frameworkFilters(
      preemptor,
      [recorder(calls, fail), new NodeResourcesFit()],
      [node],
    );
    const result = selectVictimsOnNode({
      state,
      pod: preemptor,
      node,
      runFilters: runFilterPlugins,
      ...extensions,
      now: NOW,
    });
    return { result, state };
  }

  it("tells RemovePod of each pod taken off and AddPod of each put back, on a clone of the state", () => {
    const calls: string[] = [];
    const { result, state } = simulate(calls);
    expect(result.status === undefined && result.victims.map((v) => v.metadata.name)).toEqual([
      "b",
      "c",
    ]);
    expect(calls).toEqual(["-a", "-b", "-c", "+a", "+b", "-b", "+c", "-c"]);
    expect(state.read<Log>("log")?.entries, "the cycle's own state is untouched").toEqual([]);
  });

  it("ends the node with the extension's Error when one fails", () => {
    const calls: string[] = [];
    const { result } = simulate(calls, "b");
    expect(result.status).toMatchObject({
      code: "Error",
      reasons: ['running RemovePod on PreFilter plugin "Recorder": cannot forget b'],
    });
    expect(calls, "nothing runs after the failure").toEqual(["-a"]);
  });
});
