import { describe, expect, it } from "vitest";
import { NODE_LIFECYCLE_DEFAULTS, resolveNodeLifecycleOptions } from "./options.ts";

describe("resolveNodeLifecycleOptions", () => {
  it("fills in kube-controller-manager's defaults", () => {
    expect(resolveNodeLifecycleOptions()).toEqual({
      nodeMonitorPeriodMs: 5_000,
      nodeMonitorGracePeriodMs: 50_000,
      nodeStartupGracePeriodMs: 60_000,
      nodeEvictionRate: 0.1,
      secondaryNodeEvictionRate: 0.01,
      largeClusterSizeThreshold: 50,
      unhealthyZoneThreshold: 0.55,
    });
  });

  it("takes what is given", () => {
    expect(
      resolveNodeLifecycleOptions({ nodeMonitorGracePeriodMs: 40_000, nodeEvictionRate: 0 }),
    ).toEqual({
      ...NODE_LIFECYCLE_DEFAULTS,
      nodeMonitorGracePeriodMs: 40_000,
      nodeEvictionRate: 0,
    });
  });

  it("refuses a negative or non-finite value, and a zero period, naming it", () => {
    expect(() => resolveNodeLifecycleOptions({ nodeStartupGracePeriodMs: -1 })).toThrow(
      "node lifecycle option nodeStartupGracePeriodMs must be a finite number ≥ 0, got -1",
    );
    expect(() => resolveNodeLifecycleOptions({ nodeEvictionRate: Number.NaN })).toThrow(
      /nodeEvictionRate.*got NaN/,
    );
    expect(() => resolveNodeLifecycleOptions({ nodeMonitorPeriodMs: 0 })).toThrow(
      /nodeMonitorPeriodMs must be > 0/,
    );
  });
});
