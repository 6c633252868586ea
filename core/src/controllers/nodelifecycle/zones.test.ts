import { describe, expect, it } from "vitest";
import type { Condition, Node } from "../../api/types.ts";
import { NODE_LIFECYCLE_DEFAULTS } from "./options.ts";
import { computeZoneState, taintingRateFor, zoneKey } from "./zones.ts";

const nodeWith = (labels: Record<string, string>): Node => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name: "n", labels },
});
const ready = (status: Condition["status"]): Condition => ({ type: "Ready", status });
const zone = (readyCount: number, notReadyCount: number) => [
  ...Array.from({ length: readyCount }, () => ready("True")),
  ...Array.from({ length: notReadyCount }, () => ready("Unknown")),
];

describe("zoneKey", () => {
  it("joins region and zone with a NUL, preferring the beta labels", () => {
    expect(
      zoneKey(
        nodeWith({ "topology.kubernetes.io/region": "eu", "topology.kubernetes.io/zone": "eu-a" }),
      ),
    ).toBe("eu:\u0000:eu-a");
    expect(
      zoneKey(
        nodeWith({
          "failure-domain.beta.kubernetes.io/zone": "old",
          "topology.kubernetes.io/zone": "new",
        }),
      ),
    ).toBe(":\u0000:old");
  });

  it("is empty for a node with neither label", () => {
    expect(zoneKey(nodeWith({}))).toBe("");
  });
});

describe("computeZoneState (the worked example)", () => {
  it.each([
    [4, 6, 6, "PartialDisruption"],
    [1, 3, 3, "PartialDisruption"],
    [2, 2, 2, "Normal"],
    [0, 3, 3, "FullDisruption"],
    [3, 0, 0, "Normal"],
  ] as const)("%i Ready, %i not: %i not Ready, %s", (r, n, notReady, state) => {
    expect(computeZoneState(zone(r, n), 0.55)).toEqual({ notReady, state });
  });

  it("counts a node without a Ready condition as not Ready", () => {
    expect(computeZoneState([undefined], 0.55)).toEqual({ notReady: 1, state: "FullDisruption" });
  });

  it("an empty zone is Normal", () => {
    expect(computeZoneState([], 0.55)).toEqual({ notReady: 0, state: "Normal" });
  });
});

describe("taintingRateFor", () => {
  const o = NODE_LIFECYCLE_DEFAULTS;
  it("Normal and FullDisruption taint at --node-eviction-rate", () => {
    expect(taintingRateFor("Normal", 10, o)).toBe(0.1);
    expect(taintingRateFor("FullDisruption", 10, o)).toBe(0.1);
  });

  it("PartialDisruption slows to the secondary rate in a large zone and stops in a small one", () => {
    expect(taintingRateFor("PartialDisruption", 51, o)).toBe(0.01);
    expect(taintingRateFor("PartialDisruption", 50, o)).toBe(0);
  });
});
