import { describe, expect, it } from "vitest";
import { AllocationBitmap } from "./bitmap.ts";

describe("AllocationBitmap", () => {
  it("stores items as big-endian bytes without leading zeros (the doc's trace)", () => {
    const bitmap = new AllocationBitmap(8);
    expect([...bitmap.toBytes()]).toEqual([]);
    bitmap.set(0);
    bitmap.set(3);
    expect([...bitmap.toBytes()]).toEqual([0x09]);
    bitmap.set(7);
    expect([...bitmap.toBytes()]).toEqual([0x89]);
    bitmap.clear(7);
    expect([...bitmap.toBytes()]).toEqual([0x09]);
    expect(bitmap.items()).toEqual([0, 3]);
  });

  it("reads back what it wrote, past one byte", () => {
    const bitmap = new AllocationBitmap(2768);
    for (const item of [0, 85, 86, 2767]) bitmap.set(item);
    const again = AllocationBitmap.fromBytes(2768, bitmap.toBytes());
    expect(again.items()).toEqual([0, 85, 86, 2767]);
    expect(again.count()).toBe(4);
  });

  it("finds free items in the upper band from a random start, wrapping, then in the lower", () => {
    const bitmap = new AllocationBitmap(10);
    // Upper band 4..9; a "random" start of 4 means item 8, then 9, then 4.
    expect(bitmap.freeItem(4, () => 4)).toBe(8);
    for (const item of [8, 9]) bitmap.set(item);
    expect(bitmap.freeItem(4, () => 4)).toBe(4);
    for (const item of [4, 5, 6, 7]) bitmap.set(item);
    expect(bitmap.freeItem(4, () => 1)).toBe(1);
    for (const item of [0, 1, 2, 3]) bitmap.set(item);
    expect(bitmap.freeItem(4, () => 0)).toBeUndefined();
  });
});
