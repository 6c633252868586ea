import { describe, expect, it } from "vitest";
import { CompactedError, EmbeddedStore } from "../../store/index.ts";
import { FakeClock } from "../../util/clock.ts";
import { COMPACT_REV_KEY, Compactor, compactRound } from "./compactor.ts";

const MINUTE = 60_000;

async function writes(store: EmbeddedStore, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await store.put("/registry/leases/node-1", `renewal ${i}`);
}

describe("compactRound: compact.go's protocol", () => {
  it("records on the first round, then compacts to the revision the round before saw", async () => {
    const store = await EmbeddedStore.open();
    await writes(store, 10);
    const first = await compactRound(store, { time: 0, revision: 0 });
    expect(first.compacted, "no compaction on the first round").toBeUndefined();
    expect(first.state).toEqual({ time: 1, revision: 11 }); // 10 writes + the key's put
    expect((await store.get(COMPACT_REV_KEY))?.value).toBe("0");

    await writes(store, 5);
    const second = await compactRound(store, first.state);
    expect(second.compacted).toBe(11);
    expect(store.compactRevision).toBe(11);
    expect(second.state).toEqual({ time: 2, revision: 17 });
    expect((await store.get(COMPACT_REV_KEY))?.version).toBe(2);
    await expect(store.get("/registry/leases/node-1", { revision: 10 })).rejects.toBeInstanceOf(
      CompactedError,
    );
    expect((await store.get("/registry/leases/node-1", { revision: 12 }))?.value).toBe("renewal 0");
    await store.close();
  });

  it("two API servers on one store: the one that loses the race adopts the other's count and does not compact", async () => {
    const store = await EmbeddedStore.open();
    const a = await compactRound(store, { time: 0, revision: 0 });
    await writes(store, 3);
    const b = await compactRound(store, { time: 0, revision: 0 });
    expect(b.compacted).toBeUndefined();
    expect(b.state.time, "b takes a's count").toBe(1);
    expect((await store.get(COMPACT_REV_KEY))?.version, "only a wrote the key").toBe(1);
    // Next interval: b now holds the current count, so b compacts; a, a round behind, does not.
    await writes(store, 3);
    const b2 = await compactRound(store, b.state);
    expect(b2.compacted).toBe(b.state.revision);
    const a2 = await compactRound(store, a.state);
    expect(a2.compacted).toBeUndefined();
    expect(a2.state.time).toBe(2);
    await store.close();
  });
});

describe("Compactor", () => {
  it("runs a round every interval, the first one interval after start, and stops", async () => {
    const clock = new FakeClock();
    const store = await EmbeddedStore.open({ clock });
    const log: string[] = [];
    const compactor = new Compactor({ store, clock, log: (l) => log.push(l) });
    compactor.start();
    await writes(store, 4);
    clock.advance(5 * MINUTE - 1);
    await compactor.settled();
    expect((await store.get(COMPACT_REV_KEY))?.version, "not before 5 minutes").toBeUndefined();
    clock.advance(1);
    await compactor.settled();
    expect((await store.get(COMPACT_REV_KEY))?.version).toBe(1);
    await writes(store, 4);
    clock.advance(5 * MINUTE);
    await compactor.settled();
    expect(store.compactRevision).toBe(5);
    expect(log).toEqual(["[apiserver] store: compacted to revision 5"]);
    await compactor.stop();
    clock.advance(20 * MINUTE);
    expect((await store.get(COMPACT_REV_KEY))?.version, "no round after stop").toBe(2);
    await store.close();
  });

  it("an interval of 0 turns it off; a failed round is logged and the next one runs", async () => {
    const clock = new FakeClock();
    const store = await EmbeddedStore.open({ clock });
    const off = new Compactor({ store, clock, intervalMs: 0 });
    off.start();
    clock.advance(60 * MINUTE);
    expect(await store.get(COMPACT_REV_KEY)).toBeUndefined();

    const log: string[] = [];
    let fail = true;
    const flaky = Object.assign(Object.create(store) as EmbeddedStore, {
      txn: (t: Parameters<EmbeddedStore["txn"]>[0]) =>
        fail ? Promise.reject(new Error("etcdserver: request timed out")) : store.txn(t),
    });
    const compactor = new Compactor({
      store: flaky,
      clock,
      intervalMs: MINUTE,
      log: (l) => log.push(l),
    });
    compactor.start();
    clock.advance(MINUTE);
    await compactor.settled();
    expect(log).toEqual(["[apiserver] store: compaction failed: etcdserver: request timed out"]);
    fail = false;
    clock.advance(MINUTE);
    await compactor.settled();
    expect((await store.get(COMPACT_REV_KEY))?.version, "the next round ran").toBe(1);
    await compactor.stop();
    await store.close();
  });
});
