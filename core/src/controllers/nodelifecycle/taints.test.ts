import { describe, expect, it } from "vitest";
import type { Condition, Node, Taint } from "../../api/types.ts";
import {
  addOrUpdateTaint,
  ownedNoScheduleTaints,
  removeTaint,
  taintSetDiff,
  UNREACHABLE_TAINT,
  wantedNoScheduleTaints,
} from "./taints.ts";

const node = (conditions: Condition[], taints: Taint[] = [], unschedulable = false): Node => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name: "n1" },
  spec: { taints, unschedulable },
  status: { conditions },
});
const c = (type: string, status: Condition["status"]): Condition => ({ type, status });
const noSchedule = (key: string): Taint => ({ key, effect: "NoSchedule" });

describe("wantedNoScheduleTaints", () => {
  it("mirrors conditions: Ready False → not-ready, Unknown → unreachable, pressures True → their taints", () => {
    expect(
      wantedNoScheduleTaints(
        node([
          c("Ready", "Unknown"),
          c("MemoryPressure", "True"),
          c("DiskPressure", "False"),
          c("PIDPressure", "True"),
          c("NetworkUnavailable", "True"),
        ]),
      ).map((t) => t.key),
    ).toEqual([
      "node.kubernetes.io/unreachable",
      "node.kubernetes.io/memory-pressure",
      "node.kubernetes.io/pid-pressure",
      "node.kubernetes.io/network-unavailable",
    ]);
    expect(wantedNoScheduleTaints(node([c("Ready", "False")]))).toEqual([
      noSchedule("node.kubernetes.io/not-ready"),
    ]);
    expect(wantedNoScheduleTaints(node([c("Ready", "True")]))).toEqual([]);
  });

  it("adds unschedulable for a cordoned node", () => {
    expect(wantedNoScheduleTaints(node([c("Ready", "True")], [], true))).toEqual([
      noSchedule("node.kubernetes.io/unschedulable"),
    ]);
  });
});

describe("ownedNoScheduleTaints", () => {
  it("is the condition and unschedulable NoSchedule taints, never a user's or a NoExecute one", () => {
    const mine = noSchedule("node.kubernetes.io/unreachable");
    const cordon = noSchedule("node.kubernetes.io/unschedulable");
    const users = noSchedule("example.com/gpu");
    expect(ownedNoScheduleTaints(node([], [mine, users, UNREACHABLE_TAINT, cordon]))).toEqual([
      mine,
      cordon,
    ]);
  });
});

describe("taintSetDiff", () => {
  it("compares by key and effect only", () => {
    const want = [noSchedule("a"), noSchedule("b")];
    const have = [{ ...noSchedule("b"), timeAdded: "2026-01-01T00:00:00Z" }, noSchedule("c")];
    expect(taintSetDiff(want, have)).toEqual({ add: [noSchedule("a")], remove: [noSchedule("c")] });
  });
});

describe("addOrUpdateTaint / removeTaint", () => {
  const at = (time: string): Taint => ({ ...UNREACHABLE_TAINT, timeAdded: time });

  it("appends a new taint, replaces one with another timeAdded, and reports no change for an identical one", () => {
    expect(addOrUpdateTaint([], at("2026-01-01T00:00:00Z"))).toEqual({
      taints: [at("2026-01-01T00:00:00Z")],
      updated: true,
    });
    expect(
      addOrUpdateTaint([noSchedule("x"), at("2026-01-01T00:00:00Z")], at("2026-01-01T00:05:00Z")),
    ).toEqual({
      taints: [noSchedule("x"), at("2026-01-01T00:05:00Z")],
      updated: true,
    });
    expect(addOrUpdateTaint([at("2026-01-01T00:00:00Z")], at("2026-01-01T00:00:00Z")).updated).toBe(
      false,
    );
  });

  it("removes every taint of the key and effect, whatever its value", () => {
    const list = [
      { ...UNREACHABLE_TAINT, value: "x" },
      noSchedule("node.kubernetes.io/unreachable"),
    ];
    expect(removeTaint(list, UNREACHABLE_TAINT)).toEqual({
      taints: [noSchedule("node.kubernetes.io/unreachable")],
      removed: true,
    });
    expect(removeTaint([], UNREACHABLE_TAINT).removed).toBe(false);
  });
});
