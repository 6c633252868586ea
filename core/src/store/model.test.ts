/**
 * Property-based tests: random sequences of operations run against the store and against a model
 * that keeps a full copy of the state at every revision — obviously right, hopelessly slow. After
 * each operation the two must agree: results, errors, reads at any revision, and, at the end,
 * what a watch from any revision delivers.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EmbeddedStore } from "./embedded.ts";
import { CompactedError, FutureRevisionError } from "./errors.ts";
import { nextEvents } from "./testing.ts";
import type { KeyValue, Store } from "./types.ts";

type Op =
  | { op: "put"; key: string; value: string }
  | { op: "delete"; key: string; prefix: boolean }
  | { op: "cas"; key: string; back: number; value: string }
  | { op: "compact"; back: number }
  | { op: "range"; key: string; prefix: boolean; back: number; limit: number }
  | { op: "restart" };

const KEYS = ["/a", "/a/x", "/a/y", "/b", "/b/z", "/c"];
const key = fc.constantFrom(...KEYS);
const value = fc.string({ maxLength: 8 });
const back = fc.nat({ max: 12 });

const opArb = (restarts: boolean): fc.Arbitrary<Op> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant("put" as const), key, value }) },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant("delete" as const), key, prefix: fc.boolean() }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("cas" as const), key, back, value }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("compact" as const), back }) },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant("range" as const),
        key,
        prefix: fc.boolean(),
        back,
        limit: fc.nat({ max: 3 }),
      }),
    },
    { weight: restarts ? 1 : 0, arbitrary: fc.constant({ op: "restart" as const }) },
  );

type State = Map<string, KeyValue>;
interface ModelEvent {
  type: "put" | "delete";
  key: string;
  value: string;
  rev: number;
}

/** The model: the whole state after every revision. */
class Model {
  states: State[] = [new Map()];
  events: ModelEvent[] = [];
  compacted = 0;
  get rev(): number {
    return this.states.length - 1;
  }
  get now(): State {
    return this.states[this.rev] as State;
  }
  put(k: string, v: string): void {
    const prev = this.now.get(k);
    const rev = this.rev + 1;
    const next = new Map(this.now);
    next.set(k, {
      key: k,
      value: v,
      createRevision: prev ? prev.createRevision : rev,
      modRevision: rev,
      version: prev ? prev.version + 1 : 1,
    });
    this.states.push(next);
    this.events.push({ type: "put", key: k, value: v, rev });
  }
  delete(k: string, prefix: boolean): number {
    const doomed = [...this.now.keys()].filter((x) => (prefix ? x.startsWith(k) : x === k)).sort();
    if (doomed.length === 0) return 0;
    const rev = this.rev + 1;
    const next = new Map(this.now);
    for (const d of doomed) {
      next.delete(d);
      this.events.push({ type: "delete", key: d, value: "", rev });
    }
    this.states.push(next);
    return doomed.length;
  }
  range(k: string, prefix: boolean, rev: number): KeyValue[] {
    const state = this.states[rev] as State;
    return [...state.values()]
      .filter((kv) => (prefix ? kv.key.startsWith(k) : kv.key === k))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
  }
}

async function runSequence(
  ops: Op[],
  open: () => Promise<Store>,
  reopen: (s: Store) => Promise<Store>,
): Promise<void> {
  let store = await open();
  const model = new Model();
  try {
    for (const [i, o] of ops.entries()) {
      const step = `step ${i}: ${JSON.stringify(o)}`;
      switch (o.op) {
        case "put": {
          const { revision } = await store.put(o.key, o.value);
          model.put(o.key, o.value);
          expect(revision, step).toBe(model.rev);
          break;
        }
        case "delete": {
          const { deleted, revision } = await store.delete({ key: o.key, prefix: o.prefix });
          expect(deleted, step).toBe(model.delete(o.key, o.prefix));
          expect(revision, step).toBe(model.rev);
          break;
        }
        case "cas": {
          const expected = Math.max(0, model.rev - o.back);
          const actual = model.now.get(o.key)?.modRevision ?? 0;
          const r = await store.txn({
            compare: [{ key: o.key, target: "modRevision", op: "=", value: expected }],
            success: [{ type: "put", key: o.key, value: o.value }],
          });
          expect(r.succeeded, step).toBe(actual === expected);
          if (r.succeeded) model.put(o.key, o.value);
          expect(r.revision, step).toBe(model.rev);
          break;
        }
        case "compact": {
          const at = model.rev - o.back;
          if (at <= 0) break; // nothing to compact yet; negative revisions are tested as bad input
          const result = await store.compact(at).then(
            () => "ok",
            (e: unknown) => e,
          );
          if (at > model.compacted && at <= model.rev) {
            expect(result, step).toBe("ok");
            model.compacted = at;
          } else {
            expect(result, step).toBeInstanceOf(
              at > model.rev ? FutureRevisionError : CompactedError,
            );
          }
          break;
        }
        case "range": {
          const at = model.rev - o.back;
          if (at <= 0) break; // revision 0 means "latest"
          const result = await store
            .range({ key: o.key, prefix: o.prefix, revision: at, limit: o.limit })
            .catch((e: unknown) => e);
          if (at < model.compacted) {
            expect(result, step).toBeInstanceOf(CompactedError);
          } else {
            const all = model.range(o.key, o.prefix, at);
            const want = o.limit > 0 ? all.slice(0, o.limit) : all;
            expect(result, step).toEqual({
              kvs: want,
              count: all.length,
              more: want.length < all.length,
              revision: model.rev,
            });
          }
          break;
        }
        case "restart":
          store = await reopen(store);
          break;
      }
      expect((await store.range({ key: "/", prefix: true })).kvs, `state after ${step}`).toEqual(
        model.range("/", true, model.rev),
      );
    }
    // A watch from every revision still kept delivers exactly the model's changes from there.
    for (let from = Math.max(1, model.compacted); from <= model.rev; from++) {
      const want = model.events.filter((e) => e.rev >= from);
      const watch = await store.watch({ key: "/", prefix: true, startRevision: from });
      const got = await nextEvents(watch, want.length, 2000);
      watch.cancel();
      expect(
        got.map((e) => ({ type: e.type, key: e.kv.key, value: e.kv.value, rev: e.kv.modRevision })),
        `watch from ${from}`,
      ).toEqual(want);
    }
  } finally {
    await store.close();
  }
}

describe("the store agrees with a model on random operation sequences", () => {
  it("embedded, memory only", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb(false), { maxLength: 40 }), (ops) =>
        runSequence(
          ops,
          () => EmbeddedStore.open(),
          async () => {
            throw new Error("no restarts in memory");
          },
        ),
      ),
      { numRuns: 150 },
    );
  });

  it("embedded, on disk, with restarts and snapshots", async () => {
    const root = await mkdtemp(join(tmpdir(), "tinykube-model-"));
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb(true), { maxLength: 40 }), async (ops) => {
          const dataDir = join(root, String(n++));
          const open = () => EmbeddedStore.open({ dataDir, snapshotEvery: 5 });
          await runSequence(ops, open, async (s) => {
            await s.close();
            return open();
          });
        }),
        { numRuns: 60 },
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);
});
