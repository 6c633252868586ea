import { describe, expect, it } from "vitest";
import type { Pod } from "../api/types.ts";
import { containerIdForLogs, decodePodLogOptions, LogRequestError } from "./container-logs.ts";

const pod = (status: Record<string, unknown>): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", namespace: "default" },
  spec: { containers: [{ name: "app" }] },
  status: { containerStatuses: [{ name: "app", ready: false, restartCount: 0, ...status }] },
});

/** The LogRequestError a call throws, as [status, message]. */
function refusal(call: () => unknown): [number, string] {
  try {
    call();
  } catch (error) {
    if (error instanceof LogRequestError) return [error.status, error.message];
    throw error;
  }
  throw new Error("expected a LogRequestError, the call succeeded");
}

describe("containerIdForLogs (validateContainerLogStatus)", () => {
  const ran = { terminated: { exitCode: 1, containerID: "tinykube://run-0" } };

  it("the running run; with previous, the last terminated one", () => {
    const p = pod({
      containerID: "tinykube://run-1",
      state: { running: {} },
      lastState: ran,
    });
    expect(containerIdForLogs(p, "app", false)).toBe("run-1");
    expect(containerIdForLogs(p, "app", true)).toBe("run-0");
  });

  it("a terminated container: its run, or the one before when its own has no ID", () => {
    expect(containerIdForLogs(pod({ state: ran, lastState: {} }), "app", false)).toBe("run-0");
    expect(
      containerIdForLogs(
        pod({ state: { terminated: { exitCode: 0 } }, lastState: ran }),
        "app",
        false,
      ),
    ).toBe("run-0");
    expect(
      refusal(() =>
        containerIdForLogs(pod({ state: { terminated: {} }, lastState: {} }), "app", false),
      ),
    ).toEqual([400, 'container "app" in pod "web" is terminated']);
  });

  it("a waiting container (CrashLoopBackOff) shows its last run", () => {
    const p = pod({ state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: ran });
    expect(containerIdForLogs(p, "app", false)).toBe("run-0");
  });

  it("says why there is nothing to show, in Kubernetes' words", () => {
    const waiting = (reason: string) => pod({ state: { waiting: { reason } }, lastState: {} });
    expect(refusal(() => containerIdForLogs(waiting("ErrImagePull"), "app", false))).toEqual([
      400,
      `container "app" in pod "web" is waiting to start: image can't be pulled`,
    ]);
    expect(refusal(() => containerIdForLogs(waiting("ContainerCreating"), "app", false))).toEqual([
      400,
      'container "app" in pod "web" is waiting to start: ContainerCreating',
    ]);
    expect(refusal(() => containerIdForLogs(waiting("ContainerCreating"), "app", true))).toEqual([
      400,
      'previous terminated container "app" in pod "web" not found',
    ]);
    expect(refusal(() => containerIdForLogs(pod({}), "db", false))).toEqual([
      400,
      'container "db" in pod "web" is not available',
    ]);
  });
});

describe("decodePodLogOptions", () => {
  const decode = (query: string) => decodePodLogOptions(new URLSearchParams(query));

  it("booleans are false only when absent, 0 or false; `tail` is tailLines, `all` none", () => {
    expect(decode("follow&previous=0&timestamps=FALSE")).toEqual({
      follow: true,
      previous: false,
      timestamps: false,
    });
    expect(decode("tail=5").tailLines).toBe(5);
    expect(decode("tailLines=5&tail=all").tailLines).toBeUndefined();
    expect(decode("sinceTime=2026-01-01T10:00:00Z&limitBytes=10")).toMatchObject({
      sinceTime: "2026-01-01T10:00:00Z",
      limitBytes: 10,
    });
  });

  it("400 for what does not decode, 422 for what does not validate", () => {
    const decodeError = [400, '{"message": "Unable to decode query."}'];
    const invalid = [422, '{"message": "Invalid request."}'];
    expect(refusal(() => decode("tailLines=1.5"))).toEqual(decodeError);
    expect(refusal(() => decode("sinceTime=yesterday"))).toEqual(decodeError);
    expect(refusal(() => decode("limitBytes=0"))).toEqual(invalid);
    expect(refusal(() => decode("sinceSeconds=0"))).toEqual(invalid);
    expect(refusal(() => decode("sinceSeconds=10&sinceTime=2026-01-01T10:00:00Z"))).toEqual(
      invalid,
    );
  });
});
