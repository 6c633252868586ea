import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Endpoint, EndpointSlice, Service } from "../../api/types.ts";
import { builtinType } from "../../client/factory.ts";
import { type ControllerTestCluster, eventually, startControllerTestCluster } from "../testing.ts";
import { EndpointSliceController } from "./controller.ts";
import { createNodes, runPod, service, setPodStatus, standaloneContext } from "./testing.ts";

let c: ControllerTestCluster;
beforeAll(async () => {
  c = await startControllerTestCluster({ controllers: ["endpointslice"] });
  await createNodes(c.client, ["node-1", "node-2"]);
});
afterAll(async () => {
  await c?.stop();
});

const services = () => c.client.resource<Service>(builtinType("services"), "default");
const slicesApi = () =>
  c.client.resource<EndpointSlice>(builtinType("discovery.k8s.io/endpointslices"), "default");
const pods = () => c.client.resource(builtinType("pods"), "default");
const controller = () =>
  c.manager
    .controllers()
    .find((x) => x.name === "endpointslice-controller") as EndpointSliceController;

const slicesOf = async (svc: string) =>
  (await slicesApi().list({ labelSelector: `kubernetes.io/service-name=${svc}` })).items;
const slicesWhen = (svc: string, check: (s: EndpointSlice[]) => boolean, what: string) =>
  eventually(() => slicesOf(svc), check, what);
const endpointsOf = (slices: EndpointSlice[]) => slices.flatMap((s) => s.endpoints ?? []);
const byPod = (slices: EndpointSlice[]) =>
  Object.fromEntries(endpointsOf(slices).map((e) => [e.targetRef?.name, e])) as Record<
    string,
    Endpoint
  >;

