/**
 * Permit end to end: a plugin that holds pods in their binding cycle. The test plugin is a small
 * gang scheduler, the classic Permit use (the scheduler-plugins project's Coscheduling does it for
 * real): pods labelled gang=<name> with gang-size=<n> are held until n of them have a node, then
 * all are let go together; a gang that stays incomplete is rejected when its timeout runs out.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Pod } from "../api/types.ts";
import { eventually } from "../controllers/testing.ts";
import { FakeClock } from "../util/clock.ts";
import { e2eNode, e2ePod, type SchedulerE2E, startSchedulerE2E } from "./e2e-testing.ts";
import { parseSchedulerConfig } from "./framework/config.ts";
import { Registry } from "./framework/registry.ts";
import { type CycleState, type PermitPlugin, status } from "./framework/types.ts";
import type { WaitingPods } from "./framework/waiting-pods.ts";

const TIMEOUT_MS = 10_000;

class Gang implements PermitPlugin {
  readonly name = "Gang";
  constructor(private readonly waiting: WaitingPods) {}

  permit(_state: CycleState, pod: Pod, _nodeName: string) {
    const gang = pod.metadata.labels?.gang;
    if (!gang) return { status: status("Success"), timeoutMs: 0 };
    const size = Number(pod.metadata.labels?.["gang-size"]);
    const members: string[] = [];
    this.waiting.iterate((wp) => {
      if (wp.pod.metadata.labels?.gang === gang) members.push(wp.uid);
    });
    if (members.length + 1 < size) return { status: status("Wait"), timeoutMs: TIMEOUT_MS };
    // The last member arrives: let every waiting member go, and this one too.
    for (const uid of members) this.waiting.get(uid)?.allow(this.name);
    return { status: status("Success"), timeoutMs: 0 };
  }
}

const CONFIG = parseSchedulerConfig(`apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  plugins:
    permit:
      enabled:
      - name: Gang
`);

const member = (name: string, gang: string, size: number) =>
  e2ePod(name, { cpu: "500m", labels: { gang, "gang-size": String(size) } });

describe("Permit: a plugin holds pods until it allows or rejects them", () => {
  let e2e: SchedulerE2E | undefined;
  const clock = new FakeClock(Date.now());
  afterEach(async () => {
    await e2e?.stop();
    e2e = undefined;
  });

  const start = async () => {
    e2e = await startSchedulerE2E({
      config: CONFIG,
      clock,
      outOfTreeRegistry: (handle) =>
        new Registry([["Gang", () => new Gang(handle.waitingPods as WaitingPods)]]),
    });
    await e2e.nodes().create(e2eNode("n1", { cpu: "4" }));
    await eventually(
      async () => e2e?.scheduler.cache.nodeCount() ?? 0,
      (n) => n === 1,
      "the node in the scheduler's cache",
    );
    return e2e;
  };
  const waitingCount = (e: SchedulerE2E, n: number) =>
    eventually(
      async () => e.scheduler.waitingPods.size,
      (size) => size === n,
      `${n} pod(s) waiting on Permit`,
    );

  it("a gang of 3 is bound only when its third member arrives, and then all together", async () => {
    const e = await start();
    await e.pods().create(member("a", "g", 3));
    await e.pods().create(member("b", "g", 3));
    await waitingCount(e, 2);
    // Held, but assumed: the node's 4 CPUs already count a's and b's 500m each.
    expect(e.scheduler.cache.dump().nodes.get("n1")?.requested.milliCPU).toBe(1000);
    for (const name of ["a", "b"]) {
      expect((await e.pods().get(name)).spec.nodeName, `${name} is not bound yet`).toBeUndefined();
    }
    await e.pods().create(member("c", "g", 3));
    for (const name of ["a", "b", "c"]) expect(await e.waitBound(name)).toBe("n1");
    expect(e.scheduler.waitingPods.size).toBe(0);
  });

  it("an incomplete gang is rejected when the timeout runs out, with Kubernetes' message", async () => {
    const e = await start();
    await e.pods().create(member("lonely", "h", 2));
    await waitingCount(e, 1);
    clock.advance(TIMEOUT_MS);
    const message = await e.waitUnschedulable("lonely");
    expect(message).toBe(
      "0/1 nodes are available: 1 rejected due to timeout after waiting 10s at plugin Gang.",
    );
    expect((await e.pods().get("lonely")).spec.nodeName).toBeUndefined();
    // Forgotten: its 500m is no longer counted on the node.
    await eventually(
      async () => e.scheduler.cache.dump().nodes.get("n1")?.requested.milliCPU ?? -1,
      (m) => m === 0,
      "the rejected pod's request released",
    );
  });

  it("a waiting pod that is deleted is rejected and its room released", async () => {
    const e = await start();
    await e.pods().create(member("gone", "k", 2));
    await waitingCount(e, 1);
    await e.pods().delete("gone");
    await waitingCount(e, 0);
    await eventually(
      async () => e.scheduler.cache.dump().nodes.get("n1")?.requested.milliCPU ?? -1,
      (m) => m === 0,
      "the deleted pod's request released",
    );
  });
});
