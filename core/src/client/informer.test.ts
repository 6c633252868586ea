import { describe, expect, it } from "vitest";
import type { KubeObject } from "../api/object.ts";
import { FakeClock } from "../util/clock.ts";
import {
  Indexer,
  NODE_NAME_INDEX,
  nodeNameIndexFunc,
  OWNER_UID_INDEX,
  ownerUidIndexFunc,
} from "./indexer.ts";
import { type DeletedFinalStateUnknown, isTombstone, SharedIndexInformer } from "./informer.ts";
import { list, ScriptedListerWatcher } from "./testing.ts";

const pod = (name: string, rv: string, node?: string, ns = "default"): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: ns, resourceVersion: rv },
  spec: node ? { nodeName: node } : {},
});
const nodeOf = (o: KubeObject) => {
  const n = (o.spec as { nodeName?: string }).nodeName;
  return n ? [n] : [];
};
const names = (objects: KubeObject[]) => objects.map((o) => o.metadata.name).sort();

describe("Indexer", () => {
  it("keeps every index in step with adds, updates that move an object, and deletes", () => {
    const ix = new Indexer<KubeObject>({ nodeName: nodeOf });
    ix.upsert(pod("a", "1", "n1"));
    ix.upsert(pod("b", "2", "n1"));
    ix.upsert(pod("c", "3", "n2", "other"));
    expect(names(ix.byIndex("nodeName", "n1"))).toEqual(["a", "b"]);
    expect(names(ix.byIndex("namespace", "other"))).toEqual(["c"]);
    ix.upsert(pod("a", "4", "n2"));
    expect(names(ix.byIndex("nodeName", "n1"))).toEqual(["b"]);
    expect(names(ix.byIndex("nodeName", "n2"))).toEqual(["a", "c"]);
    ix.remove(pod("c", "5", undefined, "other"));
    expect(names(ix.byIndex("nodeName", "n2"))).toEqual(["a"]);
    expect(ix.byIndex("namespace", "other")).toEqual([]);
    expect(ix.get("default/a")?.metadata.resourceVersion).toBe("4");
    expect(ix.size).toBe(2);
  });

  it("indexes existing objects when an index is added later; a duplicate or unknown index name is an error", () => {
    const ix = new Indexer<KubeObject>();
    ix.upsert(pod("a", "1", "n1"));
    ix.addIndexers({ nodeName: nodeOf });
    expect(names(ix.byIndex("nodeName", "n1"))).toEqual(["a"]);
    expect(() => ix.addIndexers({ nodeName: nodeOf })).toThrow('indexer "nodeName" already exists');
    expect(() => ix.byIndex("owner", "x")).toThrow(
      'no indexer named "owner"; have namespace, nodeName',
    );
  });

  it("the standard indexes find pods by node and objects by owner uid", () => {
    const ix = new Indexer<KubeObject>({ [NODE_NAME_INDEX]: nodeNameIndexFunc });
    ix.ensureIndex(OWNER_UID_INDEX, ownerUidIndexFunc);
    ix.ensureIndex(OWNER_UID_INDEX, ownerUidIndexFunc);
    const owned = (name: string, uids: string[]): KubeObject => ({
      ...pod(name, "1", "n1"),
      metadata: {
        name,
        namespace: "default",
        ownerReferences: uids.map((uid) => ({ apiVersion: "v1", kind: "X", name: uid, uid })),
      },
    });
    ix.upsert(owned("a", ["u1"]));
    ix.upsert(owned("b", ["u1", "u2"]));
    ix.upsert(pod("c", "1", "n2"));
    expect(names(ix.byIndex(OWNER_UID_INDEX, "u1"))).toEqual(["a", "b"]);
    expect(names(ix.byIndex(OWNER_UID_INDEX, "u2"))).toEqual(["b"]);
    expect(names(ix.byIndex(NODE_NAME_INDEX, "n2"))).toEqual(["c"]);
  });

  it("with freeze, a cached object cannot be changed in place", () => {
    const ix = new Indexer<KubeObject>({}, true);
    ix.upsert(pod("a", "1", "n1"));
    const cached = ix.get("default/a") as KubeObject;
    expect(() => {
      (cached.metadata as { labels?: object }).labels = { x: "y" };
    }).toThrow(TypeError);
  });
});

