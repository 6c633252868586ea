import { describe, expect, it } from "vitest";
import {
  backoffDuration,
  DEFAULT_POD_INITIAL_BACKOFF_MS,
  DEFAULT_POD_MAX_BACKOFF_MS,
} from "./backoff.ts";

describe("backoffDuration", () => {
  it("is 1, 2, 4, 8, 10, 10 s for attempts 1 to 6 with the defaults", () => {
    const seconds = [1, 2, 3, 4, 5, 6].map(
      (attempts) =>
        backoffDuration(attempts, DEFAULT_POD_INITIAL_BACKOFF_MS, DEFAULT_POD_MAX_BACKOFF_MS) /
        1000,
    );
    expect(seconds).toEqual([1, 2, 4, 8, 10, 10]);
  });

  it("is the initial backoff before any attempt", () => {
    expect(backoffDuration(0, 1000, 10_000)).toBe(1000);
  });

  it("follows configured values and stays at the cap for many attempts", () => {
    expect(backoffDuration(3, 500, 3000)).toBe(2000);
    expect(backoffDuration(4, 500, 3000)).toBe(3000);
    expect(backoffDuration(1_000, 500, 3000)).toBe(3000);
  });
});
