import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Endpoint, EndpointPort, EndpointSlice } from "../../api/types.ts";
import { endpointKey, portMapKey } from "./desired.ts";
import {
  type DesiredGroup,
  newEndpointSlice,
  planByAddressType,
  recycleDeletions,
  type SliceChanges,
  sliceToFill,
} from "./plan.ts";
import { CONTROLLER_QUALIFIED_NAME } from "./slice-labels.ts";
import { serviceFixture } from "./testing.ts";

const web = serviceFixture("web");
const HTTP: EndpointPort[] = [{ name: "http", port: 8080, protocol: "TCP" }];

const ep = (i: number, ready = true): Endpoint => ({
  addresses: [`127.128.${i >> 8}.${i & 255}`],
  conditions: { ready, serving: ready, terminating: false },
  nodeName: "node-1",
  targetRef: { kind: "Pod", namespace: "default", name: `p${i}`, uid: `uid-p${i}` },
});
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

let sliceCount = 0;
/** A slice as the API server returns it: named, with a UID. */
const stored = (endpoints: Endpoint[], ports = HTTP): EndpointSlice => {
  const slice = newEndpointSlice(web, ports, "IPv4", CONTROLLER_QUALIFIED_NAME);
  sliceCount++;
  slice.metadata.name = `web-${sliceCount}`;
  slice.metadata.uid = `uid-slice-${sliceCount}`;
  slice.endpoints = endpoints;
  return slice;
};
const desired = (groups: [EndpointPort[], Endpoint[]][]): Map<string, DesiredGroup> =>
  new Map(
    groups.map(([ports, endpoints]) => [
      portMapKey(ports),
      { ports, endpoints: new Map(endpoints.map((e) => [endpointKey(e), e])) },
    ]),
  );
const plan = (existing: EndpointSlice[], want: Map<string, DesiredGroup>, max = 100) =>
  planByAddressType({
    service: web,
    existing,
    desired: want,
    addressType: "IPv4",
    maxEndpointsPerSlice: max,
    controllerName: CONTROLLER_QUALIFIED_NAME,
  });
const sizes = (slices: EndpointSlice[]) => slices.map((s) => s.endpoints.length);
const names = (slices: EndpointSlice[]) => slices.map((s) => s.metadata.name);

/** The slices after the writes, as the API server would then hold them. */
function apply(existing: EndpointSlice[], changes: SliceChanges): EndpointSlice[] {
  const { toCreate, toUpdate, toDelete } = recycleDeletions(web, changes);
  const gone = new Set(toDelete.map((s) => s.metadata.name));
  const updated = new Map(toUpdate.map((s) => [s.metadata.name, s]));
  return [
    ...existing
      .filter((s) => !gone.has(s.metadata.name))
      .map((s) => updated.get(s.metadata.name) ?? s),
    ...toCreate,
  ];
}