describe("EndpointSlice controller", () => {
  it("one slice for 2 ready and 1 not-ready pod: addresses, conditions, nodes, zones, ports, labels, owner", async () => {
    const web = await services().create(
      service(
        "web",
        {
          selector: { app: "web" },
          clusterIP: "127.96.0.30",
          ports: [{ name: "http", port: 80, targetPort: 8080 }],
        },
        { tier: "front" },
      ),
    );
    const a = await runPod(c.client, {
      name: "web-a",
      labels: { app: "web" },
      node: "node-1",
      ip: "127.128.1.10",
      ready: true,
    });
    await runPod(c.client, {
      name: "web-b",
      labels: { app: "web" },
      node: "node-1",
      ip: "127.128.1.11",
      ready: true,
    });
    await runPod(c.client, {
      name: "web-c",
      labels: { app: "web" },
      node: "node-2",
      ip: "127.128.2.10",
      ready: false,
    });
    const slices = await slicesWhen("web", (s) => endpointsOf(s).length === 3, "3 endpoints");
    expect(slices).toHaveLength(1);
    const slice = slices[0] as EndpointSlice;
    expect(slice.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(slice.metadata.generateName).toBe("web-");
    expect(slice.metadata.labels).toEqual({
      tier: "front",
      "kubernetes.io/service-name": "web",
      "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    });
    expect(slice.metadata.ownerReferences).toEqual([
      {
        apiVersion: "v1",
        kind: "Service",
        name: "web",
        uid: web.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(slice.addressType).toBe("IPv4");
    expect(slice.ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);
    expect(byPod(slices)["web-a"]).toEqual({
      addresses: ["127.128.1.10"],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: "node-1",
      zone: "zone-node-1",
      targetRef: { kind: "Pod", namespace: "default", name: "web-a", uid: a.metadata.uid },
    });
    expect(byPod(slices)["web-c"]).toMatchObject({
      addresses: ["127.128.2.10"],
      conditions: { ready: false, serving: false, terminating: false },
      nodeName: "node-2",
    });
  });

  it("a sync that finds nothing changed sends no write, even from a freshly started controller", async () => {
    const fresh = standaloneContext(c.api);
    try {
      const restarted = new EndpointSliceController(fresh.ctx);
      await fresh.start();
      await restarted.reconcile("default/web");
      await restarted.reconcile("default/web");
      expect(fresh.writes).toEqual([]);
    } finally {
      await fresh.stop();
    }
  });

  it("updates the slice in place when readiness flips", async () => {
    const [before] = await slicesOf("web");
    await setPodStatus(c.client, "default", "web-c", { ip: "127.128.2.10", ready: true });
    const after = await slicesWhen(
      "web",
      (s) => byPod(s)["web-c"]?.conditions.ready === true,
      "web-c ready",
    );
    expect(after.map((s) => s.metadata.name)).toEqual([before?.metadata.name]);
  });

  it("a deleted pod stays as terminating while it shuts down, and leaves when it is gone", async () => {
    await pods().delete("web-b");
    const terminating = await slicesWhen(
      "web",
      (s) => byPod(s)["web-b"]?.conditions.terminating === true,
      "web-b terminating",
    );
    // Still serving (Ready) but not ready: new connections go elsewhere.
    expect(byPod(terminating)["web-b"]?.conditions).toEqual({
      ready: false,
      serving: true,
      terminating: true,
    });
    await pods().delete("web-b", { gracePeriodSeconds: 0 });
    await slicesWhen(
      "web",
      (s) => byPod(s)["web-b"] === undefined && endpointsOf(s).length === 2,
      "web-b gone",
    );
  });

  it("one slice per set of resolved ports: a named targetPort that differs between pods", async () => {
    await services().create(
      service("api", {
        selector: { app: "api" },
        clusterIP: "127.96.0.31",
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
    // No port named http: its ports resolve to none, and it gets a slice with no ports.
    await runPod(c.client, {
      name: "api-bare",
      labels: { app: "api" },
      node: "node-2",
      ip: "127.128.2.21",
      ready: true,
    });
    const slices = await slicesWhen(
      "api",
      (s) => s.length === 3 && endpointsOf(s).length === 3,
      "3 slices",
    );
    const byPorts = Object.fromEntries(
      slices.map((s) => [
        JSON.stringify((s.ports ?? []).map((p) => p.port)),
        s.endpoints.map((e) => e.targetRef?.name),
      ]),
    );
    expect(byPorts).toEqual({ "[8080]": ["api-old"], "[9090]": ["api-new"], "[]": ["api-bare"] });
  });

  it("publishNotReadyAddresses: not-ready pods are ready endpoints (but not serving)", async () => {
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
    const slices = await slicesWhen("peers", (s) => endpointsOf(s).length === 1, "db-0 listed");
    expect(byPod(slices)["db-0"]).toMatchObject({
      hostname: "db-0",
      conditions: { ready: true, serving: false, terminating: false },
    });
    expect(slices[0]?.metadata.labels?.["service.kubernetes.io/headless"]).toBe("");
  });

  it("a Service with no pods gets one empty placeholder slice", async () => {
    await services().create(
      service("idle", {
        selector: { app: "idle" },
        clusterIP: "127.96.0.32",
        ports: [{ port: 80 }],
      }),
    );
    const slices = await slicesWhen("idle", (s) => s.length === 1, "placeholder");
    expect(slices[0]?.endpoints ?? []).toEqual([]);
    expect(slices[0]?.ports ?? []).toEqual([]);
    // The first pod reuses the placeholder (an update, not a create and a delete).
    await runPod(c.client, {
      name: "idle-a",
      labels: { app: "idle" },
      node: "node-1",
      ip: "127.128.1.40",
      ready: true,
    });
    const filled = await slicesWhen("idle", (s) => endpointsOf(s).length === 1, "idle-a listed");
    expect(filled.map((s) => s.metadata.name)).toEqual([slices[0]?.metadata.name]);
    expect(filled[0]?.ports).toEqual([{ name: "", port: 80, protocol: "TCP" }]);
  });

  it("puts back a managed slice someone deleted", async () => {
    const [slice] = await slicesOf("web");
    await slicesApi().delete(slice?.metadata.name as string);
    const back = await slicesWhen(
      "web",
      (s) => s.length === 1 && s[0]?.metadata.name !== slice?.metadata.name,
      "a new slice",
    );
    expect(endpointsOf(back)).toHaveLength(2);
  });

  it("a deleted Service's slices are left to the garbage collector, through their owner reference", async () => {
    const api = await services().get("api");
    await services().delete("api");
    // Kubernetes' controller does not delete them: it only forgets the Service.
    await controller().reconcile("default/api");
    const left = await slicesOf("api");
    expect(left).toHaveLength(3);
    for (const slice of left)
      expect(slice.metadata.ownerReferences?.[0]).toMatchObject({
        kind: "Service",
        uid: api.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      });
  });

  it("leaves a Service without a selector, and slices managed by others, alone", async () => {
    await services().create(
      service("external", { clusterIP: "127.96.0.33", ports: [{ port: 5432 }] }),
    );
    const manual = await slicesApi().create({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: "external-1",
        labels: {
          "kubernetes.io/service-name": "external",
          "endpointslice.kubernetes.io/managed-by": "someone-else",
        },
      },
      addressType: "IPv4",
      endpoints: [{ addresses: ["127.0.0.42"], conditions: { ready: true } }],
      ports: [{ port: 5432 }],
    });
    await controller().reconcile("default/external");
    const slices = await slicesOf("external");
    expect(slices.map((s) => [s.metadata.name, s.metadata.resourceVersion])).toEqual([
      ["external-1", manual.metadata.resourceVersion],
    ]);
  });
});
