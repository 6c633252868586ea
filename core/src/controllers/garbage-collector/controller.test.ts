import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject, OwnerReference } from "../../api/object.ts";
import type { Deployment, Pod, ReplicaSet } from "../../api/types.ts";
import { builtinType } from "../../client/factory.ts";
import { isNotFound } from "../../client/rest.ts";
import { type ControllerTestCluster, eventually, startControllerTestCluster } from "../testing.ts";

const deploymentOf = (name: string, replicas: number): Deployment => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: "c", image: "tinykube/hello" }] },
    },
  },
});

const configMap = (name: string, metadata: Partial<KubeObject["metadata"]> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, ...metadata },
  data: {},
});

const ownedBy = (owner: KubeObject, extra: Partial<OwnerReference> = {}): OwnerReference => ({
  apiVersion: owner.apiVersion,
  kind: owner.kind,
  name: owner.metadata.name as string,
  uid: owner.metadata.uid as string,
  ...extra,
});

/** Undefined once the object is gone. */
async function orGone<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function clients(c: ControllerTestCluster) {
  return {
    deployments: c.client.resource<Deployment>(builtinType("apps/deployments"), "default"),
    rses: c.client.resource<ReplicaSet>(builtinType("apps/replicasets"), "default"),
    pods: c.client.resource<Pod>(builtinType("pods"), "default"),
    configMaps: c.client.resource(builtinType("configmaps"), "default"),
  };
}

/** A Deployment with its ReplicaSet and `replicas` pods in place. */
async function deploymentWithPods(c: ControllerTestCluster, name: string, replicas: number) {
  const { deployments, rses } = clients(c);
  const deployment = await deployments.create(deploymentOf(name, replicas));
  const pods = await eventually(
    () => c.listPods("default", `app=${name}`),
    (ps) => ps.length === replicas,
    `${replicas} pods of ${name}`,
  );
  const [rs] = (await rses.list({ labelSelector: `app=${name}` })).items;
  expect(rs?.metadata.ownerReferences?.[0]?.uid).toBe(deployment.metadata.uid);
  return { deployment, rs: rs as ReplicaSet, pods };
}

