import { describe, expect, it } from "vitest";
import { podFixture as pod, serviceFixture as service } from "../endpointslice/testing.ts";
import { desiredSubsets, podToEndpointAddress } from "./subsets.ts";

const ips = (list: { ip: string }[] | undefined) => (list ?? []).map((x) => x.ip);
const web = service("web", {
  ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }],
});

describe("desiredSubsets", () => {
  it("ready pods under addresses, the others under notReadyAddresses; finished and addressless left out", () => {
    const subsets = desiredSubsets(web, [
      pod({ name: "a", ip: "127.128.1.1" }),
      pod({ name: "b", ip: "127.128.1.2", ready: false }),
      pod({ name: "c", ip: "127.128.1.3", phase: "Failed" }),
      pod({ name: "d" }),
    ]);
    expect(subsets).toEqual([
      {
        addresses: [
          {
            ip: "127.128.1.1",
            nodeName: "node-1",
            targetRef: { kind: "Pod", namespace: "default", name: "a", uid: "uid-a" },
          },
        ],
        notReadyAddresses: [expect.objectContaining({ ip: "127.128.1.2" })],
        ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      },
    ]);
  });

  it("a terminating pod leaves, unless the Service publishes not-ready addresses", () => {
    const leaving = pod({ name: "a", ip: "127.128.1.1", deleting: true });
    expect(desiredSubsets(web, [leaving])).toEqual([]);
    const publish = { ...web, spec: { ...web.spec, publishNotReadyAddresses: true } };
    const unready = pod({ name: "b", ip: "127.128.1.2", ready: false });
    expect(ips(desiredSubsets(publish, [leaving, unready])[0]?.addresses)).toEqual([
      "127.128.1.1",
      "127.128.1.2",
    ]);
  });

  it("a named targetPort: pods split by the number it resolves to; a pod without it is left out of that port", () => {
    const svc = service("api", {
      ports: [
        { name: "http", port: 80, targetPort: "http", protocol: "TCP" },
        { name: "metrics", port: 9100, targetPort: 9100, protocol: "TCP" },
      ],
    });
    const named = (containerPort: number) => [{ name: "http", containerPort, protocol: "TCP" }];
    const subsets = desiredSubsets(svc, [
      pod({ name: "old", ip: "127.128.1.1", ports: named(8080) }),
      pod({ name: "new", ip: "127.128.1.2", ports: named(9090) }),
      pod({ name: "bare", ip: "127.128.1.3" }),
    ]);
    const byPort = Object.fromEntries(
      subsets.map((s) => [s.ports?.map((p) => p.port).join(","), ips(s.addresses)]),
    );
    expect(byPort).toEqual({
      "8080": ["127.128.1.1"],
      "9090": ["127.128.1.2"],
      "9100": ["127.128.1.1", "127.128.1.2", "127.128.1.3"],
    });
  });

  it("a headless Service without ports lists its pods with no ports; one with a cluster IP lists none", () => {
    const headless = service("peers", { clusterIP: "None", ports: [] });
    const db = pod({ name: "db-0", ip: "127.128.1.1", hostname: "db-0", subdomain: "peers" });
    expect(desiredSubsets(headless, [db])).toEqual([
      { addresses: [expect.objectContaining({ ip: "127.128.1.1", hostname: "db-0" })] },
    ]);
    expect(desiredSubsets(service("peers", { ports: [] }), [db])).toEqual([]);
  });
});

describe("podToEndpointAddress", () => {
  it("the pod's first address of the Service's family", () => {
    const dual = pod({ name: "a", ip: "fd00::1" });
    dual.status = { ...dual.status, podIPs: [{ ip: "fd00::1" }, { ip: "127.128.1.1" }] };
    expect(podToEndpointAddress(web, dual)?.ip).toBe("127.128.1.1");
    expect(podToEndpointAddress(service("v6", { ipFamilies: ["IPv6"] }), dual)?.ip).toBe("fd00::1");
    const v4only = pod({ name: "b", ip: "127.128.1.2" });
    expect(podToEndpointAddress(service("v6", { ipFamilies: ["IPv6"] }), v4only)).toBeUndefined();
  });
});
