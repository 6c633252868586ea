/**
 * Service allocation through a real API server over HTTPS: cluster IPs from the service CIDR
 * (dynamic band first, static addresses on request), node ports, their errors word for word,
 * release on delete and on type changes, concurrent creates, exhaustion, and what survives a
 * restart; then the `kubernetes` Service and its endpoints.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestApiServer, type TestApiServer } from "../../testing/cluster.ts";
import { FakeClock } from "../../util/clock.ts";
import { parseIPv4 } from "../registry/service/ip-range.ts";

// biome-ignore lint/suspicious/noExplicitAny: responses are read as loose JSON
type Json = Record<string, any>;

const SVC = "/api/v1/namespaces/default/services";
const IPS = "/apis/networking.k8s.io/v1/ipaddresses";

function service(name: string, spec: Json = {}): Json {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name },
    spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], ...spec },
  };
}

async function create(api: TestApiServer, body: Json, query = "") {
  const res = await api.request("POST", `${SVC}${query}`, { body });
  return { status: res.status, body: res.json<Json>() };
}

async function ipAddress(api: TestApiServer, ip: string) {
  const res = await api.request("GET", `${IPS}/${ip}`);
  return res.status === 200 ? res.json<Json>() : undefined;
}

const inRange = (ip: string, low: string, high: string) => {
  const n = parseIPv4(ip) ?? -1;
  return n >= (parseIPv4(low) ?? 0) && n <= (parseIPv4(high) ?? 0);
};

describe("cluster IPs", () => {
  let api: TestApiServer;
  beforeAll(async () => {
    api = await startTestApiServer();
  });
  afterAll(async () => {
    await api.stop();
  });

  it("gives an empty clusterIP a free address from the dynamic band, held by an IPAddress", async () => {
    const { status, body } = await create(api, service("web"));
    expect(status).toBe(201);
    const ip = body.spec.clusterIP as string;
    expect(body.spec.clusterIPs).toEqual([ip]);
    // 127.96.0.0/12: the static band is 127.96.0.1-127.96.1.0, the dynamic band the rest.
    expect(inRange(ip, "127.96.1.1", "127.111.255.254")).toBe(true);
    const held = await ipAddress(api, ip);
    expect(held?.spec.parentRef).toEqual({
      resource: "services",
      namespace: "default",
      name: "web",
    });
    expect(held?.metadata.labels).toEqual({
      "ipaddress.kubernetes.io/ip-family": "IPv4",
      "ipaddress.kubernetes.io/managed-by": "ipallocator.k8s.io",
    });
  });

  it("gives a requested address if it is free, and refuses it to the next Service", async () => {
    const first = await create(api, service("dns", { clusterIP: "127.96.0.10" }));
    expect(first.status).toBe(201);
    expect(first.body.spec.clusterIPs).toEqual(["127.96.0.10"]);
    const second = await create(api, service("dns2", { clusterIP: "127.96.0.10" }));
    expect(second.status).toBe(422);
    expect(second.body.message).toBe(
      'Service "dns2" is invalid: spec.clusterIPs: Invalid value: ["127.96.0.10"]: failed to allocate IP 127.96.0.10: provided IP is already allocated',
    );
    expect(second.body.details.causes).toEqual([
      {
        reason: "FieldValueInvalid",
        message:
          'Invalid value: ["127.96.0.10"]: failed to allocate IP 127.96.0.10: provided IP is already allocated',
        field: "spec.clusterIPs",
      },
    ]);
  });

  it("refuses addresses outside the CIDR and the CIDR's own network address", async () => {
    const outside = await create(api, service("far", { clusterIP: "127.0.0.5" }));
    expect(outside.body.message).toBe(
      'Service "far" is invalid: spec.clusterIPs: Invalid value: ["127.0.0.5"]: failed to allocate IP 127.0.0.5: the provided network does not match the current range',
    );
    const network = await create(api, service("net", { clusterIP: "127.96.0.0" }));
    expect(network.body.message).toBe(
      'Service "net" is invalid: spec.clusterIPs: Invalid value: ["127.96.0.0"]: failed to allocate IP 127.96.0.0: the provided IP (127.96.0.0) is not in the valid range. The range of valid IPs is 127.96.0.0/12',
    );
  });

  it("gives headless and ExternalName Services no address", async () => {
    const before = (await api.request("GET", IPS)).json<Json>().items.length;
    const headless = await create(api, service("db", { clusterIP: "None" }));
    expect(headless.status).toBe(201);
    expect(headless.body.spec.clusterIPs).toEqual(["None"]);
    const external = await create(api, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "ext" },
      spec: { type: "ExternalName", externalName: "db.example.com" },
    });
    expect(external.status).toBe(201);
    expect(external.body.spec.clusterIP).toBeUndefined();
    expect((await api.request("GET", IPS)).json<Json>().items.length).toBe(before);
  });

  it("releases the address when the Service is deleted, so it can be taken again", async () => {
    const { body } = await create(api, service("gone", { clusterIP: "127.96.0.20" }));
    expect(body.spec.clusterIP).toBe("127.96.0.20");
    expect((await api.request("DELETE", `${SVC}/gone`)).status).toBe(200);
    expect(await ipAddress(api, "127.96.0.20")).toBeUndefined();
    expect((await create(api, service("again", { clusterIP: "127.96.0.20" }))).status).toBe(201);
  });

  it("leaks nothing when the create fails after allocation", async () => {
    // Allocation comes before validation: the bad port is found after the address was taken.
    const bad = await create(
      api,
      service("broken", { clusterIP: "127.96.0.30", ports: [{ port: 0 }] }),
    );
    expect(bad.status).toBe(422);
    expect(bad.body.message).toContain("spec.ports[0].port: Invalid value: 0");
    expect(await ipAddress(api, "127.96.0.30")).toBeUndefined();
    // A name that is taken fails at the store, last of all: still no leak.
    const taken = await create(api, service("web", { clusterIP: "127.96.0.31" }));
    expect(taken.status).toBe(409);
    expect(await ipAddress(api, "127.96.0.31")).toBeUndefined();
  });

  it("takes nothing on a dry run, and shows the network address as Kubernetes does", async () => {
    const { status, body } = await create(api, service("dry"), "?dryRun=All");
    expect(status).toBe(201);
    expect(body.spec.clusterIP).toBe("127.96.0.0");
    expect(await ipAddress(api, "127.96.0.0")).toBeUndefined();
    expect((await api.request("GET", `${SVC}/dry`)).status).toBe(404);
  });

  it("lets a dry run ask for a taken address: Kubernetes' dry run does not look", async () => {
    await create(api, service("taken", { clusterIP: "127.96.0.50" }));
    const dry = await create(api, service("dry2", { clusterIP: "127.96.0.50" }), "?dryRun=All");
    expect(dry.status).toBe(201);
    const real = await create(api, service("dry2", { clusterIP: "127.96.0.50" }));
    expect(real.status).toBe(422);
  });

  it("keeps the address on an update that leaves it out, and refuses to change it", async () => {
    const { body } = await create(api, service("keep"));
    const ip = body.spec.clusterIP;
    // The YAML the Service was created from, submitted again with PUT.
    const replaced = await api.request("PUT", `${SVC}/keep`, {
      body: { ...service("keep", { ports: [{ port: 81, targetPort: 8080 }] }) },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json<Json>().spec.clusterIPs).toEqual([ip]);
    const changed = await api.request("PUT", `${SVC}/keep`, {
      body: service("keep", { clusterIP: "127.96.0.40" }),
    });
    expect(changed.status).toBe(422);
    expect(changed.json<Json>().message).toContain(
      'spec.clusterIPs[0]: Invalid value: ["127.96.0.40"]: may not change once set',
    );
    expect(await ipAddress(api, "127.96.0.40")).toBeUndefined();
  });

  it("releases the address when a Service becomes an ExternalName, and allocates on the way back", async () => {
    const { body } = await create(api, service("flip"));
    const ip = body.spec.clusterIP as string;
    const patched = await api.request("PATCH", `${SVC}/flip`, {
      contentType: "application/merge-patch+json",
      body: { spec: { type: "ExternalName", externalName: "example.com" } },
    });
    expect(patched.status).toBe(200);
    expect(patched.json<Json>().spec.clusterIP).toBeUndefined();
    expect(await ipAddress(api, ip)).toBeUndefined();
    const back = await api.request("PATCH", `${SVC}/flip`, {
      contentType: "application/merge-patch+json",
      body: { spec: { type: "ClusterIP", externalName: null } },
    });
    expect(back.status).toBe(200);
    const again = back.json<Json>().spec.clusterIP as string;
    expect((await ipAddress(api, again))?.spec.parentRef.name).toBe("flip");
  });

  it("gives concurrent creates distinct addresses", async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => create(api, service(`burst-${i}`))),
    );
    expect(results.map((r) => r.status)).toEqual(results.map(() => 201));
    const ips = results.map((r) => r.body.spec.clusterIP as string);
    expect(new Set(ips).size).toBe(40);
  });

  it("refuses IPv6 and dual-stack on a single-stack cluster", async () => {
    const dual = await create(api, service("dual", { ipFamilyPolicy: "RequireDualStack" }));
    expect(dual.body.message).toBe(
      'Service "dual" is invalid: spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services',
    );
  });
});

describe("node ports", () => {
  let api: TestApiServer;
  beforeAll(async () => {
    api = await startTestApiServer();
  });
  afterAll(async () => {
    await api.stop();
  });

  it("gives a NodePort Service a port from the dynamic band of 30000-32767", async () => {
    const { status, body } = await create(api, service("np", { type: "NodePort" }));
    expect(status).toBe(201);
    const port = body.spec.ports[0].nodePort as number;
    // The static band is 30000-30085 (86 ports); dynamic allocation starts above it.
    expect(port).toBeGreaterThanOrEqual(30086);
    expect(port).toBeLessThanOrEqual(32767);
  });

  it("gives a requested port once, and says why not to the next", async () => {
    const one = await create(
      api,
      service("a", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }),
    );
    expect(one.body.spec.ports[0].nodePort).toBe(30080);
    const two = await create(
      api,
      service("b", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }),
    );
    expect(two.body.message).toBe(
      'Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
    );
    const far = await create(
      api,
      service("c", { type: "NodePort", ports: [{ port: 80, nodePort: 40000 }] }),
    );
    expect(far.body.message).toBe(
      'Service "c" is invalid: spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767',
    );
    // The failed create gave back the cluster IP it had taken.
    expect((await api.request("GET", IPS)).json<Json>().items.length).toBe(3);
  });

  it("refuses bad input without writing anything, not even an address it gives back", async () => {
    const before = await api.store.revision();
    const taken = await create(
      api,
      service("g", { type: "NodePort", ports: [{ port: 80, nodePort: 30080 }] }),
    );
    expect(taken.status).toBe(422);
    const invalid = await create(api, service("h", { type: "NodePort", ports: [{ port: 0 }] }));
    expect(invalid.status).toBe(422);
    expect(await api.store.revision()).toBe(before);
  });

  it("shares one node port between TCP and UDP on the same port number", async () => {
    const { body } = await create(
      api,
      service("dns", {
        type: "NodePort",
        ports: [
          { name: "udp", port: 53, protocol: "UDP" },
          { name: "tcp", port: 53, protocol: "TCP" },
        ],
      }),
    );
    expect(body.spec.ports[0].nodePort).toBe(body.spec.ports[1].nodePort);
  });

  it("releases the ports when the type goes back to ClusterIP, and on delete", async () => {
    await create(api, service("d", { type: "NodePort", ports: [{ port: 80, nodePort: 30081 }] }));
    const patched = await api.request("PATCH", `${SVC}/d`, {
      contentType: "application/merge-patch+json",
      body: { spec: { type: "ClusterIP" } },
    });
    expect(patched.status).toBe(200);
    expect(patched.json<Json>().spec.ports[0].nodePort).toBeUndefined();
    const reuse = await create(
      api,
      service("e", { type: "NodePort", ports: [{ port: 80, nodePort: 30081 }] }),
    );
    expect(reuse.status).toBe(201);
    await api.request("DELETE", `${SVC}/e`);
    const again = await create(
      api,
      service("f", { type: "NodePort", ports: [{ port: 80, nodePort: 30081 }] }),
    );
    expect(again.status).toBe(201);
  });

  it("allocates the health-check port of a Local LoadBalancer", async () => {
    const { body } = await create(
      api,
      service("lb", { type: "LoadBalancer", externalTrafficPolicy: "Local" }),
    );
    expect(body.spec.healthCheckNodePort).toBeGreaterThanOrEqual(30000);
    expect(body.spec.healthCheckNodePort).not.toBe(body.spec.ports[0].nodePort);
  });
});

describe("a small range", () => {
  let api: TestApiServer;
  beforeAll(async () => {
    // 8 addresses: .1-.6 usable, too few for a static band; `kubernetes` holds .1.
    api = await startTestApiServer({ serviceClusterIPRange: "127.96.0.0/29" });
  });
  afterAll(async () => {
    await api.stop();
  });

  it("runs out with Kubernetes' message", async () => {
    for (let i = 0; i < 5; i++) expect((await create(api, service(`s${i}`))).status).toBe(201);
    const full = await create(api, service("one-too-many"));
    expect(full.status).toBe(500);
    expect(full.body.message).toBe(
      "Internal error occurred: failed to allocate a serviceIP: range is full",
    );
  });
});

describe("the static band", () => {
  let api: TestApiServer;
  beforeAll(async () => {
    // 32 addresses: static band .1-.16 (16, the minimum), dynamic band .17-.30.
    api = await startTestApiServer({ serviceClusterIPRange: "127.96.0.0/27" });
  });
  afterAll(async () => {
    await api.stop();
  });

  it("is only used for dynamic allocation once the dynamic band is full", async () => {
    const dynamic: string[] = [];
    for (let i = 0; i < 14; i++)
      dynamic.push((await create(api, service(`d${i}`))).body.spec.clusterIP);
    expect(dynamic.every((ip) => inRange(ip, "127.96.0.17", "127.96.0.30"))).toBe(true);
    const spill = (await create(api, service("spill"))).body.spec.clusterIP as string;
    expect(inRange(spill, "127.96.0.2", "127.96.0.16")).toBe(true);
  });
});

describe("across a restart", () => {
  let dataDir: string;
  let api: TestApiServer | undefined;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "tinykube-services-"));
  });
  afterEach(async () => {
    await api?.stop();
    api = undefined;
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps allocations, and the repair at start releases what no Service holds", async () => {
    const clock = new FakeClock();
    api = await startTestApiServer({ dataDir, clock });
    const web = await create(api, service("web", { type: "NodePort" }));
    const ip = web.body.spec.clusterIP as string;
    const nodePort = web.body.spec.ports[0].nodePort as number;
    // An address some crashed create left behind: its Service was never stored.
    const leaked = await api.request("POST", IPS, {
      body: {
        apiVersion: "networking.k8s.io/v1",
        kind: "IPAddress",
        metadata: {
          name: "127.96.0.99",
          labels: { "ipaddress.kubernetes.io/managed-by": "ipallocator.k8s.io" },
        },
        spec: { parentRef: { resource: "services", namespace: "default", name: "never" } },
      },
    });
    expect(leaked.status).toBe(201);
    await api.stop();

    // Two minutes later: older than the 60 s grace a create in flight gets.
    clock.advance(120_000);
    api = await startTestApiServer({ dataDir, clock });
    expect(await ipAddress(api, "127.96.0.99")).toBeUndefined();
    expect((await ipAddress(api, ip))?.spec.parentRef.name).toBe("web");
    const sameIP = await create(api, service("copy", { clusterIP: ip }));
    expect(sameIP.body.message).toContain("provided IP is already allocated");
    const samePort = await create(
      api,
      service("copy", { type: "NodePort", ports: [{ port: 80, nodePort }] }),
    );
    expect(samePort.body.message).toContain("provided port is already allocated");
  });
});

describe("the kubernetes Service", () => {
  let api: TestApiServer;
  const clock = new FakeClock();
  beforeAll(async () => {
    api = await startTestApiServer({ clock });
  });
  afterAll(async () => {
    await api.stop();
  });

  const port = () => Number(new URL(api.url).port);

  it("exists at the first address of the range, port 443 to the API server's port", async () => {
    const svc = (await api.request("GET", `${SVC}/kubernetes`)).json<Json>();
    expect(svc.metadata.labels).toEqual({ component: "apiserver", provider: "kubernetes" });
    expect(svc.spec).toMatchObject({
      clusterIP: "127.96.0.1",
      clusterIPs: ["127.96.0.1"],
      type: "ClusterIP",
      sessionAffinity: "None",
      ipFamilyPolicy: "SingleStack",
      ipFamilies: ["IPv4"],
      ports: [{ name: "https", protocol: "TCP", port: 443, targetPort: port() }],
    });
    expect(svc.spec.selector).toBeUndefined();
    expect((await ipAddress(api, "127.96.0.1"))?.spec.parentRef).toEqual({
      resource: "services",
      namespace: "default",
      name: "kubernetes",
    });
  });

  it("has Endpoints and an EndpointSlice pointing at the API server", async () => {
    const endpoints = (
      await api.request("GET", "/api/v1/namespaces/default/endpoints/kubernetes")
    ).json<Json>();
    expect(endpoints.metadata.labels).toEqual({
      "endpointslice.kubernetes.io/skip-mirror": "true",
    });
    expect(endpoints.subsets).toEqual([
      {
        addresses: [{ ip: "127.0.0.1" }],
        ports: [{ name: "https", port: port(), protocol: "TCP" }],
      },
    ]);
    const slice = (
      await api.request(
        "GET",
        "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes",
      )
    ).json<Json>();
    expect(slice.metadata.labels).toEqual({ "kubernetes.io/service-name": "kubernetes" });
    expect(slice.addressType).toBe("IPv4");
    expect(slice.endpoints).toEqual([{ addresses: ["127.0.0.1"], conditions: { ready: true } }]);
    expect(slice.ports).toEqual([{ name: "https", port: port(), protocol: "TCP" }]);
  });

  it("puts a deleted EndpointSlice back on the next pass, 10 s later", async () => {
    const path = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes";
    expect((await api.request("DELETE", path)).status).toBe(200);
    expect((await api.request("GET", path)).status).toBe(404);
    clock.advance(10_000);
    const deadline = Date.now() + 5000;
    while ((await api.request("GET", path)).status !== 200) {
      if (Date.now() > deadline) throw new Error("the EndpointSlice did not come back within 5 s");
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it("deletes a deleted Service's Endpoints with it", async () => {
    await create(api, service("ep"));
    const endpoints = await api.request("POST", "/api/v1/namespaces/default/endpoints", {
      body: { apiVersion: "v1", kind: "Endpoints", metadata: { name: "ep" }, subsets: [] },
    });
    expect(endpoints.status).toBe(201);
    await api.request("DELETE", `${SVC}/ep`);
    expect((await api.request("GET", "/api/v1/namespaces/default/endpoints/ep")).status).toBe(404);
  });

  it("refuses the kubernetes address to anyone else", async () => {
    const { body } = await create(api, service("imposter", { clusterIP: "127.96.0.1" }));
    expect(body.message).toContain(
      "failed to allocate IP 127.96.0.1: provided IP is already allocated",
    );
  });
});
