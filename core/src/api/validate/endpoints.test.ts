import { describe, expect, it } from "vitest";
import type { KubeObject } from "../object.ts";
import { createErrors, edited, type Json, updateErrors } from "./testing.ts";

const endpoints: KubeObject = {
  apiVersion: "v1",
  kind: "Endpoints",
  metadata: { name: "web", namespace: "default" },
  subsets: [{ addresses: [{ ip: "127.128.1.5", nodeName: "node-1" }], ports: [{ port: 8080 }] }],
};

const slice: KubeObject = {
  apiVersion: "discovery.k8s.io/v1",
  kind: "EndpointSlice",
  metadata: { name: "web-abc12", namespace: "default" },
  addressType: "IPv4",
  endpoints: [{ addresses: ["127.128.1.5"], conditions: { ready: true } }],
  ports: [{ name: "http", port: 8080 }],
};

describe("Endpoints validation", () => {
  it("accepts tinykube's loopback pod addresses", () => {
    expect(createErrors(endpoints)).toEqual([]);
  });

  it.each<[string, (e: Json) => void, string[]]>([
    [
      "a subset without addresses",
      (e) => (e.subsets[0].addresses = []),
      ["subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`"],
    ],
    [
      "an address that is not an IP",
      (e) => (e.subsets[0].addresses[0].ip = "web-1"),
      [
        'subsets[0].addresses[0].ip: Invalid value: "web-1": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        'subsets[0].addresses[0].ip: Invalid value: "web-1": must be a valid IP address',
      ],
    ],
    [
      "a link-local address",
      (e) => (e.subsets[0].addresses[0].ip = "169.254.169.254"),
      [
        'subsets[0].addresses[0].ip: Invalid value: "169.254.169.254": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
      ],
    ],
    [
      "two ports, one unnamed",
      (e) => e.subsets[0].ports.push({ name: "metrics", port: 9090 }),
      ["subsets[0].ports[0].name: Required value"],
    ],
  ])("rejects %s", (_, edit, expected) => {
    expect(createErrors(edited(endpoints, edit))).toEqual(expected);
  });
});

describe("EndpointSlice validation", () => {
  it("accepts a valid slice", () => {
    expect(createErrors(slice)).toEqual([]);
  });

  it.each<[string, (s: Json) => void, string[]]>([
    ["no address type", (s) => delete s.addressType, ["addressType: Required value"]],
    [
      "an unknown address type",
      (s) => (s.addressType = "IP"),
      ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"'],
    ],
    [
      "an endpoint without addresses",
      (s) => (s.endpoints[0].addresses = []),
      ["endpoints[0].addresses: Required value: must contain at least 1 address"],
    ],
    [
      "an IPv6 address in an IPv4 slice",
      (s) => (s.endpoints[0].addresses = ["fd00::1"]),
      ['endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address'],
    ],
    [
      "two ports with one name",
      (s) => s.ports.push({ name: "http", port: 8081 }),
      ['ports[1].name: Duplicate value: "http"'],
    ],
  ])("rejects %s", (_, edit, expected) => {
    expect(createErrors(edited(slice, edit))).toEqual(expected);
  });

  it("the address type never changes", () => {
    const next = edited(slice, (s) => {
      s.addressType = "FQDN";
      s.endpoints[0].addresses = ["web.example.com"];
    });
    expect(updateErrors(next, slice)).toEqual([
      'addressType: Invalid value: "FQDN": field is immutable',
    ]);
  });
});
