import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { age, humanDuration, parseRFC3339, parseTime, shortHumanDuration } from "./age.ts";

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

describe("humanDuration", () => {
  it.each([
    [0, "0s"],
    [-1.5 * s, "0s"], // up to 2 s of clock skew reads as now
    [-2 * s, "<invalid>"],
    [59 * s, "59s"],
    [119.9 * s, "119s"], // truncates, never rounds up
    [2 * m, "2m"],
    [3 * m + 5 * s, "3m5s"],
    [9 * m + 59 * s, "9m59s"],
    [10 * m + 30 * s, "10m"],
    [179 * m, "179m"],
    [3 * h, "3h"],
    [3 * h + 20 * m, "3h20m"],
    [7 * h + 59 * m, "7h59m"],
    [8 * h + 30 * m, "8h"],
    [47 * h, "47h"],
    [2 * d, "2d"],
    [4 * d + 4 * h, "4d4h"],
    [7 * d + 23 * h, "7d23h"],
    [8 * d + 5 * h, "8d"],
    [729 * d, "729d"],
    [2 * y, "2y"],
    [2 * y + 70 * d, "2y70d"],
    [7 * y + 364 * d, "7y364d"],
    [8 * y + 100 * d, "8y"],
    [30 * y, "30y"],
  ])("%d ms is %s", (ms, text) => {
    expect(humanDuration(ms)).toBe(text);
  });

  const UNIT: Record<string, number> = { s, m, h, d, y };
  const printedValue = (text: string) =>
    [...text.matchAll(/(\d+)([smhdy])/g)].reduce(
      (sum, [, n, u]) => sum + Number(n) * (UNIT[u as string] ?? 0),
      0,
    );

  it("never overstates an age, and loses less than its smallest printed unit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 * y }), (ms) => {
        const text = humanDuration(ms);
        expect(text).toMatch(/^(\d+[smhdy]){1,2}$/);
        const smallest = UNIT[text.at(-1) as string] as number;
        const printed = printedValue(text);
        expect(printed).toBeLessThanOrEqual(ms);
        expect(ms - printed).toBeLessThan(smallest);
      }),
    );
  });
});

describe("shortHumanDuration", () => {
  it.each([
    [-3 * s, "<invalid>"],
    [-1 * s, "0s"],
    [59 * s, "59s"],
    [90 * s, "1m"],
    [59 * m, "59m"],
    [23 * h + 59 * m, "23h"],
    [364 * d, "364d"],
    [2 * y + 100 * d, "2y"],
  ])("%d ms is %s", (ms, text) => {
    expect(shortHumanDuration(ms)).toBe(text);
  });
});

describe("parseTime", () => {
  it("reads RFC 3339 with fractions and offsets", () => {
    expect(parseTime("2026-01-01T12:00:00Z")).toBe(Date.UTC(2026, 0, 1, 12));
    expect(parseTime("2026-01-01T12:00:00.123456Z")).toBeCloseTo(
      Date.UTC(2026, 0, 1, 12) + 123.456,
      6,
    );
    expect(parseTime("2026-01-01T14:30:00+02:30")).toBe(Date.UTC(2026, 0, 1, 12));
    expect(parseTime("2026-01-01T07:00:00-05:00")).toBe(Date.UTC(2026, 0, 1, 12));
  });

  it("treats unset and Go's zero time alike", () => {
    expect(parseTime(undefined)).toBeUndefined();
    expect(parseTime(null)).toBeUndefined();
    expect(parseTime("0001-01-01T00:00:00Z")).toBeUndefined();
    expect(parseRFC3339("0001-01-01T00:00:00Z")).toBeTypeOf("number");
  });

  it.each([
    "yesterday",
    "2026-01-01",
    "2026-13-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2026-01-01T24:00:00Z",
  ])("refuses %s", (text) => {
    expect(parseRFC3339(text)).toBeUndefined();
  });
});

describe("age", () => {
  const now = Date.UTC(2026, 0, 1, 12);
  it("is the time since the timestamp, or <unknown> without one", () => {
    expect(age("2026-01-01T11:55:00Z", now)).toBe("5m");
    expect(age(undefined, now)).toBe("<unknown>");
    expect(age("0001-01-01T00:00:00Z", now)).toBe("<unknown>");
  });
});
