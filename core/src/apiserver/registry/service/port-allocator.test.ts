import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EmbeddedStore } from "../../../store/index.ts";
import type { AllocationError } from "./errors.ts";
import { NODE_PORTS_KEY, PortAllocator } from "./port-allocator.ts";
import { PortAllocationOperation } from "./port-operation.ts";
import { PortRange } from "./port-range.ts";
import { fixedRandom } from "./testing.ts";

const refusal = async (promise: Promise<unknown>) => {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as AllocationError | undefined;
  if (!error) throw new Error("expected the allocator to refuse");
  return error.message;
};

describe("PortAllocator", () => {
  let store: EmbeddedStore;
  beforeEach(async () => {
    store = await EmbeddedStore.open({});
  });
  afterEach(async () => {
    await store.close();
  });

  const ports = (random?: (n: number) => number) =>
    new PortAllocator(PortRange.parse("30000-32767"), store, random ? { random } : {});

  it("takes a requested port once, and says why not", async () => {
    const allocator = ports();
    await allocator.allocate(30080);
    expect(await allocator.has(30080)).toBe(true);
    expect(await refusal(allocator.allocate(30080))).toBe("provided port is already allocated");
    expect(await refusal(allocator.allocate(29999))).toBe(
      "provided port is not in the valid range. The range of valid ports is 30000-32767",
    );
  });

  it("stores the bitmap as a RangeAllocation, readable by the next API server", async () => {
    await ports().allocate(30000);
    await ports().allocate(30007);
    const stored = JSON.parse((await store.get(NODE_PORTS_KEY))?.value ?? "{}");
    // Items 0 and 7: one byte, 0b10000001.
    expect(stored).toEqual({
      kind: "RangeAllocation",
      apiVersion: "v1",
      metadata: {},
      range: "30000-32767",
      data: Buffer.from([0x81]).toString("base64"),
    });
    expect(await ports().has(30007)).toBe(true);
  });

  it("draws from the dynamic band (30086 up) first, then from the static band", async () => {
    const allocator = ports(fixedRandom(0));
    expect(await allocator.allocateNext()).toBe(30086);
    expect(await allocator.allocateNext()).toBe(30087);
  });

  it("runs out with 'range is full'", async () => {
    const small = new PortAllocator(PortRange.parse("30000-30003"), store);
    const got = await Promise.all([1, 2, 3, 4].map(() => small.allocateNext()));
    expect(got.sort()).toEqual([30000, 30001, 30002, 30003]);
    expect(await refusal(small.allocateNext())).toBe("range is full");
  });

  it("gives concurrent callers distinct ports, and concurrent requests for one port one winner", async () => {
    const allocator = ports();
    const got = await Promise.all(Array.from({ length: 30 }, () => allocator.allocateNext()));
    expect(new Set(got).size).toBe(30);
    // 30001 is in the static band, which the dynamic allocations above never reach.
    const race = await Promise.allSettled(
      Array.from({ length: 5 }, () => allocator.allocate(30001)),
    );
    expect(race.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it("releases; releasing a free or out-of-range port is fine", async () => {
    const allocator = ports();
    await allocator.allocate(30080);
    await allocator.release(30080);
    await allocator.release(30080);
    await allocator.release(1);
    expect(await allocator.has(30080)).toBe(false);
  });
});

describe("PortAllocationOperation", () => {
  let store: EmbeddedStore;
  let allocator: PortAllocator;
  beforeEach(async () => {
    store = await EmbeddedStore.open({});
    allocator = new PortAllocator(PortRange.parse("30000-32767"), store);
  });
  afterEach(async () => {
    await store.close();
  });

  it("gives back what it took unless committed", async () => {
    const op = new PortAllocationOperation(allocator, "write");
    await op.allocate(30080);
    const any = await op.allocateNext();
    await op.finish();
    expect(await allocator.has(30080)).toBe(false);
    expect(await allocator.has(any)).toBe(false);
  });

  it("releases what it let go only on commit, and keeps what it took", async () => {
    await allocator.allocate(30001);
    const op = new PortAllocationOperation(allocator, "write");
    await op.allocate(30080);
    op.releaseLater(30001);
    expect(await allocator.has(30001)).toBe(true);
    await op.commit();
    await op.finish();
    expect(await allocator.has(30001)).toBe(false);
    expect(await allocator.has(30080)).toBe(true);
  });

  it("takes nothing on a dry run or a check, making up ports from 32769", async () => {
    await allocator.allocate(30080);
    const op = new PortAllocationOperation(allocator, "dry-run");
    expect(await op.allocateNext()).toBe(32769);
    expect(await op.allocateNext()).toBe(32770);
    expect(await refusal(op.allocate(30080))).toBe("provided port is already allocated");
    await op.allocate(30081);
    expect(await refusal(op.allocate(30081))).toBe("provided port is already allocated");
    await op.commit();
    expect(await allocator.has(30081)).toBe(false);
    // Kubernetes' dry run lets a port outside the range through; a check refuses it, as a write would.
    await op.allocate(40000);
    const check = new PortAllocationOperation(allocator, "check");
    expect(await refusal(check.allocate(40000))).toBe(
      "provided port is not in the valid range. The range of valid ports is 30000-32767",
    );
    expect(await refusal(check.allocate(30080))).toBe("provided port is already allocated");
  });
});
