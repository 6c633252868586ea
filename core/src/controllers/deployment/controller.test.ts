import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deployment, Pod, ReplicaSet } from "../../api/types.ts";
import { builtinType } from "../../client/factory.ts";
import { retryOnConflict } from "../../client/rest.ts";
import { type ControllerTestCluster, eventually, startControllerTestCluster } from "../testing.ts";

let c: ControllerTestCluster;
beforeAll(async () => {
  c = await startControllerTestCluster({ controllers: ["deployment", "replicaset"] });
});
afterAll(async () => {
  await c?.stop();
});

const deploymentOf = (
  name: string,
  replicas: number,
  image = "tinykube/hello:1.0",
  extra: Partial<Deployment["spec"]> = {},
): Deployment => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image }] } },
    ...extra,
  },
});

const deployments = () => c.client.resource<Deployment>(builtinType("apps/deployments"), "default");
const rses = () => c.client.resource<ReplicaSet>(builtinType("apps/replicasets"), "default");

/** Plays kubelet: every pod of the app that is not Ready becomes Ready. */
async function readyAll(app: string): Promise<Pod[]> {
  const pods = (await c.listPods("default", `app=${app}`)).filter(
    (p) => !p.metadata.deletionTimestamp,
  );
  const notReady = pods.filter(
    (p) => !p.status?.conditions?.some((x) => x.type === "Ready" && x.status === "True"),
  );
  await c.setPodsReady(notReady);
  return pods;
}

/** Drives a rollout to the end, making new pods ready as they appear, checking the pod ceiling. */
async function rollToCompletion(name: string, maxPods: number): Promise<Deployment> {
  let highest = 0;
  const d = await eventually(
    async () => {
      const pods = await readyAll(name);
      highest = Math.max(highest, pods.length);
      return deployments().get(name);
    },
    (x) =>
      x.status?.observedGeneration === x.metadata.generation &&
      x.status?.updatedReplicas === x.spec.replicas &&
      x.status?.replicas === x.spec.replicas &&
      x.status?.availableReplicas === x.spec.replicas,
    `${name} rolled out`,
    20_000,
  );
  expect(highest, "never more than replicas + maxSurge pods").toBeLessThanOrEqual(maxPods);
  return d;
}

