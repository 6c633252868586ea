import { describe, expect, it } from "vitest";
import { CidrSet, CidrSetError } from "./cidr-set.ts";

/** The reason a CidrSetError carries, and its message, or a failure if nothing was thrown. */
function failure(run: () => unknown): { reason: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof CidrSetError) return { reason: error.reason, message: error.message };
    throw error;
  }
  throw new Error("expected a CidrSetError");
}

const EXHAUSTED =
  "CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range";

describe("CidrSet", () => {
  it("cuts tinykube's pod network into 32,768 /24s, handed out in order", () => {
    const set = new CidrSet("127.128.0.0/9", 24);
    expect(set.maxCIDRs).toBe(32_768);
    expect([set.allocateNext(), set.allocateNext(), set.allocateNext()]).toEqual([
      "127.128.0.0/24",
      "127.128.1.0/24",
      "127.128.2.0/24",
    ]);
    expect(set.allocated).toBe(3);
  });

  it("computes range 300 as the worked example in its comment does", () => {
    const set = new CidrSet("127.128.0.0/9", 24);
    set.occupy("127.128.0.0/16"); // ranges 0..255
    set.occupy("127.129.0.0/19"); // ranges 256..287
    set.occupy("127.129.32.0/21"); // ranges 288..295
    set.occupy("127.129.40.0/22"); // ranges 296..299
    expect(set.allocated).toBe(300);
    expect(set.allocateNext()).toBe("127.129.44.0/24");
  });

  it("reaches the last range, 127.128.0.0 + 32,767 × 256 = 127.255.255.0", () => {
    const set = new CidrSet("127.128.0.0/9", 24);
    set.occupy("127.128.0.0/9");
    expect(set.allocated).toBe(32_768);
    set.release("127.255.255.0/24");
    expect(set.allocateNext()).toBe("127.255.255.0/24");
  });

  it("follows the trace in its comment: round robin, occupy, release, wrap, exhaustion", () => {
    const set = new CidrSet("127.128.0.0/22", 24);
    expect(set.allocateNext()).toBe("127.128.0.0/24");
    expect(set.allocateNext()).toBe("127.128.1.0/24");
    set.occupy("127.128.2.0/24");
    set.release("127.128.0.0/24");
    expect(set.allocated).toBe(2);
    // The search goes on from where it was, not back to the range just freed.
    expect(set.allocateNext()).toBe("127.128.3.0/24");
    expect(set.allocateNext()).toBe("127.128.0.0/24");
    expect(set.allocated).toBe(4);
    expect(failure(() => set.allocateNext())).toEqual({ reason: "Exhausted", message: EXHAUSTED });
  });

  it.each<[string, string, number]>([
    ["a node range", "127.128.1.0/24", 1],
    ["a node range written with host bits", "127.128.1.77/24", 1],
    ["a larger CIDR: every node range it covers", "127.128.0.0/23", 2],
    ["a smaller CIDR: the node range that holds it", "127.128.3.128/25", 1],
    ["a CIDR larger than the cluster's: everything", "127.0.0.0/8", 4],
  ])("occupies %s", (_, cidr, count) => {
    const set = new CidrSet("127.128.0.0/22", 24);
    set.occupy(cidr);
    expect(set.allocated).toBe(count);
    set.occupy(cidr); // idempotent
    expect(set.allocated).toBe(count);
    set.release(cidr);
    expect(set.allocated).toBe(0);
    set.release(cidr); // idempotent
    expect(set.allocated).toBe(0);
  });

  it("never hands out an occupied range", () => {
    const set = new CidrSet("127.128.0.0/22", 24);
    set.occupy("127.128.1.0/24");
    expect([set.allocateNext(), set.allocateNext(), set.allocateNext()]).toEqual([
      "127.128.0.0/24",
      "127.128.2.0/24",
      "127.128.3.0/24",
    ]);
    expect(failure(() => set.allocateNext()).reason).toBe("Exhausted");
  });

  it("hands out a released range again once the search comes round", () => {
    const set = new CidrSet("127.128.0.0/23", 24);
    set.allocateNext();
    set.allocateNext();
    expect(failure(() => set.allocateNext()).reason).toBe("Exhausted");
    set.release("127.128.0.0/24");
    expect(set.allocateNext()).toBe("127.128.0.0/24");
  });

  it.each<[string, () => unknown, { reason: string; message: string }]>([
    [
      "a CIDR outside the cluster CIDR",
      () => new CidrSet("127.128.0.0/22", 24).occupy("10.244.1.0/24"),
      {
        reason: "OutOfRange",
        message: "cidr 10.244.1.0/24 is out the range of cluster cidr 127.128.0.0/22",
      },
    ],
    [
      "a release outside the cluster CIDR",
      () => new CidrSet("127.128.0.0/22", 24).release("127.128.4.0/24"),
      {
        reason: "OutOfRange",
        message: "cidr 127.128.4.0/24 is out the range of cluster cidr 127.128.0.0/22",
      },
    ],
    [
      "something that is not a CIDR",
      () => new CidrSet("127.128.0.0/22", 24).occupy("127.128.1.0"),
      { reason: "InvalidCIDR", message: "invalid CIDR address: 127.128.1.0" },
    ],
    [
      "an IPv6 CIDR",
      () => new CidrSet("fd00::/48", 64),
      {
        reason: "InvalidCIDR",
        message: `tinykube's node IPAM handles IPv4 CIDRs only (prefix 0 to 32); got "fd00::/48"`,
      },
    ],
    [
      "node ranges larger than the cluster CIDR",
      () => new CidrSet("127.128.0.0/25", 24),
      {
        reason: "InvalidMaskSize",
        message:
          "invalid --cluster-cidr, mask size of cluster CIDR must be less than or equal to --node-cidr-mask-size configured for CIDR family (cluster CIDR 127.128.0.0/25, node mask size 24)",
      },
    ],
  ])("refuses %s", (_, run, expected) => {
    expect(failure(run)).toEqual(expected);
  });

  it("normalises the cluster CIDR to its network", () => {
    expect(new CidrSet("127.130.5.9/9", 24).clusterCIDR).toBe("127.128.0.0/9");
  });
});
