import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../api/object.ts";
import { ago, cellsOf, columnNames } from "../testing.ts";
import { formatEndpoints, loadBalancerAddresses } from "./service.ts";

function service(spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "default", creationTimestamp: ago("5h") },
    spec,
    status,
  };
}

describe("service", () => {
  it("has Kubernetes' columns", () => {
    expect(columnNames("/Service")).toEqual([
      "Name",
      "Type",
      "Cluster-IP",
      "External-IP",
      "Port(s)",
      "Age",
      "Selector",
    ]);
  });

  it.each<[string, KubeObject, string[]]>([
    [
      "ClusterIP",
      service({
        type: "ClusterIP",
        clusterIP: "127.96.0.1",
        clusterIPs: ["127.96.0.1"],
        ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }],
      }),
      ["web", "ClusterIP", "127.96.0.1", "<none>", "443/TCP", "5h", "<none>"],
    ],
    [
      "ClusterIP with external IPs and two ports",
      service({
        type: "ClusterIP",
        clusterIPs: ["127.96.0.20"],
        externalIPs: ["192.0.2.10", "192.0.2.11"],
        ports: [
          { port: 53, protocol: "UDP" },
          { port: 53, protocol: "TCP" },
        ],
        selector: { "k8s-app": "kube-dns", tier: "dns" },
      }),
      [
        "web",
        "ClusterIP",
        "127.96.0.20",
        "192.0.2.10,192.0.2.11",
        "53/UDP,53/TCP",
        "5h",
        "k8s-app=kube-dns,tier=dns",
      ],
    ],
    [
      "headless",
      service({
        type: "ClusterIP",
        clusterIP: "None",
        clusterIPs: ["None"],
        selector: { app: "db" },
      }),
      ["web", "ClusterIP", "None", "<none>", "<none>", "5h", "app=db"],
    ],
    [
      "NodePort",
      service({
        type: "NodePort",
        clusterIPs: ["127.96.0.30"],
        ports: [{ port: 80, nodePort: 30080, protocol: "TCP" }],
      }),
      ["web", "NodePort", "127.96.0.30", "<none>", "80:30080/TCP", "5h", "<none>"],
    ],
    [
      "LoadBalancer not provisioned yet",
      service({
        type: "LoadBalancer",
        clusterIPs: ["127.96.0.40"],
        ports: [{ port: 80, nodePort: 31000, protocol: "TCP" }],
      }),
      ["web", "LoadBalancer", "127.96.0.40", "<pending>", "80:31000/TCP", "5h", "<none>"],
    ],
    [
      "LoadBalancer with addresses (sorted, unique) and external IPs after them",
      service(
        {
          type: "LoadBalancer",
          clusterIPs: ["127.96.0.40"],
          externalIPs: ["192.0.2.99"],
          ports: [{ port: 80, protocol: "TCP" }],
        },
        {
          loadBalancer: {
            ingress: [{ ip: "203.0.113.9" }, { hostname: "lb.example.com" }, { ip: "203.0.113.9" }],
          },
        },
      ),
      [
        "web",
        "LoadBalancer",
        "127.96.0.40",
        "203.0.113.9,lb.example.com,192.0.2.99",
        "80/TCP",
        "5h",
        "<none>",
      ],
    ],
    [
      "ExternalName",
      service({ type: "ExternalName", externalName: "db.example.com" }),
      ["web", "ExternalName", "<none>", "db.example.com", "<none>", "5h", "<none>"],
    ],
    [
      "stored without the defaults the API server fills in",
      service({ clusterIP: "127.96.0.50", ports: [{ port: 8080 }] }),
      ["web", "ClusterIP", "127.96.0.50", "<none>", "8080/TCP", "5h", "<none>"],
    ],
  ])("%s", (_, svc, cells) => {
    expect(cellsOf("/Service", svc)).toEqual(cells);
  });

  it("clips long load balancer addresses only without -o wide", () => {
    const ingress = [{ hostname: "a-very-long-load-balancer.example.com" }];
    expect(loadBalancerAddresses(ingress, true)).toBe("a-very-long-load-balancer.example.com");
    expect(loadBalancerAddresses(ingress, false)).toBe("a-very-long-l...");
    expect(
      cellsOf("/Service", service({ type: "LoadBalancer" }, { loadBalancer: { ingress } }), {
        wide: false,
      }),
    ).toEqual(["web", "LoadBalancer", "<none>", "a-very-long-l...", "<none>", "5h"]);
  });
});

