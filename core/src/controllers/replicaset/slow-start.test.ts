import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BURST_REPLICAS, replicaDiff, slowStartBatches } from "./slow-start.ts";

describe("slowStartBatches", () => {
  it("follows the module comment's trace: 10 pods in batches 1, 2, 4, 3", () => {
    expect([...slowStartBatches(10)]).toEqual([1, 2, 4, 3]);
  });

  it("yields nothing for 0, and honours another initial batch size", () => {
    expect([...slowStartBatches(0)]).toEqual([]);
    expect([...slowStartBatches(20, 5)]).toEqual([5, 10, 5]);
  });

  it("lets the caller stop at the first failed batch", () => {
    const sent: number[] = [];
    for (const batch of slowStartBatches(100)) {
      sent.push(batch);
      if (batch === 4) break; // a call in the third batch failed
    }
    expect(sent).toEqual([1, 2, 4]);
  });

  it("always sums to count, each batch at most double the last", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), (count) => {
        const batches = [...slowStartBatches(count)];
        expect(batches.reduce((a, b) => a + b, 0)).toBe(count);
        batches.forEach((b, i) => {
          expect(b).toBeGreaterThan(0);
          if (i > 0) expect(b).toBeLessThanOrEqual(2 * (batches[i - 1] ?? 0));
        });
        expect(batches.length).toBeLessThanOrEqual(Math.ceil(Math.log2(count + 1)));
      }),
    );
  });
});

describe("replicaDiff", () => {
  it("creates or deletes the difference, at most the burst of 500 per sync", () => {
    expect(BURST_REPLICAS).toBe(500);
    expect(replicaDiff(100, 1200)).toEqual({ action: "create", count: 500 });
    expect(replicaDiff(3, 5)).toEqual({ action: "create", count: 2 });
    expect(replicaDiff(900, 0)).toEqual({ action: "delete", count: 500 });
    expect(replicaDiff(7, 5)).toEqual({ action: "delete", count: 2 });
    expect(replicaDiff(5, 5)).toEqual({ action: "none" });
    expect(replicaDiff(0, 10, 3)).toEqual({ action: "create", count: 3 });
  });
});
