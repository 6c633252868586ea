import { describe, expect, it } from "vitest";
import type {
  EndpointSlice,
  Service,
  ServicePort,
  Endpoint as SliceEndpoint,
} from "../api/types.ts";
import { resolveEndpoints } from "./endpoints.ts";
import { Upstream } from "./upstream.ts";

function service(ports: ServicePort[], type?: string): Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "default" },
    spec: { ports, ...(type ? { type } : {}) },
  };
}

function slice(
  endpoints: SliceEndpoint[],
  ports: EndpointSlice["ports"],
  addressType: EndpointSlice["addressType"] = "IPv4",
): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "web-abc", namespace: "default" },
    addressType,
    endpoints,
    ports,
  };
}

const ready = (...addresses: string[]): SliceEndpoint => ({
  addresses,
  conditions: { ready: true },
});
const notReady = (...addresses: string[]): SliceEndpoint => ({
  addresses,
  conditions: { ready: false },
});

const resolved = (...args: Parameters<typeof resolveEndpoints>) =>
  resolveEndpoints(...args).endpoints.map((e) => `${e.address}:${e.port}`);

describe("resolveEndpoints", () => {
  const http = { name: "http", port: 80, targetPort: "web", protocol: "TCP" };
  const metrics = { name: "metrics", port: 9090, targetPort: 9100, protocol: "TCP" };

  it("maps the Service port by number to the slice's port of the same name", () => {
    const s = slice(
      [ready("127.128.0.2"), ready("127.128.0.3")],
      [
        { name: "http", port: 8080, protocol: "TCP" },
        { name: "metrics", port: 9100, protocol: "TCP" },
      ],
    );
    expect(resolved(service([http, metrics]), { number: 80 }, [s], "default/web")).toEqual([
      "127.128.0.2:8080",
      "127.128.0.3:8080",
    ]);
    expect(resolved(service([http, metrics]), { name: "metrics" }, [s], "default/web")).toEqual([
      "127.128.0.2:9100",
      "127.128.0.3:9100",
    ]);
  });

  it("leaves out endpoints that are not ready; unset ready counts as ready", () => {
    const s = slice(
      [
        ready("127.128.0.2"),
        notReady("127.128.0.3"),
        { addresses: ["127.128.0.4"], conditions: {} },
      ],
      [{ name: "http", port: 8080 }],
    );
    expect(resolved(service([http]), { number: 80 }, [s], "default/web")).toEqual([
      "127.128.0.2:8080",
      "127.128.0.4:8080",
    ]);
  });

  it("an unnamed (only) Service port takes any TCP slice port; UDP ports never", () => {
    const only = { port: 80, targetPort: 8080, protocol: "TCP" };
    const s = slice(
      [ready("127.128.0.2")],
      [
        { port: 8080, protocol: "TCP" },
        { port: 5353, protocol: "UDP" },
      ],
    );
    expect(resolved(service([only]), { number: 80 }, [s], "default/web")).toEqual([
      "127.128.0.2:8080",
    ]);
  });

  it("a slice without ports, or without the named one, falls back to a numeric targetPort", () => {
    const numeric = { name: "http", port: 80, targetPort: 8080 };
    expect(
      resolved(
        service([numeric]),
        { number: 80 },
        [slice([ready("127.128.0.2")], [])],
        "default/web",
      ),
    ).toEqual(["127.128.0.2:8080"]);
    expect(
      resolved(
        service([numeric]),
        { number: 80 },
        [slice([ready("127.128.0.2")], [{ name: "other", port: 1234 }])],
        "default/web",
      ),
    ).toEqual(["127.128.0.2:8080"]);
    // A named targetPort cannot be guessed.
    expect(
      resolved(service([http]), { number: 80 }, [slice([ready("127.128.0.2")], [])], "default/web"),
    ).toEqual([]);
  });

  it("lists an address once across slices; skips FQDN slices", () => {
    const ports = [{ name: "http", port: 8080 }];
    const a = slice([ready("127.128.0.2")], ports);
    const b = slice([ready("127.128.0.2"), ready("127.128.0.5")], ports);
    const fqdn = slice([ready("db.example.com")], ports, "FQDN");
    expect(resolved(service([http]), { number: 80 }, [a, b, fqdn], "default/web")).toEqual([
      "127.128.0.2:8080",
      "127.128.0.5:8080",
    ]);
  });

  it.each<[string, Service | undefined, { number?: number; name?: string }, string]>([
    ["no Service", undefined, { number: 80 }, 'Service "default/web" not found'],
    [
      "no such port number",
      service([http]),
      { number: 81 },
      'Service "default/web" has no port 81',
    ],
    [
      "no such port name",
      service([http]),
      { name: "grpc" },
      'Service "default/web" has no port "grpc"',
    ],
    [
      "ExternalName",
      service([http], "ExternalName"),
      { number: 80 },
      'Service "default/web" is of type ExternalName',
    ],
  ])("%s: no endpoints, and says why", (_name, svc, port, problem) => {
    expect(resolveEndpoints(svc, port, [], "default/web")).toEqual({ endpoints: [], problem });
  });
});

describe("Upstream (round robin)", () => {
  const e = (n: number) => ({ address: `127.128.0.${n}`, port: 8080 });

  it("takes endpoints in turn, and none from an empty upstream", () => {
    const up = new Upstream("default/web:80", [e(1), e(2), e(3)]);
    expect([1, 2, 3, 4, 5].map(() => up.pick()?.address)).toEqual([
      "127.128.0.1",
      "127.128.0.2",
      "127.128.0.3",
      "127.128.0.1",
      "127.128.0.2",
    ]);
    expect(new Upstream("k", []).pick()).toBeUndefined();
  });

  it("keeps its place when the endpoints change", () => {
    const up = new Upstream("k", [e(1), e(2), e(3)]);
    up.pick();
    up.pick(); // next is index 2
    const grown = up.withEndpoints([e(1), e(2), e(3), e(4)]);
    expect(grown.pick()?.address).toBe("127.128.0.3");
    const shrunk = grown.withEndpoints([e(1), e(2)]); // index 3 % 2 = 1
    expect(shrunk.pick()?.address).toBe("127.128.0.2");
    expect(shrunk.sameAs([e(1), e(2)])).toBe(true);
    expect(shrunk.sameAs([e(2), e(1)])).toBe(false);
  });
});
