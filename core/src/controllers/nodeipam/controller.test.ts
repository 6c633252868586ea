/**
 * The node IPAM controller against a real API server: ranges handed out in order and written to
 * both fields, a node's own range kept and never handed out, a manager restart that remembers
 * every assignment, and a range that runs out (CIDRNotAvailable) until a deleted node frees one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CoreEvent } from "../../client/events.ts";
import { builtinType } from "../../client/factory.ts";
import type { RestClient } from "../../client/rest.ts";
import { CONTROLLERS } from "../manager.ts";
import { type ControllerTestCluster, eventually, startControllerTestCluster } from "../testing.ts";
import { NodeIpamController } from "./controller.ts";

interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
}

const nodesOf = (client: RestClient) =>
  client.resource<{
    apiVersion: string;
    kind: string;
    metadata: { name?: string; uid?: string };
    spec?: NodeSpec;
  }>(builtinType("nodes"));

const createNode = (client: RestClient, name: string, podCIDR?: string) =>
  nodesOf(client).create({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name },
    ...(podCIDR ? { spec: { podCIDR, podCIDRs: [podCIDR] } } : {}),
  });

/** The node's spec once it has a pod CIDR. */
const assigned = async (client: RestClient, name: string): Promise<NodeSpec> =>
  (
    await eventually(
      () => nodesOf(client).get(name),
      (node) => (node.spec?.podCIDRs?.length ?? 0) > 0,
      `a pod CIDR on node ${name}`,
    )
  ).spec as NodeSpec;

const both = (cidr: string): NodeSpec => ({ podCIDR: cidr, podCIDRs: [cidr] });

describe("node IPAM controller, tinykube's default pod network", () => {
  let c: ControllerTestCluster;
  beforeAll(async () => {
    c = await startControllerTestCluster({ controllers: ["nodeipam"] });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it("gives three nodes three /24s of 127.128.0.0/9, in order, in podCIDR and podCIDRs", async () => {
    for (const name of ["a", "b", "c"]) await createNode(c.client, name);
    expect(await assigned(c.client, "a")).toMatchObject(both("127.128.0.0/24"));
    expect(await assigned(c.client, "b")).toMatchObject(both("127.128.1.0/24"));
    expect(await assigned(c.client, "c")).toMatchObject(both("127.128.2.0/24"));
  });

  it("leaves a node's own podCIDR alone and never hands that range to another node", async () => {
    await createNode(c.client, "preset", "127.128.4.0/24");
    await createNode(c.client, "d");
    await createNode(c.client, "e");
    expect(await assigned(c.client, "d")).toMatchObject(both("127.128.3.0/24"));
    // 127.128.4.0/24 is preset's: skipped.
    expect(await assigned(c.client, "e")).toMatchObject(both("127.128.5.0/24"));
    expect((await nodesOf(c.client).get("preset")).spec).toMatchObject(both("127.128.4.0/24"));
  });

  it("after a restart, remembers every range in use and reuses only a deleted node's", async () => {
    await c.manager.stop();
    // While no controller runs: b goes (nothing releases its range but the restart itself), and
    // a node joins. Its name lists first, so the new controller reconciles it before a and the
    // others: only the pass over the synced cache at start keeps it off a's range.
    await nodesOf(c.client).delete("b");
    await createNode(c.client, "0-joined-while-down");
    c.startManager();
    expect(await assigned(c.client, "0-joined-while-down")).toMatchObject(both("127.128.1.0/24"));
    await createNode(c.client, "g");
    expect(await assigned(c.client, "g")).toMatchObject(both("127.128.6.0/24"));
    for (const [name, cidr] of [
      ["a", "127.128.0.0/24"],
      ["c", "127.128.2.0/24"],
      ["preset", "127.128.4.0/24"],
      ["d", "127.128.3.0/24"],
      ["e", "127.128.5.0/24"],
    ] as const)
      expect((await nodesOf(c.client).get(name)).spec).toMatchObject(both(cidr));
  });
});

describe("node IPAM controller, a pod network of two /24s", () => {
  let c: ControllerTestCluster;
  beforeAll(async () => {
    // The manager builds controllers from its registry only; a test entry gives this one a
    // small --cluster-cidr.
    CONTROLLERS["nodeipam-two-ranges"] = {
      make: (ctx) => new NodeIpamController(ctx, { clusterCIDR: "127.128.0.0/23" }),
      workers: 1,
    };
    c = await startControllerTestCluster({ controllers: ["nodeipam-two-ranges"] });
  });
  afterAll(async () => {
    await c?.stop();
    delete CONTROLLERS["nodeipam-two-ranges"];
  });

  it("records CIDRNotAvailable on a node it cannot serve, and serves it once a node goes", async () => {
    await createNode(c.client, "n1");
    await createNode(c.client, "n2");
    expect(await assigned(c.client, "n1")).toMatchObject(both("127.128.0.0/24"));
    expect(await assigned(c.client, "n2")).toMatchObject(both("127.128.1.0/24"));
    const n3 = await createNode(c.client, "n3");
    const events = c.client.resource<CoreEvent>(builtinType("events"), "default");
    const [event] = await eventually(
      async () =>
        (await events.list()).items.filter(
          (e) => e.involvedObject.name === "n3" && e.reason === "CIDRNotAvailable",
        ),
      (found) => found.length === 1,
      "a CIDRNotAvailable event on n3",
    );
    expect(event).toMatchObject({
      type: "Warning",
      message: "Node n3 status is now: CIDRNotAvailable",
      source: { component: "cidrAllocator" },
      involvedObject: { apiVersion: "v1", kind: "Node", name: "n3", uid: n3.metadata.uid },
    });
    expect((await nodesOf(c.client).get("n3")).spec?.podCIDRs).toBeUndefined();
    // Retried with backoff: n1's range, released when n1 is deleted, goes to n3.
    await nodesOf(c.client).delete("n1");
    expect(await assigned(c.client, "n3")).toMatchObject(both("127.128.0.0/24"));
  });
});
