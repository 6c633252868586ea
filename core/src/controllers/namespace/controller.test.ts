import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../api/object.ts";
import type { Condition, Deployment, Namespace } from "../../api/types.ts";
import { builtinType } from "../../client/factory.ts";
import { isNotFound } from "../../client/rest.ts";
import { FakeClock } from "../../util/clock.ts";
import { type ControllerTestCluster, eventually, startControllerTestCluster } from "../testing.ts";

/**
 * The controller waits 5 s before acting and 8 s between looks at held content: the manager runs
 * on a fake clock that the tests move 1 s every 5 ms of real time while they wait.
 */
function tickingClock(): { clock: FakeClock; stop(): void } {
  const clock = new FakeClock(Date.now());
  const timer = setInterval(() => clock.advance(1_000), 5);
  return { clock, stop: () => clearInterval(timer) };
}

const object = (
  apiVersion: string,
  kind: string,
  name: string,
  rest: Partial<KubeObject> = {},
): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name },
  ...rest,
});

async function orGone<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** A namespace with configmaps, a service, a service account, a bare pod and a Deployment's pods. */
async function populated(c: ControllerTestCluster, ns: string): Promise<void> {
  const r = (resource: string) => c.client.resource(builtinType(resource), ns);
  await c.client.resource(builtinType("namespaces")).create(object("v1", "Namespace", ns));
  await r("serviceaccounts").create(object("v1", "ServiceAccount", "default"));
  await r("configmaps").create(object("v1", "ConfigMap", "settings", { data: { a: "1" } }));
  await r("configmaps").create(object("v1", "ConfigMap", "more", { data: {} }));
  await r("services").create(
    object("v1", "Service", "web", { spec: { selector: { app: "web" }, ports: [{ port: 80 }] } }),
  );
  await r("pods").create(
    object("v1", "Pod", "bare", { spec: { containers: [{ name: "c", image: "tinykube/hello" }] } }),
  );
  const deployment: Deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "c", image: "tinykube/hello" }] },
      },
    },
  };
  await r("apps/deployments").create(deployment);
  await eventually(
    () => c.listPods(ns, "app=web"),
    (ps) => ps.length === 2,
    `the Deployment's pods in ${ns}`,
  );
}

/** Every namespaced object of the kinds `populated` creates, by "kind/name". */
async function contents(c: ControllerTestCluster, ns: string): Promise<string[]> {
  const kinds = [
    "serviceaccounts",
    "configmaps",
    "services",
    "pods",
    "apps/deployments",
    "apps/replicasets",
  ];
  const lists = await Promise.all(kinds.map((k) => c.client.resource(builtinType(k), ns).list()));
  return lists.flatMap((l, i) => l.items.map((o) => `${kinds[i]}/${o.metadata.name}`));
}

const namespaces = (c: ControllerTestCluster) =>
  c.client.resource<Namespace>(builtinType("namespaces"));
const conditionsByType = (ns: Namespace) =>
  Object.fromEntries((ns.status?.conditions ?? []).map((x: Condition) => [x.type, x]));

describe("namespace controller", () => {
  let c: ControllerTestCluster;
  const ticking = tickingClock();
  beforeAll(async () => {
    c = await startControllerTestCluster({
      controllers: ["deployment", "replicaset", "namespace"],
      clock: ticking.clock,
    });
  });
  afterAll(async () => {
    ticking.stop();
    await c?.stop();
  });

  it("deleting a namespace deletes everything in it, then the namespace", async () => {
    await populated(c, "doomed");
    expect((await contents(c, "doomed")).length).toBeGreaterThanOrEqual(8);
    await namespaces(c).delete("doomed");
    const terminating = await namespaces(c).get("doomed");
    expect(terminating.status?.phase).toBe("Terminating");
    expect(terminating.spec?.finalizers).toEqual(["kubernetes"]);
    await eventually(
      () => orGone(namespaces(c).get("doomed")),
      (ns) => ns === undefined,
      "the namespace deleted",
      20_000,
    );
    expect(await contents(c, "doomed")).toEqual([]);
  });

  it("content held by a finalizer keeps the namespace Terminating, with conditions saying why", async () => {
    const configMaps = c.client.resource(builtinType("configmaps"), "held");
    await namespaces(c).create(object("v1", "Namespace", "held"));
    await configMaps.create(
      object("v1", "ConfigMap", "kept", {
        metadata: { name: "kept", finalizers: ["example.com/hold"] },
      }),
    );
    await configMaps.create(object("v1", "ConfigMap", "free"));
    await namespaces(c).delete("held");
    const stuck = await eventually(
      () => namespaces(c).get("held"),
      (ns) => conditionsByType(ns).NamespaceFinalizersRemaining?.status === "True",
      "NamespaceFinalizersRemaining",
      20_000,
    );
    const conditions = conditionsByType(stuck);
    expect(stuck.status?.conditions?.map((x: Condition) => x.type)).toEqual([
      "NamespaceDeletionDiscoveryFailure",
      "NamespaceDeletionGroupVersionParsingFailure",
      "NamespaceDeletionContentFailure",
      "NamespaceContentRemaining",
      "NamespaceFinalizersRemaining",
    ]);
    expect(conditions.NamespaceFinalizersRemaining).toMatchObject({
      reason: "SomeFinalizerRemain",
      message: "Some finalizers are remaining: example.com/hold in 1 resource instances",
    });
    expect(conditions.NamespaceContentRemaining).toMatchObject({
      status: "True",
      reason: "SomeResourcesRemain",
      message: "Some resources are remaining: configmaps. has 1 resource instances",
    });
    expect(conditions.NamespaceDeletionDiscoveryFailure).toMatchObject({
      status: "False",
      reason: "ResourcesDiscovered",
    });
    expect(conditions.NamespaceDeletionContentFailure).toMatchObject({
      status: "False",
      reason: "ContentDeleted",
    });
    expect(stuck.spec?.finalizers).toEqual(["kubernetes"]);
    expect((await configMaps.list()).items.map((o) => o.metadata.name)).toEqual(["kept"]);
    expect((await configMaps.get("kept")).metadata.deletionTimestamp).toBeDefined();

    await configMaps.patch("kept", { metadata: { finalizers: null } });
    await eventually(
      () => orGone(namespaces(c).get("held")),
      (ns) => ns === undefined,
      "the namespace deleted",
      20_000,
    );
  });

  it("a namespace deleted while no controller ran is emptied and deleted once one starts", async () => {
    await populated(c, "while-down");
    await c.manager.stop();
    await namespaces(c).delete("while-down");
    // Nobody empties it meanwhile.
    expect((await namespaces(c).get("while-down")).status?.phase).toBe("Terminating");
    expect(await contents(c, "while-down")).toContain("configmaps/settings");
    c.startManager();
    await eventually(
      () => orGone(namespaces(c).get("while-down")),
      (ns) => ns === undefined,
      "the namespace deleted",
      20_000,
    );
    expect(await contents(c, "while-down")).toEqual([]);
  });
});
