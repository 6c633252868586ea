import { describe, expect, it } from "vitest";
import type { EndpointAddress, Endpoints } from "../../api/types.ts";
import type { EndpointSubset } from "./repack.ts";
import {
  capacityAnnotationSetCorrectly,
  OVER_CAPACITY_ANNOTATION,
  truncateSubsets,
} from "./truncate.ts";

const addresses = (n: number, prefix: string): EndpointAddress[] =>
  Array.from({ length: n }, (_, i) => ({ ip: `127.${prefix}.${i >> 8}.${i & 255}` }));
const subset = (ready: number, notReady: number, tag: string): EndpointSubset => ({
  addresses: addresses(ready, `${tag}1`),
  notReadyAddresses: addresses(notReady, `${tag}2`),
  ports: [{ port: 80 }],
});
const sizes = (subsets: EndpointSubset[] | undefined) =>
  (subsets ?? []).map((s) => [s.addresses?.length ?? 0, s.notReadyAddresses?.length ?? 0]);

describe("truncateSubsets", () => {
  it("leaves 1000 addresses alone", () => {
    expect(truncateSubsets([subset(600, 400, "1")])).toBeUndefined();
  });

  it("follows the module comment's example: 600, 500 and 100 ready → 500, 417, 83", () => {
    const cut = truncateSubsets([subset(600, 10, "1"), subset(500, 0, "2"), subset(100, 5, "3")]);
    expect(sizes(cut)).toEqual([
      [500, 0],
      [417, 0],
      [83, 0],
    ]);
    expect(cut?.[0]?.notReadyAddresses).toBeUndefined();
  });

  it("700 ready and 500 not ready: the ready stay, the not-ready share 300", () => {
    const cut = truncateSubsets([subset(400, 250, "1"), subset(300, 250, "2")]);
    expect(sizes(cut)).toEqual([
      [400, 150],
      [300, 150],
    ]);
  });
});

describe("capacityAnnotationSetCorrectly", () => {
  const endpoints = (subsets: EndpointSubset[], annotated: boolean): Endpoints => ({
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: {
      name: "web",
      ...(annotated ? { annotations: { [OVER_CAPACITY_ANNOTATION]: "truncated" } } : {}),
    },
    subsets,
  });

  it("wrong when over capacity, or marked though it fits", () => {
    expect(capacityAnnotationSetCorrectly(endpoints([subset(1001, 0, "1")], true))).toBe(false);
    expect(capacityAnnotationSetCorrectly(endpoints([subset(10, 0, "1")], true))).toBe(false);
    expect(capacityAnnotationSetCorrectly(endpoints([subset(10, 0, "1")], false))).toBe(true);
  });
});
