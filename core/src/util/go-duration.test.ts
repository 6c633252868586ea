import { describe, expect, it } from "vitest";
import { formatGoDuration, parseGoDuration } from "./go-duration.ts";

describe("parseGoDuration reads durations as Go's time.ParseDuration", () => {
  for (const [text, ms] of [
    ["15s", 15_000],
    ["500ms", 500],
    ["1.5s", 1_500],
    ["1m30s", 90_000],
    ["2h45m", 9_900_000],
    ["0", 0],
    ["-2s", -2_000],
    [".5s", 500],
    ["1000us", 1],
  ] as const) {
    it(`${text} → ${ms} ms`, () => expect(parseGoDuration(text)).toBe(ms));
  }
  it("refuses a number without a unit, and garbage, in Go's words", () => {
    expect(() => parseGoDuration("15")).toThrow('time: missing unit in duration "15"');
    expect(() => parseGoDuration("15 s")).toThrow('time: invalid duration "15 s"');
    expect(() => parseGoDuration("")).toThrow('time: invalid duration ""');
    expect(() => parseGoDuration("1d")).toThrow('time: invalid duration "1d"');
  });
});

describe("formatGoDuration writes durations as Go's time.Duration.String()", () => {
  for (const [ms, want] of [
    [0, "0s"],
    [250, "250ms"],
    [1000, "1s"],
    [1500, "1.5s"],
    [10_000, "10s"],
    [90_000, "1m30s"],
    [60_000, "1m0s"],
    [3_600_000, "1h0m0s"],
    [15 * 60_000, "15m0s"],
  ] as const) {
    it(`${ms} ms → ${want}`, () => expect(formatGoDuration(ms)).toBe(want));
  }
  it("round-trips what it writes", () => {
    for (const ms of [1, 999, 1_000, 61_500, 7_384_000]) {
      expect(parseGoDuration(formatGoDuration(ms))).toBe(ms);
    }
  });
});
