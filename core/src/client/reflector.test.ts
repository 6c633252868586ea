import { describe, expect, it } from "vitest";
import type { KubeObject } from "../api/object.ts";
import { ApiError } from "../apiserver/errors.ts";
import { FakeClock } from "../util/clock.ts";
import { Reflector, type ReflectorEvent, type ReflectorStore } from "./reflector.ts";
import { list, ScriptedListerWatcher } from "./testing.ts";

const cm = (name: string, rv: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default", resourceVersion: rv },
});

/** A store that records what the reflector did to it, in order. */
function recordingStore(): ReflectorStore<KubeObject> & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    replace: (items, rv) =>
      calls.push(`replace ${items.map((i) => i.metadata.name).join(",")} @${rv}`),
    add: (o) => calls.push(`add ${o.metadata.name}`),
    update: (o) => calls.push(`update ${o.metadata.name}`),
    delete: (o) => calls.push(`delete ${o.metadata.name}`),
  };
}

async function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

function setup() {
  const lw = new ScriptedListerWatcher<KubeObject>();
  const store = recordingStore();
  const events: ReflectorEvent[] = [];
  const clock = new FakeClock();
  const reflector = new Reflector({
    name: "configmaps",
    listerWatcher: lw,
    store,
    clock,
    watchTimeoutSeconds: () => 300,
    backoffJitter: 0,
    onEvent: (e) => events.push(e),
  });
  return { lw, store, events, clock, reflector };
}

