import { describe, expect, it } from "vitest";
import { PortRange, staticPortBandSize } from "./port-range.ts";

describe("PortRange", () => {
  it("reads the default range and keeps 86 ports for static assignment", () => {
    const range = PortRange.parse("30000-32767");
    expect(range.base).toBe(30000);
    expect(range.size).toBe(2768);
    expect(range.staticBand).toBe(86);
    expect(range.toString()).toBe("30000-32767");
    expect(range.contains(30000)).toBe(true);
    expect(range.contains(32767)).toBe(true);
    expect(range.contains(32768)).toBe(false);
  });

  it.each([
    [2768, 86],
    [100_000, 128],
    [100, 16],
    [16, 0],
  ])("a range of %i ports keeps %i static", (size, band) => {
    expect(staticPortBandSize(size)).toBe(band);
  });

  it("refuses a range that is backwards or outside 1-65535", () => {
    expect(() => PortRange.parse("32767-30000")).toThrow(
      'service node port range must be "<low>-<high>" within 1-65535 (e.g. 30000-32767), got "32767-30000"',
    );
    expect(() => PortRange.parse("0-100")).toThrow("within 1-65535");
  });
});
