import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Queue } from "./queue.ts";
import { describeWorkQueueContract, peek } from "./workqueue.cases.ts";

describeWorkQueueContract("Queue", () => new Queue());

describe("Queue, beyond the contract", () => {
  it("done() after shutDown still queues an item added while it was processed", async () => {
    // client-go's Done does not look at shuttingDown: the change is handed out before get() stops.
    const q = new Queue();
    q.add("a");
    await q.get();
    q.add("a");
    q.shutDown();
    q.done("a");
    expect(await peek(q.get())).toEqual({ value: "a" });
    expect(await peek(q.get())).toEqual({ value: undefined });
  });

  it("keeps items of any comparable type, by value for strings and numbers", async () => {
    const q = new Queue<number>();
    q.add(1);
    q.add(2);
    q.add(1);
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe(1);
  });
});

/**
 * A model of the queue written differently from it: the waiting list, the held set, and the held
 * items that changed meanwhile. Random add/get/done sequences must agree with it step by step.
 */
describe("Queue against a model (property)", () => {
  type Op = { op: "add"; item: string } | { op: "get" } | { op: "done"; pick: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ op: fc.constant("add" as const), item: fc.constantFrom("a", "b", "c", "d") }),
    fc.record({ op: fc.constant("get" as const) }),
    fc.record({ op: fc.constant("done" as const), pick: fc.nat() }),
  );

  it("hands out what the model says, never an item already held, and loses no add", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const q = new Queue();
        const waiting: string[] = [];
        const held = new Set<string>();
        const changedWhileHeld = new Set<string>();
        for (const step of ops) {
          if (step.op === "add") {
            q.add(step.item);
            if (held.has(step.item)) changedWhileHeld.add(step.item);
            else if (!waiting.includes(step.item)) waiting.push(step.item);
          } else if (step.op === "get") {
            if (waiting.length === 0) continue; // a get() would wait; the contract covers that
            const got = await peek(q.get());
            const expected = waiting.shift() as string;
            expect(got).toEqual({ value: expected });
            expect(held.has(expected), `${expected} handed out while held`).toBe(false);
            held.add(expected);
          } else {
            const item = [...held][step.pick % Math.max(1, held.size)];
            if (item === undefined) continue;
            q.done(item);
            held.delete(item);
            if (changedWhileHeld.delete(item)) waiting.push(item);
          }
          expect(q.len()).toBe(waiting.length);
        }
        // Finish everything held: every change must come out once more, in the model's order.
        for (const item of [...held]) {
          q.done(item);
          if (changedWhileHeld.delete(item)) waiting.push(item);
        }
        for (const expected of waiting) expect(await peek(q.get())).toEqual({ value: expected });
        expect(q.len()).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
