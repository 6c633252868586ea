/**
 * The node lifecycle controller alone, against a real API server, with kubelets played through
 * the API and a fake clock stepped by the test (Kubernetes' default durations throughout).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Node, Pod } from "../../api/types.ts";
import type { CoreEvent } from "../../client/events.ts";
import { builtinType } from "../../client/factory.ts";
import { FakeClock } from "../../util/clock.ts";
import { type ControllerTestCluster, eventually, startControllerTestCluster } from "../testing.ts";
import { condition, FakeKubelets, hasTaint, podOn } from "./testing.ts";

const NOT_READY = "node.kubernetes.io/not-ready";
const UNREACHABLE = "node.kubernetes.io/unreachable";

let c: ControllerTestCluster | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

async function start(): Promise<{
  cluster: ControllerTestCluster;
  clock: FakeClock;
  kubelets: FakeKubelets;
}> {
  const clock = new FakeClock(Date.now());
  c = await startControllerTestCluster({
    controllers: ["nodelifecycle"],
    clock,
  });
  return { cluster: c, clock, kubelets: new FakeKubelets(c.client, clock) };
}

/** Steps fake time (kubelets renewing) until `check` holds for the node. */
function stepUntil(
  cluster: ControllerTestCluster,
  kubelets: FakeKubelets,
  name: string,
  check: (node: Node) => boolean,
  what: string,
): Promise<Node> {
  return eventually(
    async () => {
      await kubelets.step();
      return cluster.client.resource<Node>(builtinType("nodes")).get(name);
    },
    check,
    what,
    30_000,
  );
}

const noExecute = (n: Node) =>
  (n.spec?.taints ?? []).filter((t) => t.effect === "NoExecute").map((t) => t.key);

