import { afterEach, describe, expect, it, vi } from "vitest";
import type { Node } from "../api/types.ts";
import { builtinType } from "../client/factory.ts";
import type { Lease } from "../client/leader-election.ts";
import { RestClient } from "../client/rest.ts";
import { eventually } from "../controllers/testing.ts";
import { startTestApiServer, type TestApiServer } from "../testing/cluster.ts";
import { FakeClock } from "../util/clock.ts";
import { NodeStatusReporter } from "./node-status.ts";

describe("the kubelet's node registration, status and lease", () => {
  let api: TestApiServer | undefined;
  const clients: RestClient[] = [];
  const reporters: NodeStatusReporter[] = [];
  afterEach(async () => {
    for (const r of reporters.splice(0)) r.stop();
    for (const c of clients.splice(0)) c.close();
    await api?.stop();
  });

  const setUp = async () => {
    api = await startTestApiServer({ nodes: ["node-1"] });
    const as = (user: string) => {
      const c = new RestClient({
        server: (api as TestApiServer).url,
        caPem: (api as TestApiServer).caCertPem,
        token: (api as TestApiServer).tokenFor(user) as string,
        qps: 0,
      });
      clients.push(c);
      return c;
    };
    const clock = new FakeClock(Date.parse("2026-11-27T10:00:00Z"));
    const reporter = new NodeStatusReporter({
      client: as("system:node:node-1"),
      nodeName: "node-1",
      address: "127.1.0.1",
      capacity: { cpu: "4", memory: "8Gi", pods: "110" },
      labels: { "topology.kubernetes.io/zone": "a" },
      clock,
    });
    reporters.push(reporter);
    const admin = as("admin");
    return {
      clock,
      reporter,
      admin,
      node: () => admin.resource<Node>(builtinType("nodes")).get("node-1"),
      lease: () =>
        admin
          .resource<Lease>(builtinType("coordination.k8s.io/leases"), "kube-node-lease")
          .get("node-1"),
    };
  };

  it("registers the Node as system:node:node-1: labels, capacity, addresses, Ready", async () => {
    const { reporter, node } = await setUp();
    await reporter.start();
    const n = await node();
    expect(n.metadata.labels).toMatchObject({
      "kubernetes.io/hostname": "node-1",
      "kubernetes.io/os": "linux",
      "topology.kubernetes.io/zone": "a",
    });
    expect(n.status).toMatchObject({
      capacity: { cpu: "4", memory: "8Gi", pods: "110" },
      allocatable: { cpu: "4", memory: "8Gi", pods: "110" },
      addresses: [
        { type: "InternalIP", address: "127.1.0.1" },
        { type: "Hostname", address: "node-1" },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    });
    const conditions = (n.status?.conditions ?? []) as { type: string }[];
    const ready = conditions.find((c) => c.type === "Ready");
    expect(ready).toMatchObject({
      status: "True",
      reason: "KubeletReady",
      message: "kubelet is posting ready status",
    });
  });

  it("renews its Lease every 10 s (a quarter of 40 s), owned by the Node", async () => {
    const { reporter, clock, node, lease } = await setUp();
    await reporter.start();
    const first = await lease();
    expect(first.spec).toMatchObject({ holderIdentity: "node-1", leaseDurationSeconds: 40 });
    expect(first.metadata.ownerReferences?.[0]).toMatchObject({
      kind: "Node",
      name: "node-1",
      uid: (await node()).metadata.uid,
    });
    expect(first.spec?.renewTime).toBe("2026-11-27T10:00:00.000000Z");
    clock.advance(9_999);
    expect((await lease()).spec?.renewTime, "not renewed before 10 s").toBe(
      "2026-11-27T10:00:00.000000Z",
    );
    // Each renewal waits 10 s plus up to 4% (wait.JitterUntil): between 10 s and 10.4 s.
    clock.advance(401);
    const renewed = await eventually(
      lease,
      (l) => l.spec?.renewTime !== "2026-11-27T10:00:00.000000Z",
      "the lease renewed 10 to 10.4 s later",
    );
    expect(String(renewed.spec?.renewTime) >= "2026-11-27T10:00:10.000000Z").toBe(true);
    expect(String(renewed.spec?.renewTime) <= "2026-11-27T10:00:10.400000Z").toBe(true);
  });

  it("renews its Lease without reading it first; after someone else wrote it, reads it again", async () => {
    const { reporter, clock, admin, lease } = await setUp();
    await reporter.start();
    const requests = vi.spyOn(clients[0] as RestClient, "request");
    const leaseReads = () =>
      requests.mock.calls.filter(
        ([method, path]) => method === "GET" && path.endsWith("/leases/node-1"),
      ).length;
    const renewedAfter = (before: Lease) =>
      eventually(lease, (l) => l.spec?.renewTime !== before.spec?.renewTime, "the next renewal");
    const first = await lease();
    clock.advance(10_400);
    await renewedAfter(first);
    expect(leaseReads(), "a renewal is one update of the Lease it last wrote").toBe(0);

    const current = await lease();
    await admin
      .resource<Lease>(builtinType("coordination.k8s.io/leases"), "kube-node-lease")
      .update({ ...current, metadata: { ...current.metadata, labels: { touched: "yes" } } });
    clock.advance(10_400);
    const renewed = await renewedAfter(current);
    expect(leaseReads(), "the update conflicted: the Lease was read afresh").toBe(1);
    expect(renewed.metadata.labels, "the other writer's change is kept").toEqual({
      touched: "yes",
    });
  });

  it("writes the Node's status only when it changed, or every 5 minutes", async () => {
    const { reporter, clock, node } = await setUp();
    // Registered, without the update loop: each update below is the test's own.
    await reporter.register();
    const rv = (await node()).metadata.resourceVersion;
    clock.advance(10_000);
    // A status tick that changes nothing but the heartbeat time writes nothing.
    expect(await reporter.writeStatus(false)).toBe(false);
    expect((await node()).metadata.resourceVersion).toBe(rv);
    clock.advance(5 * 60_000);
    expect(await reporter.writeStatus(false), "the report frequency is due").toBe(true);
    const conditions = ((await node()).status?.conditions ?? []) as unknown as {
      type: string;
      lastHeartbeatTime: string;
    }[];
    const ready = conditions.find((c) => c.type === "Ready");
    expect(ready?.lastHeartbeatTime).toBe("2026-11-27T10:05:10Z");
  });

  it("posts Ready again at its next update once the node lifecycle controller marked it Unknown", async () => {
    const { reporter, clock, admin, node } = await setUp();
    await reporter.register();
    // The controller did not hear from the kubelet for its grace period (a partition, or the
    // controller's own outage) and wrote Ready=Unknown; the kubelet itself changed nothing.
    await admin.resource<Node>(builtinType("nodes")).patch(
      "node-1",
      {
        status: {
          conditions: [
            {
              type: "Ready",
              status: "Unknown",
              reason: "NodeStatusUnknown",
              message: "Kubelet stopped posting node status.",
              lastHeartbeatTime: "2026-11-27T10:00:00Z",
              lastTransitionTime: "2026-11-27T10:00:05Z",
            },
          ],
        },
      } as unknown as Partial<Node>,
      "strategic",
      { subresource: "status" },
    );
    clock.advance(10_000);
    // tryUpdateNodeStatus compares with the Node as the API has it, not with its own last write.
    expect(await reporter.writeStatus(false), "the API's status differs").toBe(true);
    const ready = (await node()).status?.conditions?.find((c) => c.type === "Ready");
    expect(ready).toMatchObject({
      status: "True",
      reason: "KubeletReady",
      // A transition from the API's Unknown (setters.go ReadyCondition): now, not the old time.
      lastTransitionTime: "2026-11-27T10:00:10Z",
    });
    expect(await reporter.writeStatus(false), "nothing changed since").toBe(false);
  });

  it("a restarted kubelet takes its Node over instead of failing to create it", async () => {
    const { reporter, node } = await setUp();
    await reporter.register();
    const uid = (await node()).metadata.uid;
    const again = await reporter.register();
    expect(again.metadata.uid).toBe(uid);
  });
});
