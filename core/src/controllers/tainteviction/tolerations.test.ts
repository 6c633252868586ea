import { describe, expect, it } from "vitest";
import type { Taint, Toleration } from "../../api/types.ts";
import { matchingTolerations, minTolerationMs, noExecuteTaints } from "./tolerations.ts";

const unreachable: Taint = { key: "node.kubernetes.io/unreachable", effect: "NoExecute" };
const maintenance: Taint = { key: "example.com/maintenance", value: "yes", effect: "NoExecute" };
const tolerate = (key: string | undefined, seconds?: number): Toleration => ({
  ...(key ? { key } : {}),
  operator: "Exists",
  effect: "NoExecute",
  ...(seconds === undefined ? {} : { tolerationSeconds: seconds }),
});

describe("noExecuteTaints", () => {
  it("keeps only NoExecute taints", () => {
    const noSchedule: Taint = { key: "node.kubernetes.io/unreachable", effect: "NoSchedule" };
    expect(noExecuteTaints([noSchedule, unreachable])).toEqual([unreachable]);
    expect(noExecuteTaints(undefined)).toEqual([]);
  });
});

describe("matchingTolerations", () => {
  it("is false when a taint has no matching toleration", () => {
    expect(
      matchingTolerations([unreachable, maintenance], [tolerate(unreachable.key, 300)]),
    ).toEqual({ allTolerated: false });
    expect(matchingTolerations([unreachable], [])).toEqual({ allTolerated: false });
  });

  it("uses each taint's first matching toleration", () => {
    const t300 = tolerate(unreachable.key, 300);
    const anyNoExecute = tolerate(undefined);
    expect(matchingTolerations([unreachable, maintenance], [t300, anyNoExecute])).toEqual({
      allTolerated: true,
      used: [t300, anyNoExecute],
    });
  });

  it("tolerates everything when there are no taints", () => {
    expect(matchingTolerations([], [])).toEqual({ allTolerated: true, used: [] });
  });
});

describe("minTolerationMs", () => {
  it("is the smallest tolerationSeconds, in ms", () => {
    expect(minTolerationMs([tolerate("a", 300), tolerate("b", 30), tolerate("c")])).toBe(30_000);
  });

  it("is Infinity when no used toleration sets tolerationSeconds", () => {
    expect(minTolerationMs([tolerate("a"), tolerate("b")])).toBe(Number.POSITIVE_INFINITY);
  });

  it("is 0 for a zero or negative tolerationSeconds, and for no tolerations", () => {
    expect(minTolerationMs([tolerate("a", 300), tolerate("b", 0)])).toBe(0);
    expect(minTolerationMs([tolerate("a", -5)])).toBe(0);
    expect(minTolerationMs([])).toBe(0);
  });
});
