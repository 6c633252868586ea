import { describe, expect, it } from "vitest";
import { FakeClock } from "../util/clock.ts";
import { ClusterState, serviceRecord, sliceRecord } from "./cluster-state.ts";
import {
  namespaceObject,
  podObject,
  serviceObject,
  sliceObject,
  testClusterState,
} from "./testing.ts";

describe("ClusterState", () => {
  it("bumps its generation and SOA serial on a change, and not on an update that changes nothing", () => {
    const clock = new FakeClock(Date.parse("2026-01-01T00:00:00Z"));
    const state = new ClusterState(clock);
    const svc = serviceObject("web", { clusterIP: "127.96.0.20", ports: [{ port: 80 }] });
    clock.advance(5_000);
    state.setService(svc, true);
    expect(state.generation).toBe(1);
    expect(state.modified).toBe(Date.parse("2026-01-01T00:00:05Z") / 1000);
    state.setService({ ...svc, status: { loadBalancer: {} } }, true);
    expect(state.generation).toBe(1);
    state.setService(svc, false);
    expect(state.generation).toBe(2);
    expect(state.service("default", "web")).toBeUndefined();
  });

  it("indexes ClusterIPs, moving the index when a Service's address changes", () => {
    const state = new ClusterState(new FakeClock());
    state.setService(serviceObject("a", { clusterIP: "127.96.0.20", ports: [{ port: 80 }] }), true);
    expect(state.serviceWithClusterIP("127.96.0.20")?.name).toBe("a");
    state.setService(serviceObject("a", { clusterIP: "127.96.0.21", ports: [{ port: 80 }] }), true);
    expect(state.serviceWithClusterIP("127.96.0.20")).toBeUndefined();
    expect(state.serviceWithClusterIP("127.96.0.21")?.name).toBe("a");
  });

  it("keeps slices per Service, sorted by name, and forgets one deleted", () => {
    const state = testClusterState();
    const web = state.service("default", "web");
    if (!web) throw new Error("web missing");
    state.setEndpointSlice(
      sliceObject("web", [{ ip: "127.128.2.5" }], null, { name: "web-00000" }),
      true,
    );
    expect(state.slicesOf(web).map((s) => s.name)).toEqual(["web-00000", "web-abcde"]);
    state.setEndpointSlice(sliceObject("web", [], null, { name: "web-00000" }), false);
    expect(state.slicesOf(web).map((s) => s.name)).toEqual(["web-abcde"]);
  });

  it("finds ready endpoints by address for PTR, under every Service they serve", () => {
    const state = testClusterState();
    expect(state.endpointsWithAddress("127.128.0.7")).toEqual([
      {
        namespace: "default",
        service: "db",
        endpoint: { address: "127.128.0.7", hostname: "db-0" },
      },
    ]);
    expect(state.endpointsWithAddress("127.128.0.9")).toEqual([]);
  });

  it("files pods by IP for `pods verified`, and moves them when the IP changes", () => {
    const state = new ClusterState(new FakeClock());
    state.setPod(podObject("p", "default", "127.128.0.5"), true);
    expect(state.hasPodWithIP("default", "127.128.0.5")).toBe(true);
    expect(state.hasPodWithIP("other", "127.128.0.5")).toBe(false);
    const generation = state.generation;
    state.setPod(podObject("p", "default", "127.128.0.5"), true);
    expect(state.generation).toBe(generation);
    state.setPod(podObject("p", "default", "127.128.0.6"), true);
    expect(state.hasPodWithIP("default", "127.128.0.5")).toBe(false);
    state.setPod(podObject("p", "default", "127.128.0.6"), false);
    expect(state.hasPodWithIP("default", "127.128.0.6")).toBe(false);
  });

  it("knows namespaces, and is synced only once told", () => {
    const state = new ClusterState(new FakeClock());
    expect(state.hasSynced()).toBe(false);
    state.setNamespace(namespaceObject("team-a"), true);
    expect(state.hasNamespace("team-a")).toBe(true);
    state.markSynced();
    expect(state.hasSynced()).toBe(true);
  });
});

describe("serviceRecord", () => {
  it("tells ClusterIP, headless and ExternalName apart, lower-casing port names", () => {
    expect(
      serviceRecord(
        serviceObject("web", { clusterIP: "127.96.0.20", ports: [{ name: "HTTP", port: 80 }] }),
      ),
    ).toEqual({
      namespace: "default",
      name: "web",
      kind: "ClusterIP",
      clusterIPs: ["127.96.0.20"],
      ports: [{ name: "http", protocol: "tcp", port: 80 }],
    });
    expect(serviceRecord(serviceObject("db", { clusterIP: "None" })).kind).toBe("Headless");
    expect(
      serviceRecord(serviceObject("docs", { externalName: "docs.example.org." })),
    ).toMatchObject({
      kind: "ExternalName",
      externalName: "docs.example.org",
    });
    expect(serviceRecord(serviceObject("pending", { clusterIP: "" })).clusterIPs).toEqual([]);
  });
});

describe("sliceRecord", () => {
  it("keeps ready endpoints (ready unset counts as ready) and gives a port-less slice port -1", () => {
    const record = sliceRecord(
      sliceObject(
        "db",
        [
          { ip: "127.128.0.7" },
          { ip: "127.128.0.8", ready: true },
          { ip: "127.128.0.9", ready: false },
        ],
        null,
      ),
    );
    expect(record.endpoints.map((e) => e.address)).toEqual(["127.128.0.7", "127.128.0.8"]);
    expect(record.ports).toEqual([{ name: "", protocol: "", port: -1 }]);
  });

  it("ignores FQDN slices and slices without a service-name label", () => {
    const state = new ClusterState(new FakeClock());
    state.setEndpointSlice(
      { ...sliceObject("x", [{ ip: "127.128.0.7" }], null), addressType: "FQDN" },
      true,
    );
    const unlabelled = sliceObject("x", [{ ip: "127.128.0.7" }], null);
    unlabelled.metadata.labels = {};
    state.setEndpointSlice(unlabelled, true);
    expect(state.generation).toBe(0);
  });
});
