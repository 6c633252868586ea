import { describe, expect, it } from "vitest";
import { probability } from "./probability.ts";

describe("probability", () => {
  it("prints 1/n with ten decimals, as Go's %0.10f", () => {
    expect([2, 3, 4, 7, 1000].map(probability)).toEqual([
      "0.5000000000",
      "0.3333333333",
      "0.2500000000",
      "0.1428571429",
      "0.0010000000",
    ]);
  });

  it("rounds an exact tie to even as Go does: 1/2048 = 0.00048828125", () => {
    expect((1 / 2048).toFixed(10)).toBe("0.0004882813");
    expect(probability(2048)).toBe("0.0004882812");
    // 1/4096 = 0.000244140625 is below the half: no tie.
    expect(probability(4096)).toBe("0.0002441406");
  });

  it("splits traffic evenly: rule i of n matches 1/(n-i) of what reaches it", () => {
    const n = 5;
    let remaining = 1;
    const shares: number[] = [];
    for (let i = 0; i < n - 1; i++) {
      const p = Number(probability(n - i));
      shares.push(remaining * p);
      remaining -= remaining * p;
    }
    shares.push(remaining);
    for (const share of shares) expect(share).toBeCloseTo(1 / n, 9);
  });
});
