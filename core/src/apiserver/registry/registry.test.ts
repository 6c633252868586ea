import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { KubeObject } from "../../api/object.ts";
import { BUILTIN_TYPES, type ResourceType } from "../../api/scheme.ts";
import {
  nameIsDNSSubdomain,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from "../../api/validation.ts";
import { EmbeddedStore } from "../../store/index.ts";
import { nextEvents } from "../../store/testing.ts";
import { FakeClock } from "../../util/clock.ts";
import type { ApiError } from "../errors.ts";
import { WatchCache } from "../storage/watch-cache.ts";
import { Registry } from "./registry.ts";
import { defaultStrategy, type Strategy } from "./strategy.ts";

const typeOf = (resource: string) =>
  BUILTIN_TYPES.find((t) => t.resource === resource) as ResourceType;
const deployments = typeOf("deployments");
const configmaps = typeOf("configmaps");

let store: EmbeddedStore;
const caches: WatchCache[] = [];
const clock = new FakeClock(Date.parse("2026-11-26T12:00:00Z"));

function registry(type: ResourceType, strategy: Partial<Strategy> = {}): Registry {
  const cache = new WatchCache(store, type);
  caches.push(cache);
  // The generic registry is under test, not each kind's validation rules.
  const strategyUnderTest = defaultStrategy(type, {
    validate: (o) =>
      validateObjectMeta(o.metadata, {
        namespaced: type.namespaced,
        nameValidator: nameIsDNSSubdomain,
      }),
    validateUpdate: (o, old) => validateObjectMetaUpdate(o.metadata, old.metadata),
    ...strategy,
  });
  return new Registry({ type, store, cache, strategy: strategyUnderTest, clock });
}

const deployment = (name: string, replicas = 1, extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: { replicas },
  ...extra,
});

const failure = async (promise: Promise<unknown>) => {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as ApiError | undefined;
  if (!error?.status) throw new Error(`expected an API error, got ${String(error)}`);
  return error.status;
};

beforeEach(async () => {
  store = await EmbeddedStore.open({ clock });
});
afterEach(async () => {
  for (const cache of caches.splice(0)) cache.stop();
  await store.close();
});

describe("create", () => {
  it("a generated name that is taken is generated again, up to 8 attempts in all", async () => {
    const r = registry(configmaps);
    const cm = (meta: KubeObject["metadata"]): KubeObject => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta,
    });
    await r.create("default", cm({ name: "web-bbbbb" }));
    let calls = 0;
    // The first name drawn is web-bbbbb (index 0 five times), the next is different.
    const random = vi.spyOn(Math, "random").mockImplementation(() => (calls++ < 5 ? 0 : 0.5));
    try {
      const created = await r.create("default", cm({ generateName: "web-" }));
      expect(created.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(created.metadata.name).not.toBe("web-bbbbb");
      random.mockImplementation(() => 0);
      expect(await failure(r.create("default", cm({ generateName: "web-" })))).toMatchObject({
        code: 409,
        reason: "AlreadyExists",
      });
      expect(random.mock.calls.length, "8 names of 5 letters drawn for the second create").toBe(
        5 + 5 + 8 * 5,
      );
    } finally {
      random.mockRestore();
    }
  });

  it("sets uid, creationTimestamp, generation and resourceVersion; a second create gets AlreadyExists", async () => {
    const r = registry(deployments);
    const created = await r.create("default", deployment("web"));
    expect(created.metadata).toMatchObject({
      name: "web",
      namespace: "default",
      generation: 1,
      resourceVersion: "1",
      creationTimestamp: "2026-11-26T12:00:00Z",
    });
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(await failure(r.create("default", deployment("web")))).toMatchObject({
      code: 409,
      reason: "AlreadyExists",
      message: 'deployments.apps "web" already exists',
      details: { name: "web", group: "apps", kind: "deployments" },
    });
  });

  it("of one name at once: exactly one wins", async () => {
    const r = registry(configmaps);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () =>
        r.create("default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" } }),
      ),
    );
    expect(results.filter((x) => x.status === "fulfilled")).toHaveLength(1);
  });

  it("generates a name from generateName", async () => {
    const created = await registry(configmaps).create("default", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { generateName: "cm-" },
    });
    expect(created.metadata.name).toMatch(/^cm-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it("refuses objects that do not belong at this URL, storing nothing", async () => {
    const r = registry(deployments);
    expect(
      (
        await failure(
          r.create("default", { ...deployment("a"), metadata: { name: "a", namespace: "other" } }),
        )
      ).message,
    ).toBe("the namespace of the provided object does not match the namespace sent on the request");
    expect((await failure(r.create("default", { ...deployment("a"), kind: "Pod" }))).message).toBe(
      "the kind in the data (Pod) does not match the expected kind (Deployment)",
    );
    expect(
      (
        await failure(
          r.create("default", {
            ...deployment("a"),
            metadata: { name: "a", resourceVersion: "5" },
          }),
        )
      ).message,
    ).toBe("resourceVersion should not be set on objects to be created");
    expect(await store.revision()).toBe(0);
  });

  it("dry run validates and answers without storing", async () => {
    const created = await registry(deployments).create("default", deployment("web"), {
      dryRun: true,
    });
    expect(created.metadata.name).toBe("web");
    expect(await store.revision()).toBe(0);
  });
});