describe("endpoints", () => {
  const endpoints = (subsets: unknown[] | undefined): KubeObject => ({
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: "web", creationTimestamp: ago("90s") },
    ...(subsets ? { subsets } : {}),
  });
  const addresses = (...ips: string[]) => ips.map((ip) => ({ ip }));

  it("has Kubernetes' columns", () => {
    expect(columnNames("/Endpoints")).toEqual(["Name", "Endpoints", "Age"]);
  });

  it.each<[string, unknown[] | undefined, string]>([
    ["no subsets", undefined, "<none>"],
    [
      "one port",
      [{ addresses: addresses("10.0.0.1", "10.0.0.2"), ports: [{ port: 80 }] }],
      "10.0.0.1:80,10.0.0.2:80",
    ],
    [
      "more than three",
      [
        {
          addresses: addresses("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"),
          ports: [{ port: 80 }],
        },
      ],
      "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...",
    ],
    [
      "every address for every port, counted together",
      [
        {
          addresses: addresses("10.0.0.1", "10.0.0.2"),
          ports: [
            { name: "http", port: 80 },
            { name: "https", port: 443 },
          ],
        },
      ],
      "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...",
    ],
    [
      "headless without ports",
      [{ addresses: addresses("10.0.0.1", "10.0.0.2") }],
      "10.0.0.1,10.0.0.2",
    ],
    ["IPv6", [{ addresses: addresses("fd00::1"), ports: [{ port: 80 }] }], "[fd00::1]:80"],
    [
      "only not-ready addresses",
      [{ notReadyAddresses: addresses("10.0.0.1"), ports: [{ port: 80 }] }],
      "",
    ],
  ])("%s", (_, subsets, text) => {
    expect(cellsOf("/Endpoints", endpoints(subsets))).toEqual(["web", text, "90s"]);
  });

  it("formatEndpoints is exported for describe-style use", () => {
    expect(formatEndpoints([])).toBe("<none>");
  });
});

describe("endpoint slices", () => {
  const slice = (ports: unknown[] | undefined, endpoints: unknown[] | undefined): KubeObject => ({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "web-abc12", creationTimestamp: ago("5m") },
    addressType: "IPv4",
    ...(ports ? { ports } : {}),
    ...(endpoints ? { endpoints } : {}),
  });

  it("has Kubernetes' columns", () => {
    expect(columnNames("discovery.k8s.io/EndpointSlice")).toEqual([
      "Name",
      "AddressType",
      "Ports",
      "Endpoints",
      "Age",
    ]);
  });

  it.each<[string, unknown[] | undefined, unknown[] | undefined, string, string]>([
    ["empty", undefined, undefined, "<unset>", "<unset>"],
    [
      "ports and addresses",
      [
        { name: "http", port: 80, protocol: "TCP" },
        { name: "https", port: 443 },
      ],
      [{ addresses: ["10.0.0.1"] }, { addresses: ["10.0.0.2"] }],
      "80,443",
      "10.0.0.1,10.0.0.2",
    ],
    [
      "a port without a number shows its name, or *",
      [{ name: "http" }, {}],
      undefined,
      "http,*",
      "<unset>",
    ],
    [
      "more than three",
      [{ port: 1 }, { port: 2 }, { port: 3 }, { port: 4 }],
      [
        { addresses: ["10.0.0.1", "10.0.0.2"] },
        { addresses: ["10.0.0.3", "10.0.0.4", "10.0.0.5"] },
      ],
      "1,2,3 + 1 more...",
      "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...",
    ],
  ])("%s", (_, ports, endpoints, portsText, endpointsText) => {
    expect(cellsOf("discovery.k8s.io/EndpointSlice", slice(ports, endpoints))).toEqual([
      "web-abc12",
      "IPv4",
      portsText,
      endpointsText,
      "5m",
    ]);
  });
});
