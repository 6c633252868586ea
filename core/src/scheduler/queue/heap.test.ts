import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Heap } from "./heap.ts";

interface Entry {
  key: string;
  value: number;
}

const newHeap = () =>
  new Heap<Entry>(
    (e) => e.key,
    (a, b) => a.value < b.value,
  );

function drain(heap: Heap<Entry>): string[] {
  const out: string[] = [];
  for (let e = heap.pop(); e; e = heap.pop()) out.push(e.key);
  return out;
}

describe("Heap", () => {
  it("follows the trace in its doc comment", () => {
    const heap = newHeap();
    heap.addOrUpdate({ key: "a", value: 5 });
    heap.addOrUpdate({ key: "b", value: 3 });
    heap.addOrUpdate({ key: "c", value: 4 });
    expect(heap.peek()?.key).toBe("b");
    heap.addOrUpdate({ key: "b", value: 9 });
    expect(heap.peek()?.key, "b moved down after its update").toBe("c");
    expect(heap.delete("c")).toBe(true);
    expect(heap.peek()?.key).toBe("a");
    expect(drain(heap)).toEqual(["a", "b"]);
    expect(heap.pop()).toBeUndefined();
  });

  it("holds a key once and finds it by key", () => {
    const heap = newHeap();
    heap.addOrUpdate({ key: "a", value: 1 });
    heap.addOrUpdate({ key: "a", value: 2 });
    expect(heap.size).toBe(1);
    expect(heap.get("a")).toEqual({ key: "a", value: 2 });
    expect(heap.has("b")).toBe(false);
    expect(heap.delete("b")).toBe(false);
  });

  it("pops in order after any mix of adds, updates and deletes", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("set" as const), key: fc.nat(9), value: fc.integer() }),
      fc.record({ kind: fc.constant("delete" as const), key: fc.nat(9) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const heap = newHeap();
        const model = new Map<string, number>();
        for (const o of ops) {
          const key = `k${o.key}`;
          if (o.kind === "set") {
            heap.addOrUpdate({ key, value: o.value });
            model.set(key, o.value);
          } else {
            expect(heap.delete(key)).toBe(model.delete(key));
          }
        }
        const values: number[] = [];
        for (let e = heap.pop(); e; e = heap.pop()) values.push(e.value);
        expect(values).toEqual([...model.values()].sort((a, b) => a - b));
      }),
    );
  });
});