describe("node lifecycle controller", () => {
  it("taints follow Ready: not-ready for False, unreachable for Unknown, swapped at once, removed when Ready", async () => {
    const { cluster, kubelets } = await start();
    const nodes = cluster.client.resource<Node>(builtinType("nodes"));
    const pods = cluster.client.resource<Pod>(builtinType("pods"), "default");
    await kubelets.join("healthy");
    await kubelets.join("sick");
    await pods.create(podOn("web-1", "sick"));
    await cluster.setPodsReady(await cluster.listPods("default", "test=eviction"));
    await kubelets.pass(10_000);

    // 1. The kubelet reports NotReady: not-ready taints, queued then added. Its conditions
    //    stand, and its pods are its own business: the controller leaves them alone.
    await kubelets.postStatus("sick", "False");
    const notReady = await stepUntil(
      cluster,
      kubelets,
      "sick",
      (n) => hasTaint(n, NOT_READY, "NoExecute"),
      "not-ready:NoExecute",
    );
    expect(hasTaint(notReady, NOT_READY, "NoSchedule")).toBe(true);
    expect(notReady.spec?.taints?.find((t) => t.effect === "NoExecute")?.timeAdded).toBeDefined();
    expect(condition(notReady, "Ready")).toMatchObject({
      status: "False",
      reason: "KubeletNotReady",
    });
    await kubelets.pass(10_000);
    expect(condition(await pods.get("web-1"), "Ready")?.status).toBe("True");

    // 2. Silent: Unknown after the grace period; the NoExecute taint is swapped for unreachable
    //    at once (not queued again), and the NoSchedule one follows the condition.
    kubelets.stop("sick");
    // (Added, then the other removed: two writes, so both may be seen for a moment.)
    const silent = await stepUntil(
      cluster,
      kubelets,
      "sick",
      (n) => noExecute(n).join() === UNREACHABLE,
      "unreachable:NoExecute",
    );
    expect(condition(silent, "Ready")).toMatchObject({
      status: "Unknown",
      reason: "NodeStatusUnknown",
    });
    await stepUntil(
      cluster,
      kubelets,
      "sick",
      (n) => hasTaint(n, UNREACHABLE, "NoSchedule") && !hasTaint(n, NOT_READY, "NoSchedule"),
      "unreachable:NoSchedule",
    );

    // 3. Back, still NotReady: swapped back to not-ready. 4. Ready: every taint goes.
    await kubelets.start("sick", "False");
    await stepUntil(
      cluster,
      kubelets,
      "sick",
      (n) => noExecute(n).join() === NOT_READY,
      "not-ready:NoExecute again",
    );
    await kubelets.postStatus("sick", "True");
    await stepUntil(
      cluster,
      kubelets,
      "sick",
      (n) => (n.spec?.taints ?? []).length === 0,
      "no taints",
    );

    // 5. Silent from Ready: the controller itself turns Ready to Unknown, so it marks the
    //    pods not Ready (Services stop using them) and records why.
    kubelets.stop("sick");
    await stepUntil(
      cluster,
      kubelets,
      "sick",
      (n) => hasTaint(n, UNREACHABLE, "NoExecute"),
      "unreachable:NoExecute again",
    );
    expect(condition(await pods.get("web-1"), "Ready")?.status).toBe("False");
    const events = async () =>
      (await cluster.client.resource<CoreEvent>(builtinType("events"), "default").list()).items;
    await eventually(
      events,
      (es) =>
        es.some(
          (e) =>
            e.reason === "NodeNotReady" &&
            e.type === "Warning" &&
            e.message === "Node is not ready" &&
            e.involvedObject.name === "web-1",
        ) &&
        es.some(
          (e) =>
            e.reason === "NodeNotReady" && e.message === "Node sick status is now: NodeNotReady",
        ) &&
        es.some(
          (e) =>
            e.reason === "RegisteredNode" &&
            e.message === "Node sick event: Registered Node sick in Controller" &&
            e.source.component === "node-controller",
        ),
      "the pod and node Events",
    );
    expect(condition(await nodes.get("healthy"), "Ready")?.status).toBe("True");
    expect((await nodes.get("healthy")).spec?.taints ?? []).toEqual([]);
  }, 60_000);

  it("a node that never posted status gets the 60 s startup grace period from its creation", async () => {
    const { cluster, clock, kubelets } = await start();
    await kubelets.join("healthy");
    const created = clock.now();
    await kubelets.join("mute", { mute: true });
    const mute = await stepUntil(
      cluster,
      kubelets,
      "mute",
      (n) => condition(n, "Ready") !== undefined,
      "Ready set",
    );
    // The API server stamps creation with its own (real) clock; the fake one started there too.
    expect(clock.now() - created).toBeGreaterThan(55_000);
    for (const type of ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"])
      expect(condition(mute, type), type).toMatchObject({
        status: "Unknown",
        reason: "NodeStatusNeverUpdated",
        message: "Kubelet never posted node status.",
        lastHeartbeatTime: mute.metadata.creationTimestamp,
      });
    await stepUntil(
      cluster,
      kubelets,
      "mute",
      (n) => hasTaint(n, UNREACHABLE, "NoExecute"),
      "unreachable:NoExecute",
    );
  }, 60_000);

  it("taints a zone's silent nodes one per 10 s (--node-eviction-rate 0.1)", async () => {
    const { cluster, kubelets } = await start();
    for (const name of ["h1", "h2", "s1", "s2"]) await kubelets.join(name);
    await kubelets.pass(10_000);
    kubelets.stop("s1");
    kubelets.stop("s2");
    const both = await eventually(
      async () => {
        await kubelets.step();
        return (await cluster.client.resource<Node>(builtinType("nodes")).list()).items;
      },
      (ns) => ns.filter((n) => hasTaint(n, UNREACHABLE, "NoExecute")).length === 2,
      "s1 and s2 tainted",
      30_000,
    );
    // 2 of 4 not Ready is not enough for a partial disruption: the zone taints at the normal rate.
    const added = both
      .flatMap((n) => n.spec?.taints ?? [])
      .filter((t) => t.effect === "NoExecute")
      .map((t) => Date.parse(t.timeAdded ?? ""))
      .sort((a, b) => a - b);
    expect((added[1] as number) - (added[0] as number)).toBeGreaterThanOrEqual(10_000);
    expect((added[1] as number) - (added[0] as number)).toBeLessThan(20_000);
  }, 60_000);

  it("a zone fully down is evicted; every zone down is taken for a partition and nothing is", async () => {
    const { cluster, kubelets } = await start();
    const zone = (z: string) => ({ labels: { "topology.kubernetes.io/zone": z } });
    await kubelets.join("a1", zone("a"));
    await kubelets.join("b1", zone("b"));
    await kubelets.pass(10_000);
    const list = async () =>
      (await cluster.client.resource<Node>(builtinType("nodes")).list()).items;
    const byName = (ns: Node[], name: string) => ns.find((n) => n.metadata.name === name) as Node;

    // Zone a loses its only node: it is gone, not partitioned; its pods must move.
    kubelets.stop("a1");
    await stepUntil(
      cluster,
      kubelets,
      "a1",
      (n) => hasTaint(n, UNREACHABLE, "NoExecute"),
      "a1 unreachable:NoExecute",
    );

    // Zone b too: no Ready node anywhere. The controller stops tainting and takes back what it added.
    kubelets.stop("b1");
    const partitioned = await eventually(
      async () => {
        await kubelets.step();
        return list();
      },
      (ns) =>
        condition(byName(ns, "b1"), "Ready")?.status === "Unknown" &&
        noExecute(byName(ns, "a1")).length === 0,
      "master disruption: a1 untainted",
      30_000,
    );
    expect(hasTaint(byName(partitioned, "a1"), UNREACHABLE, "NoSchedule")).toBe(true);
    await kubelets.pass(120_000);
    for (const node of await list()) expect(noExecute(node), node.metadata.name).toEqual([]);

    // b1 is back: the partition is over, and a1, still silent, is tainted again.
    await kubelets.start("b1");
    await stepUntil(
      cluster,
      kubelets,
      "a1",
      (n) => hasTaint(n, UNREACHABLE, "NoExecute"),
      "a1 tainted again",
    );
    expect(noExecute(byName(await list(), "b1"))).toEqual([]);
  }, 60_000);
});
