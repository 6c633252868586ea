/**
 * End to end through the API server: a kubelet goes silent, the node lifecycle controller marks
 * its node Unknown and taints it, the taint eviction controller evicts its pods as their
 * tolerations say (the API server's DefaultTolerationSeconds gave the plain ones 300 s), the
 * ReplicaSet controller replaces its pod; the kubelet comes back and what is still pending is
 * called off. All on a fake clock, with Kubernetes' default durations.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Node, Pod, ReplicaSet } from "../../api/types.ts";
import type { CoreEvent } from "../../client/events.ts";
import { builtinType } from "../../client/factory.ts";
import { FakeClock } from "../../util/clock.ts";
import type { TaintEvictionController } from "../tainteviction/controller.ts";
import { type ControllerTestCluster, eventually, startControllerTestCluster } from "../testing.ts";
import { condition, FakeKubelets, hasTaint, podOn, toleratesUnreachable } from "./testing.ts";

const UNREACHABLE = "node.kubernetes.io/unreachable";

let c: ControllerTestCluster;
let clock: FakeClock;
let kubelets: FakeKubelets;
beforeAll(async () => {
  clock = new FakeClock(Date.now());
  c = await startControllerTestCluster({
    controllers: ["nodelifecycle", "taint-eviction-controller", "replicaset"],
    clock,
  });
  kubelets = new FakeKubelets(c.client, clock);
});
afterAll(async () => {
  await c?.stop();
});

const nodes = () => c.client.resource<Node>(builtinType("nodes"));
const pods = () => c.client.resource<Pod>(builtinType("pods"), "default");
const pod = (name: string) => pods().get(name);
const deleted = (p: Pod) => Boolean(p.metadata.deletionTimestamp);
const events = async () =>
  (await c.client.resource<CoreEvent>(builtinType("events"), "default").list()).items;
const hasEvent = (message: string) => (es: CoreEvent[]) =>
  es.some((e) => e.reason === "TaintManagerEviction" && e.message === message);
const taintEviction = () =>
  c.manager
    .controllers()
    .find((x) => x.name === "taint-eviction-controller") as TaintEvictionController;

/** Creates a 1-replica ReplicaSet and binds its pod to `nodeName` (the scheduler's part). */
async function replicaSetPodOn(nodeName: string): Promise<string> {
  const rs: ReplicaSet = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "web" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "c", image: "tinykube/hello" }] },
      },
    },
  };
  await c.client.resource<ReplicaSet>(builtinType("apps/replicasets"), "default").create(rs);
  const [first] = await eventually(
    () => c.listPods("default", "app=web"),
    (ps) => ps.length === 1,
    "the ReplicaSet's pod",
  );
  const name = first?.metadata.name as string;
  const binding = {
    apiVersion: "v1",
    kind: "Binding",
    metadata: { name },
    target: { kind: "Node", name: nodeName },
  };
  await pods().createSubresource(name, "binding", binding);
  return name;
}

