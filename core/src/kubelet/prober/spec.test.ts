import { describe, expect, it } from "vitest";
import { probeOf, timing } from "./spec.ts";

describe("timing", () => {
  it("applies SetDefaults_Probe's defaults, 0 counting as unset", () => {
    expect(timing({})).toEqual({
      initialDelaySeconds: 0,
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(timing({ periodSeconds: 0, failureThreshold: 0 })).toMatchObject({
      periodSeconds: 10,
      failureThreshold: 3,
    });
  });

  it("keeps what the spec sets", () => {
    expect(
      timing({
        initialDelaySeconds: 5,
        timeoutSeconds: 2,
        periodSeconds: 3,
        successThreshold: 2,
        failureThreshold: 6,
      }),
    ).toEqual({
      initialDelaySeconds: 5,
      timeoutSeconds: 2,
      periodSeconds: 3,
      successThreshold: 2,
      failureThreshold: 6,
    });
  });
});

describe("probeOf", () => {
  it("finds each kind under its field; null is no probe", () => {
    const container = {
      name: "c",
      livenessProbe: { exec: { command: ["true"] } },
      readinessProbe: null,
    };
    expect(probeOf(container, "Liveness")).toEqual({ exec: { command: ["true"] } });
    expect(probeOf(container, "Readiness")).toBeUndefined();
    expect(probeOf(container, "Startup")).toBeUndefined();
  });
});
