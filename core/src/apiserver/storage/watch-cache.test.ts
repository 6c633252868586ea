import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KubeObject } from "../../api/object.ts";
import { BUILTIN_TYPES, type ResourceType, storageKey } from "../../api/scheme.ts";
import { EmbeddedStore } from "../../store/index.ts";
import { nextEvents } from "../../store/testing.ts";
import type { WatchStream } from "../../store/watch-stream.ts";
import { ApiError } from "../errors.ts";
import { encode } from "./codec.ts";
import { WatchCache, type WatcherEvent } from "./watch-cache.ts";

const pods = BUILTIN_TYPES.find((t) => t.resource === "pods") as ResourceType;

function pod(name: string, nodeName?: string, namespace = "default"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace },
    spec: nodeName ? { nodeName } : {},
  };
}

let store: EmbeddedStore;
let cache: WatchCache;
const put = (p: KubeObject) =>
  store.put(storageKey(pods, p.metadata.namespace, p.metadata.name as string), encode(p));
const del = (name: string, namespace = "default") =>
  store.delete({ key: storageKey(pods, namespace, name) });
const describe_ = (events: WatcherEvent[]) =>
  events.map((e) => `${e.type} ${(e.object.metadata as { name?: string }).name ?? ""}`);

beforeEach(async () => {
  store = await EmbeddedStore.open();
});
afterEach(async () => {
  cache?.stop();
  await store.close();
});

