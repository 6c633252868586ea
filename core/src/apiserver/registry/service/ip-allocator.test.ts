import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AllocationError } from "./errors.ts";
import { IPAllocator } from "./ip-allocator.ts";
import { ServiceIPRange } from "./ip-range.ts";
import { fixedRandom, type IPAddressFixture, ipAddressFixture } from "./testing.ts";

const web = { namespace: "default", name: "web" };

const refusal = async (promise: Promise<unknown>) => {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as AllocationError | undefined;
  if (!error) throw new Error("expected the allocator to refuse");
  return { reason: error.reason, message: error.message };
};

describe("IPAllocator", () => {
  let f: IPAddressFixture;
  beforeEach(async () => {
    f = await ipAddressFixture();
  });
  afterEach(async () => {
    await f.close();
  });

  const allocator = (cidr: string, random?: (n: number) => number) =>
    new IPAllocator(ServiceIPRange.parse(cidr), f.addresses, random ? { random } : {});

  it("allocates a requested address by creating its IPAddress, once", async () => {
    const ips = allocator("127.96.0.0/12");
    await ips.allocate("127.96.0.10", web);
    const held = await f.registry.get(undefined, "127.96.0.10");
    expect(held.spec).toEqual({
      parentRef: { resource: "services", namespace: "default", name: "web" },
    });
    expect(await refusal(ips.allocate("127.96.0.10", { namespace: "x", name: "y" }))).toEqual({
      reason: "Allocated",
      message: "provided IP is already allocated",
    });
  });

  it("says why an address outside the usable range cannot be had", async () => {
    const ips = allocator("127.96.0.0/12");
    expect(await refusal(ips.allocate("10.96.0.1", web))).toEqual({
      reason: "MismatchedNetwork",
      message: "the provided network does not match the current range",
    });
    expect(await refusal(ips.allocate("127.111.255.255", web))).toEqual({
      reason: "NotInRange",
      message:
        "the provided IP (127.111.255.255) is not in the valid range. The range of valid IPs is 127.96.0.0/12",
    });
  });

  it("draws from the dynamic band from a random start, then from the static band", async () => {
    // /27: static .1-.16, dynamic .17-.30 (14 addresses); start 8 of 14 is .25.
    const ips = allocator("127.96.0.0/27", fixedRandom(8));
    expect(await ips.allocateNext(web)).toBe("127.96.0.25");
    expect(await ips.allocateNext(web)).toBe("127.96.0.26");
    for (let i = 0; i < 12; i++) await ips.allocateNext(web);
    // Dynamic band full: start 8 of the 16 static addresses is .9.
    expect(await ips.allocateNext(web)).toBe("127.96.0.9");
  });

  it("runs out with 'range is full'", async () => {
    const ips = allocator("127.96.0.0/29");
    const got = new Set<string>();
    for (let i = 0; i < 6; i++) got.add(await ips.allocateNext(web));
    expect(got.size).toBe(6);
    expect(await refusal(ips.allocateNext(web))).toEqual({
      reason: "Full",
      message: "range is full",
    });
  });

  it("moves on when a create loses to one its cache had not seen", async () => {
    await allocator("127.96.0.0/27").allocate("127.96.0.25", web);
    const blind = { ...f.addresses, cached: () => undefined };
    const ips = new IPAllocator(ServiceIPRange.parse("127.96.0.0/27"), blind, {
      random: fixedRandom(8),
    });
    expect(await ips.allocateNext(web)).toBe("127.96.0.26");
  });

  it("gives concurrent callers distinct addresses", async () => {
    const ips = allocator("127.96.0.0/26");
    const got = await Promise.all(Array.from({ length: 40 }, () => ips.allocateNext(web)));
    expect(new Set(got).size).toBe(40);
  });

  it("releases by deleting the IPAddress; releasing what is not held is fine", async () => {
    const ips = allocator("127.96.0.0/12");
    await ips.allocate("127.96.0.10", web);
    await ips.release("127.96.0.10");
    await ips.release("127.96.0.10");
    await ips.release("10.0.0.1");
    await ips.allocate("127.96.0.10", web);
  });

  it("checks a requested address as allocate would, reading the store, taking nothing", async () => {
    const ips = allocator("127.96.0.0/12");
    await ips.allocate("127.96.0.10", web);
    const check = ips.check();
    expect(await refusal(check.allocate("127.96.0.10", web))).toMatchObject({
      reason: "Allocated",
    });
    expect(await refusal(check.allocate("10.0.0.1", web))).toMatchObject({
      reason: "MismatchedNetwork",
    });
    await check.allocate("127.96.0.11", web);
    expect((await f.registry.list(undefined)).items).toHaveLength(1);
  });

  it("takes nothing on a dry run", async () => {
    const ips = allocator("127.96.0.0/12");
    await ips.allocate("127.96.0.10", web);
    const dry = ips.dryRun();
    expect(await dry.allocateNext(web)).toBe("127.96.0.0");
    // A dry run checks the range only, not whether the address is free.
    await dry.allocate("127.96.0.10", web);
    expect(await refusal(dry.allocate("10.0.0.1", web))).toMatchObject({ reason: "NotInRange" });
    expect((await f.registry.list(undefined)).items.map((i) => i.metadata.name)).toEqual([
      "127.96.0.10",
    ]);
  });
});
