import { describe, expect, it } from "vitest";
import type { Pod } from "../../../api/types.ts";
import { CycleState } from "../../framework/types.ts";
import { PrioritySort } from "../queue-sort/priority-sort.ts";
import { SchedulingGates } from "../scheduling-gates/scheduling-gates.ts";
import { type Binding, DefaultBinder } from "./default-binder.ts";

const pod = (name: string, spec: Partial<Pod["spec"]> = {}): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", uid: `uid-${name}` },
  spec: { containers: [{ name: "c" }], ...spec },
});

describe("DefaultBinder", () => {
  it("posts a Binding naming the node to the pod's binding subresource", async () => {
    const posted: [string, string, Binding][] = [];
    const binder = new DefaultBinder(async (ns, name, binding) => {
      posted.push([ns, name, binding]);
    });
    expect(await binder.bind(new CycleState(), pod("web"), "node-2")).toEqual({
      code: "Success",
      reasons: [],
    });
    expect(posted).toEqual([
      [
        "default",
        "web",
        {
          apiVersion: "v1",
          kind: "Binding",
          metadata: { name: "web", namespace: "default", uid: "uid-web" },
          target: { apiVersion: "v1", kind: "Node", name: "node-2" },
        },
      ],
    ]);
  });

  it("a refused binding is an Error status with the API's message, not a throw", async () => {
    const binder = new DefaultBinder(async () => {
      throw new Error(
        'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "node-1"',
      );
    });
    expect(await binder.bind(new CycleState(), pod("web"), "node-2")).toEqual({
      code: "Error",
      reasons: [
        'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "node-1"',
      ],
      plugin: "DefaultBinder",
    });
  });
});

describe("PrioritySort", () => {
  it("higher priority first; equal priority, earlier arrival first; no priority counts as 0", () => {
    const sort = new PrioritySort();
    const high = { pod: pod("a", { priority: 100 }), timestamp: 5 };
    const low = { pod: pod("b", { priority: -1 }), timestamp: 1 };
    const none = { pod: pod("c"), timestamp: 3 };
    const zeroLater = { pod: pod("d", { priority: 0 }), timestamp: 4 };
    expect(sort.less(high, low)).toBe(true);
    expect(sort.less(low, high)).toBe(false);
    expect(sort.less(none, low), "0 beats -1").toBe(true);
    expect(sort.less(none, zeroLater), "same priority: earlier first").toBe(true);
    expect(sort.less(zeroLater, none)).toBe(false);
  });
});

describe("SchedulingGates", () => {
  it("holds a gated pod out of the active queue, naming the gates", () => {
    const gates = new SchedulingGates();
    expect(gates.preEnqueue(pod("free")).code).toBe("Success");
    expect(
      gates.preEnqueue(pod("gated", { schedulingGates: [{ name: "quota" }, { name: "gang" }] })),
    ).toEqual({
      code: "UnschedulableAndUnresolvable",
      reasons: ["waiting for scheduling gates: [quota gang]"],
      plugin: "SchedulingGates",
    });
  });
});
