import { describe, expect, it } from "vitest";
import { asksToClose, connectionTokens, HOP_BY_HOP } from "./hop-by-hop.ts";

describe("connectionTokens", () => {
  it.each<[string | undefined, string[] | undefined]>([
    [undefined, undefined],
    ["", undefined],
    ["keep-alive", undefined],
    ["close", undefined],
    ["Keep-Alive, X-Trace , close", ["x-trace"]],
    ["x-a,,X-B", ["x-a", "x-b"]],
  ])("%j → %j", (value, expected) => {
    const tokens = connectionTokens(value);
    expect(tokens ? [...tokens] : undefined).toEqual(expected);
  });
});

describe("asksToClose", () => {
  it.each<[string, boolean]>([
    ["keep-alive", false],
    ["Keep-Alive", false],
    ["close", true],
    ["Close", true],
    ["upgrade, close", true],
    ["x-closed", false],
  ])("%j → %j", (value, expected) => {
    expect(asksToClose(value)).toBe(expected);
  });
});

it("knows RFC 9110's connection options and httpoxy's Proxy", () => {
  for (const name of ["connection", "keep-alive", "te", "transfer-encoding", "upgrade", "proxy"])
    expect(HOP_BY_HOP.has(name)).toBe(true);
  expect(HOP_BY_HOP.has("content-length")).toBe(false);
});
