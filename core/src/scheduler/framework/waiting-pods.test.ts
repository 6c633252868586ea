import { describe, expect, it } from "vitest";
import type { Pod } from "../../api/types.ts";
import { FakeClock } from "../../util/clock.ts";
import { WaitingPod, WaitingPods } from "./waiting-pods.ts";

const pod: Pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "default", uid: "u1" },
  spec: { containers: [] },
};

/** Resolves to the outcome if the pod has settled by now, else "pending". */
async function peek(wp: WaitingPod): Promise<unknown> {
  return Promise.race([wp.wait(), new Promise((r) => setImmediate(() => r("pending")))]);
}

describe("WaitingPod (Permit's Wait)", () => {
  it("is allowed only once every plugin that asked to wait has allowed it", async () => {
    const clock = new FakeClock();
    const wp = new WaitingPod(
      "u1",
      pod,
      "n1",
      new Map([
        ["A", 5000],
        ["B", 5000],
      ]),
      clock,
    );
    expect(wp.pendingPlugins().sort()).toEqual(["A", "B"]);
    wp.allow("A");
    expect(await peek(wp), "B still holds it").toBe("pending");
    wp.allow("B");
    expect(await peek(wp)).toEqual({ code: "Success", reasons: [] });
  });

  it("a rejection is Unschedulable, names the plugin, and wins over later allows", async () => {
    const wp = new WaitingPod("u1", pod, "n1", new Map([["Gang", 5000]]), new FakeClock());
    wp.reject("Gang", "group incomplete");
    wp.allow("Gang");
    expect(await wp.wait()).toEqual({
      code: "Unschedulable",
      reasons: ["group incomplete"],
      plugin: "Gang",
    });
  });

  it("the first plugin whose timeout runs out rejects it, with Kubernetes' message", async () => {
    const clock = new FakeClock();
    const wp = new WaitingPod(
      "u1",
      pod,
      "n1",
      new Map([
        ["Slow", 30_000],
        ["Gang", 10_000],
      ]),
      clock,
    );
    clock.advance(9_999);
    expect(await peek(wp), "not yet at 9.999 s").toBe("pending");
    clock.advance(1);
    expect(await wp.wait()).toEqual({
      code: "Unschedulable",
      reasons: ["rejected due to timeout after waiting 10s at plugin Gang"],
      plugin: "Gang",
    });
  });

  it("an allowed pod's timers are cancelled: time passing later rejects nothing", async () => {
    const clock = new FakeClock();
    const wp = new WaitingPod("u1", pod, "n1", new Map([["A", 1000]]), clock);
    wp.allow("A");
    clock.advance(5000);
    expect((await wp.wait()).code).toBe("Success");
  });
});

describe("WaitingPods (one map per scheduler)", () => {
  it("finds, visits and rejects waiting pods by uid", async () => {
    const map = new WaitingPods();
    const wp = new WaitingPod("u1", pod, "n1", new Map([["A", 1000]]), new FakeClock());
    map.add(wp);
    expect(map.get("u1")).toBe(wp);
    const seen: string[] = [];
    map.iterate((w) => seen.push(w.uid));
    expect(seen).toEqual(["u1"]);
    expect(map.reject("u1", "", "removed")).toBe(true);
    expect(map.reject("nobody", "", "removed")).toBe(false);
    expect(await wp.wait()).toEqual({ code: "Unschedulable", reasons: ["removed"] });
    map.remove("u1");
    expect(map.size).toBe(0);
  });
});
