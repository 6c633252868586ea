import { describe, expect, it } from "vitest";
import { ResultsManager, type ResultUpdate } from "./results.ts";

describe("ResultsManager", () => {
  it("keeps the latest result per container and reports only changes", () => {
    const updates: ResultUpdate[] = [];
    const results = new ResultsManager((u) => updates.push(u));
    results.set("c1", "Failure", "pod-a");
    results.set("c1", "Failure", "pod-a");
    results.set("c2", "Success", "pod-b");
    results.set("c1", "Success", "pod-a");
    expect(results.get("c1")).toBe("Success");
    expect(results.get("c2")).toBe("Success");
    expect(updates).toEqual([
      { containerId: "c1", result: "Failure", podUid: "pod-a" },
      { containerId: "c2", result: "Success", podUid: "pod-b" },
      { containerId: "c1", result: "Success", podUid: "pod-a" },
    ]);
  });

  it("remove forgets silently; the next set is a first set and is reported", () => {
    const updates: ResultUpdate[] = [];
    const results = new ResultsManager((u) => updates.push(u));
    results.set("c1", "Success", "pod-a");
    results.remove("c1");
    expect(results.get("c1"), "after remove").toBeUndefined();
    expect(updates, "remove sends nothing").toHaveLength(1);
    results.set("c1", "Success", "pod-a");
    expect(updates, "set after remove").toHaveLength(2);
  });
});