describe("Deployment controller", () => {
  it("creates a ReplicaSet named by its template hash, which creates the pods (steps ③ and ④)", async () => {
    await deployments().create(deploymentOf("web", 3));
    const rs = await eventually(
      () => rses().list({ labelSelector: "app=web" }),
      (l) => l.items.length === 1,
      "one ReplicaSet",
    );
    const [only] = rs.items as [ReplicaSet];
    const hash = only.metadata.labels?.["pod-template-hash"];
    expect(only.metadata.name).toBe(`web-${hash}`);
    expect(only.spec.selector.matchLabels).toEqual({ app: "web", "pod-template-hash": hash });
    expect(only.metadata.annotations).toMatchObject({
      "deployment.kubernetes.io/revision": "1",
      "deployment.kubernetes.io/desired-replicas": "3",
      "deployment.kubernetes.io/max-replicas": "4",
    });
    const d = await rollToCompletion("web", 4);
    expect(d.metadata.annotations?.["deployment.kubernetes.io/revision"]).toBe("1");
    expect(d.status?.conditions?.find((x) => x.type === "Available")).toMatchObject({
      status: "True",
      reason: "MinimumReplicasAvailable",
    });
    expect(d.status?.conditions?.find((x) => x.type === "Progressing")).toMatchObject({
      status: "True",
      reason: "NewReplicaSetAvailable",
    });
  });

  it("rolls a new template out within maxSurge, old ReplicaSet ends at 0, revision 2", async () => {
    await retryOnConflict(async () => {
      const d = await deployments().get("web");
      await deployments().update({
        ...d,
        spec: {
          ...d.spec,
          replicas: 4,
          template: {
            ...d.spec.template,
            spec: { containers: [{ name: "c", image: "tinykube/hello:2.0" }] },
          },
        },
      });
    });
    // 4 replicas, 25% surge rounds up to 1: at most 5 pods at any time.
    await rollToCompletion("web", 5);
    // The Deployment's status can report completion from a ReplicaSet status a moment ahead of
    // the old ReplicaSet's last scale-down being visible: wait for the ReplicaSets themselves.
    const revisions = async () =>
      Object.fromEntries(
        (await rses().list({ labelSelector: "app=web" })).items.map((rs) => [
          rs.metadata.annotations?.["deployment.kubernetes.io/revision"],
          rs.spec.replicas,
        ]),
      );
    expect(
      await eventually(
        revisions,
        (r) => JSON.stringify(r) === JSON.stringify({ "1": 0, "2": 4 }),
        "revision 1 at 0, revision 2 at 4",
      ),
    ).toEqual({ "1": 0, "2": 4 });
  });

  it("a scale change during no rollout goes to the one active ReplicaSet", async () => {
    await retryOnConflict(async () => {
      const d = await deployments().get("web");
      await deployments().update({ ...d, spec: { ...d.spec, replicas: 2 } });
    });
    await eventually(
      () => c.listPods("default", "app=web"),
      (ps) => ps.filter((p) => !p.metadata.deletionTimestamp).length === 2,
      "2 pods",
    );
  });

  it("Recreate removes every old pod before the new ReplicaSet gets any", async () => {
    await deployments().create(
      deploymentOf("rec", 2, "tinykube/hello:1.0", { strategy: { type: "Recreate" } }),
    );
    await rollToCompletion("rec", 2);
    await retryOnConflict(async () => {
      const d = await deployments().get("rec");
      await deployments().update({
        ...d,
        spec: {
          ...d.spec,
          template: {
            ...d.spec.template,
            spec: { containers: [{ name: "c", image: "tinykube/hello:2.0" }] },
          },
        },
      });
    });
    let mixed = false;
    await eventually(
      async () => {
        const pods = await readyAll("rec");
        const hashes = new Set(pods.map((p) => p.metadata.labels?.["pod-template-hash"]));
        if (hashes.size > 1) mixed = true;
        return deployments().get("rec");
      },
      (x) =>
        x.status?.updatedReplicas === 2 &&
        x.status?.availableReplicas === 2 &&
        x.status?.replicas === 2,
      "recreated",
      20_000,
    );
    expect(mixed, "old and new pods never coexist").toBe(false);
  });

  it("keeps only revisionHistoryLimit old ReplicaSets", async () => {
    await deployments().create(
      deploymentOf("hist", 1, "tinykube/hello:0", { revisionHistoryLimit: 1 }),
    );
    await rollToCompletion("hist", 2);
    for (const v of ["1", "2", "3"]) {
      await retryOnConflict(async () => {
        const d = await deployments().get("hist");
        await deployments().update({
          ...d,
          spec: {
            ...d.spec,
            template: {
              ...d.spec.template,
              spec: { containers: [{ name: "c", image: `tinykube/hello:${v}` }] },
            },
          },
        });
      });
      await rollToCompletion("hist", 2);
    }
    const list = await eventually(
      () => rses().list({ labelSelector: "app=hist" }),
      (l) => l.items.length === 2,
      "new + 1 old",
    );
    const revisions = list.items
      .map((rs) => rs.metadata.annotations?.["deployment.kubernetes.io/revision"])
      .sort();
    expect(revisions).toEqual(["3", "4"]);
  });

  it("scaling in the middle of a stuck rollout shares the new pods out in proportion (the Kubernetes docs' example)", async () => {
    await deployments().create(
      deploymentOf("prop", 10, "tinykube/hello:1", {
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } },
      }),
    );
    await rollToCompletion("prop", 13);
    // A new template whose pods never become ready: the rollout stops at new 5, old 8.
    await retryOnConflict(async () => {
      const d = await deployments().get("prop");
      await deployments().update({
        ...d,
        spec: {
          ...d.spec,
          template: {
            ...d.spec.template,
            spec: { containers: [{ name: "c", image: "tinykube/hello:broken" }] },
          },
        },
      });
    });
    const sizes = async () => {
      const list = (await rses().list({ labelSelector: "app=prop" })).items;
      const image = (rs: ReplicaSet) => rs.spec.template.spec.containers[0]?.image;
      return {
        old: list.find((rs) => image(rs) === "tinykube/hello:1")?.spec.replicas,
        new: list.find((rs) => image(rs) === "tinykube/hello:broken")?.spec.replicas,
      };
    };
    await eventually(sizes, (s) => s.old === 8 && s.new === 5, "the stuck rollout: old 8, new 5");
    await deployments().patch("prop", { spec: { replicas: 15 } });
    // 15 + 3 allowed, 13 there: 5 to add, 8/13 and 5/13 of them: old 8 → 11, new 5 → 7.
    expect(await eventually(sizes, (s) => s.old === 11 && s.new === 7, "old 11, new 7")).toEqual({
      old: 11,
      new: 7,
    });
  });
});
