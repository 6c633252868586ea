/** The scheduler against a real API server: nodes, pods, bindings, events and conditions. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Node, Pod } from "../api/types.ts";
import { builtinType } from "../client/factory.ts";
import type { RestClient } from "../client/rest.ts";
import { eventually } from "../controllers/testing.ts";
import { type SchedulerE2E, startSchedulerE2E } from "./e2e-testing.ts";

let env: SchedulerE2E;
let admin: RestClient;

const node = (name: string, cpu: string): Node => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name, labels: { "kubernetes.io/hostname": name } },
  status: {
    allocatable: { cpu, memory: "8Gi", pods: "110" },
    capacity: { cpu, memory: "8Gi", pods: "110" },
  },
});
const pod = (name: string, cpu: string): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name },
  spec: { containers: [{ name: "c", image: "tinykube/hello", resources: { requests: { cpu } } }] },
});

beforeEach(async () => {
  env = await startSchedulerE2E();
  admin = env.admin;
});

afterEach(async () => {
  await env?.stop();
});

const pods = () => admin.resource<Pod>(builtinType("pods"), "default");
const nodes = () => admin.resource<Node>(builtinType("nodes"));

describe("Scheduler", () => {
  it("binds pods to the least allocated node that fits, through pods/binding, with a Scheduled event", async () => {
    await nodes().create(node("small", "1"));
    await nodes().create(node("big", "4"));
    await pods().create(pod("web", "1500m"));
    const bound = await eventually(
      () => pods().get("web"),
      (p) => Boolean(p.spec.nodeName),
      "web bound",
    );
    expect(bound.spec.nodeName).toBe("big");
    const events = await eventually(
      () =>
        admin
          .resource(builtinType("events"), "default")
          .list({ fieldSelector: "involvedObject.name=web" }),
      (l) => l.items.length > 0,
      "an event",
    );
    expect(events.items[0]).toMatchObject({
      reason: "Scheduled",
      message: "Successfully assigned default/web to big",
      source: { component: "default-scheduler" },
    });
  });

  it("a pod that fits nowhere gets FailedScheduling and PodScheduled=False, then is bound when a fitting node appears", async () => {
    await nodes().create(node("n1", "1"));
    await nodes().create(node("n2", "1"));
    await pods().create(pod("huge", "3"));
    const waiting = await eventually(
      () => pods().get("huge"),
      (p) => p.status?.conditions?.some((c) => c.type === "PodScheduled") ?? false,
      "PodScheduled=False",
    );
    expect(waiting.status?.conditions?.find((c) => c.type === "PodScheduled")).toMatchObject({
      status: "False",
      reason: "Unschedulable",
      // Every pod has priority 0 here: DefaultPreemption finds nothing of lower priority to evict.
      message:
        "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
    });
    await nodes().create(node("n3", "4"));
    const bound = await eventually(
      () => pods().get("huge"),
      (p) => Boolean(p.spec.nodeName),
      "huge bound after NodeAdd",
      5000,
    );
    expect(bound.spec.nodeName).toBe("n3");
  });

  it("assumes before binding: a burst of pods never over-commits a node", async () => {
    await nodes().create(node("a", "2"));
    await nodes().create(node("b", "2"));
    await Promise.all(Array.from({ length: 10 }, (_, i) => pods().create(pod(`p${i}`, "500m"))));
    // 4 CPUs in all, 500m each: 8 fit, 2 stay pending.
    const list = await eventually(
      async () => (await pods().list()).items,
      (ps) =>
        ps.filter((p) => p.spec.nodeName).length === 8 &&
        ps.filter((p) =>
          p.status?.conditions?.some((c) => c.type === "PodScheduled" && c.status === "False"),
        ).length === 2,
      "8 bound, 2 unschedulable",
    );
    for (const n of ["a", "b"]) expect(list.filter((p) => p.spec.nodeName === n)).toHaveLength(4);
  });
});
