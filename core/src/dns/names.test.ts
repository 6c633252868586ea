import { describe, expect, it } from "vitest";
import { endpointHostname, matchZone, parseClusterName, podLabelAddress } from "./names.ts";

const parse = (name: string) => parseClusterName(name, "cluster.local");

describe("parseClusterName", () => {
  it.each([
    ["example.org", { kind: "outside" }],
    ["cluster.local", { kind: "apex", zone: "cluster.local" }],
    ["in-addr.arpa", { kind: "apex", zone: "in-addr.arpa" }],
    ["svc.cluster.local", { kind: "type-root", podOrSvc: "svc" }],
    ["pod.cluster.local", { kind: "type-root", podOrSvc: "pod" }],
    ["default.svc.cluster.local", { kind: "namespace", namespace: "default", podOrSvc: "svc" }],
    ["web.default.svc.cluster.local", { kind: "service", namespace: "default", service: "web" }],
    ["db-0.db.default.svc.cluster.local", { kind: "service", service: "db", endpoint: "db-0" }],
    [
      "_http._tcp.web.default.svc.cluster.local",
      { kind: "service", service: "web", port: "http", protocol: "tcp" },
    ],
    ["http.tcp.web.default.svc.cluster.local", { kind: "service", port: "http", protocol: "tcp" }],
    [
      "127-128-0-5.default.pod.cluster.local",
      { kind: "pod", namespace: "default", pod: "127-128-0-5" },
    ],
    ["ns.dns.cluster.local", { kind: "nameserver" }],
    ["dns-version.cluster.local", { kind: "dns-version" }],
    ["10.0.96.127.in-addr.arpa", { kind: "reverse", zone: "in-addr.arpa", address: "127.96.0.10" }],
    ["96.127.in-addr.arpa", { kind: "reverse", address: undefined }],
    ["web.cluster.local", { kind: "invalid" }],
    ["a.b.c.web.default.svc.cluster.local", { kind: "invalid" }],
    ["x.1-2-3-4.default.pod.cluster.local", { kind: "invalid" }],
  ])("%s", (name, expected) => {
    expect(parse(name)).toMatchObject(expected);
  });

  it("uses the cluster domain it is given, and the longest zone that matches", () => {
    expect(parseClusterName("web.default.svc.tiny.test", "tiny.test")).toMatchObject({
      kind: "service",
    });
    expect(parseClusterName("web.default.svc.cluster.local", "tiny.test")).toEqual({
      kind: "outside",
    });
    expect(matchZone("a.b.example", ["example", "b.example"])).toBe("b.example");
    expect(matchZone("xcluster.local", ["cluster.local"])).toBeUndefined();
  });
});

describe("endpointHostname and podLabelAddress", () => {
  it("names an endpoint by hostname, else by dashed address", () => {
    expect(endpointHostname("127.128.0.7", "db-0")).toBe("db-0");
    expect(endpointHostname("127.128.0.7", "")).toBe("127-128-0-7");
    expect(endpointHostname("fd00::7", undefined)).toBe("fd00--7");
  });

  it("reads three dashes as IPv4 and anything else as IPv6", () => {
    expect(podLabelAddress("127-128-0-5")).toBe("127.128.0.5");
    expect(podLabelAddress("fd00--5")).toBe("fd00::5");
    expect(podLabelAddress("1-2-3")).toBe("1:2:3");
  });
});
