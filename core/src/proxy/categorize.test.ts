import { describe, expect, it } from "vitest";
import { categorizeEndpoints } from "./categorize.ts";
import type { EndpointInfo } from "./endpoint-slice-cache.ts";
import { makeService, onlyPort } from "./testing.ts";

const ep = (ip: string, flags: Partial<EndpointInfo> = {}): EndpointInfo => ({
  ip,
  port: 80,
  hostPort: `${ip}:80`,
  ready: true,
  serving: true,
  terminating: false,
  isLocal: false,
  ...flags,
});
const port = (extra: Record<string, unknown> = {}, nodePort?: number) =>
  onlyPort(makeService("d/web", "127.96.0.20", [{ port: 80, nodePort }], extra));
const ips = (list: EndpointInfo[]) => list.map((e) => e.ip);

describe("categorizeEndpoints", () => {
  it("uses ready endpoints, falling back to serving-terminating ones only when none is ready", () => {
    const a = ep("a");
    const b = ep("b", { ready: false, terminating: true });
    const c = ep("c", { ready: false, serving: false, terminating: true });
    expect(ips(categorizeEndpoints([a, b, c], port()).clusterEndpoints)).toEqual(["a"]);
    const fallback = categorizeEndpoints([b, c], port());
    expect(ips(fallback.clusterEndpoints)).toEqual(["b"]);
    expect(fallback.hasAnyEndpoints).toBe(true);
    const none = categorizeEndpoints([c], port());
    expect(none.clusterEndpoints).toEqual([]);
    expect(none.hasAnyEndpoints).toBe(false);
  });

  it("with internalTrafficPolicy Local uses only this node's endpoints, yet knows of the others", () => {
    const local = port({ internalTrafficPolicy: "Local" });
    const result = categorizeEndpoints([ep("a"), ep("b", { isLocal: true })], local);
    expect(result.clusterEndpoints).toEqual([]);
    expect(ips(result.localEndpoints)).toEqual(["b"]);
    expect(ips(result.allReachableEndpoints)).toEqual(["b"]);
    const elsewhere = categorizeEndpoints([ep("a")], local);
    expect([elsewhere.localEndpoints.length, elsewhere.hasAnyEndpoints]).toEqual([0, true]);
  });

  it("with externalTrafficPolicy Local keeps both lists; terminating local ones join the reachable", () => {
    const np = port({ type: "NodePort", externalTrafficPolicy: "Local" }, 30080);
    const result = categorizeEndpoints(
      [ep("a"), ep("b", { isLocal: true, ready: false, terminating: true })],
      np,
    );
    expect(ips(result.clusterEndpoints)).toEqual(["a"]);
    expect(ips(result.localEndpoints)).toEqual(["b"]);
    expect(ips(result.allReachableEndpoints)).toEqual(["a", "b"]);
  });
});