describe("garbage collector", () => {
  let c: ControllerTestCluster;
  beforeAll(async () => {
    c = await startControllerTestCluster({
      controllers: ["deployment", "replicaset", "garbagecollector"],
    });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it("Background: deleting a Deployment deletes its ReplicaSet, then the ReplicaSet's pods", async () => {
    const { deployments, rses } = clients(c);
    await deploymentWithPods(c, "bg", 2);
    await deployments.delete("bg", { propagationPolicy: "Background" });
    await eventually(
      () => rses.list({ labelSelector: "app=bg" }),
      (l) => l.items.length === 0,
      "the ReplicaSet collected",
    );
    await eventually(
      () => c.listPods("default", "app=bg"),
      (ps) => ps.length === 0,
      "the pods collected",
    );
  });

  it("Foreground: the Deployment waits, marked, until its ReplicaSet and pods are gone", async () => {
    const { deployments, rses } = clients(c);
    await deploymentWithPods(c, "fg", 2);
    await deployments.delete("fg", { propagationPolicy: "Foreground" });
    const marked = await deployments.get("fg");
    expect(marked.metadata.deletionTimestamp).toBeDefined();
    expect(marked.metadata.finalizers).toContain("foregroundDeletion");
    await eventually(
      () => orGone(deployments.get("fg")),
      (d) => d === undefined,
      "the Deployment deleted",
    );
    // The owner went last: by the time it is gone, its dependents already were.
    expect((await rses.list({ labelSelector: "app=fg" })).items).toEqual([]);
    expect(await c.listPods("default", "app=fg")).toEqual([]);
  });

  it("Foreground waits only for dependents with blockOwnerDeletion", async () => {
    const { configMaps } = clients(c);
    const owner = await configMaps.create(configMap("fg-owner"));
    const hold = { finalizers: ["example.com/hold"] };
    await configMaps.create(
      configMap("fg-blocking", {
        ...hold,
        ownerReferences: [ownedBy(owner, { blockOwnerDeletion: true })],
      }),
    );
    await configMaps.create(configMap("fg-loose", { ...hold, ownerReferences: [ownedBy(owner)] }));
    await configMaps.delete("fg-owner", { propagationPolicy: "Foreground" });
    // Both dependents are deleted (their finalizer keeps them, marked); the blocking one holds the owner.
    await eventually(
      () => Promise.all(["fg-blocking", "fg-loose"].map((n) => configMaps.get(n))),
      (deps) => deps.every((d) => d.metadata.deletionTimestamp !== undefined),
      "both dependents marked for deletion",
    );
    expect((await configMaps.get("fg-owner")).metadata.finalizers).toEqual(["foregroundDeletion"]);
    await configMaps.patch("fg-blocking", { metadata: { finalizers: null } });
    await eventually(
      () => orGone(configMaps.get("fg-owner")),
      (o) => o === undefined,
      "the owner deleted",
    );
    // The non-blocking dependent is still there, held by its own finalizer.
    expect((await configMaps.get("fg-loose")).metadata.deletionTimestamp).toBeDefined();
    await configMaps.patch("fg-loose", { metadata: { finalizers: null } });
  });

  it("Orphan: the ReplicaSet and pods stay; the ReplicaSet loses its owner reference", async () => {
    const { deployments, rses } = clients(c);
    const { rs, pods } = await deploymentWithPods(c, "orphan", 2);
    await deployments.delete("orphan", { propagationPolicy: "Orphan" });
    await eventually(
      () => orGone(deployments.get("orphan")),
      (d) => d === undefined,
      "the Deployment deleted",
    );
    const kept = await rses.get(rs.metadata.name as string);
    expect(kept.metadata.uid).toBe(rs.metadata.uid);
    expect(kept.metadata.ownerReferences ?? []).toEqual([]);
    const after = await c.listPods("default", "app=orphan");
    expect(after.map((p) => p.metadata.uid).sort()).toEqual(pods.map((p) => p.metadata.uid).sort());
    // The pods' owner, the ReplicaSet, still exists: their references to it stay.
    for (const pod of after) expect(pod.metadata.ownerReferences?.[0]?.uid).toBe(rs.metadata.uid);
  });

  it("a dependent with two owners loses only the reference to the deleted one", async () => {
    const { configMaps } = clients(c);
    const a = await configMaps.create(configMap("two-a"));
    const b = await configMaps.create(configMap("two-b"));
    await configMaps.create(
      configMap("two-dependent", { ownerReferences: [ownedBy(a), ownedBy(b)] }),
    );
    await configMaps.delete("two-a");
    const dependent = await eventually(
      () => configMaps.get("two-dependent"),
      (d) => d.metadata.ownerReferences?.length === 1,
      "the reference to two-a removed",
    );
    expect(dependent.metadata.ownerReferences?.[0]?.uid).toBe(b.metadata.uid);
    expect(dependent.metadata.deletionTimestamp).toBeUndefined();
  });

  it("a reference to a UID that never existed, or to a name that now has another UID, is dangling", async () => {
    const { configMaps } = clients(c);
    const ghost = { apiVersion: "v1", kind: "ConfigMap", name: "never-was", uid: randomUUID() };
    await configMaps.create(configMap("ghost-dependent", { ownerReferences: [ghost] }));
    const live = await configMaps.create(configMap("reborn"));
    const stale = { ...ownedBy(live), uid: randomUUID() };
    await configMaps.create(configMap("stale-dependent", { ownerReferences: [stale] }));
    await eventually(
      () =>
        Promise.all([
          orGone(configMaps.get("ghost-dependent")),
          orGone(configMaps.get("stale-dependent")),
        ]),
      (objects) => objects.every((o) => o === undefined),
      "both dependents collected",
    );
    // The owner that exists under the name, with its own UID, is left alone.
    expect((await configMaps.get("reborn")).metadata.uid).toBe(live.metadata.uid);
  });
});

describe("garbage collector restart", () => {
  let c: ControllerTestCluster;
  beforeAll(async () => {
    c = await startControllerTestCluster({
      controllers: ["deployment", "replicaset", "garbagecollector"],
    });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it("deletions made while it was stopped are carried out when it starts again", async () => {
    const { deployments, rses } = clients(c);
    await deploymentWithPods(c, "while-down", 2);
    await deploymentWithPods(c, "fg-while-down", 1);
    await c.manager.stop();
    await deployments.delete("while-down", { propagationPolicy: "Background" });
    await deployments.delete("fg-while-down", { propagationPolicy: "Foreground" });
    // Nobody collects meanwhile.
    expect((await rses.list({ labelSelector: "app=while-down" })).items).toHaveLength(1);
    expect((await deployments.get("fg-while-down")).metadata.finalizers).toEqual([
      "foregroundDeletion",
    ]);

    c.startManager();
    await eventually(
      () => c.listPods("default", "app=while-down"),
      (ps) => ps.length === 0,
      "pods collected after the restart",
    );
    expect((await rses.list({ labelSelector: "app=while-down" })).items).toEqual([]);
    await eventually(
      () => orGone(deployments.get("fg-while-down")),
      (d) => d === undefined,
      "the Foreground deletion finished",
    );
    expect(await c.listPods("default", "app=fg-while-down")).toEqual([]);
  });
});
