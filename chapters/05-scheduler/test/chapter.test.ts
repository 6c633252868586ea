import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LabPluginError, runChapter } from "../src/chapter.ts";
import type { CycleSummary } from "../src/cycle-table.ts";

const repoFile = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

/** Each placed pod's cycle header, then its choice, then the observer's binding, in that order. */
function expectNarratedInOrder(text: string, pod: string, node: string) {
  const header = text.lastIndexOf(`: default/${pod} (`);
  const choice = text.indexOf(`→ ${node}: `, header);
  const binding = text.indexOf(`[observer] pod ${pod}: spec.nodeName=${node}; event Scheduled`);
  expect(header, `${pod}'s cycle is narrated`).toBeGreaterThan(0);
  expect(choice, `${pod}: the choice of ${node} follows Filter and Score`).toBeGreaterThan(header);
  expect(binding, `${pod}: the binding follows the choice`).toBeGreaterThan(choice);
}

const cycleOf = (cycles: CycleSummary[], pod: string) =>
  cycles.filter((c) => c.pod === `default/${pod}`);

describe("chapter 5 shows what its page says", () => {
  it("the default profile filters, scores and binds; taints, affinity, preemption; a pod waits for a node", async () => {
    const lines: string[] = [];
    const facts = await runChapter((line) => lines.push(line));
    const text = lines.join("\n");

    expect(facts.leader, "the scheduler started holds the Lease").toBe("scheduler-1");
    expect(facts.placements).toEqual({
      "web-1": "a1",
      cache: "c1",
      trainer: "gpu1",
      batch: "a1",
      critical: "a1",
      big: "b2",
    });
    for (const [pod, node] of Object.entries(facts.placements)) {
      expectNarratedInOrder(text, pod, node);
    }

    // 1. Integer arithmetic of the default weights: a1 wins by one point on BalancedAllocation.
    const [web] = cycleOf(facts.cycles, "web-1");
    expect(web?.rejected).toEqual({
      gpu1: {
        plugin: "TaintToleration",
        code: "UnschedulableAndUnresolvable",
        reasons: ["node(s) had untolerated taint(s)"],
      },
    });
    expect(web?.scores).toEqual({
      a1: {
        total: 487,
        byPlugin: {
          TaintToleration: 300,
          NodeResourcesFit: 87,
          NodeResourcesBalancedAllocation: 100,
          ImageLocality: 0,
        },
      },
      b1: {
        total: 486,
        byPlugin: {
          TaintToleration: 300,
          NodeResourcesFit: 90,
          NodeResourcesBalancedAllocation: 96,
          ImageLocality: 0,
        },
      },
      c1: {
        total: 474,
        byPlugin: {
          TaintToleration: 300,
          NodeResourcesFit: 84,
          NodeResourcesBalancedAllocation: 90,
          ImageLocality: 0,
        },
      },
    });

    // 2. Required node affinity: only zones b and c pass; the taint is checked first on gpu1.
    const [cache] = cycleOf(facts.cycles, "cache");
    expect(cache?.feasible.sort()).toEqual(["b1", "c1"]);
    expect(cache?.rejected.a1?.plugin).toBe("NodeAffinity");
    expect(cache?.rejected.a1?.reasons).toEqual([
      "node(s) didn't match Pod's node affinity/selector",
    ]);
    expect(cache?.rejected.gpu1?.plugin).toBe("TaintToleration");

    // 3. The toleration admits gpu1; c1 (2 CPUs, 500m used) cannot hold 2 more.
    const [trainer] = cycleOf(facts.cycles, "trainer");
    expect(trainer?.feasible.sort()).toEqual(["a1", "b1", "gpu1"]);
    expect(trainer?.rejected.c1).toEqual({
      plugin: "NodeResourcesFit",
      code: "Unschedulable",
      reasons: ["Insufficient cpu"],
    });

    // 4. Preemption: nominated, victim deleted, the preemptor bound in a later cycle.
    const criticalCycles = cycleOf(facts.cycles, "critical");
    expect(criticalCycles[0]?.failure).toBe(
      "0/4 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint(s), " +
        "2 node(s) didn't match Pod's node affinity/selector.",
    );
    expect(criticalCycles[0]?.nominatedNodeName).toBe("a1");
    expect(criticalCycles.at(-1)?.host).toBe("a1");
    expect(facts.preemption.nominated).toBe("a1");
    expect(facts.preemption.preemptedEvent).toMatch(/^Preempted by pod [0-9a-f-]{36} on node a1$/);
    expect(facts.preemption.survivors, "batch went; web-1, lower too, was reprieved").toEqual({
      "web-1": "a1",
      cache: "c1",
      trainer: "gpu1",
      critical: "a1",
    });

    // 5. FailedScheduling in Kubernetes' words, the unschedulable pool, and NodeAdd.
    const waited = facts.tooBig;
    expect(waited.failedScheduling).toBe(
      "0/4 nodes are available: 1 node(s) had untolerated taint(s), 3 Insufficient cpu. " +
        "preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, " +
        "3 No preemption victims found for incoming pod.",
    );
    expect(text).toContain(
      `event FailedScheduling (default-scheduler):\n    ${waited.failedScheduling}`,
    );
    expect(waited.queueAfterFailure).toBe("unschedulablePods");
    expect(waited.movesBeforeNodeAdd, "added, popped once, then parked until an event").toEqual([
      "activeQ (PodAdd)",
      "popped (Pop)",
      "unschedulablePods (ScheduleAttemptFailure)",
    ]);
    // NodeAdd moves it on: straight to activeQ, or through backoffQ if its 1 s backoff still runs.
    expect(waited.queueAfterNodeAdd[0], "the node's arrival moved it").toMatch(
      /^(activeQ|backoffQ) \(NodeAdd\)$/,
    );
    expect(waited.queueAfterNodeAdd.at(-1)).toBe("popped (Pop)");
    expect(text).toContain(`[scheduler queue] default/big → ${waited.queueAfterNodeAdd[0]}`);
    const bigCycles = facts.cycles.filter((c) => c.pod === "default/big");
    const placed = facts.cycles.findIndex((c) => c.pod === "default/big" && c.host === "b2");
    expect(placed, "placed by a cycle after the node was created").toBeGreaterThanOrEqual(
      waited.cyclesBeforeNodeAdd,
    );
    expect(bigCycles.filter((c) => c.failure !== undefined)).toHaveLength(1);
  });

  it("--use-lab runs the live scheduler with ZoneSpread: zones balance and the unlabelled node is never used", async () => {
    const lines: string[] = [];
    const facts = await runChapter((line) => lines.push(line), {
      useLab: repoFile("core/src/scheduler/plugins/zone-spread/zone-spread.ts"),
    });
    const text = lines.join("\n");
    expect(text).toContain("- name: ZoneSpread");

    expect(Object.values(facts.placements)).not.toContain("edge");
    expect(facts.zoneCounts.at(-1)).toEqual({ a: 2, b: 2, c: 2, "": 0 });
    for (const counts of facts.zoneCounts) {
      const perZone = [counts.a ?? 0, counts.b ?? 0, counts.c ?? 0];
      expect(
        Math.max(...perZone) - Math.min(...perZone),
        JSON.stringify(counts),
      ).toBeLessThanOrEqual(1);
    }
    // ZoneSpread counts zones, not nodes: zone a's two nodes get one pod each.
    const inA = Object.values(facts.placements)
      .filter((n) => n === "a1" || n === "a2")
      .sort();
    expect(inA).toEqual(["a1", "a2"]);

    for (const c of facts.cycles) {
      expect(c.rejected, `cycle ${c.cycle}: only the unlabelled node is filtered out`).toEqual({
        edge: {
          plugin: "ZoneSpread",
          code: "UnschedulableAndUnresolvable",
          reasons: ["node(s) had no zone label"],
        },
      });
      const zoneScores = Object.values(c.scores).map((s) => s.byPlugin.ZoneSpread ?? -1);
      const chosen = c.scores[c.host as string]?.byPlugin.ZoneSpread;
      expect(chosen, `cycle ${c.cycle}: the chosen node has the best ZoneSpread score`).toBe(
        Math.max(...zoneScores),
      );
    }
    // The first pod: every zone empty, so every node gets 100, times weight 2.
    expect(Object.values(facts.cycles[0]?.scores ?? {}).map((s) => s.byPlugin.ZoneSpread)).toEqual([
      200, 200, 200, 200,
    ]);
    for (const [pod, node] of Object.entries(facts.placements)) {
      expectNarratedInOrder(text, pod, node);
    }
  });

  it("--use-lab with the untouched starter stops at once and says the plugin is not finished", async () => {
    const lines: string[] = [];
    const run = runChapter((line) => lines.push(line), {
      useLab: repoFile("labs/05-scheduler/starter.ts"),
    });
    await expect(run).rejects.toThrow(LabPluginError);
    await expect(run).rejects.toThrow(/your ZoneSpread is not finished/);
    await expect(run).rejects.toThrow(/ZoneSpread\.filter is not implemented yet/);
    await expect(run).rejects.toThrow(/npm run lab -- check 5/);
    expect(lines.join("\n")).toContain(
      "→ the cycle failed: ZoneSpread.filter is not implemented yet",
    );
  });

  it("--use-lab without the reader's file says how to create it", async () => {
    const run = runChapter(() => {}, { useLab: repoFile("labs/work/05-scheduler/missing.ts") });
    await expect(run).rejects.toThrow(
      /no file at .*missing\.ts\. Create your copy .*npm run lab -- check 5/,
    );
  });
});