describe("planByAddressType", () => {
  it("follows the module comment's worked example: 5 gone and 30 new fill A, then B; nothing created", () => {
    const a = stored(range(0, 100).map((i) => ep(i)));
    const b = stored(range(100, 140).map((i) => ep(i)));
    const want = desired([[HTTP, [...range(5, 140), ...range(200, 230)].map((i) => ep(i))]]);
    const changes = plan([a, b], want);
    expect(changes.toCreate).toEqual([]);
    expect(changes.toDelete).toEqual([]);
    expect(names(changes.toUpdate)).toEqual([a.metadata.name, b.metadata.name]);
    expect(sizes(changes.toUpdate)).toEqual([100, 65]);
  });

  it("nothing changed: nothing to write", () => {
    const a = stored(range(0, 3).map((i) => ep(i)));
    expect(plan([a], desired([[HTTP, range(0, 3).map((i) => ep(i))]]))).toEqual({
      toCreate: [],
      toUpdate: [],
      toDelete: [],
    });
  });

  it("a condition change is an update in place", () => {
    const a = stored(range(0, 3).map((i) => ep(i)));
    const changes = plan([a], desired([[HTTP, [ep(0), ep(1, false), ep(2)]]]));
    expect(names(changes.toUpdate)).toEqual([a.metadata.name]);
    expect(changes.toUpdate[0]?.endpoints[1]?.conditions.ready).toBe(false);
    // The cached slice is not touched.
    expect(a.endpoints[1]?.conditions.ready).toBe(true);
  });

  it("250 new endpoints: slices of 100, 100 and 50", () => {
    const changes = plan([], desired([[HTTP, range(0, 250).map((i) => ep(i))]]));
    expect(sizes(changes.toCreate)).toEqual([100, 100, 50]);
    expect(changes.toCreate[0]?.metadata.generateName).toBe("web-");
  });

  it("one group per set of ports; a set no longer wanted is deleted", () => {
    const old = stored([ep(0)], [{ name: "http", port: 7070, protocol: "TCP" }]);
    const changes = plan(
      [old],
      desired([
        [HTTP, [ep(0)]],
        [[{ name: "http", port: 9090, protocol: "TCP" }], [ep(1)]],
      ]),
    );
    expect(changes.toCreate.map((s) => s.ports?.[0]?.port)).toEqual([8080, 9090]);
    expect(names(changes.toDelete)).toEqual([old.metadata.name]);
    // The writes recycle the doomed slice instead of deleting it.
    const written = recycleDeletions(web, changes);
    expect(written.toDelete).toEqual([]);
    expect(names(written.toUpdate)).toEqual([old.metadata.name]);
    expect(written.toCreate).toHaveLength(1);
  });

  it("no endpoints at all: one placeholder, created once and then kept", () => {
    const first = plan([], new Map());
    expect(first.toCreate).toHaveLength(1);
    expect(first.toCreate[0]).toMatchObject({ endpoints: [], ports: [] });
    const placeholder = stored([], []);
    expect(plan([placeholder], new Map())).toEqual({ toCreate: [], toUpdate: [], toDelete: [] });
    // The last pod leaves: its slice goes, a placeholder comes — written as one update.
    const last = stored([ep(0)]);
    const written = recycleDeletions(web, plan([last], desired([[HTTP, []]])));
    expect(written).toMatchObject({ toCreate: [], toDelete: [] });
    expect(written.toUpdate[0]).toMatchObject({
      metadata: { name: last.metadata.name },
      endpoints: [],
      ports: [],
    });
  });

  it("slices owned by another Service of the same name are deleted, never reused", () => {
    const foreign = stored([ep(0)]);
    foreign.metadata.ownerReferences = [
      { apiVersion: "v1", kind: "Service", name: "web", uid: "uid-old-web" },
    ];
    const changes = plan([foreign], desired([[HTTP, [ep(0)]]]));
    expect(names(changes.toDelete)).toEqual([foreign.metadata.name]);
    const written = recycleDeletions(web, changes);
    expect(written.toCreate).toHaveLength(1);
    expect(names(written.toDelete)).toEqual([foreign.metadata.name]);
  });

  it("the Service's labels changed: slices are relabelled", () => {
    const a = stored([ep(0)]);
    const relabelled = { ...web, metadata: { ...web.metadata, labels: { tier: "front" } } };
    const changes = planByAddressType({
      service: relabelled,
      existing: [a],
      desired: desired([[HTTP, [ep(0)]]]),
      addressType: "IPv4",
      maxEndpointsPerSlice: 100,
      controllerName: CONTROLLER_QUALIFIED_NAME,
    });
    expect(changes.toUpdate[0]?.metadata.labels).toMatchObject({
      tier: "front",
      "kubernetes.io/service-name": "web",
    });
  });

  it("after the writes, the slices hold exactly the wanted endpoints, once each, at most max per slice", () => {
    fc.assert(
      fc.property(
        // The controller leaves no slice empty but the placeholder, so existing slices are not.
        fc.array(fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 12 }), {
          maxLength: 5,
        }),
        fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { maxLength: 50 }),
        fc.subarray([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
        (existingIds, wantedIds, notReady) => {
          const max = 10;
          const existing = existingIds.map((ids) =>
            stored([...new Set(ids)].slice(0, max).map((i) => ep(i))),
          );
          const want = wantedIds.map((i) => ep(i, !notReady.includes(i % 10)));
          const after = apply(existing, plan(existing, desired([[HTTP, want]]), max));
          const listed = after.flatMap((s) => s.endpoints);
          expect(listed.map(endpointKey).sort()).toEqual(want.map(endpointKey).sort());
          expect(new Set(listed.map(endpointKey)).size).toBe(listed.length);
          for (const e of listed) expect(want).toContainEqual(e);
          for (const s of after) expect(s.endpoints.length).toBeLessThanOrEqual(max);
          if (want.length === 0) expect(after).toHaveLength(1);
          else expect(after.every((s) => s.endpoints.length > 0)).toBe(true);
        },
      ),
    );
  });
});

describe("sliceToFill", () => {
  it("follows its comment's example: 25 more into 40, 70 or 80 of 100 → 70", () => {
    const [s40, s70, s80] = [40, 70, 80].map((n) => stored(range(0, n).map((i) => ep(i))));
    expect(sliceToFill([s40, s70, s80] as EndpointSlice[], 25, 100)).toBe(s70);
    expect(sliceToFill([s80] as EndpointSlice[], 25, 100)).toBeUndefined();
  });
});
