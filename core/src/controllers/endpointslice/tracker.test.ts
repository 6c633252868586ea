import { describe, expect, it } from "vitest";
import type { EndpointSlice } from "../../api/types.ts";
import { serviceFixture } from "./testing.ts";
import { EndpointSliceTracker } from "./tracker.ts";

const slice = (uid: string, generation: number, service = "web"): EndpointSlice => ({
  apiVersion: "discovery.k8s.io/v1",
  kind: "EndpointSlice",
  metadata: {
    name: `${service}-${uid}`,
    namespace: "default",
    uid,
    generation,
    labels: { "kubernetes.io/service-name": service },
  },
  addressType: "IPv4",
  endpoints: [],
});

describe("EndpointSliceTracker", () => {
  const web = serviceFixture("web");

  it("follows the module comment's trace", () => {
    const tracker = new EndpointSliceTracker();
    tracker.update(slice("abc", 1));
    expect(tracker.staleSlices(web, []), "created but not yet in the cache").toBe(true);
    expect(tracker.shouldSync(slice("abc", 1)), "our own write coming back").toBe(false);
    expect(tracker.staleSlices(web, [slice("abc", 1)])).toBe(false);
    tracker.expectDeletion(slice("abc", 1));
    expect(tracker.staleSlices(web, [slice("abc", 1)]), "deleted but still cached").toBe(true);
    expect(tracker.handleDeletion(slice("abc", 1)), "an expected deletion").toBe(true);
    expect(tracker.staleSlices(web, [])).toBe(false);
  });

  it("an older generation in the cache is stale; someone else's newer one is news", () => {
    const tracker = new EndpointSliceTracker();
    tracker.update(slice("abc", 3));
    expect(tracker.staleSlices(web, [slice("abc", 2)])).toBe(true);
    expect(tracker.staleSlices(web, [slice("abc", 4)])).toBe(false);
    expect(tracker.shouldSync(slice("abc", 4))).toBe(true);
    expect(tracker.shouldSync(slice("unknown", 1))).toBe(true);
  });

  it("a deletion nobody here asked for is reported as such", () => {
    const tracker = new EndpointSliceTracker();
    tracker.update(slice("abc", 1));
    expect(tracker.has(slice("abc", 1))).toBe(true);
    expect(tracker.handleDeletion(slice("abc", 1))).toBe(false);
    expect(tracker.has(slice("abc", 1))).toBe(false);
  });

  it("a Service recreated under the same name starts afresh", () => {
    const tracker = new EndpointSliceTracker();
    tracker.staleSlices(web, []);
    tracker.update(slice("abc", 1));
    const reborn = serviceFixture("web");
    reborn.metadata.uid = "uid-web-2";
    expect(tracker.staleSlices(reborn, [])).toBe(false);
  });

  it("keeps Services apart, and forgets a deleted one", () => {
    const tracker = new EndpointSliceTracker();
    tracker.update(slice("abc", 1, "api"));
    expect(tracker.staleSlices(web, [])).toBe(false);
    expect(tracker.staleSlices(serviceFixture("api"), [])).toBe(true);
    tracker.deleteService("default", "api");
    expect(tracker.staleSlices(serviceFixture("api"), [])).toBe(false);
  });
});
