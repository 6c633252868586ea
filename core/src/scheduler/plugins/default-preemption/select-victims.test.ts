import { describe, expect, it } from "vitest";
import { NO_VICTIMS, selectVictimsOnNode } from "./select-victims.ts";
import { cpuNode, fitFilters, makeNodeInfo, priorityPod } from "./testing.ts";

const NOW = 1_000_000_000;

function victimsOf(
  preemptor: ReturnType<typeof priorityPod>,
  pods: ReturnType<typeof priorityPod>[],
) {
  const node = makeNodeInfo(cpuNode("n1"), pods);
  const before = node.requested.milliCPU;
  const r = selectVictimsOnNode({ ...fitFilters(preemptor), pod: preemptor, node, now: NOW });
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
