import { describe, expect, it } from "vitest";
import { addressOfReverseName, canonicalIp, ipv6Bytes, ipv6Text, reverseName } from "./ip.ts";

describe("IPv6 text and bytes", () => {
  it.each([
    ["fd00::1", "fd00::1"],
    ["FD00:0:0:0:0:0:0:1", "fd00::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["::", "::"],
    ["::ffff:127.96.0.10", "::ffff:7f60:a"],
    ["1:0:1:1:1:1:1:1", "1:0:1:1:1:1:1:1"],
  ])("%s is written %s (RFC 5952)", (input, canonical) => {
    expect(ipv6Text(ipv6Bytes(input))).toBe(canonical);
    expect(canonicalIp(input)).toBe(canonical);
  });

  it("leaves IPv4 as it is and refuses what is not an address", () => {
    expect(canonicalIp("127.96.0.10")).toBe("127.96.0.10");
    expect(canonicalIp("127.96.0.010")).toBeUndefined();
    expect(canonicalIp("web")).toBeUndefined();
  });
});

describe("reverse names", () => {
  it("goes both ways for IPv4 and IPv6", () => {
    expect(reverseName("127.96.0.10")).toBe("10.0.96.127.in-addr.arpa");
    expect(addressOfReverseName("10.0.96.127.in-addr.arpa")).toBe("127.96.0.10");
    const v6 = reverseName("fd00::1");
    expect(v6).toBe(`1.${"0.".repeat(27)}0.0.d.f.ip6.arpa`);
    expect(addressOfReverseName(v6)).toBe("fd00::1");
  });

  it("names no address with too few labels or labels that are not octets or nibbles", () => {
    expect(addressOfReverseName("96.127.in-addr.arpa")).toBeUndefined();
    expect(addressOfReverseName("300.0.96.127.in-addr.arpa")).toBeUndefined();
    expect(addressOfReverseName("x.0.96.127.in-addr.arpa")).toBeUndefined();
    expect(addressOfReverseName("1.0.ip6.arpa")).toBeUndefined();
    expect(addressOfReverseName("example.org")).toBeUndefined();
  });
});
