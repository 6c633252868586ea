import { describe, expect, it } from "vitest";
import { ProxyState } from "./state.ts";
import { makeService, makeSlice } from "./testing.ts";

const web = (ip = "127.96.0.20", port = 80) => makeService("d/web", ip, [{ name: "http", port }]);
const slice = (...ips: string[]) =>
  makeSlice("d/web-a", "web", [{ name: "http", port: 8080 }], ips);

describe("ProxyState", () => {
  it("changes nothing until applyChanges, then reports the Services that changed", () => {
    const state = new ProxyState("node-1");
    expect(state.onService(undefined, web())).toBe(true);
    expect(state.onEndpointSlice(slice("10.0.0.1"), false)).toBe(true);
    expect(state.servicePorts.size).toBe(0);
    const update = state.applyChanges();
    expect([...update.updatedServices]).toEqual(["d/web"]);
    expect(state.servicePorts.get("d/web:http/TCP")?.clusterIP).toBe("127.96.0.20");
    expect(state.endpoints.get("d/web:http/TCP")?.map((e) => e.hostPort)).toEqual([
      "10.0.0.1:8080",
    ]);
    expect(state.applyChanges().updatedServices.size).toBe(0);
  });

  it("treats a Service added then deleted before a sync as no change", () => {
    const state = new ProxyState("node-1");
    state.onService(undefined, web());
    expect(state.onService(web(), undefined)).toBe(false);
    expect(state.applyChanges().updatedServices.size).toBe(0);
  });

  it("accumulates changes from the first previous to the last current", () => {
    const state = new ProxyState("node-1");
    state.onService(undefined, web());
    state.applyChanges();
    state.onService(web(), web("127.96.0.20", 81));
    // Back to where it started: nothing to do.
    expect(state.onService(web("127.96.0.20", 81), web())).toBe(false);
    state.onService(web(), web("127.96.0.21"));
    const update = state.applyChanges();
    expect([...update.updatedServices]).toEqual(["d/web"]);
    expect(state.servicePorts.get("d/web:http/TCP")?.clusterIP).toBe("127.96.0.21");
  });

  it("drops a deleted Service's ports and reports them", () => {
    const state = new ProxyState("node-1");
    state.onService(undefined, web());
    state.applyChanges();
    state.onService(web(), undefined);
    const update = state.applyChanges();
    expect([...update.deletedServicePorts]).toEqual(["d/web:http/TCP"]);
    expect(state.portsOfService("d/web")).toEqual([]);
  });

  it("does not report slice changes that leave the endpoints as they were", () => {
    const state = new ProxyState("node-1");
    state.onService(undefined, web());
    state.onEndpointSlice(slice("10.0.0.1"), false);
    state.applyChanges();
    state.onEndpointSlice(slice("10.0.0.2"), false);
    state.onEndpointSlice(slice("10.0.0.1"), false);
    expect(state.applyChanges().updatedServices.size).toBe(0);
  });

  it("keeps endpoints of a Service it does not know yet, for when it comes", () => {
    const state = new ProxyState("node-1");
    state.onEndpointSlice(slice("10.0.0.1"), false);
    state.applyChanges();
    state.onService(undefined, web());
    state.applyChanges();
    expect(state.endpoints.get("d/web:http/TCP")).toHaveLength(1);
  });
});
