/**
 * The controller manager as a whole: leader election between two of them, and restarts at
 * random moments of a rollout.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { Deployment, Pod, ReplicaSet } from "../api/types.ts";
import { builtinType } from "../client/factory.ts";
import { retryOnConflict } from "../client/rest.ts";
import type { RunningControllerManager } from "./manager.ts";
import { type ControllerTestCluster, eventually, startControllerTestCluster } from "./testing.ts";

let c: ControllerTestCluster | undefined;
afterEach(async () => {
  await c?.stop();
  c = undefined;
});

const deployment = (name: string, replicas: number, image: string): Deployment => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image }] } },
  },
});

const SHORT_LEASE = { leaseDurationMs: 1_500, renewDeadlineMs: 1_000, retryPeriodMs: 200 };

describe("controller manager leader election", () => {
  it("two managers: exactly one acts; when it dies without releasing, the other takes over within the lease duration", async () => {
    // The cluster's own manager is not leader-elected; run it with no controllers... so start with none.
    c = await startControllerTestCluster({ controllers: [] });
    const leading: string[] = [];
    const start = (id: string) =>
      c?.startManager({
        identity: id,
        controllers: ["deployment", "replicaset"],
        leaderElection: { ...SHORT_LEASE, releaseOnCancel: false },
        onLeading: (on) => leading.push(`${id} ${on ? "leads" : "stopped"}`),
      }) as RunningControllerManager;
    const a = start("a");
    await eventually(async () => a.isLeading(), Boolean, "a leads");
    const b = start("b");
    const deployments = c.client.resource<Deployment>(builtinType("apps/deployments"), "default");
    await deployments.create(deployment("ha", 2, "tinykube/hello"));
    await eventually(
      () => (c as ControllerTestCluster).listPods("default", "app=ha"),
      (ps) => ps.length === 2,
      "2 pods",
    );
    expect(a.isLeading()).toBe(true);
    expect(b.isLeading()).toBe(false);
    expect(b.controllers()).toEqual([]);

    const died = Date.now();
    await a.stop(); // without releasing the lease: a crash, as far as b can tell
    await eventually(async () => b.isLeading(), Boolean, "b takes over", 5_000);
    const tookOver = Date.now() - died;
    expect(tookOver, "not before the lease expired").toBeGreaterThanOrEqual(1_000);
    expect(tookOver, "within lease duration + a retry or two").toBeLessThanOrEqual(
      1_500 + 3 * 200 * 2.2 + 500,
    );
    // b's controllers act: scaling the deployment reaches the pods.
    await retryOnConflict(async () => {
      const d = await deployments.get("ha");
      await deployments.update({ ...d, spec: { ...d.spec, replicas: 3 } });
    });
    await eventually(
      () => (c as ControllerTestCluster).listPods("default", "app=ha"),
      (ps) => ps.length === 3,
      "3 pods under b",
    );
    const lease = await c.client
      .resource(builtinType("coordination.k8s.io/leases"), "kube-system")
      .get("kube-controller-manager");
    expect(lease.spec).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
    expect(leading).toEqual(["a leads", "a stopped", "b leads"]);
  });
});

describe("controller manager restarts", () => {
  it("killed and restarted at random points of a rollout, it converges with no duplicate pods", async () => {
    c = await startControllerTestCluster({ controllers: [] });
    const cluster = c;
    const deployments = cluster.client.resource<Deployment>(
      builtinType("apps/deployments"),
      "default",
    );
    const rses = cluster.client.resource<ReplicaSet>(builtinType("apps/replicasets"), "default");
    const pauses = fc.sample(fc.integer({ min: 0, max: 150 }), { numRuns: 8, seed: 42 });
    let manager = cluster.startManager({ controllers: ["deployment", "replicaset"] });
    await deployments.create(deployment("flaky", 6, "tinykube/hello:1"));
    const live = async (): Promise<Pod[]> =>
      (await cluster.listPods("default", "app=flaky")).filter((p) => !p.metadata.deletionTimestamp);
    let most = 0;
    for (const [i, pause] of pauses.entries()) {
      if (i === 2) {
        await retryOnConflict(async () => {
          const d = await deployments.get("flaky");
          await deployments.update({
            ...d,
            spec: {
              ...d.spec,
              template: {
                ...d.spec.template,
                spec: { containers: [{ name: "c", image: "tinykube/hello:2" }] },
              },
            },
          });
        });
      }
      await new Promise((r) => setTimeout(r, pause));
      const pods = await live();
      most = Math.max(most, pods.length);
      await cluster.setPodsReady(pods.filter((p) => p.status?.phase !== "Running"));
      await manager.stop();
      manager = cluster.startManager({ controllers: ["deployment", "replicaset"] });
    }
    const done = await eventually(
      async () => {
        const pods = await live();
        most = Math.max(most, pods.length);
        await cluster.setPodsReady(pods.filter((p) => p.status?.phase !== "Running"));
        return deployments.get("flaky");
      },
      (d) =>
        d.status?.updatedReplicas === 6 &&
        d.status?.availableReplicas === 6 &&
        d.status?.replicas === 6,
      "the rollout to finish",
      20_000,
    );
    expect(done.status?.observedGeneration).toBe(done.metadata.generation);
    const pods = await live();
    expect(pods).toHaveLength(6);
    expect(new Set(pods.map((p) => p.metadata.labels?.["pod-template-hash"])).size).toBe(1);
    expect((await rses.list({ labelSelector: "app=flaky" })).items).toHaveLength(2);
    // 6 replicas, 25% surge rounds up to 2: never more than 8 pods, restarts or not.
    expect(most).toBeLessThanOrEqual(8);
  }, 60_000);
});
