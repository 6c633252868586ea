import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EndpointAddress, EndpointPort } from "../../api/types.ts";
import { canonical, type EndpointSubset, repackSubsets } from "./repack.ts";

const addr = (name: string, ip: string): EndpointAddress => ({
  ip,
  targetRef: { kind: "Pod", namespace: "default", name, uid: `uid-${name}` },
});
const a = addr("a", "127.128.1.1");
const b = addr("b", "127.128.1.2");
const c = addr("c", "127.128.1.3");
const http = (port: number): EndpointPort => ({ name: "http", port, protocol: "TCP" });
const metrics: EndpointPort = { name: "metrics", port: 9100, protocol: "TCP" };
const one = (
  address: EndpointAddress,
  port: EndpointPort | undefined,
  ready = true,
): EndpointSubset => ({
  ...(ready ? { addresses: [address] } : { notReadyAddresses: [address] }),
  ...(port ? { ports: [port] } : {}),
});

describe("repackSubsets", () => {
  it("follows the module comment's example", () => {
    const packed = repackSubsets([
      one(a, http(8080)),
      one(a, metrics),
      one(b, http(8080), false),
      one(b, metrics, false),
      one(c, http(9090)),
      one(c, metrics),
    ]);
    expect(packed).toHaveLength(3);
    expect(packed).toContainEqual({ addresses: [a], notReadyAddresses: [b], ports: [http(8080)] });
    expect(packed).toContainEqual({ addresses: [a, c], notReadyAddresses: [b], ports: [metrics] });
    expect(packed).toContainEqual({ addresses: [c], ports: [http(9090)] });
  });

  it("addresses with the same ports share one subset, sorted by IP", () => {
    expect(repackSubsets([one(c, http(80)), one(a, http(80)), one(b, http(80), false)])).toEqual([
      { addresses: [a, c], notReadyAddresses: [b], ports: [http(80)] },
    ]);
  });

  it("not ready for a port once is not ready for it", () => {
    expect(repackSubsets([one(a, http(80)), one(a, http(80), false)])).toEqual([
      { notReadyAddresses: [a], ports: [http(80)] },
    ]);
  });

  it("keeps portless addresses (a headless Service without ports)", () => {
    expect(repackSubsets([one(b, undefined), one(a, undefined, false)])).toEqual([
      { addresses: [b], notReadyAddresses: [a] },
    ]);
  });

  it("the same contents give the same subsets, whatever their order", () => {
    const pieces = [
      one(a, http(8080)),
      one(b, metrics, false),
      one(c, http(9090)),
      one(a, metrics),
      one(c, metrics),
    ];
    fc.assert(
      fc.property(fc.shuffledSubarray(pieces, { minLength: pieces.length }), (shuffled) => {
        expect(canonical(repackSubsets(shuffled))).toBe(canonical(repackSubsets(pieces)));
      }),
    );
  });
});
