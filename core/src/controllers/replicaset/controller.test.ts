import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pod, ReplicaSet } from "../../api/types.ts";
import { builtinType } from "../../client/factory.ts";
import { retryOnConflict } from "../../client/rest.ts";
import { type ControllerTestCluster, eventually, startControllerTestCluster } from "../testing.ts";

let c: ControllerTestCluster;
beforeAll(async () => {
  c = await startControllerTestCluster({ controllers: ["replicaset"] });
});
afterAll(async () => {
  await c?.stop();
});

const rsOf = (name: string, replicas: number, app = name): ReplicaSet => ({
  apiVersion: "apps/v1",
  kind: "ReplicaSet",
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app } },
    template: {
      metadata: { labels: { app } },
      spec: { containers: [{ name: "c", image: "tinykube/hello" }] },
    },
  },
});

const rses = () => c.client.resource<ReplicaSet>(builtinType("apps/replicasets"), "default");
const pods = () => c.client.resource<Pod>(builtinType("pods"), "default");
const owned = (rs: ReplicaSet) => (ps: Pod[]) =>
  ps.filter((p) =>
    p.metadata.ownerReferences?.some((r) => r.uid === rs.metadata.uid && r.controller),
  );

describe("ReplicaSet controller", () => {
  it("creates exactly spec.replicas pods owned by the ReplicaSet, and reports status", async () => {
    const rs = await rses().create(rsOf("web", 3));
    const list = await eventually(
      () => c.listPods("default", "app=web"),
      (ps) => ps.length >= 3,
      "3 pods",
    );
    expect(list).toHaveLength(3);
    expect(owned(rs)(list)).toHaveLength(3);
    for (const p of list) {
      expect(p.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({
        kind: "ReplicaSet",
        name: "web",
        controller: true,
        blockOwnerDeletion: true,
      });
    }
    const status = await eventually(
      () => rses().get("web"),
      (r) => r.status?.replicas === 3,
      "status.replicas 3",
    );
    expect(status.status).toMatchObject({
      replicas: 3,
      fullyLabeledReplicas: 3,
      readyReplicas: 0,
      availableReplicas: 0,
      observedGeneration: 1,
    });
    await c.setPodsReady(list);
    await eventually(
      () => rses().get("web"),
      (r) => r.status?.availableReplicas === 3,
      "3 available",
    );
    // Still 3 pods: no double creation while its own creations were in flight.
    expect(await c.listPods("default", "app=web")).toHaveLength(3);
  });

  it("replaces a deleted pod, and scales down deleting not-ready pods first", async () => {
    const before = await c.listPods("default", "app=web");
    await pods().delete(before[0]?.metadata.name as string);
    await eventually(
      () => c.listPods("default", "app=web"),
      (ps) => ps.length === 3 && !ps.some((p) => p.metadata.name === before[0]?.metadata.name),
      "a replacement",
    );
    const now = await c.listPods("default", "app=web");
    const fresh = now.find((p) => !before.some((b) => b.metadata.name === p.metadata.name)) as Pod;
    await retryOnConflict(async () => {
      const rs = await rses().get("web");
      await rses().update({ ...rs, spec: { ...rs.spec, replicas: 2 } });
    });
    const after = await eventually(
      () => c.listPods("default", "app=web"),
      (ps) => ps.length === 2,
      "2 pods",
    );
    expect(after.map((p) => p.metadata.name)).not.toContain(fresh.metadata.name);
  });

  it("adopts a matching orphan instead of creating, and releases a pod relabelled away", async () => {
    await pods().create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "stray", labels: { app: "adopt" } },
      spec: { containers: [{ name: "c", image: "tinykube/hello" }] },
    });
    const rs = await rses().create(rsOf("adopt", 2));
    const list = await eventually(
      () => c.listPods("default", "app=adopt"),
      (ps) => owned(rs)(ps).length === 2,
      "2 owned pods",
    );
    expect(list.map((p) => p.metadata.name)).toContain("stray");
    expect(list).toHaveLength(2);
    await pods().patch("stray", { metadata: { labels: { app: "elsewhere" } } });
    const stray = await eventually(
      () => pods().get("stray"),
      (p) => !p.metadata.ownerReferences?.length,
      "stray released",
    );
    expect(stray.metadata.ownerReferences ?? []).toEqual([]);
    await eventually(
      () => c.listPods("default", "app=adopt"),
      (ps) => owned(rs)(ps).length === 2,
      "a replacement for the released pod",
    );
  });

  it("an object the API refuses is reported as ReplicaFailure and an event, not retried in a tight loop", async () => {
    await c.client.resource(builtinType("resourcequotas"), "default").create({
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: "few-pods" },
      spec: { hard: { pods: "6" } },
    });
    await rses().create(rsOf("over", 5));
    const rs = await eventually(
      () => rses().get("over"),
      (r) => r.status?.conditions?.some((x) => x.type === "ReplicaFailure") ?? false,
      "ReplicaFailure",
    );
    const failure = rs.status?.conditions?.find((x) => x.type === "ReplicaFailure");
    expect(failure).toMatchObject({ status: "True", reason: "FailedCreate" });
    expect(failure?.message).toContain("exceeded quota");
    const events = await c.client
      .resource(builtinType("events"), "default")
      .list({ fieldSelector: "involvedObject.name=over" });
    expect(events.items.some((e) => e.reason === "FailedCreate")).toBe(true);
  });
});