describe("watch cache", () => {
  it("lists what the store holds, with resourceVersions from the store", async () => {
    await put(pod("a"));
    await put(pod("b", undefined, "other"));
    cache = new WatchCache(store, pods);
    await cache.start();
    expect(cache.list(undefined).map((p) => p.metadata.name)).toEqual(["a", "b"]);
    expect(cache.list("other").map((p) => [p.metadata.name, p.metadata.resourceVersion])).toEqual([
      ["b", "2"],
    ]);
    expect(cache.revision).toBe(2);
  });

  it("lists the store in pages, all at the revision of the first page", async () => {
    for (const name of ["a", "b", "c", "d", "e"]) await put(pod(name));
    await put(pod("f", undefined, "other"));
    // Changes that land while the cache pages through must not show in its copy.
    const range = store.range.bind(store);
    let pages = 0;
    store.range = async (options) => {
      pages++;
      if (pages === 2) await put(pod("late"));
      return range(options);
    };
    cache = new WatchCache(store, pods, { listPageSize: 2 });
    await cache.start();
    expect(pages).toBe(3);
    expect(cache.list(undefined).map((p) => p.metadata.name)).toEqual([
      "a",
      "b",
      "c",
      "d",
      "e",
      "f",
    ]);
    expect(cache.list("other").map((p) => p.metadata.resourceVersion)).toEqual(["6"]);
    // Then the watch from revision 7 brings the pod written in between.
    await cache.waitUntilFresh(7);
    expect(cache.list("default").map((p) => p.metadata.name)).toContain("late");
  });

  it("a watch without a resourceVersion starts with the current objects, then every change", async () => {
    await put(pod("a"));
    cache = new WatchCache(store, pods);
    await cache.start();
    const watcher = await cache.watch({
      after: undefined,
      namespace: "default",
      filter: () => true,
      bookmarks: false,
    });
    await put(pod("b"));
    await put(pod("a", "node-1"));
    await del("b");
    const events = await nextEvents(watcher.channel, 4);
    expect(describe_(events)).toEqual(["ADDED a", "ADDED b", "MODIFIED a", "DELETED b"]);
    expect(events[3]?.object.metadata).toMatchObject({ name: "b", resourceVersion: "4" });
  });

  it("a watch from a resourceVersion replays the changes after it from the window", async () => {
    cache = new WatchCache(store, pods);
    await cache.start();
    await put(pod("a"));
    await put(pod("b"));
    await put(pod("c"));
    await cache.waitUntilFresh(3);
    const watcher = await cache.watch({
      after: 1,
      namespace: undefined,
      filter: () => true,
      bookmarks: false,
    });
    expect(describe_(await nextEvents(watcher.channel, 2))).toEqual(["ADDED b", "ADDED c"]);
  });

  it("a resourceVersion older than the window gets 410 Expired", async () => {
    cache = new WatchCache(store, pods, { windowSize: 2 });
    await cache.start();
    for (const name of ["a", "b", "c", "d"]) await put(pod(name));
    await cache.waitUntilFresh(4);
    const error = await cache
      .watch({ after: 1, namespace: undefined, filter: () => true, bookmarks: false })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toMatchObject({
      code: 410,
      reason: "Expired",
      message: "too old resource version: 1 (2)",
    });
    await expect(
      cache.watch({ after: 2, namespace: undefined, filter: () => true, bookmarks: false }),
    ).resolves.toBeDefined();
  });

  it("objects that start or stop matching a filter arrive as ADDED and DELETED", async () => {
    cache = new WatchCache(store, pods);
    await cache.start();
    const onNode1 = (p: KubeObject) => (p.spec as { nodeName?: string }).nodeName === "node-1";
    const watcher = await cache.watch({
      after: 0,
      namespace: undefined,
      filter: onNode1,
      bookmarks: false,
    });
    await put(pod("a"));
    await put(pod("a", "node-1"));
    await put(pod("a", "node-2"));
    const events = await nextEvents(watcher.channel, 2);
    expect(describe_(events)).toEqual(["ADDED a", "DELETED a"]);
    expect(events[1]?.object.metadata.resourceVersion).toBe("3");
  });

  it("is current to the store's revision even when only other resources changed (progress)", async () => {
    cache = new WatchCache(store, pods, { freshnessTimeoutMs: 2000 });
    await cache.start();
    await put(pod("a"));
    await store.put("/registry/configmaps/default/x", "{}");
    await store.put("/registry/configmaps/default/y", "{}");
    await cache.waitUntilFresh(await store.revision());
    expect(cache.revision).toBe(3);
  });

  it("waiting for a revision the store never reaches fails with 504 Too large resource version", async () => {
    cache = new WatchCache(store, pods, { freshnessTimeoutMs: 50 });
    await cache.start();
    const error = await cache.waitUntilFresh(99).catch((e: unknown) => e);
    expect((error as ApiError).status).toMatchObject({
      code: 504,
      reason: "Timeout",
      message: "Too large resource version: 99, current: 0",
    });
  });

  it("bookmarks go only to watchers that asked, carrying the cache's revision", async () => {
    cache = new WatchCache(store, pods);
    await cache.start();
    const withBookmarks = await cache.watch({
      after: 0,
      namespace: undefined,
      filter: () => true,
      bookmarks: true,
    });
    const without = await cache.watch({
      after: 0,
      namespace: undefined,
      filter: () => true,
      bookmarks: false,
    });
    await put(pod("a"));
    await cache.waitUntilFresh(1);
    cache.bookmark();
    await put(pod("b"));
    expect(describe_(await nextEvents(withBookmarks.channel, 3))).toEqual([
      "ADDED a",
      "BOOKMARK ",
      "ADDED b",
    ]);
    expect(describe_(await nextEvents(without.channel, 2))).toEqual(["ADDED a", "ADDED b"]);
  });

  it("a watcher that does not read is ended; the others carry on", async () => {
    cache = new WatchCache(store, pods, { watcherBuffer: 3 });
    await cache.start();
    const idle = await cache.watch({
      after: 0,
      namespace: undefined,
      filter: () => true,
      bookmarks: false,
    });
    const reader = await cache.watch({
      after: 0,
      namespace: undefined,
      filter: () => true,
      bookmarks: false,
    });
    const seen: string[] = [];
    const reading = (async () => {
      for await (const e of reader.channel) {
        seen.push(describe_([e])[0] as string);
        if (seen.length === 6) return;
      }
    })();
    for (const name of ["a", "b", "c", "d", "e", "f"]) await put(pod(name));
    await reading;
    expect(seen).toHaveLength(6);
    const error = await (async () => {
      for await (const _ of idle.channel);
    })().catch((e: unknown) => e);
    expect(String(error)).toMatch(/not keeping up/);
    expect(cache.watcherCount).toBe(1);
  });

  it("starts over from a fresh list when the store watch breaks, ending its watchers", async () => {
    const opened: WatchStream[] = [];
    const spy = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === "watch") {
          return async (options: Parameters<EmbeddedStore["watch"]>[0]) => {
            const w = (await target.watch(options)) as WatchStream;
            opened.push(w);
            return w;
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const restarts: string[] = [];
    cache = new WatchCache(spy, pods, { onRestart: (why) => restarts.push(why) });
    await cache.start();
    const watcher = await cache.watch({
      after: 0,
      namespace: undefined,
      filter: () => true,
      bookmarks: false,
    });
    opened[0]?.fail(new Error("connection to the store lost"));
    const ended = await (async () => {
      for await (const _ of watcher.channel);
      return "ended";
    })();
    expect(ended).toBe("ended");
    expect(restarts).toEqual(["pods: connection to the store lost"]);
    await put(pod("late"));
    await cache.waitUntilFresh(1);
    expect(cache.list(undefined).map((p) => p.metadata.name)).toEqual(["late"]);
    expect(opened).toHaveLength(2);
  });
});

describe("watch cache: pods indexed by spec.nodeName", () => {
  const onNode = (node: string) => (p: KubeObject) =>
    (p.spec as { nodeName?: string }).nodeName === node;
  const index = (value: string) => ({ field: "spec.nodeName", value });

  it("a list for one node reads that node's pods, in key order, and follows changes", async () => {
    await put(pod("b", "node-1"));
    await put(pod("a", "node-1"));
    await put(pod("c", "node-2"));
    await put(pod("d"));
    cache = new WatchCache(store, pods);
    await cache.start();
    const names = (node: string) =>
      cache.list(undefined, onNode(node), index(node)).map((p) => p.metadata.name);
    expect(names("node-1")).toEqual(["a", "b"]);
    await put(pod("d", "node-1")); // scheduled
    await put(pod("a", "node-2")); // moved (a test can; the API cannot)
    await del("b");
    await cache.waitUntilFresh(7);
    expect(names("node-1")).toEqual(["d"]);
    expect(names("node-2")).toEqual(["a", "c"]);
    expect(names("node-3")).toEqual([]);
  });

  it("a node's watcher gets its own pods' changes, including pods arriving and leaving", async () => {
    cache = new WatchCache(store, pods);
    await cache.start();
    const mine = await cache.watch({
      after: 0,
      namespace: undefined,
      filter: onNode("node-1"),
      bookmarks: false,
      indexValue: index("node-1"),
    });
    const everything = await cache.watch({
      after: 0,
      namespace: undefined,
      filter: () => true,
      bookmarks: false,
    });
    await put(pod("x", "node-2")); // another node's: not for `mine`
    await put(pod("a")); // unscheduled: not for `mine`
    await put(pod("a", "node-1")); // bound here: ADDED
    await put(pod("a", "node-2")); // moved away: DELETED
    await put(pod("b", "node-1"));
    await del("b");
    expect(describe_(await nextEvents(mine.channel, 4))).toEqual([
      "ADDED a",
      "DELETED a",
      "ADDED b",
      "DELETED b",
    ]);
    expect(describe_(await nextEvents(everything.channel, 6))).toHaveLength(6);
    expect(cache.watcherCount).toBe(2);
    mine.channel.cancel();
    expect(cache.watcherCount, "an ended indexed watcher is forgotten").toBe(1);
  });

  it("a watch from the start for one node begins with that node's pods only", async () => {
    await put(pod("a", "node-1"));
    await put(pod("b", "node-2"));
    cache = new WatchCache(store, pods);
    await cache.start();
    const watcher = await cache.watch({
      after: undefined,
      namespace: undefined,
      filter: onNode("node-1"),
      bookmarks: false,
      indexValue: index("node-1"),
    });
    await put(pod("c", "node-1"));
    expect(describe_(await nextEvents(watcher.channel, 2))).toEqual(["ADDED a", "ADDED c"]);
  });
});

describe("watch cache: nodes indexed by metadata.name", () => {
  const nodes = BUILTIN_TYPES.find((t) => t.resource === "nodes") as ResourceType;
  const node = (name: string, podCIDR?: string): KubeObject => ({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name },
    spec: podCIDR ? { podCIDR } : {},
  });
  const putNode = (n: KubeObject) =>
    store.put(storageKey(nodes, undefined, n.metadata.name as string), encode(n));
  const named = (name: string) => (o: KubeObject) => o.metadata.name === name;
  const index = (value: string) => ({ field: "metadata.name", value });

  it("a kubelet's watch of its own Node is handed that Node's changes only", async () => {
    cache = new WatchCache(store, nodes);
    await cache.start();
    const mine = await cache.watch({
      after: 0,
      namespace: undefined,
      filter: named("node-1"),
      bookmarks: false,
      indexValue: index("node-1"),
    });
    await putNode(node("node-2"));
    await putNode(node("node-1"));
    await putNode(node("node-1", "10.244.1.0/24"));
    expect(describe_(await nextEvents(mine.channel, 2))).toEqual([
      "ADDED node-1",
      "MODIFIED node-1",
    ]);
    const handed = mine.sentRevision;
    const { revision } = await putNode(node("node-2", "10.244.2.0/24"));
    await cache.waitUntilFresh(revision);
    expect(mine.sentRevision, "another Node's change is not even handed to it").toBe(handed);
    expect(cache.list(undefined, named("node-2"), index("node-2"))).toHaveLength(1);
  });
});