/** Records handler calls as short strings. */
function recorder() {
  const calls: string[] = [];
  const tombstones: DeletedFinalStateUnknown<KubeObject>[] = [];
  return {
    calls,
    tombstones,
    handler: {
      onAdd: (o: KubeObject, initial: boolean) =>
        calls.push(`add ${o.metadata.name}${initial ? " (initial)" : ""}`),
      onUpdate: (old: KubeObject, o: KubeObject) =>
        calls.push(
          `update ${o.metadata.name} ${old.metadata.resourceVersion}->${o.metadata.resourceVersion}`,
        ),
      onDelete: (o: KubeObject | DeletedFinalStateUnknown<KubeObject>) => {
        if (isTombstone(o)) {
          tombstones.push(o);
          calls.push(`delete ${o.key} (tombstone)`);
        } else calls.push(`delete ${o.metadata.name}`);
      },
    },
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe("SharedIndexInformer", () => {
  function setup(resyncMs = 0) {
    const lw = new ScriptedListerWatcher<KubeObject>();
    const clock = new FakeClock();
    const reflectorEvents: string[] = [];
    const informer = new SharedIndexInformer<KubeObject>({
      name: "pods",
      listerWatcher: lw,
      indexers: { nodeName: nodeOf },
      clock,
      resyncMs,
      freeze: true,
      onHandlerError: () => {},
      onReflectorEvent: (e) => reflectorEvents.push(e.type),
    });
    return { lw, clock, informer, reflectorEvents };
  }

  it("updates the cache before telling handlers, with old and new objects", async () => {
    const { lw, informer } = setup();
    lw.respondList = () => list([pod("a", "1", "n1")], "1");
    const seen: string[] = [];
    informer.addEventHandler({
      onUpdate: (_old, o) =>
        seen.push(
          `cache has ${informer.indexer.get("default/a")?.metadata.resourceVersion} for ${o.metadata.resourceVersion}`,
        ),
    });
    const r = recorder();
    informer.addEventHandler(r.handler);
    informer.run();
    const w = await lw.nthWatch(0);
    w.send("MODIFIED", pod("a", "2", "n2"));
    w.send("ADDED", pod("b", "3"));
    w.send("DELETED", pod("a", "4", "n2"));
    await until(() => r.calls.length === 4, "four handler calls");
    expect(r.calls).toEqual(["add a (initial)", "update a 1->2", "add b", "delete a"]);
    expect(seen).toEqual(["cache has 2 for 2"]);
    expect(informer.indexer.byIndex("nodeName", "n2")).toEqual([]);
    await informer.stop();
  });

  it("a re-list turns objects that vanished meanwhile into tombstones and the rest into updates", async () => {
    const { lw, clock, informer, reflectorEvents } = setup();
    lw.respondList = (o) =>
      o.resourceVersion === "0"
        ? list([pod("a", "1"), pod("b", "2")], "2")
        : list([pod("b", "2"), pod("c", "7")], "7");
    const r = recorder();
    informer.addEventHandler(r.handler);
    informer.run();
    const w = await lw.nthWatch(0);
    w.send("ERROR", { kind: "Status", code: 410, message: "too old" } as unknown as KubeObject);
    await until(() => reflectorEvents.includes("backoff"), "the backoff before the re-list");
    clock.advance(30_000);
    await lw.nthWatch(1);
    expect(r.calls).toEqual([
      "add a (initial)",
      "add b (initial)",
      "delete default/a (tombstone)",
      "update b 2->2",
      "add c",
    ]);
    expect(r.tombstones[0]?.object.metadata.resourceVersion).toBe("1");
    expect(names(informer.indexer.list())).toEqual(["b", "c"]);
    await informer.stop();
  });

  it("a handler added after sync is first told of everything cached", async () => {
    const { lw, informer } = setup();
    lw.respondList = () => list([pod("a", "1"), pod("b", "2")], "2");
    informer.run();
    await lw.nthWatch(0);
    const r = recorder();
    informer.addEventHandler(r.handler);
    expect(r.calls).toEqual(["add a", "add b"]);
    await informer.stop();
  });

  it("resync re-delivers every cached object as an update, per handler period, without a list", async () => {
    const { lw, clock, informer } = setup(30_000);
    lw.respondList = () => list([pod("a", "1")], "1");
    const r = recorder();
    informer.addEventHandler(r.handler);
    const slow = recorder();
    informer.addEventHandler(slow.handler, 60_000);
    informer.run();
    await lw.nthWatch(0);
    clock.advance(30_000);
    expect(r.calls).toEqual(["add a (initial)", "update a 1->1"]);
    expect(slow.calls).toEqual(["add a (initial)"]);
    clock.advance(30_000);
    expect(r.calls.filter((c) => c.startsWith("update"))).toHaveLength(2);
    expect(slow.calls).toEqual(["add a (initial)", "update a 1->1"]);
    expect(lw.lists).toHaveLength(1);
    await informer.stop();
  });

  it("a handler that throws does not stop the others", async () => {
    const { lw, informer } = setup();
    lw.respondList = () => list([pod("a", "1")], "1");
    informer.addEventHandler({
      onAdd: () => {
        throw new Error("boom");
      },
    });
    const r = recorder();
    informer.addEventHandler(r.handler);
    informer.run();
    const w = await lw.nthWatch(0);
    w.send("ADDED", pod("b", "2"));
    await until(() => r.calls.length === 2, "both adds");
    expect(r.calls).toEqual(["add a (initial)", "add b"]);
    await informer.stop();
  });
});
