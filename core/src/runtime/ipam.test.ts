import { describe, expect, it } from "vitest";
import { CriError } from "./cri.ts";
import {
  candidates,
  formatIpv4,
  HostLocalIpam,
  hostLocalRange,
  MemoryIpamStore,
  parseIpv4,
} from "./ipam.ts";

const ip = (dotted: string): number => {
  const n = parseIpv4(dotted);
  if (n === undefined) throw new Error(`bad test address ${dotted}`);
  return n;
};

describe("hostLocalRange", () => {
  it.each([
    ["127.128.1.0/24", "127.128.1.0/24", "127.128.1.1", "127.128.1.254"],
    ["127.128.1.77/24", "127.128.1.0/24", "127.128.1.1", "127.128.1.254"],
    ["10.244.0.0/16", "10.244.0.0/16", "10.244.0.1", "10.244.255.254"],
    ["127.128.0.0/30", "127.128.0.0/30", "127.128.0.1", "127.128.0.2"],
    ["127.128.2.128/25", "127.128.2.128/25", "127.128.2.129", "127.128.2.254"],
  ])("%s → subnet %s, range %s-%s, gateway = range start", (cidr, subnet, start, end) => {
    const range = hostLocalRange(cidr);
    expect(range.subnet).toBe(subnet);
    expect(formatIpv4(range.rangeStart)).toBe(start);
    expect(formatIpv4(range.rangeEnd)).toBe(end);
    expect(range.gateway).toBe(range.rangeStart);
  });

  it.each([
    ["127.128.1.0/31", /too small to allocate from/],
    ["127.128.1.0/32", /too small to allocate from/],
    ["127.128.1.0", /not an IPv4 CIDR/],
    ["127.128.1.300/24", /not an IPv4 CIDR/],
    ["127.128.1.0/33", /not an IPv4 CIDR/],
    ["fd00::/64", /not an IPv4 CIDR/],
  ])("refuses %s", (cidr, message) => {
    expect(() => hostLocalRange(cidr)).toThrow(message);
    expect(() => hostLocalRange(cidr)).toThrow(CriError);
  });
});

describe("candidates", () => {
  const range = hostLocalRange("127.128.1.0/29"); // .1 (gateway) to .6
  const order = (last?: string) =>
    [...candidates(range, last === undefined ? undefined : ip(last))].map(formatIpv4);

  it.each([
    [undefined, [".2", ".3", ".4", ".5", ".6"]],
    ["127.128.1.2", [".3", ".4", ".5", ".6", ".2"]],
    ["127.128.1.5", [".6", ".2", ".3", ".4", ".5"]],
    ["127.128.1.6", [".2", ".3", ".4", ".5", ".6"]],
    // Outside the range (the podCIDR changed): start over from the range's start.
    ["127.128.9.9", [".2", ".3", ".4", ".5", ".6"]],
  ])("after last reserved %s: %j, never the gateway", (last, expected) => {
    expect(order(last)).toEqual(expected.map((suffix) => `127.128.1${suffix}`));
  });

  it("a /24 offers 253 addresses, .2 to .254", () => {
    const all = [...candidates(hostLocalRange("127.128.1.0/24"))];
    expect(all).toHaveLength(253);
    expect(formatIpv4(all[0] ?? 0)).toBe("127.128.1.2");
    expect(formatIpv4(all.at(-1) ?? 0)).toBe("127.128.1.254");
  });
});

describe("HostLocalIpam", () => {
  it("hands out addresses round robin and never one address twice", async () => {
    const ipam = new HostLocalIpam(new MemoryIpamStore());
    const a = await ipam.allocate("127.128.1.0/24", "sandbox-a");
    const b = await ipam.allocate("127.128.1.0/24", "sandbox-b");
    expect([a, b]).toEqual(["127.128.1.2", "127.128.1.3"]);
    await ipam.release("sandbox-a");
    // .2 is free again, but round robin goes on from .3.
    expect(await ipam.allocate("127.128.1.0/24", "sandbox-c")).toBe("127.128.1.4");
  });

  it("wraps around to addresses given back once the end of the range is reached", async () => {
    const store = new MemoryIpamStore();
    const ipam = new HostLocalIpam(store);
    const cidr = "127.128.1.0/29"; // .2 to .6
    for (const owner of ["a", "b", "c", "d", "e"]) await ipam.allocate(cidr, owner);
    await ipam.release("b");
    expect(await ipam.allocate(cidr, "f")).toBe("127.128.1.3");
    expect([...(await store.holdings()).entries()].sort()).toEqual([
      ["127.128.1.2", "a"],
      ["127.128.1.3", "f"],
      ["127.128.1.4", "c"],
      ["127.128.1.5", "d"],
      ["127.128.1.6", "e"],
    ]);
  });

  it("a full range fails with host-local's message", async () => {
    const ipam = new HostLocalIpam(new MemoryIpamStore());
    const cidr = "127.128.1.0/30"; // only .2
    await ipam.allocate(cidr, "a");
    const failure = ipam.allocate(cidr, "b");
    await expect(failure).rejects.toThrow(
      "no IP addresses available in range set: 127.128.1.1-127.128.1.2 (pod CIDR 127.128.1.0/30: all 1 addresses are held by sandboxes)",
    );
    await expect(ipam.allocate(cidr, "b")).rejects.toMatchObject({ code: "Unknown" });
  });

  it("releasing an owner that holds nothing is fine", async () => {
    const ipam = new HostLocalIpam(new MemoryIpamStore());
    await expect(ipam.release("nobody")).resolves.toBeUndefined();
  });
});

describe("parseIpv4 / formatIpv4", () => {
  it.each([
    ["0.0.0.0", 0],
    ["127.128.1.2", 2139095298],
    ["255.255.255.255", 4294967295],
  ])("%s ↔ %d", (dotted, n) => {
    expect(parseIpv4(dotted)).toBe(n);
    expect(formatIpv4(n)).toBe(dotted);
  });

  it.each(["1.2.3", "1.2.3.256", "1.2.3.-1", "a.b.c.d", "1.2.3.4.5", ""])(
    "%j is no address",
    (s) => {
      expect(parseIpv4(s)).toBeUndefined();
    },
  );
});
