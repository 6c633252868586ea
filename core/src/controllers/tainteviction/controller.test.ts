/**
 * The taint eviction controller alone, against a real API server, with taints put on by hand
 * (`kubectl taint nodes n1 example.com/maintenance=yes:NoExecute`) and a fake clock moved by
 * the test.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Node, Pod, Taint, Toleration } from "../../api/types.ts";
import type { CoreEvent } from "../../client/events.ts";
import { builtinType } from "../../client/factory.ts";
import { isNotFound } from "../../client/rest.ts";
import { FakeClock } from "../../util/clock.ts";
import { type ControllerTestCluster, eventually, startControllerTestCluster } from "../testing.ts";
import type { TaintEvictionController } from "./controller.ts";

const MAINTENANCE: Taint = { key: "example.com/maintenance", value: "yes", effect: "NoExecute" };

let c: ControllerTestCluster;
let clock: FakeClock;
beforeAll(async () => {
  clock = new FakeClock(Date.now());
  c = await startControllerTestCluster({ controllers: ["taint-eviction-controller"], clock });
});
afterAll(async () => {
  await c?.stop();
});

const nodes = () => c.client.resource<Node>(builtinType("nodes"));
const pods = (ns: string) => c.client.resource<Pod>(builtinType("pods"), ns);
const deleted = (p: Pod | undefined) => p === undefined || Boolean(p.metadata.deletionTimestamp);
const controller = () =>
  c.manager
    .controllers()
    .find((x) => x.name === "taint-eviction-controller") as TaintEvictionController;
const events = async (ns: string) =>
  (await c.client.resource<CoreEvent>(builtinType("events"), ns).list()).items.filter(
    (e) => e.reason === "TaintManagerEviction",
  );
const orGone = (read: Promise<Pod>) =>
  read.catch((error: unknown) => (isNotFound(error) ? undefined : Promise.reject(error)));

/** A node and pods on it, in namespace `ns` (the "default" one, or one with its default ServiceAccount). */
async function setUp(ns: string, node: string, specs: Record<string, Toleration[]>) {
  if (ns !== "default") {
    await c.client.resource(builtinType("namespaces")).create({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns },
    });
    await c.client
      .resource(builtinType("serviceaccounts"), ns)
      .create({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default" } });
  }
  await nodes().create({ apiVersion: "v1", kind: "Node", metadata: { name: node }, spec: {} });
  for (const [name, tolerations] of Object.entries(specs))
    await pods(ns).create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name },
      spec: { nodeName: node, tolerations, containers: [{ name: "c", image: "tinykube/hello" }] },
    });
}

async function taint(node: string, taints: Taint[]): Promise<void> {
  await nodes().patch(node, { spec: { taints } });
}

const tolerate = (taint: Taint, seconds?: number): Toleration => ({
  key: taint.key,
  operator: "Equal",
  value: taint.value,
  effect: taint.effect,
  ...(seconds === undefined ? {} : { tolerationSeconds: seconds }),
});

describe("taint eviction controller", () => {
  it("evicts at once what does not tolerate, later what tolerates for a while, never what tolerates forever", async () => {
    await setUp("maint", "m1", {
      intolerant: [],
      "for-20": [tolerate(MAINTENANCE, 20)],
      forever: [{ operator: "Exists" }],
    });
    await taint("m1", [MAINTENANCE]);
    const gone = await eventually(
      () => orGone(pods("maint").get("intolerant")),
      deleted,
      "intolerant deleted",
    );
    expect(gone?.status?.conditions?.find((x) => x.type === "DisruptionTarget")).toMatchObject({
      status: "True",
      reason: "DeletionByTaintManager",
      message: "Taint manager: deleting due to NoExecute taint",
    });
    await eventually(
      () => events("maint"),
      (es) =>
        es.some(
          (e) => e.message === "Marking for deletion Pod maint/intolerant" && e.type === "Normal",
        ),
      "the Marking for deletion Event",
    );
    expect(controller().scheduledEvictions().get("maint/for-20")).toEqual({
      createdAt: clock.now(),
      fireAt: clock.now() + 20_000,
    });
    expect(controller().scheduledEvictions().has("maint/forever")).toBe(false);

    clock.advance(19_999);
    expect(deleted(await pods("maint").get("for-20"))).toBe(false);
    clock.advance(1);
    await eventually(() => orGone(pods("maint").get("for-20")), deleted, "for-20 deleted at 20 s");
    clock.advance(3_600_000);
    expect(deleted(await pods("maint").get("forever"))).toBe(false);
  });

  it("judges a pod that arrives on a node already tainted", async () => {
    await setUp("late", "m2", { canary: [] });
    await taint("m2", [MAINTENANCE]);
    // Once the canary is gone the controller knows m2's taints: the newcomer is judged on arrival.
    await eventually(() => orGone(pods("late").get("canary")), deleted, "canary deleted");
    await pods("late").create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "newcomer" },
      spec: { nodeName: "m2", containers: [{ name: "c", image: "tinykube/hello" }] },
    });
    await eventually(() => orGone(pods("late").get("newcomer")), deleted, "newcomer deleted");
  });

  it("cancels a planned eviction when the taint goes, or the pod", async () => {
    await setUp("cancel", "m3", {
      "for-60": [tolerate(MAINTENANCE, 60)],
      "also-60": [tolerate(MAINTENANCE, 60)],
    });
    await taint("m3", [MAINTENANCE]);
    await eventually(
      async () => controller().scheduledEvictions(),
      (s) => s.has("cancel/for-60") && s.has("cancel/also-60"),
      "both planned",
    );
    // The pod goes for good (grace 0: no kubelet to wait for): its plan goes with it.
    await pods("cancel").delete("also-60", { gracePeriodSeconds: 0 });
    await eventually(
      async () => controller().scheduledEvictions(),
      (s) => !s.has("cancel/also-60"),
      "also-60's plan cancelled",
    );
    // The taint goes: the remaining plan is cancelled, with an Event.
    await taint("m3", []);
    await eventually(
      async () => controller().scheduledEvictions(),
      (s) => !s.has("cancel/for-60"),
      "for-60's plan cancelled",
    );
    await eventually(
      () => events("cancel"),
      (es) => es.some((e) => e.message === "Cancelling deletion of Pod cancel/for-60"),
      "the Cancelling Event",
    );
    clock.advance(120_000);
    expect(deleted(await pods("cancel").get("for-60"))).toBe(false);
  });

  it("with several NoExecute taints, the shortest toleration decides", async () => {
    const other: Taint = { key: "example.com/other", effect: "NoExecute" };
    await setUp("several", "m4", {
      both: [
        tolerate(MAINTENANCE, 40),
        { key: other.key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 10 },
      ],
    });
    await taint("m4", [MAINTENANCE, other]);
    const planned = await eventually(
      async () => controller().scheduledEvictions().get("several/both"),
      Boolean,
      "planned",
    );
    expect((planned?.fireAt ?? 0) - (planned?.createdAt ?? 0)).toBe(10_000);
  });
});
