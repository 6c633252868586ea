/**
 * The contract of the userspace proxy's endpoint choice (EndpointSelector), run against the
 * core's RoundRobinBalancer (round-robin.test.ts) and fit for a reader's in a lab. Time is a
 * FakeClock; the shuffle's randomness is injected, and "keep order" (random() just below 1 makes
 * Fisher–Yates swap nothing) makes the turns predictable: a, b, c, a, ...
 */
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../util/clock.ts";
import type { EndpointSelector, RoundRobinOptions } from "./round-robin.ts";

export type MakeSelector = (options: RoundRobinOptions) => EndpointSelector;

const KEEP_ORDER = () => 0.999_999;
const A = "10.0.0.1:80";
const B = "10.0.0.2:80";
const C = "10.0.0.3:80";

export function describeEndpointSelectorContract(name: string, make: MakeSelector): void {
  const setup = (affinity: "None" | "ClientIP" = "None", ttlSeconds = 0) => {
    const clock = new FakeClock();
    const selector = make({ clock, random: KEEP_ORDER });
    selector.setAffinity("web", affinity, ttlSeconds);
    selector.setEndpoints("web", [A, B, C]);
    return {
      clock,
      selector,
      next: (ip = "1.1.1.1", reset = false) => selector.nextEndpoint("web", ip, reset),
    };
  };

  describe(`${name}: round-robin`, () => {
    it("takes the endpoints in turn: 3 endpoints, 6 connections → a b c a b c", () => {
      const { next } = setup();
      expect([next(), next(), next(), next(), next(), next()]).toEqual([A, B, C, A, B, C]);
    });

    it("has nothing for a key without endpoints, or a key never set", () => {
      const { selector } = setup();
      selector.setEndpoints("web", []);
      expect(selector.nextEndpoint("web", "1.1.1.1", false)).toBeUndefined();
      expect(selector.hasEndpoints("web")).toBe(false);
      expect(selector.nextEndpoint("nope", "1.1.1.1", false)).toBeUndefined();
    });

    it("keeps its turn when given the same set again, in any order", () => {
      const { selector, next } = setup();
      next();
      selector.setEndpoints("web", [C, A, B]);
      expect(next()).toBe(B);
    });

    it("starts the turns over when the set changes", () => {
      const { selector, next } = setup();
      next();
      next();
      selector.setEndpoints("web", [A, B]);
      expect([next(), next(), next()]).toEqual([A, B, A]);
    });

    it("forgets a deleted key", () => {
      const { selector } = setup();
      selector.deleteService("web");
      expect(selector.nextEndpoint("web", "1.1.1.1", false)).toBeUndefined();
    });
  });

  describe(`${name}: ClientIP affinity`, () => {
    it("sends a client back to its endpoint while other clients take turns", () => {
      const { next } = setup("ClientIP", 10);
      expect([
        next("1.1.1.1"),
        next("2.2.2.2"),
        next("1.1.1.1"),
        next("3.3.3.3"),
        next("2.2.2.2"),
      ]).toEqual([A, B, A, C, B]);
    });

    it("sticks for less than timeoutSeconds in whole seconds: 9.999 s yes, 10.000 s no", () => {
      const { clock, next } = setup("ClientIP", 10);
      expect(next("1.1.1.1")).toBe(A);
      clock.advance(9_999);
      expect(next("1.1.1.1")).toBe(A);
      // Each use refreshes the timer: 9.999 s after the last use is still in time.
      clock.advance(9_999);
      expect(next("1.1.1.1")).toBe(A);
      clock.advance(10_000);
      expect(next("1.1.1.1")).toBe(B);
    });

    it("on reset (the endpoint refused) takes the next turn and sticks to that instead", () => {
      const { next } = setup("ClientIP", 10);
      expect(next("1.1.1.1")).toBe(A);
      expect(next("1.1.1.1", true)).toBe(B);
      expect(next("1.1.1.1")).toBe(B);
    });

    it("moves a client whose endpoint left the set", () => {
      const { selector, next } = setup("ClientIP", 10);
      expect(next("1.1.1.1")).toBe(A);
      selector.setEndpoints("web", [B, C]);
      expect(next("1.1.1.1")).toBe(B);
      expect(next("1.1.1.1")).toBe(B);
    });

    it("keeps affinity records of endpoints that stay when the set changes", () => {
      const { selector, next } = setup("ClientIP", 10);
      expect(next("1.1.1.1")).toBe(A);
      selector.setEndpoints("web", [A, B]);
      expect(next("1.1.1.1")).toBe(A);
    });

    it("cleans up records older than the timeout", () => {
      const { clock, selector, next } = setup("ClientIP", 10);
      next("1.1.1.1");
      next("2.2.2.2");
      clock.advance(5_000);
      next("2.2.2.2");
      clock.advance(5_000);
      expect(selector.cleanupStaleStickySessions()).toBe(1);
    });

    it("without affinity ignores the client", () => {
      const { next } = setup("None");
      expect([next("1.1.1.1"), next("1.1.1.1")]).toEqual([A, B]);
    });
  });
}
