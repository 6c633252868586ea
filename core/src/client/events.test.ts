import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../api/object.ts";
import { startTestApiServer, type TestApiServer } from "../testing/cluster.ts";
import { FakeClock } from "../util/clock.ts";
import { type CoreEvent, EventRecorder, type EventSink, eventSink } from "./events.ts";
import { builtinType } from "./factory.ts";
import { RestClient } from "./rest.ts";

const deployment: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "default", uid: "u-1", resourceVersion: "7" },
};

function memorySink() {
  const events = new Map<string, CoreEvent>();
  const calls: string[] = [];
  const sink: EventSink = {
    async create(namespace, event) {
      calls.push(`create ${event.reason} ${event.message}`);
      events.set(`${namespace}/${event.metadata.name}`, event);
    },
    async patch(namespace, name, patch) {
      calls.push(`patch count=${patch.count}`);
      const e = events.get(`${namespace}/${name}`);
      if (e) Object.assign(e, patch);
    },
  };
  return { events, calls, sink };
}

describe("EventRecorder", () => {
  it("writes an Event about the object with its reference, source and timestamps", async () => {
    const { events, sink } = memorySink();
    const clock = new FakeClock(Date.parse("2026-03-01T10:00:00Z"));
    const r = new EventRecorder({ sink, component: "deployment-controller", clock });
    r.event(deployment, "Normal", "ScalingReplicaSet", "Scaled up replica set web-abc to 3");
    await r.flush();
    const [e] = [...events.values()];
    expect(e).toMatchObject({
      metadata: { namespace: "default" },
      involvedObject: {
        kind: "Deployment",
        name: "web",
        namespace: "default",
        uid: "u-1",
        apiVersion: "apps/v1",
      },
      type: "Normal",
      reason: "ScalingReplicaSet",
      count: 1,
      firstTimestamp: "2026-03-01T10:00:00Z",
      lastTimestamp: "2026-03-01T10:00:00Z",
      source: { component: "deployment-controller" },
    });
    expect(e?.metadata.name).toMatch(/^web\.[0-9a-f]+$/);
  });

  it("counts a repeat on the first event instead of writing a second", async () => {
    const { events, calls, sink } = memorySink();
    const clock = new FakeClock();
    const r = new EventRecorder({ sink, component: "replicaset-controller", clock });
    r.event(deployment, "Warning", "FailedCreate", "quota exceeded");
    clock.advance(5_000);
    r.event(deployment, "Warning", "FailedCreate", "quota exceeded");
    r.event(deployment, "Warning", "FailedCreate", "quota exceeded");
    await r.flush();
    expect(calls).toEqual(["create FailedCreate quota exceeded", "patch count=2", "patch count=3"]);
    const [e] = [...events.values()];
    expect(e?.count).toBe(3);
    expect(Date.parse(e?.lastTimestamp ?? "") - Date.parse(e?.firstTimestamp ?? "")).toBe(5_000);
  });

  it("from the 10th distinct message for one object and reason, records one combined event", async () => {
    const { events, calls, sink } = memorySink();
    const clock = new FakeClock();
    const r = new EventRecorder({ sink, component: "c", clock });
    for (let i = 0; i < 13; i++) {
      r.event(deployment, "Normal", "Scaled", `to ${i}`);
      // A repeat of a message already seen is counted on its event, not as a new message.
      if (i === 3) r.event(deployment, "Normal", "Scaled", "to 3");
    }
    await r.flush();
    expect(calls.slice(0, 5)).toEqual([
      "create Scaled to 0",
      "create Scaled to 1",
      "create Scaled to 2",
      "create Scaled to 3",
      "patch count=2",
    ]);
    expect(calls.slice(5, 10).every((c) => c.startsWith("create Scaled to "))).toBe(true);
    expect(calls.slice(10)).toEqual([
      "create Scaled (combined from similar events): to 9",
      "patch count=2",
      "patch count=3",
      "patch count=4",
    ]);
    expect([...events.values()].find((e) => e.message.includes("combined"))?.message).toBe(
      "(combined from similar events): to 12",
    );
    // Events kept coming, so the group lives on; only a gap of more than 10 minutes ends it.
    clock.advance(600_000);
    r.event(deployment, "Normal", "Scaled", "to 98");
    clock.advance(600_001);
    r.event(deployment, "Normal", "Scaled", "to 99");
    await r.flush();
    expect(calls.slice(-2)).toEqual(["patch count=5", "create Scaled to 99"]);
  });

  it("drops spam: 25 events per object and type, then one every 5 minutes; dropped repeats still count", async () => {
    const { events, calls, sink } = memorySink();
    const clock = new FakeClock();
    const r = new EventRecorder({ sink, component: "replicaset-controller", clock });
    for (let i = 0; i < 40; i++)
      r.event(deployment, "Normal", "SuccessfulCreate", "Created pod: web-x");
    for (let i = 0; i < 40; i++) r.event(deployment, "Warning", "FailedCreate", "quota");
    await r.flush();
    expect(calls, "25 writes for each type, of 80 recorded").toHaveLength(50);
    expect(calls.filter((c) => c.startsWith("create")).length, "one create per type").toBe(2);
    clock.advance(299_000);
    r.event(deployment, "Normal", "SuccessfulCreate", "Created pod: web-x");
    await r.flush();
    expect(calls).toHaveLength(50);
    clock.advance(1_000);
    r.event(deployment, "Normal", "SuccessfulCreate", "Created pod: web-x");
    await r.flush();
    expect(calls.at(-1), "a token after 300 s; the 15 dropped repeats are in the count").toBe(
      "patch count=42",
    );
    const other: typeof deployment = {
      ...deployment,
      metadata: { ...deployment.metadata, name: "api", uid: "u-2" },
    };
    r.event(other, "Normal", "SuccessfulCreate", "Created pod: api-x");
    await r.flush();
    expect(calls.at(-1), "another object has its own bucket").toBe(
      "create SuccessfulCreate Created pod: api-x",
    );
    expect(events.size).toBe(3);
  });

  it("a failed write is logged and dropped; recording never throws", async () => {
    const logged: string[] = [];
    const sink: EventSink = {
      create: async () => {
        throw new Error("connect ECONNREFUSED");
      },
      patch: async () => {},
    };
    const r = new EventRecorder({ sink, component: "c", log: (l) => logged.push(l) });
    expect(() => r.event(deployment, "Normal", "X", "y")).not.toThrow();
    await r.flush();
    expect(logged).toEqual(["[events c] dropped an event: connect ECONNREFUSED"]);
  });
});

describe("EventRecorder against the API server", () => {
  let api: TestApiServer;
  let client: RestClient;
  beforeAll(async () => {
    api = await startTestApiServer();
    client = new RestClient({
      server: api.url,
      caPem: api.caCertPem,
      token: api.tokenFor("system:kube-controller-manager"),
      qps: 0,
    });
  });
  afterAll(async () => {
    client?.close();
    await api?.stop();
  });

  it("creates the event and patches its count, as the controller manager's identity", async () => {
    const r = new EventRecorder({
      sink: eventSink(client.resource(builtinType("events"))),
      component: "deployment-controller",
    });
    r.event(deployment, "Normal", "ScalingReplicaSet", "Scaled up replica set web-1 to 1");
    r.event(deployment, "Normal", "ScalingReplicaSet", "Scaled up replica set web-1 to 1");
    await r.flush();
    const list = await client.resource<CoreEvent>(builtinType("events"), "default").list();
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({
      reason: "ScalingReplicaSet",
      count: 2,
      involvedObject: { name: "web", kind: "Deployment" },
    });
  });
});
