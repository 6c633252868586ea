import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Endpoints, Service } from "../../api/types.ts";
import { builtinType } from "../../client/factory.ts";
import { isNotFound } from "../../client/rest.ts";
import {
  createNodes,
  runPod,
  service,
  setPodStatus,
  standaloneContext,
} from "../endpointslice/testing.ts";
import { type ControllerTestCluster, eventually, startControllerTestCluster } from "../testing.ts";
import { EndpointsController } from "./controller.ts";

let c: ControllerTestCluster;
beforeAll(async () => {
  c = await startControllerTestCluster({ controllers: ["endpoints"] });
  await createNodes(c.client, ["node-1", "node-2"]);
});
afterAll(async () => {
  await c?.stop();
});

const services = () => c.client.resource<Service>(builtinType("services"), "default");
const endpoints = () => c.client.resource<Endpoints>(builtinType("endpoints"), "default");
const pods = () => c.client.resource(builtinType("pods"), "default");
const controller = () =>
  c.manager.controllers().find((x) => x.name === "endpoints-controller") as EndpointsController;

/** The Endpoints once `check` holds (missing counts as undefined). */
const endpointsWhen = (name: string, check: (e: Endpoints | undefined) => boolean, what: string) =>
  eventually(
    () =>
      endpoints()
        .get(name)
        .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e))),
    check,
    what,
  );
const ips = (list: { ip: string }[] | undefined) => (list ?? []).map((a) => a.ip);

