import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../api/object.ts";
import type { Namespace } from "../../api/types.ts";
import { builtinType } from "../../client/factory.ts";
import { isNotFound } from "../../client/rest.ts";
import { type ControllerTestCluster, eventually, startControllerTestCluster } from "../testing.ts";

let c: ControllerTestCluster;
const logs: string[] = [];
beforeAll(async () => {
  c = await startControllerTestCluster({
    controllers: ["serviceaccount"],
    log: (line) => logs.push(line),
  });
});
afterAll(async () => {
  await c?.stop();
});

const namespaces = () => c.client.resource<Namespace>(builtinType("namespaces"));
const accounts = (namespace: string) =>
  c.client.resource(builtinType("serviceaccounts"), namespace);
const defaultAccount = (namespace: string) =>
  accounts(namespace)
    .get("default")
    .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
const createNamespace = (name: string) =>
  namespaces().create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });

describe("ServiceAccount controller", () => {
  it("creates the default ServiceAccount in a new namespace, so pods can be created there", async () => {
    await createNamespace("team-a");
    const sa = (await eventually(
      () => defaultAccount("team-a"),
      Boolean,
      "default SA",
    )) as KubeObject;
    expect(sa.metadata).toMatchObject({ name: "default", namespace: "team-a" });
    // The ServiceAccount admission plugin refuses pods whose account is missing.
    const pod = await c.client.resource(builtinType("pods"), "team-a").create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: { containers: [{ name: "c", image: "tinykube/hello" }] },
    });
    expect((pod.spec as { serviceAccountName?: string }).serviceAccountName).toBe("default");
  });

  it("recreates it after it is deleted", async () => {
    const before = (await defaultAccount("team-a")) as KubeObject;
    await accounts("team-a").delete("default");
    const after = (await eventually(
      () => defaultAccount("team-a"),
      (sa) => sa !== undefined && sa.metadata.uid !== before.metadata.uid,
      "a new default SA",
    )) as KubeObject;
    expect(after.metadata.name).toBe("default");
  });

  it("creates nothing in a terminating namespace", async () => {
    await createNamespace("leaving");
    await createNamespace("barrier");
    await eventually(() => defaultAccount("leaving"), Boolean, "default SA in leaving");
    await eventually(() => defaultAccount("barrier"), Boolean, "default SA in barrier");
    // Without a namespace controller, a deleted namespace stays Terminating.
    await namespaces().delete("leaving");
    await eventually(
      () => namespaces().get("leaving"),
      (ns) => ns.status?.phase === "Terminating",
      "leaving Terminating",
    );
    // Each deletion is watched in order and the controller has one worker, so once barrier's
    // account is back, leaving's deletion has been handled too.
    const recreated = async (namespace: string) => {
      const old = (await defaultAccount(namespace)) as KubeObject;
      await accounts(namespace).delete("default");
      return old.metadata.uid;
    };
    const barrierBefore = await recreated("barrier");
    await eventually(
      () => defaultAccount("barrier"),
      (sa) => sa !== undefined && sa.metadata.uid !== barrierBefore,
      "barrier's SA back",
    );
    await accounts("leaving").delete("default");
    const again = await recreated("barrier");
    await eventually(
      () => defaultAccount("barrier"),
      (sa) => sa !== undefined && sa.metadata.uid !== again,
      "barrier's SA back again",
    );
    expect(await defaultAccount("leaving")).toBeUndefined();
    // Not even tried (the API server would have refused it, and the sync would have failed).
    expect(logs.filter((line) => line.includes("leaving"))).toEqual([]);
  });
});