describe("a node whose kubelet stops", () => {
  it("goes Unknown, is tainted, and its pods are evicted as their tolerations say; the kubelet's return calls off the rest", async () => {
    await kubelets.join("n1");
    await kubelets.join("n2");
    for (const p of [
      // DefaultTolerationSeconds adds unreachable:NoExecute for 300 s.
      podOn("defaults", "n1"),
      // Admission sees an unreachable toleration and adds none, but it needs the value "maybe",
      // which the taint does not have: it tolerates nothing.
      podOn("wrong-toleration", "n1", [
        { key: UNREACHABLE, operator: "Equal", value: "maybe", effect: "NoExecute" },
      ]),
      podOn("tolerates-30", "n1", [toleratesUnreachable(30)]),
      podOn("tolerates-600", "n1", [toleratesUnreachable(600)]),
      podOn("tolerates-forever", "n1", [toleratesUnreachable()]),
      podOn("on-n2", "n2"),
    ])
      await pods().create(p);
    expect((await pod("defaults")).spec.tolerations).toContainEqual(toleratesUnreachable(300));
    await c.setPodsReady(await c.listPods("default", "test=eviction"));
    const webPod = await replicaSetPodOn("n1");

    // n1's kubelet stops; n2's keeps renewing. The node is Unknown 50-55 s after the last
    // renewal the controller saw, and tainted unreachable:NoExecute at the next look.
    await kubelets.pass(20_000);
    kubelets.stop("n1");
    const silentSince = clock.now();
    const n1 = await eventually(
      async () => {
        await kubelets.step();
        return nodes().get("n1");
      },
      (n) => hasTaint(n, UNREACHABLE, "NoExecute"),
      "n1 tainted unreachable:NoExecute",
      30_000,
    );
    expect(clock.now() - silentSince).toBeGreaterThan(50_000);
    expect(clock.now() - silentSince).toBeLessThan(75_000);
    expect(condition(n1, "Ready")).toMatchObject({
      status: "Unknown",
      reason: "NodeStatusUnknown",
      message: "Kubelet stopped posting node status.",
    });
    expect(hasTaint(n1, UNREACHABLE, "NoSchedule")).toBe(true);
    const n2 = await nodes().get("n2");
    expect(condition(n2, "Ready")?.status).toBe("True");
    expect(n2.spec?.taints ?? []).toEqual([]);

    // Not tolerated: deleted at once, after the DisruptionTarget condition, with an Event.
    const gone = await eventually(
      () => pod("wrong-toleration"),
      deleted,
      "wrong-toleration deleted",
    );
    expect(condition(gone, "DisruptionTarget")).toMatchObject({
      status: "True",
      reason: "DeletionByTaintManager",
      message: "Taint manager: deleting due to NoExecute taint",
    });
    await eventually(
      events,
      hasEvent("Marking for deletion Pod default/wrong-toleration"),
      "the Event",
    );
    // n1's pods were marked not Ready when it went Unknown, so Services stop sending them
    // traffic long before they are evicted; n2's pod is untouched.
    expect(condition(await pod("tolerates-forever"), "Ready")?.status).toBe("False");
    expect(condition(await pod("on-n2"), "Ready")?.status).toBe("True");

    // The others are planned from the instant the controller saw the taint.
    const planned = await eventually(
      async () => taintEviction().scheduledEvictions(),
      (s) => s.size === 4,
      "4 evictions planned",
    );
    expect([...planned.keys()].sort()).toEqual(
      [
        "default/defaults",
        "default/tolerates-30",
        "default/tolerates-600",
        `default/${webPod}`,
      ].sort(),
    );
    const seen = planned.get("default/tolerates-30")?.createdAt as number;
    for (const [key, seconds] of [
      ["default/defaults", 300],
      ["default/tolerates-600", 600],
    ] as const)
      expect(planned.get(key)).toEqual({ createdAt: seen, fireAt: seen + seconds * 1000 });

    // tolerates-30 goes 30 s later, not a millisecond sooner.
    await kubelets.pass(seen + 30_000 - 1 - clock.now());
    expect(deleted(await pod("tolerates-30"))).toBe(false);
    await kubelets.step(1);
    await eventually(() => pod("tolerates-30"), deleted, "tolerates-30 deleted at 30 s");

    // The default 300 s: the plain pod and the ReplicaSet's go, and the ReplicaSet replaces its.
    await kubelets.pass(seen + 300_000 - 1 - clock.now());
    expect(deleted(await pod("defaults"))).toBe(false);
    await kubelets.step(1);
    for (const name of ["defaults", webPod])
      await eventually(() => pod(name), deleted, `${name} deleted at 300 s`);
    await eventually(
      () => c.listPods("default", "app=web"),
      (ps) => ps.some((p) => !deleted(p) && p.metadata.name !== webPod),
      "a replacement pod",
    );

    // n1's kubelet comes back: Ready again, the taints go, tolerates-600's eviction is off.
    await kubelets.start("n1");
    await eventually(
      async () => {
        await kubelets.step();
        return nodes().get("n1");
      },
      (n) => (n.spec?.taints ?? []).length === 0,
      "n1 untainted",
    );
    await eventually(
      async () => taintEviction().scheduledEvictions(),
      (s) => s.size === 0,
      "nothing planned",
    );
    await eventually(
      events,
      hasEvent("Cancelling deletion of Pod default/tolerates-600"),
      "the cancelling Event",
    );
    await kubelets.pass(seen + 700_000 - clock.now());
    for (const name of ["tolerates-600", "tolerates-forever", "on-n2"])
      expect(deleted(await pod(name)), name).toBe(false);
  }, 60_000);
});
