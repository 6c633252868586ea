/**
 * Scheduling gates end to end: the API server marks a gated pod PodScheduled=False
 * SchedulingGated, the scheduler's queue holds it (PreEnqueue) without ever trying it, and
 * removing the last gate lets it be scheduled.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Pod } from "../api/types.ts";
import { eventually } from "../controllers/testing.ts";
import { e2eNode, e2ePod, type SchedulerE2E, startSchedulerE2E } from "./e2e-testing.ts";

describe("scheduling gates", () => {
  let e: SchedulerE2E | undefined;
  afterEach(async () => {
    await e?.stop();
    e = undefined;
  });

  it("a gated pod is held, never tried, and scheduled once its gates are removed", async () => {
    const tried: string[] = [];
    e = await startSchedulerE2E({ onCycle: (t) => tried.push(t.pod.metadata.name as string) });
    await e.nodes().create(e2eNode("n1"));
    const gated: Pod = {
      ...e2ePod("gated"),
      spec: { ...e2ePod("gated").spec, schedulingGates: [{ name: "example.com/quota" }] },
    };
    const created = await e.pods().create(gated);
    expect(created.status?.conditions).toMatchObject([
      {
        type: "PodScheduled",
        status: "False",
        reason: "SchedulingGated",
        message: "Scheduling is blocked due to non-empty scheduling gates",
      },
    ]);
    const scheduler = e.scheduler;
    await eventually(
      async () => scheduler.queue.whereIs("default/gated"),
      (where) => where === "unschedulablePods",
      "the gated pod held in unschedulablePods",
    );
    // A pod created after it is scheduled: the queue is running, only the gated pod waits.
    await e.schedule(e2ePod("free"));
    expect((await e.pods().get("gated")).spec.nodeName).toBeUndefined();
    expect(scheduler.queue.whereIs("default/gated")).toBe("unschedulablePods");
    expect(tried, "no scheduling cycle ran for the gated pod").toEqual(["free"]);

    await e.pods().patch("gated", { spec: { schedulingGates: null } }, "strategic");
    expect(await e.waitBound("gated")).toBe("n1");
    expect(tried).toEqual(["free", "gated"]);
  });
});
