import { describe, expect, it } from "vitest";
import { podFixture as pod, serviceFixture } from "./testing.ts";
import { formatTriggerTime, TriggerTimeTracker } from "./trigger-time.ts";

const t = (clock: string) => Date.parse(`2026-01-01T${clock}Z`);

describe("TriggerTimeTracker", () => {
  it("follows the module comment's trace", () => {
    const tracker = new TriggerTimeTracker();
    const web = serviceFixture("web");
    web.metadata.creationTimestamp = "2026-01-01T10:00:00Z";
    const a = pod({ name: "a", ip: "127.128.1.1", readySince: "2026-01-01T10:00:05Z" });
    const b = pod({ name: "b", ip: "127.128.1.2", readySince: "2026-01-01T10:00:07Z" });
    expect(tracker.compute(web, [a, b])).toBe(t("10:00:00"));
    const bNotReady = pod({
      name: "b",
      ip: "127.128.1.2",
      ready: false,
      readySince: "2026-01-01T10:01:00Z",
    });
    expect(tracker.compute(web, [a, bNotReady])).toBe(t("10:01:00"));
    expect(tracker.compute(web, [a, bNotReady])).toBeUndefined();
  });

  it("reports the earliest of several changes, and a new pod counts as a change", () => {
    const tracker = new TriggerTimeTracker();
    const web = serviceFixture("web");
    tracker.compute(web, []);
    const a = pod({ name: "a", ip: "127.128.1.1", readySince: "2026-01-01T10:02:00Z" });
    const b = pod({ name: "b", ip: "127.128.1.2", readySince: "2026-01-01T10:01:30Z" });
    expect(tracker.compute(web, [a, b])).toBe(t("10:01:30"));
  });

  it("forgets a deleted Service: its recreation reports its creation again", () => {
    const tracker = new TriggerTimeTracker();
    const web = serviceFixture("web");
    tracker.compute(web, []);
    expect(tracker.compute(web, [])).toBeUndefined();
    tracker.deleteService("default", "web");
    expect(tracker.compute(web, [])).toBe(Date.parse("2026-01-01T00:00:00Z"));
  });
});

describe("formatTriggerTime", () => {
  it("writes Go's RFC3339Nano: no zero fraction, no trailing zeros", () => {
    expect(formatTriggerTime(t("10:00:05"))).toBe("2026-01-01T10:00:05Z");
    expect(formatTriggerTime(t("10:00:05") + 500)).toBe("2026-01-01T10:00:05.5Z");
    expect(formatTriggerTime(t("10:00:05") + 50)).toBe("2026-01-01T10:00:05.05Z");
    expect(formatTriggerTime(t("10:00:00"))).toBe("2026-01-01T10:00:00Z");
  });
});
