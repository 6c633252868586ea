/**
 * The `kubernetes` endpoints as API servers come and go: master leases that expire in the store,
 * and the reconciler that keeps the Endpoints and the EndpointSlice listing exactly the live ones.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BUILTIN_TYPES, type ResourceType } from "../../api/scheme.ts";
import type { EndpointSlice, Endpoints } from "../../api/types.ts";
import { EmbeddedStore } from "../../store/index.ts";
import { FakeClock } from "../../util/clock.ts";
import { Registry } from "../registry/registry.ts";
import { strategyFor } from "../registry/strategies.ts";
import { WatchCache } from "../storage/watch-cache.ts";
import { EndpointsAdapter, endpointSliceFromEndpoints } from "./endpoints-adapter.ts";
import { LeaseEndpointReconciler } from "./lease-reconciler.ts";
import { MASTER_LEASE_TTL_SECONDS, storeMasterLeases } from "./master-leases.ts";

const typeOf = (resource: string) =>
  BUILTIN_TYPES.find((t) => t.resource === resource) as ResourceType;

const HTTPS = [{ name: "https", port: 6443, protocol: "TCP" }];

describe("endpointSliceFromEndpoints", () => {
  it("turns the one subset round: ready and not-ready addresses, the ports, the service label", () => {
    const slice = endpointSliceFromEndpoints({
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "kubernetes", namespace: "default" },
      subsets: [
        {
          addresses: [{ ip: "127.0.0.1" }],
          notReadyAddresses: [{ ip: "127.0.0.2" }],
          ports: HTTPS,
        },
      ],
    });
    expect(slice).toEqual({
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: "kubernetes",
        namespace: "default",
        labels: { "kubernetes.io/service-name": "kubernetes" },
      },
      addressType: "IPv4",
      endpoints: [
        { addresses: ["127.0.0.1"], conditions: { ready: true } },
        { addresses: ["127.0.0.2"], conditions: { ready: false } },
      ],
      ports: HTTPS,
    });
  });
});

describe("LeaseEndpointReconciler", () => {
  const clock = new FakeClock();
  let store: EmbeddedStore;
  let caches: WatchCache[];
  let endpoints: Registry;
  let slices: Registry;
  let reconciler: LeaseEndpointReconciler;

  const registry = (resource: string) => {
    const type = typeOf(resource);
    const cache = new WatchCache(store, type, { clock });
    caches.push(cache);
    return new Registry({ type, store, cache, strategy: strategyFor(type), clock });
  };
  const read = async () => ({
    endpoints: (await endpoints.get("default", "kubernetes")) as Endpoints,
    slice: (await slices.get("default", "kubernetes")) as EndpointSlice,
  });

  beforeEach(async () => {
    store = await EmbeddedStore.open({ clock });
    caches = [];
    endpoints = registry("endpoints");
    slices = registry("endpointslices");
    reconciler = new LeaseEndpointReconciler(
      new EndpointsAdapter(endpoints, slices),
      storeMasterLeases(store),
    );
  });
  afterEach(async () => {
    for (const cache of caches) cache.stop();
    await store.close();
  });

  it("writes Endpoints marked skip-mirror, and its slice, for this API server", async () => {
    await reconciler.reconcileEndpoints("kubernetes", "127.0.0.1", HTTPS, true);
    const { endpoints: ep, slice } = await read();
    expect(ep.metadata.labels).toEqual({ "endpointslice.kubernetes.io/skip-mirror": "true" });
    expect(ep.subsets).toEqual([{ addresses: [{ ip: "127.0.0.1" }], ports: HTTPS }]);
    expect(slice.endpoints).toEqual([{ addresses: ["127.0.0.1"], conditions: { ready: true } }]);
  });

  it("lists every API server whose lease lives, and drops one whose lease expired", async () => {
    const other = storeMasterLeases(store);
    await other.update("127.0.0.2");
    await reconciler.reconcileEndpoints("kubernetes", "127.0.0.1", HTTPS, true);
    expect((await read()).endpoints.subsets?.[0]?.addresses).toEqual([
      { ip: "127.0.0.1" },
      { ip: "127.0.0.2" },
    ]);
    // 127.0.0.1 keeps renewing (every 10 s); 127.0.0.2 stopped: its lease runs out after 15 s.
    clock.advance(10_000);
    await reconciler.reconcileEndpoints("kubernetes", "127.0.0.1", HTTPS, false);
    clock.advance(MASTER_LEASE_TTL_SECONDS * 1000 - 10_000 + 1);
    await reconciler.reconcileEndpoints("kubernetes", "127.0.0.1", HTTPS, false);
    const { endpoints: ep, slice } = await read();
    expect(ep.subsets?.[0]?.addresses).toEqual([{ ip: "127.0.0.1" }]);
    expect(slice.endpoints.map((e) => e.addresses)).toEqual([["127.0.0.1"]]);
  });

  it("corrects ports only when asked to", async () => {
    await reconciler.reconcileEndpoints("kubernetes", "127.0.0.1", HTTPS, true);
    const moved = [{ name: "https", port: 7443, protocol: "TCP" }];
    await reconciler.reconcileEndpoints("kubernetes", "127.0.0.1", moved, false);
    expect((await read()).endpoints.subsets?.[0]?.ports).toEqual(HTTPS);
    await reconciler.reconcileEndpoints("kubernetes", "127.0.0.1", moved, true);
    expect((await read()).endpoints.subsets?.[0]?.ports).toEqual(moved);
    expect((await read()).slice.ports).toEqual(moved);
  });

  it("keeps the endpoints rather than emptying them when the last API server leaves", async () => {
    await reconciler.reconcileEndpoints("kubernetes", "127.0.0.1", HTTPS, true);
    await expect(reconciler.removeEndpoints("kubernetes", "127.0.0.1", HTTPS)).rejects.toThrow(
      "no master IPs were listed in storage, refusing to erase all endpoints for the kubernetes service",
    );
    expect((await read()).endpoints.subsets?.[0]?.addresses).toEqual([{ ip: "127.0.0.1" }]);
  });

  it("re-creates a deleted slice from the Endpoints", async () => {
    await reconciler.reconcileEndpoints("kubernetes", "127.0.0.1", HTTPS, true);
    await slices.delete("default", "kubernetes");
    await reconciler.reconcileEndpoints("kubernetes", "127.0.0.1", HTTPS, false);
    expect((await read()).slice.addressType).toBe("IPv4");
  });
});
