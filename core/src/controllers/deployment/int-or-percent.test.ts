import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  IntOrStringError,
  resolveFenceposts,
  rollingLimits,
  scaledValueFromIntOrPercent,
} from "./int-or-percent.ts";

describe("scaledValueFromIntOrPercent", () => {
  it.each([
    [3, 10, true, 3],
    [3, 10, false, 3],
    ["25%", 10, true, 3],
    ["25%", 10, false, 2],
    ["25%", 4, true, 1],
    ["25%", 4, false, 1],
    ["1%", 1, true, 1],
    ["1%", 1, false, 0],
    ["100%", 7, false, 7],
    ["0%", 10, true, 0],
    ["+50%", 3, true, 2],
    ["150%", 3, false, 4],
  ] as const)("%j of %i, rounding up: %s → %i", (value, total, roundUp, expected) => {
    expect(scaledValueFromIntOrPercent(value, total, roundUp)).toBe(expected);
  });

  it("never returns -0", () => {
    expect(Object.is(scaledValueFromIntOrPercent("-1%", 10, true), 0)).toBe(true);
  });

  it("rejects what Kubernetes rejects, with Kubernetes' words and the value", () => {
    const bad = (value: string | number) => () => scaledValueFromIntOrPercent(value, 10, true);
    expect(bad("5")).toThrow(
      'invalid value for IntOrString: invalid type: string is not a percentage (got "5")',
    );
    expect(bad("abc%")).toThrow(
      'invalid value for IntOrString: invalid value "abc%": strconv.Atoi: parsing "abc": invalid syntax',
    );
    expect(bad("%")).toThrow('strconv.Atoi: parsing "": invalid syntax');
    expect(bad("2.5%")).toThrow(/parsing "2.5": invalid syntax/);
    expect(bad("99999999999999999999%")).toThrow(/value out of range/);
    expect(bad(2.5)).toThrow("invalid value for IntOrString: 2.5 is not an integer");
    expect(bad("x")).toThrow(IntOrStringError);
  });

  it("rounds up for surge and down for unavailability, and the two differ by at most 1", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 1000 }), (p, n) => {
        const up = scaledValueFromIntOrPercent(`${p}%`, n, true);
        const down = scaledValueFromIntOrPercent(`${p}%`, n, false);
        expect(up).toBeGreaterThanOrEqual((p * n) / 100);
        expect(down).toBeLessThanOrEqual((p * n) / 100);
        expect(up - down).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe("resolveFenceposts", () => {
  it("resolves the defaults (25%, 25%) of 10 replicas to surge 3, unavailable 2", () => {
    expect(resolveFenceposts("25%", "25%", 10)).toEqual({ maxSurge: 3, maxUnavailable: 2 });
  });

  it("makes maxUnavailable 1 when both round to 0, so the rollout can move", () => {
    expect(resolveFenceposts("0%", "10%", 3)).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    expect(resolveFenceposts(0, "1%", 2)).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    expect(resolveFenceposts(undefined, undefined, 5)).toEqual({ maxSurge: 0, maxUnavailable: 1 });
  });

  it("keeps a surge of 1% as 1 (rounded up) and then needs no fencepost", () => {
    expect(resolveFenceposts("1%", "25%", 2)).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });
});

describe("rollingLimits (MaxSurge, MaxUnavailable)", () => {
  it("caps maxUnavailable at replicas", () => {
    expect(rollingLimits({ replicas: 4, maxSurge: 1, maxUnavailable: 10 })).toEqual({
      maxSurge: 1,
      maxUnavailable: 4,
    });
  });

  it("allows no unavailability for a Deployment scaled to 0, not even the fencepost's 1", () => {
    expect(rollingLimits({ replicas: 0, maxSurge: "25%", maxUnavailable: "25%" })).toEqual({
      maxSurge: 0,
      maxUnavailable: 0,
    });
  });

  it("does not cap maxSurge", () => {
    expect(rollingLimits({ replicas: 2, maxSurge: 5, maxUnavailable: 0 }).maxSurge).toBe(5);
  });
});