describe("Reflector", () => {
  it("lists from the cache (resourceVersion 0), then watches from the list's resourceVersion with bookmarks", async () => {
    const { lw, store, reflector } = setup();
    lw.respondList = () => list([cm("a", "5"), cm("b", "6")], "7");
    void reflector.run();
    const w = await lw.nthWatch(0);
    expect(lw.lists[0]).toMatchObject({ resourceVersion: "0", limit: 500 });
    expect(w.options).toMatchObject({
      resourceVersion: "7",
      allowWatchBookmarks: true,
      timeoutSeconds: 300,
    });
    expect(reflector.hasSynced()).toBe(true);
    w.send("ADDED", cm("c", "8"));
    w.send("MODIFIED", cm("a", "9"));
    w.send("DELETED", cm("b", "10"));
    await until(() => store.calls.length === 4, "three events applied");
    expect(store.calls).toEqual(["replace a,b @7", "add c", "update a", "delete b"]);
    expect(reflector.lastSyncResourceVersion).toBe("10");
    await reflector.stop();
  });

  it("follows continue tokens until the list is whole, and replaces the store once", async () => {
    const { lw, store, reflector } = setup();
    lw.respondList = (o) =>
      o.continue
        ? list([cm("b", "3")], "9")
        : { ...list([cm("a", "2")], "9"), metadata: { resourceVersion: "9", continue: "tok" } };
    void reflector.run();
    await lw.nthWatch(0);
    expect(lw.lists.map((l) => l.continue ?? l.resourceVersion)).toEqual(["0", "tok"]);
    expect(store.calls).toEqual(["replace a,b @9"]);
    await reflector.stop();
  });

  it("a bookmark moves the resourceVersion on without touching the store; an ended watch resumes from it", async () => {
    const { lw, store, reflector } = setup();
    lw.respondList = () => list([], "3");
    void reflector.run();
    const first = await lw.nthWatch(0);
    first.send("BOOKMARK", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { resourceVersion: "40" },
    });
    first.end();
    const second = await lw.nthWatch(1);
    expect(second.options.resourceVersion).toBe("40");
    expect(store.calls).toEqual(["replace  @3"]);
    expect(lw.lists).toHaveLength(1);
    await reflector.stop();
  });

  it("on a 410 ERROR event, backs off, then re-lists at its last resourceVersion, unpaginated (served from the cache)", async () => {
    const { lw, store, events, clock, reflector } = setup();
    lw.respondList = (o) =>
      o.resourceVersion === "0" ? list([cm("a", "2")], "2") : list([cm("z", "90")], "90");
    void reflector.run();
    const first = await lw.nthWatch(0);
    first.send("ERROR", {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      code: 410,
      reason: "Expired",
      message: "too old resource version: 2 (50)",
    } as unknown as KubeObject);
    await until(() => events.some((e) => e.type === "backoff"), "a backoff");
    expect(lw.lists).toHaveLength(1);
    clock.advance(800);
    const second = await lw.nthWatch(1);
    expect(lw.lists.map((l) => [l.resourceVersion, l.limit])).toEqual([
      ["0", 500],
      ["2", undefined],
    ]);
    expect(second.options.resourceVersion).toBe("90");
    expect(store.calls).toEqual(["replace a @2", "replace z @90"]);
    expect(events.map((e) => e.type)).toContain("gone");
    await reflector.stop();
  });

  it('a list refused with 410 is retried at once at "": the newest state, consistently, page by page', async () => {
    const { lw, store, events, clock, reflector } = setup();
    const expired = new ApiError({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      code: 410,
      reason: "Expired",
      message: "too old",
    });
    lw.respondList = (o) => {
      if (o.resourceVersion === "0") return list([cm("a", "2")], "2");
      if (o.resourceVersion === "2") throw expired;
      return list([cm("b", "70")], "70");
    };
    void reflector.run();
    (await lw.nthWatch(0)).fail("socket hang up");
    await until(() => events.some((e) => e.type === "backoff"), "a backoff");
    clock.advance(800);
    await lw.nthWatch(1);
    expect(lw.lists.map((l) => [l.resourceVersion, l.limit])).toEqual([
      ["0", 500],
      ["2", undefined],
      ["", 500],
    ]);
    expect(store.calls).toEqual(["replace a @2", "replace b @70"]);
    await reflector.stop();
  });

  it("a 410 answer to opening the watch ends the run; after a backoff it re-lists", async () => {
    const { lw, clock, reflector } = setup();
    lw.respondList = () => list([], "2");
    let opened = 0;
    lw.beforeWatch = () => {
      opened += 1;
      if (opened === 1) {
        throw new ApiError({
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          code: 410,
          reason: "Expired",
          message: "gone",
        });
      }
    };
    void reflector.run();
    await until(() => opened === 1, "the first watch");
    clock.advance(800);
    await lw.nthWatch(0);
    expect(lw.lists.map((l) => l.resourceVersion)).toEqual(["0", "2"]);
    await reflector.stop();
  });

  it("a broken stream ends the run: back off 800 ms, then re-list at the last resourceVersion and watch again", async () => {
    const { lw, events, clock, reflector } = setup();
    lw.respondList = (o) => list([], o.resourceVersion === "0" ? "5" : "6");
    void reflector.run();
    const first = await lw.nthWatch(0);
    first.send("ADDED", cm("a", "6"));
    first.fail("socket hang up");
    await until(() => events.some((e) => e.type === "backoff"), "a backoff");
    expect(events.find((e) => e.type === "backoff")).toMatchObject({
      ms: 800,
      error: "watch of configmaps broke: socket hang up",
    });
    clock.advance(799);
    expect(lw.lists).toHaveLength(1);
    clock.advance(1);
    const second = await lw.nthWatch(1);
    expect(lw.lists.map((l) => l.resourceVersion)).toEqual(["0", "6"]);
    expect(second.options.resourceVersion).toBe("6");
    await reflector.stop();
  });

  it("a refused connection when opening the watch is retried with doubling backoff, without listing", async () => {
    const { lw, events, clock, reflector } = setup();
    lw.respondList = () => list([], "5");
    let refuse = 2;
    let opened = 0;
    lw.beforeWatch = () => {
      opened += 1;
      if (refuse > 0) {
        refuse -= 1;
        throw new Error("connect ECONNREFUSED 127.0.0.1:6443");
      }
    };
    void reflector.run();
    await until(() => opened === 1, "the first attempt");
    clock.advance(800);
    await until(() => opened === 2, "the second attempt");
    clock.advance(1600);
    const w = await lw.nthWatch(0);
    expect(events.filter((e) => e.type === "backoff").map((e) => (e as { ms: number }).ms)).toEqual(
      [800, 1600],
    );
    expect(w.options.resourceVersion).toBe("5");
    expect(lw.lists).toHaveLength(1);
    await reflector.stop();
  });

  it("a failed list is retried with backoff, and the store is untouched until one succeeds", async () => {
    const { lw, store, clock, events, reflector } = setup();
    let fail = true;
    lw.respondList = () => {
      if (fail) throw new Error("connect ECONNREFUSED");
      return list([cm("a", "1")], "1");
    };
    void reflector.run();
    await until(() => events.some((e) => e.type === "backoff"), "backoff");
    expect(store.calls).toEqual([]);
    expect(reflector.hasSynced()).toBe(false);
    fail = false;
    clock.advance(800);
    await lw.nthWatch(0);
    expect(store.calls).toEqual(["replace a @1"]);
    await reflector.stop();
  });

  it("stop() closes the open watch and ends the loop", async () => {
    const { lw, reflector } = setup();
    const done = reflector.run();
    const w = await lw.nthWatch(0);
    await reflector.stop();
    await done;
    expect(w.stopped).toBe(true);
    expect(lw.watches).toHaveLength(1);
  });
});