describe("Endpoints controller", () => {
  it("lists 2 ready and 1 not-ready pod with their addresses, nodes, pods and resolved port", async () => {
    await services().create(
      service(
        "web",
        {
          selector: { app: "web" },
          clusterIP: "127.96.0.20",
          ports: [{ name: "http", port: 80, targetPort: 8080 }],
        },
        { tier: "front" },
      ),
    );
    const [a, b] = [
      await runPod(c.client, {
        name: "web-a",
        labels: { app: "web" },
        node: "node-1",
        ip: "127.128.1.10",
        ready: true,
      }),
      await runPod(c.client, {
        name: "web-b",
        labels: { app: "web" },
        node: "node-1",
        ip: "127.128.1.11",
        ready: true,
      }),
      await runPod(c.client, {
        name: "web-c",
        labels: { app: "web" },
        node: "node-2",
        ip: "127.128.2.10",
        ready: false,
      }),
    ];
    const ep = (await endpointsWhen(
      "web",
      (e) =>
        e?.subsets?.[0]?.addresses?.length === 2 && e.subsets[0].notReadyAddresses?.length === 1,
      "2 ready + 1 not ready",
    )) as Endpoints;
    expect(ep.subsets).toHaveLength(1);
    expect(ep.subsets?.[0]).toEqual({
      addresses: [
        {
          ip: "127.128.1.10",
          nodeName: "node-1",
          targetRef: { kind: "Pod", namespace: "default", name: "web-a", uid: a?.metadata.uid },
        },
        {
          ip: "127.128.1.11",
          nodeName: "node-1",
          targetRef: { kind: "Pod", namespace: "default", name: "web-b", uid: b?.metadata.uid },
        },
      ],
      notReadyAddresses: [
        {
          ip: "127.128.2.10",
          nodeName: "node-2",
          targetRef: expect.objectContaining({ kind: "Pod", name: "web-c" }),
        },
      ],
      ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    });
    // The Service's labels. (The last-change-trigger-time annotation is not checked: a sync
    // that computed it and then had to retry writes without it, in Kubernetes too.)
    expect(ep.metadata.labels).toEqual({ tier: "front" });
  });

  it("a sync that finds nothing changed sends no write, even from a freshly started controller", async () => {
    const fresh = standaloneContext(c.api);
    try {
      const restarted = new EndpointsController(fresh.ctx);
      await fresh.start();
      await restarted.reconcile("default/web");
      await restarted.reconcile("default/web");
      expect(fresh.writes).toEqual([]);
    } finally {
      await fresh.stop();
    }
  });

  it("moves an address when readiness flips", async () => {
    await setPodStatus(c.client, "default", "web-c", { ip: "127.128.2.10", ready: true });
    await endpointsWhen("web", (e) => ips(e?.subsets?.[0]?.addresses).length === 3, "web-c ready");
    await setPodStatus(c.client, "default", "web-a", { ip: "127.128.1.10", ready: false });
    const ep = (await endpointsWhen(
      "web",
      (e) => ips(e?.subsets?.[0]?.notReadyAddresses).includes("127.128.1.10"),
      "web-a not ready",
    )) as Endpoints;
    expect(ips(ep.subsets?.[0]?.addresses)).toEqual(["127.128.1.11", "127.128.2.10"]);
    expect(ips(ep.subsets?.[0]?.notReadyAddresses)).toEqual(["127.128.1.10"]);
  });

  it("drops a pod as soon as it is being deleted, and a finished one", async () => {
    // On a node, deletion is graceful: the pod stays, terminating, until its kubelet is done.
    await pods().delete("web-b");
    const ep = (await endpointsWhen(
      "web",
      (e) => !JSON.stringify(e?.subsets).includes("web-b"),
      "web-b gone",
    )) as Endpoints;
    expect((await pods().get("web-b")).metadata.deletionTimestamp).toBeDefined();
    expect(ips(ep.subsets?.[0]?.addresses)).toEqual(["127.128.2.10"]);
    // What a kubelet reports when the container exits 0: finished, and so no longer ready.
    await pods().patch(
      "web-c",
      { status: { phase: "Succeeded", conditions: [{ type: "Ready", status: "False" }] } },
      "merge",
      { subresource: "status" },
    );
    await endpointsWhen("web", (e) => !JSON.stringify(e?.subsets).includes("web-c"), "web-c gone");
    await pods().delete("web-b", { gracePeriodSeconds: 0 });
  });

  it("resolves a named targetPort per pod: different numbers make different subsets", async () => {
    await services().create(
      service("api", {
        selector: { app: "api" },
        clusterIP: "127.96.0.21",
        ports: [{ name: "http", port: 80, targetPort: "http" }],
      }),
    );
    const http = (containerPort: number) => [{ name: "http", containerPort }];
    await runPod(c.client, {
      name: "api-old",
      labels: { app: "api" },
      node: "node-1",
      ip: "127.128.1.20",
      ready: true,
      ports: http(8080),
    });
    await runPod(c.client, {
      name: "api-new",
      labels: { app: "api" },
      node: "node-2",
      ip: "127.128.2.20",
      ready: true,
      ports: http(9090),
    });
    // No port named http: not listed at all.
    await runPod(c.client, {
      name: "api-bare",
      labels: { app: "api" },
      node: "node-2",
      ip: "127.128.2.21",
      ready: true,
      ports: [{ name: "admin", containerPort: 8080 }],
    });
    const ep = (await endpointsWhen(
      "api",
      (e) => e?.subsets?.length === 2,
      "two subsets",
    )) as Endpoints;
    const byPort = Object.fromEntries(
      (ep.subsets ?? []).map((s) => [s.ports?.[0]?.port, ips(s.addresses)]),
    );
    expect(byPort).toEqual({ 8080: ["127.128.1.20"], 9090: ["127.128.2.20"] });
  });

  it("publishNotReadyAddresses: every pod is listed as ready", async () => {
    await services().create(
      service("peers", {
        selector: { app: "db" },
        clusterIP: "None",
        publishNotReadyAddresses: true,
        ports: [{ port: 5432 }],
      }),
    );
    await runPod(c.client, {
      name: "db-0",
      labels: { app: "db" },
      node: "node-1",
      ip: "127.128.1.30",
      ready: false,
      hostname: "db-0",
      subdomain: "peers",
    });
    await runPod(c.client, {
      name: "db-1",
      labels: { app: "db" },
      node: "node-2",
      ip: "127.128.2.30",
      ready: true,
    });
    const ep = (await endpointsWhen(
      "peers",
      (e) => e?.subsets?.[0]?.addresses?.length === 2,
      "both ready",
    )) as Endpoints;
    expect(ep.subsets?.[0]?.notReadyAddresses).toBeUndefined();
    // A headless Service: its pods' hostnames, and the headless label.
    expect(ep.subsets?.[0]?.addresses?.[0]).toMatchObject({ ip: "127.128.1.30", hostname: "db-0" });
    expect(ep.subsets?.[0]?.addresses?.[1]?.hostname).toBeUndefined();
    expect(ep.metadata.labels).toEqual({ "service.kubernetes.io/headless": "" });
  });

  it("recreates a deleted Endpoints, and deletes it with its Service", async () => {
    await endpoints().delete("api");
    await endpointsWhen("api", (e) => e?.subsets?.length === 2, "api recreated");
    await services().delete("api");
    await endpointsWhen("api", (e) => e === undefined, "api's Endpoints deleted");
  });

  it("leaves a Service without a selector alone", async () => {
    await services().create(service("external", { ports: [{ port: 5432 }] }));
    const manual = await endpoints().create({
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "external" },
      subsets: [{ addresses: [{ ip: "127.0.0.42" }], ports: [{ port: 5432 }] }],
    });
    await services().create(service("nothing", { ports: [{ port: 80 }] }));
    await controller().reconcile("default/external");
    await controller().reconcile("default/nothing");
    expect((await endpoints().get("external")).metadata.resourceVersion).toBe(
      manual.metadata.resourceVersion,
    );
    await expect(endpoints().get("nothing")).rejects.toSatisfy(isNotFound);
  });

  it("at start, deletes an Endpoints whose Service is gone, but not a leader-election record", async () => {
    for (const [name, annotations] of [
      ["orphan", undefined],
      ["some-lock", { "control-plane.alpha.kubernetes.io/leader": "{}" }],
    ] as const)
      await endpoints().create({
        apiVersion: "v1",
        kind: "Endpoints",
        metadata: { name, ...(annotations ? { annotations } : {}) },
      });
    const restarted = c.startManager({ controllers: ["endpoints"] });
    try {
      await endpointsWhen("orphan", (e) => e === undefined, "orphan deleted");
      expect((await endpoints().get("some-lock")).metadata.name).toBe("some-lock");
    } finally {
      await restarted.stop();
    }
  });
});
