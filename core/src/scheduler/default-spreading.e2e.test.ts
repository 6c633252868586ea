/**
 * PodTopologySpread's system default constraints, end to end: a pod with no constraints of its own
 * is still spread across hostnames and zones when a Service (or its ReplicaSet) selects it — the
 * scheduler finds that group through its own Service and ReplicaSet informers. To see the spreading
 * alone, NodeResourcesFit scores with MostAllocated, which on its own packs pods onto one node.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Pod } from "../api/types.ts";
import { builtinType } from "../client/factory.ts";
import { e2eNode, e2ePod, type SchedulerE2E, startSchedulerE2E, ZONE } from "./e2e-testing.ts";
import { parseSchedulerConfig } from "./framework/config.ts";

const PACKING = parseSchedulerConfig(`apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
`);

describe("default topology spreading (system default constraints)", () => {
  let e: SchedulerE2E | undefined;
  afterEach(async () => {
    await e?.stop();
    e = undefined;
  });

  const placeFour = async (withService: boolean) => {
    e = await startSchedulerE2E({ config: PACKING });
    for (const [name, zone] of [
      ["n1", "a"],
      ["n2", "b"],
    ]) {
      await e.nodes().create(e2eNode(name as string, { labels: { [ZONE]: zone as string } }));
    }
    if (withService) {
      await e.admin.resource(builtinType("services"), "default").create({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "web" },
        spec: { selector: { app: "web" }, ports: [{ port: 80 }] },
      } as never);
    }
    const placed: string[] = [];
    for (let i = 0; i < 4; i++) {
      placed.push(await e.schedule(e2ePod(`web-${i}`, { cpu: "100m", labels: { app: "web" } })));
    }
    return placed;
  };
  const perNode = (placed: string[]) =>
    Object.fromEntries(["n1", "n2"].map((n) => [n, placed.filter((p) => p === n).length]));

  it("without a Service selecting them, MostAllocated packs the pods onto one node", async () => {
    const counts = perNode(await placeFour(false));
    expect(Math.max(counts.n1 ?? 0, counts.n2 ?? 0)).toBe(4);
  });

  it("with a Service selecting them, the default constraints spread them over both nodes", async () => {
    const counts = perNode(await placeFour(true));
    expect(counts).toEqual({ n1: 2, n2: 2 });
    const pods = await (e as SchedulerE2E).pods().list();
    expect(pods.items.filter((p: Pod) => p.spec.nodeName).length).toBe(4);
  });
});
