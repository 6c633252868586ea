/**
 * The contract of the basic work queue (WorkQueue), run against the core's Queue (queue.test.ts)
 * and against the reader's in Lab 3. Each case follows the trace at the top of queue.ts; its name
 * says what is expected, and a failure repeats it.
 */
import { describe, expect, it } from "vitest";
import { peekSettled as peek } from "../../util/peek.ts";
import type { WorkQueue } from "./queue.ts";

/** What a promise has resolved to so far, without waiting (util/peek.ts). */
export { peek };

/**
 * Marks a promise as looked after, so that an implementation that rejects fails the case through
 * the assertion that awaits it, not as an unhandled rejection of the whole run.
 */
function watched<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** Gets `n` items, each of which must be ready now. */
async function getNow(q: WorkQueue<string>, n: number, what: string): Promise<string[]> {
  const items: string[] = [];
  for (let i = 0; i < n; i++) {
    const got = await peek(q.get());
    expect(got, `${what}: get() number ${i + 1} should return an item at once`).not.toBe("pending");
    if (got !== "pending") items.push(got.value as string);
  }
  return items;
}

export function describeWorkQueueContract(name: string, make: () => WorkQueue<string>): void {
  describe(`work queue: ${name}`, () => {
    it("hands items out in the order they were added (FIFO)", async () => {
      const q = make();
      for (const item of ["a", "b", "c"]) q.add(item);
      expect(q.len(), "len() after adding a, b, c").toBe(3);
      expect(await getNow(q, 3, "after adding a, b, c"), "the order of get()").toEqual([
        "a",
        "b",
        "c",
      ]);
      expect(q.len(), "len() once all three are handed out").toBe(0);
    });

    it("de-duplicates: an item added twice before get() is handed out once, in its first place", async () => {
      const q = make();
      for (const item of ["a", "b", "a", "a"]) q.add(item);
      expect(q.len(), "len() after adding a, b, a, a: a is waiting already").toBe(2);
      expect(await getNow(q, 2, "after adding a, b, a, a"), "the order of get()").toEqual([
        "a",
        "b",
      ]);
      expect(await peek(q.get()), "a third get(): nothing is left").toBe("pending");
    });

    it("get() waits for an item, and resolves when one is added", async () => {
      const q = make();
      const waiting = q.get();
      expect(await peek(waiting), "get() on an empty queue waits").toBe("pending");
      q.add("a");
      expect(await peek(waiting), "the waiting get() after add(a)").toEqual({ value: "a" });
    });

    it("a waiting get() whose item a quicker get() took keeps waiting: it does not say stop", async () => {
      const q = make();
      const first = watched(q.get());
      expect(await peek(first), "get() on an empty queue").toBe("pending");
      q.add("a");
      const second = watched(q.get()); // called before the first caller has had its turn
      const results = [await peek(first), await peek(second)];
      expect(
        results.filter((r) => r === "pending").length,
        `after add(a) with two get() calls (got ${JSON.stringify(results)}): one gets a, the other waits, as the queue is not shut down`,
      ).toBe(1);
      q.add("b");
      const all = [await peek(first), await peek(second)];
      expect(all, "after add(b): the caller that was still waiting gets b").toContainEqual({
        value: "b",
      });
      expect(all, "after add(b)").toContainEqual({ value: "a" });
    });

    it("an item added while it is processed is not handed out again until done()", async () => {
      const q = make();
      q.add("a");
      await getNow(q, 1, "after add(a)");
      q.add("a");
      expect(q.len(), "len() after add(a) while a is processed: a must not be queued yet").toBe(0);
      const second = q.get();
      expect(await peek(second), "a second worker's get() while a is processed").toBe("pending");
      q.done("a");
      expect(await peek(second), "after done(a): a was added meanwhile, so it comes back").toEqual({
        value: "a",
      });
    });

    it("an item not added while processed is gone after done()", async () => {
      const q = make();
      q.add("a");
      await getNow(q, 1, "after add(a)");
      q.done("a");
      expect(q.len(), "len() after get(a), done(a)").toBe(0);
      q.add("a");
      expect(q.len(), "len() after adding a again: a new change is queued").toBe(1);
    });

    it("adds during processing collapse into one more round, queued behind waiting items", async () => {
      const q = make();
      q.add("a");
      await getNow(q, 1, "after add(a)");
      q.add("a");
      q.add("b");
      q.add("a");
      q.done("a");
      expect(q.len(), "len(): b, then a once").toBe(2);
      expect(await getNow(q, 2, "after done(a)"), "order: b was queued before a came back").toEqual(
        ["b", "a"],
      );
    });

    it("several workers never hold the same item at once, and every add is handled after it", async () => {
      const q = make();
      const held = new Set<string>();
      const overlaps: string[] = [];
      const log: string[] = [];
      const lastAdd = new Map<string, number>();
      const lastStart = new Map<string, number>();
      const tick = () => new Promise((resolve) => setImmediate(resolve));
      let runaway = false;
      const worker = async () => {
        for (let item = await q.get(); item !== undefined; item = await q.get()) {
          if (log.length > 1000) {
            runaway = true; // 40 adds cannot need this many rounds: stop instead of spinning
            q.shutDown();
            return;
          }
          if (held.has(item)) overlaps.push(item);
          held.add(item);
          lastStart.set(item, log.push(`start ${item}`));
          for (let i = 0; i < item.charCodeAt(0) % 3; i++) await tick();
          held.delete(item);
          q.done(item);
        }
      };
      const workers = [worker(), worker(), worker(), worker()].map(watched);
      for (let round = 0; round < 40; round++) {
        const item = "abcde"[(round * 7) % 5] as string;
        q.add(item);
        lastAdd.set(item, log.push(`add ${item}`));
        if (round % 3 === 0) await tick();
      }
      const drained = watched(q.shutDownWithDrain());
      await Promise.all(workers);
      await drained;
      expect(runaway, "after 40 adds, items kept coming back without being added again").toBe(
        false,
      );
      expect(overlaps, "items two workers held at the same time").toEqual([]);
      for (const [item, added] of lastAdd) {
        expect(
          lastStart.get(item) ?? 0,
          `${item} was last added at step ${added}: a worker must start on it after that`,
        ).toBeGreaterThan(added);
      }
    });

    it("shutDown: add() is ignored, queued items are still handed out, then get() says stop", async () => {
      const q = make();
      q.add("a");
      expect(q.shuttingDown(), "shuttingDown() before shutDown()").toBe(false);
      q.shutDown();
      expect(q.shuttingDown(), "shuttingDown() after shutDown()").toBe(true);
      q.add("b");
      expect(q.len(), "len() after add(b) following shutDown(): b is ignored").toBe(1);
      expect(await peek(q.get()), "get() after shutDown() with a still queued").toEqual({
        value: "a",
      });
      expect(await peek(q.get()), "get() after shutDown() on an empty queue").toEqual({
        value: undefined,
      });
    });

    it("shutDown wakes every worker waiting in get() with undefined", async () => {
      const q = make();
      const waiting = [q.get(), q.get(), q.get()].map(watched);
      expect(await peek(waiting[0] as Promise<unknown>), "get() on an empty queue").toBe("pending");
      q.shutDown();
      for (const [i, w] of waiting.entries()) {
        expect(await peek(w), `waiting get() number ${i + 1} after shutDown()`).toEqual({
          value: undefined,
        });
      }
    });

    it("shutDownWithDrain resolves once every item being processed is done", async () => {
      const q = make();
      q.add("a");
      q.add("b");
      await getNow(q, 2, "after adding a, b");
      const drained = q.shutDownWithDrain();
      expect(q.shuttingDown(), "shuttingDown() during the drain").toBe(true);
      expect(await peek(drained), "shutDownWithDrain while a and b are processed").toBe("pending");
      q.done("a");
      expect(await peek(drained), "shutDownWithDrain after done(a), b still processed").toBe(
        "pending",
      );
      q.done("b");
      expect(await peek(drained), "shutDownWithDrain after done(b)").toEqual({
        value: undefined,
      });
      expect(await peek(make().shutDownWithDrain()), "draining an idle queue").toEqual({
        value: undefined,
      });
    });

    it("shutDown during a drain ends the wait at once", async () => {
      const q = make();
      q.add("a");
      await getNow(q, 1, "after add(a)");
      const drained = q.shutDownWithDrain();
      expect(await peek(drained), "shutDownWithDrain while a is processed").toBe("pending");
      q.shutDown();
      expect(await peek(drained), "shutDownWithDrain after shutDown()").toEqual({
        value: undefined,
      });
    });
  });
}
