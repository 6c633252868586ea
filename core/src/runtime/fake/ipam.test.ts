import { describe, expect, it } from "vitest";
import { CriError } from "../cri.ts";
import { PodAddressAllocator } from "./ipam.ts";

describe("PodAddressAllocator", () => {
  it("follows the worked example: .2 first, round robin past released addresses", () => {
    const pool = new PodAddressAllocator("10.244.1.0/24");
    expect(pool.capacity(), "a /24 less network, gateway and broadcast").toBe(253);
    expect(pool.allocate(), "first").toBe("10.244.1.2");
    expect(pool.allocate(), "second").toBe("10.244.1.3");
    pool.release("10.244.1.2");
    expect(pool.allocate(), "after releasing .2: the next after the last, not .2").toBe(
      "10.244.1.4",
    );
  });

  it("wraps after the last address and skips those in use", () => {
    const pool = new PodAddressAllocator("10.0.0.0/29"); // .2 … .6
    const got = Array.from({ length: 5 }, () => pool.allocate());
    expect(got).toEqual(["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"]);
    pool.release("10.0.0.4");
    expect(pool.allocate(), "the only free one, found by wrapping").toBe("10.0.0.4");
  });

  it("fails with host-local's message when the range is full", () => {
    const pool = new PodAddressAllocator("10.0.0.0/30"); // .2 only
    pool.allocate();
    expect(() => pool.allocate()).toThrow(
      "no IP addresses available in range set: 10.0.0.1-10.0.0.2",
    );
  });

  it("takes the network of a CIDR given with host bits set", () => {
    expect(new PodAddressAllocator("10.244.1.77/24").allocate()).toBe("10.244.1.2");
  });

  it("rejects what is not an IPv4 CIDR with room for pods, as InvalidArgument", () => {
    for (const cidr of ["10.244.1.0", "fd00::/64", "10.244.1.0/31", "10.244.300.0/24", "x/24"]) {
      let error: unknown;
      try {
        new PodAddressAllocator(cidr);
      } catch (e) {
        error = e;
      }
      expect(error, `new PodAddressAllocator(${JSON.stringify(cidr)})`).toBeInstanceOf(CriError);
      expect((error as CriError).code, `code for ${cidr}`).toBe("InvalidArgument");
    }
  });

  it("reserve() marks an address in use, only inside the pool and only once", () => {
    const pool = new PodAddressAllocator("10.0.0.0/29");
    expect(pool.reserve("10.0.0.2"), "a free address in the pool").toBe(true);
    expect(pool.reserve("10.0.0.2"), "again").toBe(false);
    expect(pool.reserve("10.0.0.1"), "the gateway").toBe(false);
    expect(pool.reserve("10.0.1.2"), "outside").toBe(false);
    expect(pool.allocate(), "allocation skips the reserved one").toBe("10.0.0.3");
    expect(pool.inUse()).toBe(2);
  });
});
