import { describe, expect, it } from "vitest";
import { formatIPv4, parseIPv4, ServiceIPRange, staticBandSize } from "./ip-range.ts";

describe("ServiceIPRange", () => {
  it("splits 127.96.0.0/12 into a 256-address static band and the dynamic rest", () => {
    const range = ServiceIPRange.parse("127.96.0.0/12");
    expect(range.cidr).toBe("127.96.0.0/12");
    expect(formatIPv4(range.first)).toBe("127.96.0.1");
    expect(formatIPv4(range.offset)).toBe("127.96.1.1");
    expect(formatIPv4(range.last)).toBe("127.111.255.254");
    expect(range.size).toBe(2 ** 20 - 2);
  });

  it.each([
    // [CIDR size, static band]: 1/16 of the CIDR, at least 16, at most 256; none at 16 or fewer.
    [2 ** 20, 256],
    [4096, 256],
    [2048, 128],
    [256, 16],
    [32, 16],
    [16, 0],
    [8, 0],
  ])("a CIDR of %i addresses keeps %i for static assignment", (size, band) => {
    expect(staticBandSize(size)).toBe(band);
  });

  it("never hands out the network or broadcast address, but knows they are inside", () => {
    const range = ServiceIPRange.parse("127.96.0.0/29");
    const at = (ip: string) => parseIPv4(ip) as number;
    expect(range.contains(at("127.96.0.0"))).toBe(true);
    expect(range.usable(at("127.96.0.0"))).toBe(false);
    expect(range.usable(at("127.96.0.6"))).toBe(true);
    expect(range.usable(at("127.96.0.7"))).toBe(false);
    expect(range.contains(at("127.96.0.8"))).toBe(false);
    expect(range.offset).toBe(range.first);
  });

  it("refuses what is not an IPv4 CIDR, and says what it expected", () => {
    expect(() => ServiceIPRange.parse("fd00::/108")).toThrow(
      'service cluster IP range must be an IPv4 CIDR of at most /30 (e.g. 127.96.0.0/12), got "fd00::/108"',
    );
    expect(() => ServiceIPRange.parse("127.96.0.1/12")).toThrow(
      'service cluster IP range "127.96.0.1/12" has host bits set; did you mean 127.96.0.0/12?',
    );
  });

  it("reads and writes dotted quads", () => {
    expect(parseIPv4("127.96.0.10")).toBe(0x7f60000a);
    expect(formatIPv4(0x7f60000a)).toBe("127.96.0.10");
    expect(parseIPv4("127.96.0")).toBeUndefined();
    expect(parseIPv4("127.96.0.256")).toBeUndefined();
  });
});
