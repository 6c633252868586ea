import { describe, expect, it } from "vitest";
import { Backoff } from "./backoff.ts";

describe("the container restart back-off", () => {
  it("lets the first restart go at once, then waits 10 s, 20 s, 40 s ... up to 300 s", () => {
    const b = new Backoff();
    expect(b.remaining("c", 2_000, 2_000)).toBe(0);
    b.next("c", 2_000);
    expect(b.remaining("c", 4_000, 4_000)).toBe(10_000);
    expect(b.remaining("c", 4_000, 14_000)).toBe(0);
    b.next("c", 4_000);
    expect(b.remaining("c", 16_000, 16_000)).toBe(20_000);
    for (let i = 0; i < 10; i++) b.next("c", 16_000);
    expect(b.current("c")).toBe(300_000);
  });

  it("starts over for a key untouched for twice the maximum", () => {
    const b = new Backoff();
    b.next("c", 0);
    b.next("c", 1_000);
    expect(b.current("c")).toBe(20_000);
    expect(b.remaining("c", 700_000, 700_000)).toBe(0);
    b.next("c", 700_000);
    expect(b.current("c")).toBe(10_000);
  });
});

describe("Backoff.inBackOffSinceUpdate (image pulls)", () => {
  it("counts from the last failure: 10 s after the first, then 20 s after the second", () => {
    const b = new Backoff();
    expect(b.inBackOffSinceUpdate("pull", 0), "never failed").toBe(0);
    b.next("pull", 1_000);
    expect(b.inBackOffSinceUpdate("pull", 2_000)).toBe(9_000);
    expect(b.inBackOffSinceUpdate("pull", 11_000), "the 10 s are over").toBe(0);
    b.next("pull", 11_000);
    expect(b.inBackOffSinceUpdate("pull", 12_000)).toBe(19_000);
  });
});
