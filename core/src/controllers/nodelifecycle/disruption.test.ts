import { describe, expect, it } from "vitest";
import type { Condition } from "../../api/types.ts";
import { FakeClock } from "../../util/clock.ts";
import { ZoneEvictors } from "./disruption.ts";
import { NODE_LIFECYCLE_DEFAULTS } from "./options.ts";

const ready = (status: Condition["status"]): Condition => ({ type: "Ready", status });
const zones = (spec: Record<string, Condition["status"][]>) =>
  new Map(Object.entries(spec).map(([zone, statuses]) => [zone, statuses.map(ready)]));

function setup() {
  const evictors = new ZoneEvictors(NODE_LIFECYCLE_DEFAULTS, new FakeClock(0), () => {});
  evictors.addZone("a");
  evictors.addZone("b");
  return evictors;
}

describe("ZoneEvictors.update (handleDisruption)", () => {
  it("moves zones from Initial to their state, at their rate", () => {
    const e = setup();
    expect(
      e.update(zones({ a: ["True", "True"], b: ["True", "Unknown", "Unknown", "Unknown"] })),
    ).toBe(undefined);
    expect([e.state("a"), e.tainter("a").qps]).toEqual(["Normal", 0.1]);
    // 3 of 4 not Ready in a zone of 4 (not large): tainting stops there.
    expect([e.state("b"), e.tainter("b").qps]).toEqual(["PartialDisruption", 0]);
  });

  it("one zone fully down keeps tainting it at the normal rate: that zone is gone, not the network", () => {
    const e = setup();
    e.update(zones({ a: ["True"], b: ["True"] }));
    expect(e.update(zones({ a: ["True"], b: ["Unknown", "Unknown"] }))).toBe(undefined);
    expect([e.state("b"), e.tainter("b").qps]).toEqual(["FullDisruption", 0.1]);
  });

  it("every zone fully down enters master disruption: all tainting stops; a Ready node exits it", () => {
    const e = setup();
    e.update(zones({ a: ["True"], b: ["True"] }));
    expect(e.update(zones({ a: ["Unknown"], b: ["False"] }))).toBe("entered");
    expect(e.allTainters().map((t) => t.qps)).toEqual([0, 0]);
    expect(e.update(zones({ a: ["Unknown"], b: ["False"] }))).toBe(undefined);
    expect(e.update(zones({ a: ["True"], b: ["False"] }))).toBe("exited");
    expect([e.state("a"), e.tainter("a").qps, e.state("b"), e.tainter("b").qps]).toEqual([
      "Normal",
      0.1,
      "FullDisruption",
      0.1,
    ]);
  });

  it("forgets a zone whose nodes are all gone", () => {
    const e = setup();
    e.update(zones({ a: ["True"], b: ["True"] }));
    e.update(zones({ b: ["True"] }));
    expect(e.hasZone("a")).toBe(false);
    expect(e.hasZone("b")).toBe(true);
  });
});
