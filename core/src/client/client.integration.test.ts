/** The client machinery against a real API server: the REST client, a reflector's 410, the factory. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../api/object.ts";
import { startTestApiServer, type TestApiServer } from "../testing/cluster.ts";
import { builtinType, SharedInformerFactory } from "./factory.ts";
import { type DeletedFinalStateUnknown, isTombstone, SharedIndexInformer } from "./informer.ts";
import type { ReflectorEvent } from "./reflector.ts";
import { isAlreadyExists, isConflict, isNotFound, RestClient } from "./rest.ts";
import { CuttableListerWatcher } from "./testing.ts";

let api: TestApiServer;
let client: RestClient;

beforeAll(async () => {
  // A small watch-cache window, so a watch that falls a few changes behind gets 410 Gone.
  api = await startTestApiServer({ watchCacheWindow: 5, keepAliveMs: 200 });
  client = new RestClient({
    server: api.url,
    caPem: api.caCertPem,
    token: api.tokenFor("admin"),
    userAgent: "client-test",
    qps: 0,
  });
});
afterAll(async () => {
  client?.close();
  await api?.stop();
});

const configMap = (name: string, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name },
  data,
});

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("RestClient", () => {
  it("creates, gets, updates, patches, lists and deletes, with Status errors by reason", async () => {
    const cms = client.resource(builtinType("configmaps"), "default");
    const created = await cms.create(configMap("rest-a", { k: "1" }));
    expect(created.metadata.uid).toBeTruthy();
    await expect(cms.create(configMap("rest-a"))).rejects.toSatisfy(isAlreadyExists);
    const got = await cms.get("rest-a");
    const updated = await cms.update({ ...got, data: { k: "2" } });
    await expect(cms.update({ ...got, data: { k: "3" } })).rejects.toSatisfy(isConflict);
    const patched = await cms.patch("rest-a", { data: { extra: "x" } });
    expect(patched.data).toEqual({ k: "2", extra: "x" });
    expect(Number(patched.metadata.resourceVersion)).toBeGreaterThan(
      Number(updated.metadata.resourceVersion),
    );
    const listed = await cms.list({ fieldSelector: "metadata.name=rest-a" });
    expect(listed.items.map((i) => i.metadata.name)).toEqual(["rest-a"]);
    await cms.delete("rest-a");
    await expect(cms.get("rest-a")).rejects.toSatisfy(isNotFound);
  });

  it("authenticates as the component whose token it holds; RBAC applies to it", async () => {
    const scheduler = new RestClient({
      server: api.url,
      caPem: api.caCertPem,
      token: api.tokenFor("system:kube-scheduler"),
      qps: 0,
    });
    try {
      const pods = await scheduler.resource(builtinType("pods")).list();
      expect(pods.items).toBeDefined();
      const error = await scheduler
        .resource(builtinType("configmaps"), "default")
        .create(configMap("nope"))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 403, reason: "Forbidden" });
      expect(String((error as Error).message)).toContain(
        'User "system:kube-scheduler" cannot create resource "configmaps"',
      );
    } finally {
      scheduler.close();
    }
  });

  it("streams a watch as events until stopped", async () => {
    const cms = client.resource(builtinType("configmaps"), "default");
    const start = (await cms.list()).metadata.resourceVersion;
    const watch = await cms.watch({ resourceVersion: start });
    await cms.create(configMap("watched"));
    await cms.delete("watched");
    const seen: string[] = [];
    for await (const event of watch) {
      seen.push(`${event.type} ${event.object.metadata.name}`);
      if (seen.length === 2) watch.stop();
    }
    expect(seen).toEqual(["ADDED watched", "DELETED watched"]);
  });
});

describe("informer against the API server", () => {
  it("lists, watches, and after a cut longer than the watch cache's window gets 410 and re-lists", async () => {
    const cms = client.resource(builtinType("configmaps"), "gone-test");
    await client
      .resource(builtinType("namespaces"))
      .create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "gone-test" } });
    await cms.create(configMap("keep"));
    await cms.create(configMap("doomed"));
    const lw = new CuttableListerWatcher(cms);
    const events: ReflectorEvent[] = [];
    const informer = new SharedIndexInformer<KubeObject>({
      name: "configmaps",
      listerWatcher: lw,
      onReflectorEvent: (e) => events.push(e),
    });
    const deleted: (KubeObject | DeletedFinalStateUnknown<KubeObject>)[] = [];
    informer.addEventHandler({ onDelete: (o) => deleted.push(o) });
    informer.run();
    await until(() => events.some((e) => e.type === "watching"), "the first watch");
    expect(informer.indexer.keys().sort()).toEqual(["gone-test/doomed", "gone-test/keep"]);

    lw.cut();
    await cms.delete("doomed");
    // More changes than the window holds (5), anywhere in the resource: the history is gone.
    for (let i = 0; i < 8; i++)
      await client.resource(builtinType("configmaps"), "default").create(configMap(`filler-${i}`));
    lw.reconnect();

    await until(() => events.filter((e) => e.type === "listed").length === 2, "the re-list");
    expect(events.map((e) => e.type)).toContain("gone");
    const relist = events.filter((e) => e.type === "listed")[1];
    // client-go re-lists at the last resourceVersion it had: "not older than", from the cache.
    expect(relist).toMatchObject({ consistent: false });
    expect(Number((relist as { requested: string }).requested)).toBeGreaterThan(0);
    expect(informer.indexer.keys().sort()).toEqual(["gone-test/keep"]);
    expect(deleted).toHaveLength(1);
    const tomb = deleted[0] as DeletedFinalStateUnknown<KubeObject>;
    expect(isTombstone(tomb) && tomb.key).toBe("gone-test/doomed");
    await informer.stop();
  });

  it("the factory shares one informer (one watch) per resource", async () => {
    const factory = new SharedInformerFactory(client);
    const a = factory.informerFor("pods");
    const b = factory.informerFor(builtinType("pods"));
    const d = factory.informerFor("apps/deployments");
    expect(a).toBe(b);
    expect(d).not.toBe(a);
    expect(() => factory.informerFor("apps/pods")).toThrow('no built-in resource "apps/pods"');
    factory.start();
    await factory.waitForCacheSync(5000);
    expect(a.hasSynced() && d.hasSynced()).toBe(true);
    await factory.stop();
  });
});
