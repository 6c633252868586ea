import { describe, expect, it } from "vitest";
import { runChapter } from "../src/chapter.ts";

/** The chapter runs against a real server with real timers: a few seconds, well under this. */
const TIMEOUT_MS = 30_000;

describe("chapter 3 shows what its page says", () => {
  it(
    "lists and watches, survives a 410, merges a burst into few reconciles, retries with back-off, hands leadership over",
    async () => {
      const lines: string[] = [];
      const facts = await runChapter((line) => lines.push(line));
      const text = lines.join("\n");
      const lineOf = (needle: string | RegExp) =>
        lines.findIndex((l) => (typeof needle === "string" ? l.includes(needle) : needle.test(l)));

      // 1. List with resourceVersion "0", then watch from the list's resourceVersion.
      const { firstList, firstWatch } = facts;
      expect(firstList.requested, "the first list may come from the watch cache").toBe("0");
      expect(firstList.count).toBe(3);
      expect(firstWatch.from, "the watch starts where the list ended").toBe(
        firstList.resourceVersion,
      );
      expect(firstWatch.allowWatchBookmarks).toBe(true);
      expect(Number(firstWatch.bookmark)).toBeGreaterThanOrEqual(Number(firstWatch.from));

      // 2. Events reach the handlers with the old and the new object; the index answers locally.
      const calls = facts.handlerCalls;
      expect(calls.slice(0, 3).map((c) => c.replace(/@\d+$/, ""))).toEqual([
        "add cart",
        "add catalog",
        "add search",
      ]);
      const cartUpdate = calls.find((c) => c.startsWith("update cart")) ?? "";
      const [, from, to] = /(\d+)->(\d+)/.exec(cartUpdate) ?? [];
      expect(Number(to), `${cartUpdate}: new resourceVersion after old`).toBeGreaterThan(
        Number(from),
      );
      expect(calls.some((c) => /^add checkout@\d+$/.test(c))).toBe(true);
      expect(
        calls.some((c) => /^delete search@\d+$/.test(c)),
        "a watched delete",
      ).toBe(true);
      expect(facts.index).toEqual({
        names: ["cart", "catalog", "checkout"],
        requestsDuringLookup: 0,
      });

      // 3. The reconnect is too late for the watch cache's window: 410, a re-list, a tombstone.
      const { gone, relist } = facts;
      expect(Number(gone.resumeFrom), "the resume point fell out of the window").toBeLessThan(
        gone.oldest,
      );
      expect(gone.message).toBe(`too old resource version: ${gone.resumeFrom} (${gone.oldest})`);
      // As client-go: the re-list asks for the last resourceVersion it had, "not older than",
      // which the watch cache answers with its current state.
      expect(relist).toMatchObject({ requested: gone.resumeFrom, consistent: false, count: 3 });
      expect(Number(relist.resourceVersion)).toBeGreaterThan(gone.oldest);
      expect(facts.tombstone?.key, "deleted while the watch was down").toBe("shop/checkout");
      expect(calls).toContain("delete shop/checkout (tombstone)");
      expect(
        calls.some((c) => /^add orders@\d+$/.test(c)),
        "created while down",
      ).toBe(true);
      expect(
        calls.some((c) => /^update catalog (\d+)->\1$/.test(c)),
        "an unchanged object is reported by the re-list too",
      ).toBe(true);
      const errorLine = lineOf(/received ERROR 410 Expired: too old resource version/);
      const relistLine = lineOf(`list: resourceVersion="${gone.resumeFrom}" (not older than this`);
      const tombstoneLine = lineOf("onDelete shop/checkout: a DeletedFinalStateUnknown tombstone");
      expect(errorLine).toBeGreaterThan(-1);
      expect(relistLine, "the re-list follows the 410").toBeGreaterThan(errorLine);
      expect(tombstoneLine, "the tombstone comes from the re-list").toBeGreaterThan(relistLine);

      // 4. One watch for every handler; keys, not events, are reconciled.
      expect(facts.sharing.before, "the informer holds one watch").toBe(facts.sharing.atStart + 1);
      expect(facts.sharing.after, "a second handler opens no second watch").toBe(
        facts.sharing.before,
      );
      const { burst } = facts;
      expect(burst.events, "every update reached the handler").toBe(burst.updates);
      expect(burst.reconciles, "the queue merged repeated keys").toBeLessThan(burst.events);
      expect(burst.reconciles).toBeGreaterThanOrEqual(Object.keys(burst.perKey).length);
      expect(burst.overlaps, "no key was held by two workers at once").toBe(0);
      expect(burst.copiesMatch, "the last reconcile of each key saw its last state").toBe(true);
      const perKey = Object.values(burst.perKey);
      expect(perKey.reduce((n, k) => n + k.events, 0)).toBe(burst.events);
      expect(perKey.reduce((n, k) => n + k.reconciles, 0)).toBe(burst.reconciles);

      const { retry } = facts;
      expect(retry.error).toBe(
        'configmaps "late" is forbidden: exceeded quota: copies, requested: configmaps=1, used: configmaps=3, limited: configmaps=3',
      );
      expect(retry.failures.length).toBeGreaterThanOrEqual(5);
      expect(
        retry.failures.slice(0, 5).map((f) => f.delayMs),
        "5 ms doubling",
      ).toEqual([5, 10, 20, 40, 80]);
      // Waits are measured with Date.now(), in whole milliseconds, and Node's timers may fire up
      // to a millisecond early by that measure: allow one.
      for (const [i, f] of retry.failures.entries()) {
        expect(f.waitedMs, `retry ${i + 1} came no earlier than its delay`).toBeGreaterThanOrEqual(
          f.delayMs - 1,
        );
      }
      expect(retry.succeeded).toBe(true);
      expect(retry.eventCount, "one Event per failure, counted on one object").toBe(
        retry.failures.length,
      );
      expect(text).toContain("[event recorder] 1 Event for shop/late");

      // 5. The leader is cut off, steps down after its renew deadline, and the other takes over
      // only after a lease duration: never two leaders.
      const { leader } = facts;
      expect(leader.firstStartedAt).toBeGreaterThanOrEqual(0);
      expect(leader.holder).toBe("cm-b");
      expect(leader.leaseTransitions).toBe(1);
      expect(leader.firstStoppedAt - leader.lastRenewalAt).toBeGreaterThanOrEqual(
        leader.renewDeadlineMs,
      );
      expect(leader.secondStartedAt, "cm-a stopped before cm-b started").toBeGreaterThan(
        leader.firstStoppedAt,
      );
      // cm-b's clock starts when it reads the renewal, which may be a moment before cm-a's
      // client hears that it was written: allow those few milliseconds.
      expect(leader.secondStartedAt - leader.lastRenewalAt).toBeGreaterThan(
        leader.leaseDurationMs - 50,
      );

      for (const component of [
        "[reflector]",
        "[informer]",
        "[indexer]",
        "[watch cache]",
        "[controller]",
        "[work queue]",
        "[worker ",
        "[rate limiter]",
        "[event recorder]",
        "[leader-election cm-a]",
        "[leader-election cm-b]",
      ]) {
        expect(text, `narration names ${component}`).toContain(component);
      }
    },
    TIMEOUT_MS,
  );
});
