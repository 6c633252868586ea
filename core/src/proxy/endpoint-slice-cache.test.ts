import { describe, expect, it } from "vitest";
import { EndpointSliceCache } from "./endpoint-slice-cache.ts";
import { makeSlice } from "./testing.ts";

const http = [{ name: "http", port: 8080 }];

describe("EndpointSliceCache", () => {
  it("groups slices by Service and port, sorted by ip:port as strings", () => {
    const cache = new EndpointSliceCache("node-1");
    expect(cache.update(makeSlice("d/web-a", "web", http, ["10.0.0.9", "10.0.0.10"]), false)).toBe(
      true,
    );
    expect(cache.update(makeSlice("d/web-b", "web", http, ["10.0.0.2"]), false)).toBe(true);
    const change = cache.checkout().get("d/web");
    expect(change?.previous.size).toBe(0);
    expect(change?.current.get("d/web:http/TCP")?.map((e) => e.hostPort)).toEqual([
      "10.0.0.10:8080",
      "10.0.0.2:8080",
      "10.0.0.9:8080",
    ]);
  });

  it("defaults unset conditions to ready and serving, not terminating; marks local endpoints", () => {
    const cache = new EndpointSliceCache("node-1");
    cache.update(
      makeSlice("d/web-a", "web", http, [
        { ip: "10.0.0.1", nodeName: "node-1" },
        { ip: "10.0.0.2", ready: false, serving: true, terminating: true, nodeName: "node-2" },
      ]),
      false,
    );
    const endpoints = cache.checkout().get("d/web")?.current.get("d/web:http/TCP");
    expect(
      endpoints?.map((e) => [e.hostPort, e.ready, e.serving, e.terminating, e.isLocal]),
    ).toEqual([
      ["10.0.0.1:8080", true, true, false, true],
      ["10.0.0.2:8080", false, true, true, false],
    ]);
  });

  it("counts an address in two slices once, preferring the copy that is not terminating", () => {
    const cache = new EndpointSliceCache("node-1");
    cache.update(
      makeSlice("d/web-a", "web", http, [{ ip: "10.0.0.1", ready: false, terminating: true }]),
      false,
    );
    cache.update(makeSlice("d/web-b", "web", http, ["10.0.0.1"]), false);
    const endpoints = cache.checkout().get("d/web")?.current.get("d/web:http/TCP");
    expect(endpoints).toHaveLength(1);
    expect(endpoints?.[0]?.terminating).toBe(false);
  });

  it("keeps an endpoint that moves between slices of one Service", () => {
    const cache = new EndpointSliceCache("node-1");
    cache.update(makeSlice("d/web-a", "web", http, ["10.0.0.1"]), false);
    cache.checkout();
    cache.update(makeSlice("d/web-b", "web", http, ["10.0.0.1"]), false);
    cache.update(makeSlice("d/web-a", "web", http, []), true);
    const change = cache.checkout().get("d/web");
    expect(change?.current.get("d/web:http/TCP")?.map((e) => e.hostPort)).toEqual([
      "10.0.0.1:8080",
    ]);
  });

  it("reports no change for the same slice again, a removal never seen, or another family", () => {
    const cache = new EndpointSliceCache("node-1");
    const slice = makeSlice("d/web-a", "web", http, ["10.0.0.1"]);
    cache.update(slice, false);
    cache.checkout();
    // A resync: the same object; a new resourceVersion alone does not matter either.
    expect(cache.update(slice, false)).toBe(false);
    expect(
      cache.update({ ...slice, metadata: { ...slice.metadata, resourceVersion: "9" } }, false),
    ).toBe(false);
    expect(cache.update(makeSlice("d/other", "other", http, []), true)).toBe(false);
    expect(
      cache.update({ ...makeSlice("d/v6", "web", http, ["fd00::1"]), addressType: "IPv6" }, false),
    ).toBe(false);
    const unlabelled = makeSlice("d/x", "web", http, ["10.0.0.3"]);
    unlabelled.metadata.labels = {};
    expect(cache.update(unlabelled, false)).toBe(false);
    expect(cache.checkout().size).toBe(0);
  });

  it("forgets a Service whose last slice is removed", () => {
    const cache = new EndpointSliceCache("node-1");
    const slice = makeSlice("d/web-a", "web", http, ["10.0.0.1"]);
    cache.update(slice, false);
    cache.checkout();
    expect(cache.update(slice, true)).toBe(true);
    const change = cache.checkout().get("d/web");
    expect(change?.previous.size).toBe(1);
    expect(change?.current.size).toBe(0);
    expect(cache.update(slice, true)).toBe(false);
  });

  it("skips ports without a name or number, and endpoints without an address", () => {
    const cache = new EndpointSliceCache("node-1");
    const slice = makeSlice("d/web-a", "web", http, ["10.0.0.1"]);
    slice.ports = [{ port: 8080 } as never, { name: "zero", port: 0 }, ...(slice.ports ?? [])];
    slice.endpoints.push({ addresses: [], conditions: {} });
    cache.update(slice, false);
    const current = cache.checkout().get("d/web")?.current;
    expect([...(current?.keys() ?? [])]).toEqual(["d/web:http/TCP"]);
    expect(current?.get("d/web:http/TCP")).toHaveLength(1);
  });
});
