/**
 * Preemption against a real API server: a full node, lower-priority pods on it, a higher-priority
 * pod arrives; the scheduler deletes exactly the victims DefaultPreemption picks, nominates the
 * node in the pod's status, and binds the pod once the victims are gone.
 */
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
/** Priority comes from the class: the Priority admission plugin copies its value into spec.priority. */
const pod = (name: string, priorityClassName: string, cpu: string, nodeName?: string): Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name },
  spec: {
    ...(nodeName ? { nodeName } : {}),
    ...(priorityClassName ? { priorityClassName } : {}),
    containers: [{ name: "c", image: "tinykube/hello", resources: { requests: { cpu } } }],
  },
});

beforeEach(async () => {
  env = await startSchedulerE2E();
  admin = env.admin;
});

afterEach(async () => {
  await env?.stop();
});

const pods = () => admin.resource<Pod>(builtinType("pods"), "default");

describe("preemption", () => {
  it("deletes the cheapest victims, nominates the node, then binds the pod there", async () => {
    const nodes = admin.resource<Node>(builtinType("nodes"));
    await nodes.create(node("n1", "2"));
    await nodes.create(node("n2", "2"));
    const classes = admin.resource(builtinType("scheduling.k8s.io/priorityclasses"));
    for (const [name, value] of [
      ["p1", 1],
      ["p5", 5],
      ["p50", 50],
      ["p100", 100],
    ] as const) {
      await classes.create({
        apiVersion: "scheduling.k8s.io/v1",
        kind: "PriorityClass",
        metadata: { name },
        value,
      });
    }
    // n1: two low pods; n2: one mid pod. Both nodes are full.
    await pods().create(pod("low-a", "p1", "1", "n1"));
    await pods().create(pod("low-b", "p5", "1", "n1"));
    await pods().create(pod("mid", "p50", "2", "n2"));
    await pods().create(pod("high", "p100", "1"));

    // n1 need only lose low-a (low-b is reprieved: 1 CPU is enough); n2 would lose mid (50).
    const nominated = await eventually(
      () => pods().get("high"),
      (p) => p.status?.nominatedNodeName === "n1",
      "high nominated to n1",
      5000,
    );
    expect(nominated.status?.conditions?.find((c) => c.type === "PodScheduled")).toMatchObject({
      status: "False",
      reason: "Unschedulable",
      message: "0/2 nodes are available: 2 Insufficient cpu.",
    });
    // The victim is terminating, not gone: it still holds its CPU, and high waits.
    const victim = await pods().get("low-a");
    expect(victim.metadata.deletionTimestamp).toBeTruthy();
    expect(victim.status?.conditions?.find((c) => c.type === "DisruptionTarget")).toMatchObject({
      status: "True",
      reason: "PreemptionByScheduler",
      message: "default-scheduler: preempting to accommodate a higher priority pod",
    });
    expect((await pods().get("high")).spec.nodeName).toBeUndefined();
    // Play the kubelet: the container has stopped, the pod object goes.
    await pods().delete("low-a", { gracePeriodSeconds: 0 });
    const bound = await eventually(
      () => pods().get("high"),
      (p) => Boolean(p.spec.nodeName),
      "high bound",
      5000,
    );
    expect(bound.spec.nodeName).toBe("n1");
    expect(bound.status?.nominatedNodeName, "the binding cleared the nomination").toBeUndefined();
    const left = (await pods().list()).items.map((p) => p.metadata.name).sort();
    expect(left).toEqual(["high", "low-b", "mid"]);
    const events = await admin
      .resource(builtinType("events"), "default")
      .list({ fieldSelector: "involvedObject.name=low-a" });
    expect(events.items.map((e) => (e as { reason?: string }).reason)).toContain("Preempted");
  });

  it("keeps the room it freed for the preemptor: a lower-priority pod may not take it", async () => {
    await admin.resource<Node>(builtinType("nodes")).create(node("n1", "5"));
    const classes = admin.resource(builtinType("scheduling.k8s.io/priorityclasses"));
    await classes.create({
      apiVersion: "scheduling.k8s.io/v1",
      kind: "PriorityClass",
      metadata: { name: "p100" },
      value: 100,
    });
    // n1: 5 CPUs, low holds 3. high (4 CPUs) must preempt low, and is nominated to n1.
    await pods().create(pod("low", "", "3", "n1"));
    await pods().create(pod("high", "p100", "4"));
    await eventually(
      () => pods().get("high"),
      (p) => p.status?.nominatedNodeName === "n1",
      "high nominated to n1",
      5000,
    );
    // low is terminating and still holds 3 CPUs: 2 are free, enough for filler on resources
    // alone. But high's 4 are promised: counted with them, n1 has no room for filler.
    await pods().create(pod("filler", "", "2"));
    const message = await env.waitUnschedulable("filler");
    expect(message).toBe(
      "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
    );
    expect((await pods().get("filler")).spec.nodeName).toBeUndefined();
    // The victim goes; high takes its nominated node, and filler still does not fit beside it.
    await pods().delete("low", { gracePeriodSeconds: 0 });
    expect(await env.waitBound("high")).toBe("n1");
    expect((await pods().get("filler")).spec.nodeName).toBeUndefined();
  });
});
