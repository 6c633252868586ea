import { describe, expect, it } from "vitest";
import {
  isConfigMapKey,
  isFullyQualifiedDomainName,
  isRelaxedEnvVarName,
  isValidCIDR,
  isValidPercent,
  isValidPortName,
  nonSpecialIPErrors,
  parseIPSloppy,
} from "./formats.ts";

describe("format checks", () => {
  it.each([
    ["10.96.0.1", 4],
    ["010.001.0.1", 4],
    ["::1", 6],
    ["2001:db8::ffff", 6],
    ["::ffff:10.0.0.1", 4],
    ["fe80::1:2:3:4:5", 6],
    ["1:2:3:4:5:6:7:8", 6],
    ["256.0.0.1", undefined],
    ["1.2.3", undefined],
    ["1:2:3:4:5:6:7:8:9", undefined],
    ["1::2::3", undefined],
    ["", undefined],
  ])("parseIPSloppy(%j) is IPv%s", (ip, family) => {
    expect(parseIPSloppy(ip)?.family).toBe(family);
  });

  it("nonSpecialIPErrors allows loopback (tinykube's pod network) but not the unspecified or link-local addresses", () => {
    expect(nonSpecialIPErrors("127.128.0.5")).toEqual([]);
    expect(nonSpecialIPErrors("0.0.0.0")).toEqual(["may not be unspecified (0.0.0.0)"]);
    expect(nonSpecialIPErrors("fe80::1")).toEqual([
      "may not be in the link-local range (169.254.0.0/16, fe80::/10)",
    ]);
    expect(nonSpecialIPErrors("224.0.0.251")).toEqual([
      "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
    ]);
  });

  it("port names: IANA service names", () => {
    expect(isValidPortName("http")).toEqual([]);
    expect(isValidPortName("-web--ui-")).toEqual([
      "must not contain consecutive hyphens",
      "must not begin or end with a hyphen",
    ]);
    expect(isValidPortName("a-very-long-port-name")).toEqual([
      "must be no more than 15 characters",
    ]);
  });

  it("config keys, env names, percentages, CIDRs, domains", () => {
    expect(isConfigMapKey("..data")).toEqual(["must not start with '..'"]);
    expect(isRelaxedEnvVarName("1-ok.name")).toEqual([]);
    expect(isRelaxedEnvVarName("é")).toHaveLength(1);
    expect(isValidPercent("25%")).toEqual([]);
    expect(isValidPercent("25")).toHaveLength(1);
    expect(isValidCIDR("10.0.0.0/8")).toEqual([]);
    expect(isValidCIDR("10.0.0.0/33")).toHaveLength(1);
    expect(isFullyQualifiedDomainName("db.example.com.")).toEqual([]);
    expect(isFullyQualifiedDomainName("localhost")).toEqual([
      "should be a domain with at least two segments separated by dots",
    ]);
  });
});