describe("update", () => {
  it("with a stale resourceVersion fails with Kubernetes' Conflict message", async () => {
    const r = registry(deployments);
    const created = await r.create("default", deployment("web"));
    await r.update("default", "web", { ...created, spec: { replicas: 2 } });
    expect(
      await failure(r.update("default", "web", { ...created, spec: { replicas: 3 } })),
    ).toMatchObject({
      code: 409,
      reason: "Conflict",
      message:
        'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it("without a resourceVersion applies to the latest", async () => {
    const r = registry(deployments);
    await r.create("default", deployment("web"));
    const { object } = await r.update("default", "web", deployment("web", 5));
    expect(object.spec).toEqual({ replicas: 5 });
  });

  it("bumps generation on spec changes only, and keeps the server's metadata", async () => {
    const r = registry(deployments);
    const created = await r.create("default", deployment("web"));
    const labelled = await r.update("default", "web", {
      ...created,
      metadata: {
        ...created.metadata,
        labels: { a: "b" },
        uid: undefined,
        creationTimestamp: "1999-01-01T00:00:00Z",
      },
    });
    expect(labelled.object.metadata.generation).toBe(1);
    expect(labelled.object.metadata.creationTimestamp).toBe(created.metadata.creationTimestamp);
    expect(labelled.object.metadata.uid).toBe(created.metadata.uid);
    const scaled = await r.update("default", "web", { ...labelled.object, spec: { replicas: 4 } });
    expect(scaled.object.metadata.generation).toBe(2);
  });

  it("that changes nothing writes nothing", async () => {
    const r = registry(deployments);
    const created = await r.create("default", deployment("web"));
    const same = await r.update("default", "web", created);
    expect(same.object.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    expect(await store.revision()).toBe(1);
  });

  it("of the main resource ignores status; the status subresource ignores everything else", async () => {
    const r = registry(deployments);
    const created = await r.create("default", deployment("web", 1, { status: { replicas: 9 } }));
    expect(created.status, "a new object's status starts empty").toEqual({});
    const main = await r.update("default", "web", {
      ...created,
      spec: { replicas: 2 },
      status: { replicas: 7 },
    });
    expect(main.object.status).toEqual({});
    const status = await r.update(
      "default",
      "web",
      {
        ...main.object,
        spec: { replicas: 100 },
        status: { replicas: 2 },
        metadata: { ...main.object.metadata, labels: { x: "y" } },
      },
      { subresource: "status" },
    );
    expect(status.object.spec).toEqual({ replicas: 2 });
    expect(status.object.status).toEqual({ replicas: 2 });
    expect(status.object.metadata.labels).toBeUndefined();
    expect(status.object.metadata.generation).toBe(2);
  });

  it("of a missing object is NotFound unless the strategy allows create-on-update", async () => {
    expect(
      (await failure(registry(deployments).update("default", "nope", deployment("nope")))).reason,
    ).toBe("NotFound");
    const r = registry(configmaps, { allowCreateOnUpdate: true });
    const { created } = await r.update("default", "cm", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "cm" },
    });
    expect(created).toBe(true);
  });
});

describe("delete", () => {
  it("removes an object at once when nothing holds it", async () => {
    const r = registry(deployments);
    await r.create("default", deployment("web"));
    const { deleted } = await r.delete("default", "web");
    expect(deleted).toBe(true);
    expect((await failure(r.get("default", "web"))).message).toBe(
      'deployments.apps "web" not found',
    );
  });

  it("only marks an object with finalizers; it goes when the last finalizer is removed", async () => {
    const r = registry(deployments);
    await r.create(
      "default",
      deployment("web", 1, { metadata: { name: "web", finalizers: ["example.com/cleanup"] } }),
    );
    const marked = await r.delete("default", "web");
    expect(marked.deleted).toBe(false);
    expect(marked.object.metadata.deletionTimestamp).toBe("2026-11-26T12:00:00Z");
    const current = await r.get("default", "web");
    const added = await failure(
      r.update("default", "web", {
        ...current,
        metadata: { ...current.metadata, finalizers: ["example.com/cleanup", "new"] },
      }),
    );
    expect(added.message).toMatch(/no new finalizers can be added if the object is being deleted/);
    await r.update("default", "web", {
      ...current,
      metadata: { ...current.metadata, finalizers: [] },
    });
    expect((await failure(r.get("default", "web"))).reason).toBe("NotFound");
  });

  it("with a grace period marks the object until a delete with grace 0 (the kubelet's)", async () => {
    const r = registry(configmaps, { gracePeriod: (_o, requested) => requested ?? 30 });
    await r.create("default", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" } });
    const marked = await r.delete("default", "cm");
    expect(marked.object.metadata).toMatchObject({
      deletionTimestamp: "2026-11-26T12:00:30Z",
      deletionGracePeriodSeconds: 30,
    });
    const shorter = await r.delete("default", "cm", { gracePeriodSeconds: 10 });
    expect(shorter.object.metadata.deletionTimestamp).toBe("2026-11-26T12:00:10Z");
    expect((await r.delete("default", "cm", { gracePeriodSeconds: 0 })).deleted).toBe(true);
  });

  it("records the propagation policy as a finalizer for the garbage collector", async () => {
    const r = registry(deployments);
    await r.create("default", deployment("web"));
    const { object } = await r.delete("default", "web", { propagationPolicy: "Foreground" });
    expect(object.metadata.finalizers).toEqual(["foregroundDeletion"]);
  });

  it("checks preconditions", async () => {
    const r = registry(deployments);
    await r.create("default", deployment("web"));
    expect(
      (await failure(r.delete("default", "web", { preconditions: { uid: "other" } }))).message,
    ).toMatch(/Precondition failed: UID in precondition: other/);
  });
});

describe("list and watch", () => {
  const cm = (
    name: string,
    namespace = "default",
    labels: Record<string, string> = {},
  ): KubeObject => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace, labels },
  });

  it("pages through the store with limit and continue, at the first page's revision", async () => {
    const r = registry(configmaps);
    for (const name of ["a", "b", "c", "d", "e"]) await r.create("default", cm(name));
    const first = await r.list("default", { limit: 2 });
    expect(first.items.map((o) => o.metadata.name)).toEqual(["a", "b"]);
    expect(first.metadata).toMatchObject({ resourceVersion: "5", remainingItemCount: 3 });
    await r.create("default", cm("f"));
    const second = await r.list("default", { limit: 2, continue: first.metadata.continue });
    expect(second.items.map((o) => o.metadata.name)).toEqual(["c", "d"]);
    const third = await r.list("default", { limit: 2, continue: second.metadata.continue });
    expect(third.items.map((o) => o.metadata.name)).toEqual(["e"]);
    expect(third.metadata.continue).toBeUndefined();
  });

  it("fills a page from further in when a filter skips objects", async () => {
    const r = registry(configmaps);
    for (const [i, name] of ["a", "b", "c", "d", "e", "f"].entries()) {
      await r.create("default", cm(name, "default", { keep: String(i % 2 === 0) }));
    }
    const kept = (o: KubeObject) => o.metadata.labels?.keep === "true";
    const first = await r.list("default", { limit: 2, filter: kept, filtered: true });
    expect(first.items.map((o) => o.metadata.name)).toEqual(["a", "c"]);
    expect(first.metadata.remainingItemCount).toBeUndefined();
    const rest = await r.list("default", {
      limit: 2,
      filter: kept,
      filtered: true,
      continue: first.metadata.continue,
    });
    expect(rest.items.map((o) => o.metadata.name)).toEqual(["e"]);
  });

  it("a continue token older than the compaction gets 410 Expired", async () => {
    const r = registry(configmaps);
    for (const name of ["a", "b", "c"]) await r.create("default", cm(name));
    const first = await r.list("default", { limit: 1 });
    await r.create("default", cm("d"));
    await store.compact(4);
    expect(
      await failure(r.list("default", { limit: 1, continue: first.metadata.continue })),
    ).toMatchObject({
      code: 410,
      reason: "Expired",
    });
  });

  it("serves consistent and resourceVersion=0 lists from the watch cache, exact ones from history", async () => {
    const r = registry(configmaps);
    await r.create("default", cm("a"));
    await r.create("other", cm("b", "other"));
    expect((await r.list(undefined, {})).items.map((o) => o.metadata.name)).toEqual(["a", "b"]);
    expect(
      (await r.list("other", { resourceVersion: "0" })).items.map((o) => o.metadata.name),
    ).toEqual(["b"]);
    await r.delete("default", "a");
    const exact = await r.list(undefined, { resourceVersion: "2", resourceVersionMatch: "Exact" });
    expect(exact.items.map((o) => o.metadata.name)).toEqual(["a", "b"]);
    expect(exact.metadata.resourceVersion).toBe("2");
  });

  it("watches from a list's resourceVersion see exactly the later changes", async () => {
    const r = registry(configmaps);
    await r.create("default", cm("a"));
    const list = await r.list("default", {});
    await r.create("default", cm("b"));
    const watcher = await r.watch("default", { resourceVersion: list.metadata.resourceVersion });
    await r.delete("default", "a");
    const events = await nextEvents(watcher.channel, 2);
    expect(events.map((e) => `${e.type} ${(e.object.metadata as { name?: string }).name}`)).toEqual(
      ["ADDED b", "DELETED a"],
    );
  });
});
