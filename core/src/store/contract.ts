/**
 * The store contract: one suite, run against every backend (embedded in memory, embedded on
 * disk, real etcd) and against the lab's store. Revisions are checked relative to the revision
 * at the start of a case, so the suite also runs on an etcd other cases have written to.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CompactedError,
  FutureRevisionError,
  InvalidRequestError,
  LeaseNotFoundError,
  StoreClosedError,
  WatchCancelledError,
} from "./errors.ts";
import { FROM_KEY } from "./keys.ts";
import { nextEvents, waitFor } from "./testing.ts";
import type { Store } from "./types.ts";

export interface StoreHarness {
  /** An empty store: no keys, no leases. */
  open(options?: { watchBuffer?: number }): Promise<Store>;
  /**
   * Lets leases of `ttl` seconds run out: a fake clock moves; a real etcd is simply waited on (the
   * cases then wait for the resulting deletion with a deadline).
   */
  expire(ttl: number): void | Promise<void>;
  /** How long a case waits for the deletions an expiry causes (default 15 s, for a real etcd). */
  expiryWaitMs?: number;
  /** Moves time by `ms` without expiring anything else: only where the clock is injected. */
  advance?(ms: number): void;
  /** Closes the store and opens the same data again: only for backends that keep data. */
  reopen?(store: Store): Promise<Store>;
}

export function describeStoreContract(name: string, harness: StoreHarness): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    let r0: number;
    const opened: Store[] = [];
    const open = async (options?: { watchBuffer?: number }) => {
      const s = await harness.open(options);
      opened.push(s);
      return s;
    };

    beforeEach(async () => {
      store = await open();
      r0 = await store.revision();
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });

    describe("revisions and versions", () => {
      it("a put commits the next revision and creates the key at version 1", async () => {
        const { revision } = await store.put("/a", "1");
        expect(revision).toBe(r0 + 1);
        expect(await store.revision()).toBe(r0 + 1);
        expect(await store.get("/a")).toEqual({
          key: "/a",
          value: "1",
          createRevision: r0 + 1,
          modRevision: r0 + 1,
          version: 1,
        });
      });

      it("a second put keeps createRevision, moves modRevision and bumps version", async () => {
        await store.put("/a", "1");
        const { revision, prevKv } = await store.put("/a", "2", { prevKv: true });
        expect(revision).toBe(r0 + 2);
        expect(prevKv?.value).toBe("1");
        expect(await store.get("/a")).toMatchObject({
          createRevision: r0 + 1,
          modRevision: r0 + 2,
          version: 2,
        });
      });

      it("a key deleted and put again starts a new life: new createRevision, version 1", async () => {
        await store.put("/a", "1");
        await store.put("/a", "2");
        const del = await store.delete({ key: "/a" });
        expect(del).toMatchObject({ revision: r0 + 3, deleted: 1 });
        expect(await store.get("/a")).toBeUndefined();
        await store.put("/a", "3");
        expect(await store.get("/a")).toMatchObject({
          createRevision: r0 + 4,
          modRevision: r0 + 4,
          version: 1,
        });
      });

      it("deleting a missing key changes nothing and does not move the revision", async () => {
        const del = await store.delete({ key: "/nothing" });
        expect(del).toMatchObject({ revision: r0, deleted: 0 });
        expect(await store.revision()).toBe(r0);
      });

      it("reads at a past revision see the state right after that revision", async () => {
        // Revision 0 means "the latest", as in etcd: start from a revision above it.
        const { revision: base } = await store.put("/other", "x");
        await store.put("/a", "1");
        await store.put("/a", "2");
        await store.delete({ key: "/a" });
        await store.put("/a", "3");
        expect(await store.get("/a", { revision: base })).toBeUndefined();
        expect((await store.get("/a", { revision: base + 1 }))?.value).toBe("1");
        expect((await store.get("/a", { revision: base + 2 }))?.value).toBe("2");
        expect(await store.get("/a", { revision: base + 3 })).toBeUndefined();
        expect((await store.get("/a", { revision: base + 4 }))?.value).toBe("3");
        const past = await store.range({ key: "/a", revision: base + 2 });
        expect(past.revision).toBe(base + 4);
      });

      it("a read at a future revision fails with FutureRevisionError", async () => {
        await store.put("/a", "1");
        await expect(store.get("/a", { revision: r0 + 5 })).rejects.toBeInstanceOf(
          FutureRevisionError,
        );
      });
    });

    describe("ranges", () => {
      beforeEach(async () => {
        for (const k of ["/pods/b", "/pods/a", "/pods/c", "/podsx", "/services/a"])
          await store.put(k, k);
      });

      it("a prefix range returns its keys in order, and only those", async () => {
        const r = await store.range({ key: "/pods/", prefix: true });
        expect(r.kvs.map((kv) => kv.key)).toEqual(["/pods/a", "/pods/b", "/pods/c"]);
        expect(r).toMatchObject({ count: 3, more: false, revision: r0 + 5 });
      });

      it("an interval [key, end) includes key and excludes end; FROM_KEY has no end", async () => {
        const r = await store.range({ key: "/pods/b", end: "/services/a" });
        expect(r.kvs.map((kv) => kv.key)).toEqual(["/pods/b", "/pods/c", "/podsx"]);
        const all = await store.range({ key: "/pods/c", end: FROM_KEY });
        expect(all.kvs.map((kv) => kv.key)).toEqual(["/pods/c", "/podsx", "/services/a"]);
      });

      it("limit cuts the keys but count counts them all, and more says so", async () => {
        const r = await store.range({ key: "/", prefix: true, limit: 2 });
        expect(r.kvs.map((kv) => kv.key)).toEqual(["/pods/a", "/pods/b"]);
        expect(r).toMatchObject({ count: 5, more: true });
      });

      it("countOnly returns no keys; keysOnly returns empty values", async () => {
        expect(await store.range({ key: "/pods/", prefix: true, countOnly: true })).toMatchObject({
          kvs: [],
          count: 3,
        });
        const keys = await store.range({ key: "/pods/", prefix: true, keysOnly: true });
        expect(keys.kvs.map((kv) => [kv.key, kv.value])).toEqual([
          ["/pods/a", ""],
          ["/pods/b", ""],
          ["/pods/c", ""],
        ]);
        expect(keys.kvs[0]?.version).toBe(1);
      });

      it("a range at a past revision lists the keys as they were", async () => {
        await store.delete({ key: "/pods/", prefix: true });
        expect((await store.range({ key: "/pods/", prefix: true })).count).toBe(0);
        const past = await store.range({ key: "/pods/", prefix: true, revision: r0 + 3 });
        expect(past.kvs.map((kv) => kv.key)).toEqual(["/pods/a", "/pods/b", "/pods/c"]);
      });

      it("a prefix delete removes every matching key in one revision, returning them if asked", async () => {
        const del = await store.delete({ key: "/pods/", prefix: true }, { prevKv: true });
        expect(del.deleted).toBe(3);
        expect(del.revision).toBe(r0 + 6);
        expect(del.prevKvs.map((kv) => kv.key).sort()).toEqual(["/pods/a", "/pods/b", "/pods/c"]);
        expect((await store.range({ key: "/", prefix: true })).kvs.map((kv) => kv.key)).toEqual([
          "/podsx",
          "/services/a",
        ]);
      });
    });

    describe("transactions", () => {
      it("create-if-absent: the first create wins, the second sees the winner", async () => {
        const create = (value: string) =>
          store.txn({
            compare: [{ key: "/ns/default", target: "createRevision", op: "=", value: 0 }],
            success: [{ type: "put", key: "/ns/default", value }],
            failure: [{ type: "get", key: "/ns/default" }],
          });
        const first = await create("first");
        expect(first).toMatchObject({ succeeded: true, revision: r0 + 1 });
        const second = await create("second");
        expect(second.succeeded).toBe(false);
        expect(second.revision).toBe(r0 + 1);
        const got = second.results[0];
        expect(got?.type === "get" && got.kvs[0]?.value).toBe("first");
      });

      it("update-if-unchanged: a compare-and-swap on a stale modRevision loses", async () => {
        const { revision } = await store.put("/cm", "v1");
        await store.put("/cm", "v2");
        const stale = await store.txn({
          compare: [{ key: "/cm", target: "modRevision", op: "=", value: revision }],
          success: [{ type: "put", key: "/cm", value: "from-stale-reader" }],
        });
        expect(stale.succeeded).toBe(false);
        expect((await store.get("/cm"))?.value).toBe("v2");
        const fresh = await store.txn({
          compare: [{ key: "/cm", target: "modRevision", op: "=", value: revision + 1 }],
          success: [{ type: "put", key: "/cm", value: "v3" }],
        });
        expect(fresh).toMatchObject({ succeeded: true, revision: r0 + 3 });
      });

      it("concurrent compare-and-swaps on one revision: exactly one wins", async () => {
        const { revision } = await store.put("/counter", "0");
        const attempts = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.txn({
              compare: [{ key: "/counter", target: "modRevision", op: "=", value: revision }],
              success: [{ type: "put", key: "/counter", value: `writer-${i}` }],
            }),
          ),
        );
        expect(attempts.filter((a) => a.succeeded)).toHaveLength(1);
        expect(await store.revision()).toBe(r0 + 2);
      });

      it("compares on value and version; a value compare on a missing key is false", async () => {
        await store.put("/k", "b");
        const t = (compare: Parameters<Store["txn"]>[0]["compare"]) =>
          store.txn({ compare }).then((r) => r.succeeded);
        expect(await t([{ key: "/k", target: "value", op: "=", value: "b" }])).toBe(true);
        expect(await t([{ key: "/k", target: "value", op: ">", value: "a" }])).toBe(true);
        expect(await t([{ key: "/k", target: "value", op: "<", value: "a" }])).toBe(false);
        expect(await t([{ key: "/k", target: "value", op: "!=", value: "b" }])).toBe(false);
        expect(await t([{ key: "/k", target: "version", op: "=", value: 1 }])).toBe(true);
        expect(await t([{ key: "/missing", target: "value", op: "!=", value: "x" }])).toBe(false);
        expect(await t([{ key: "/missing", target: "version", op: "=", value: 0 }])).toBe(true);
        expect(await t([{ key: "/missing", target: "modRevision", op: "<", value: 1 }])).toBe(true);
        expect(await store.revision()).toBe(r0 + 1);
      });

      it("all writes of a transaction share one revision; a get sees the writes before it", async () => {
        await store.put("/old", "x");
        const r = await store.txn({
          success: [
            { type: "put", key: "/a", value: "1" },
            { type: "delete", key: "/old", prevKv: true },
            { type: "get", key: "/a" },
            { type: "put", key: "/b", value: "2", prevKv: true },
          ],
        });
        expect(r).toMatchObject({ succeeded: true, revision: r0 + 2 });
        expect(r.results.map((x) => x.type)).toEqual(["put", "delete", "get", "put"]);
        const del = r.results[1];
        expect(del?.type === "delete" && del.prevKvs.map((kv) => kv.value)).toEqual(["x"]);
        const get = r.results[2];
        expect(get?.type === "get" && get.kvs.map((kv) => [kv.key, kv.modRevision])).toEqual([
          ["/a", r0 + 2],
        ]);
        expect((await store.get("/a"))?.modRevision).toBe(r0 + 2);
        expect((await store.get("/b"))?.modRevision).toBe(r0 + 2);
        expect(await store.get("/old")).toBeUndefined();
      });

      it("a transaction that only reads does not move the revision", async () => {
        await store.put("/a", "1");
        const r = await store.txn({ success: [{ type: "get", key: "/a" }] });
        expect(r.revision).toBe(r0 + 1);
        expect(await store.revision()).toBe(r0 + 1);
      });

      it("a key written twice in one transaction is refused, and nothing changes", async () => {
        await store.put("/a", "1");
        await expect(
          store.txn({
            success: [
              { type: "put", key: "/b", value: "1" },
              { type: "put", key: "/b", value: "2" },
            ],
          }),
        ).rejects.toBeInstanceOf(InvalidRequestError);
        await expect(
          store.txn({
            success: [
              { type: "delete", key: "/a" },
              { type: "put", key: "/a", value: "3" },
            ],
          }),
        ).rejects.toThrow(/duplicate key/);
        expect(await store.revision()).toBe(r0 + 1);
        expect(await store.get("/b")).toBeUndefined();
      });

      it("a put to a lease that does not exist is refused, and nothing changes", async () => {
        await expect(store.put("/a", "1", { lease: "12345" })).rejects.toBeInstanceOf(
          LeaseNotFoundError,
        );
        await expect(
          store.txn({
            success: [
              { type: "put", key: "/b", value: "1" },
              { type: "put", key: "/c", value: "1", lease: "12345" },
            ],
          }),
        ).rejects.toBeInstanceOf(LeaseNotFoundError);
        expect(await store.revision()).toBe(r0);
        expect(await store.get("/b")).toBeUndefined();
      });

      it("bad input gets a clear error and changes nothing", async () => {
        await expect(store.put("", "x")).rejects.toThrow(/key is not provided/);
        await expect(store.range({ key: "/a", limit: -1 })).rejects.toBeInstanceOf(
          InvalidRequestError,
        );
        await expect(store.grantLease(0)).rejects.toBeInstanceOf(InvalidRequestError);
        await expect(store.compact(-3)).rejects.toBeInstanceOf(InvalidRequestError);
        expect(await store.revision()).toBe(r0);
      });
    });

    describe("compaction", () => {
      it("forgets versions before the compact revision but keeps what a read there sees", async () => {
        await store.put("/a", "1");
        await store.put("/a", "2");
        await store.put("/b", "1");
        await store.delete({ key: "/b" });
        await store.put("/c", "1");
        await store.compact(r0 + 4);
        const err = await store.get("/a", { revision: r0 + 3 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(CompactedError);
        expect((await store.get("/a", { revision: r0 + 4 }))?.value).toBe("2");
        expect(await store.get("/b", { revision: r0 + 4 })).toBeUndefined();
        expect((await store.get("/a"))?.value).toBe("2");
        expect((await store.range({ key: "/", prefix: true })).kvs.map((kv) => kv.key)).toEqual([
          "/a",
          "/c",
        ]);
      });

      it("refuses to compact again at or below the compact revision, or in the future", async () => {
        await store.put("/a", "1");
        await store.put("/a", "2");
        await store.compact(r0 + 2);
        await expect(store.compact(r0 + 1)).rejects.toBeInstanceOf(CompactedError);
        await expect(store.compact(r0 + 2)).rejects.toBeInstanceOf(CompactedError);
        await expect(store.compact(r0 + 9)).rejects.toBeInstanceOf(FutureRevisionError);
      });
    });

    describe("watch", () => {
      it("delivers every later change in revision order, with tombstones for deletes", async () => {
        const watch = await store.watch({ key: "/pods/", prefix: true });
        await store.put("/pods/a", "1");
        await store.put("/other", "x");
        await store.put("/pods/a", "2");
        await store.delete({ key: "/pods/a" });
        const events = await nextEvents(watch, 3);
        expect(events.map((e) => [e.type, e.kv.key, e.kv.value, e.kv.modRevision])).toEqual([
          ["put", "/pods/a", "1", r0 + 1],
          ["put", "/pods/a", "2", r0 + 3],
          ["delete", "/pods/a", "", r0 + 4],
        ]);
        expect(events[2]?.kv).toMatchObject({ createRevision: 0, version: 0 });
        expect(events.every((e) => e.prevKv === undefined)).toBe(true);
        watch.cancel();
      });

      it("with prevKv, each event carries the key's previous version", async () => {
        const watch = await store.watch({ key: "/a", prevKv: true });
        await store.put("/a", "1");
        await store.put("/a", "2");
        await store.delete({ key: "/a" });
        const events = await nextEvents(watch, 3);
        expect(events.map((e) => e.prevKv?.value)).toEqual([undefined, "1", "2"]);
        watch.cancel();
      });

      it("resumes from a past revision: history first, then live changes, none twice", async () => {
        await store.put("/a", "1");
        await store.put("/a", "2");
        await store.put("/a", "3");
        const watch = await store.watch({ key: "/a", startRevision: r0 + 2 });
        await store.put("/a", "4");
        const events = await nextEvents(watch, 3);
        expect(events.map((e) => [e.kv.value, e.kv.modRevision])).toEqual([
          ["2", r0 + 2],
          ["3", r0 + 3],
          ["4", r0 + 4],
        ]);
        watch.cancel();
      });

      it("the events of one transaction arrive together, at one revision", async () => {
        const watch = await store.watch({ key: "/", prefix: true });
        await store.txn({
          success: [
            { type: "put", key: "/x", value: "1" },
            { type: "put", key: "/y", value: "1" },
          ],
        });
        const events = await nextEvents(watch, 2);
        expect(events.map((e) => [e.kv.key, e.kv.modRevision])).toEqual([
          ["/x", r0 + 1],
          ["/y", r0 + 1],
        ]);
        watch.cancel();
      });

      it("a start revision below the compact revision fails with CompactedError carrying it", async () => {
        await store.put("/a", "1");
        await store.put("/a", "2");
        await store.put("/a", "3");
        await store.compact(r0 + 2);
        const err = await store.watch({ key: "/a", startRevision: r0 + 1 }).then(
          async (w) => {
            for await (const _ of w) break;
            return undefined;
          },
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(CompactedError);
        expect((err as CompactedError).compactRevision).toBe(r0 + 2);
      });

      it("a watch may start at the compact revision itself, as in etcd", async () => {
        await store.put("/a", "1");
        await store.put("/a", "2");
        await store.compact(r0 + 2);
        const watch = await store.watch({ key: "/a", startRevision: r0 + 2 });
        const [event] = await nextEvents(watch, 1);
        expect(event?.kv).toMatchObject({ value: "2", modRevision: r0 + 2 });
        watch.cancel();
      });

      it("a progress marker follows every change before it, even when no watched key changed", async (ctx) => {
        if (!store.supportsProgress) ctx.skip();
        const watch = await store.watch({ key: "/mine/", prefix: true, progress: true });
        await store.put("/mine/a", "1");
        await store.put("/other", "x");
        watch.requestProgress();
        const [event, marker] = await nextEvents(watch, 2);
        expect(event?.type === "put" && event.kv.key).toBe("/mine/a");
        expect(marker).toEqual({ type: "progress", revision: r0 + 2 });
        watch.cancel();
      });

      it("a watch catching up from history sends its progress marker after the history", async (ctx) => {
        if (!store.supportsProgress) ctx.skip();
        await store.put("/mine/a", "1");
        await store.put("/mine/b", "1");
        await store.put("/other", "x");
        const watch = await store.watch({
          key: "/mine/",
          prefix: true,
          startRevision: r0 + 1,
          progress: true,
        });
        watch.requestProgress();
        const items = await nextEvents(watch, 3);
        expect(
          items.map((e) => (e.type === "progress" ? `progress@${e.revision}` : e.kv.key)),
        ).toEqual(["/mine/a", "/mine/b", `progress@${r0 + 3}`]);
        watch.cancel();
      });

      it("cancel ends the iteration", async () => {
        const watch = await store.watch({ key: "/a" });
        const drained = (async () => {
          const seen: string[] = [];
          for await (const e of watch) seen.push(e.kv.value);
          return seen;
        })();
        await store.put("/a", "1");
        await waitFor("the first event", async () => (await store.revision()) === r0 + 1);
        watch.cancel();
        const seen = await drained;
        expect(seen.length).toBeLessThanOrEqual(1);
      });

      it("a watcher that does not read is cut off; writers and other watchers carry on", async () => {
        const small = await open({ watchBuffer: 10 });
        const base = await small.revision();
        const idle = await small.watch({ key: "/k/", prefix: true });
        const reader = await small.watch({ key: "/k/", prefix: true });
        const seen: number[] = [];
        const reading = (async () => {
          for await (const e of reader) {
            seen.push(e.kv.modRevision);
            if (seen.length === 30) return;
          }
        })();
        for (let i = 0; i < 30; i++) await small.put(`/k/${i}`, "v");
        expect(await small.revision()).toBe(base + 30);
        await waitFor("the reading watcher to see all 30 puts", () => seen.length === 30);
        await reading;
        expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => base + i + 1));
        const received: number[] = [];
        const err = await (async () => {
          for await (const e of idle) received.push(e.kv.modRevision);
        })().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WatchCancelledError);
        expect((err as WatchCancelledError).reason).toBe("slow-consumer");
        expect(received).toEqual(Array.from({ length: received.length }, (_, i) => base + i + 1));
        reader.cancel();
      });
    });

    describe("leases", () => {
      it("grant, attach keys, and report them", async () => {
        const lease = await store.grantLease(30);
        expect(lease.ttl).toBeGreaterThanOrEqual(30);
        await store.put("/lock", "me", { lease: lease.id });
        expect((await store.get("/lock"))?.lease).toBe(lease.id);
        const status = await store.leaseStatus(lease.id);
        expect(status).toMatchObject({ id: lease.id, grantedTtl: lease.ttl, keys: ["/lock"] });
        expect(status?.ttl).toBeGreaterThan(0);
        expect(status?.ttl).toBeLessThanOrEqual(lease.ttl);
        await store.revokeLease(lease.id);
      });

      it("an expired lease deletes its keys, and watchers see ordinary deletions", async () => {
        const lease = await store.grantLease(1);
        await store.put("/nodes/n1", "alive", { lease: lease.id });
        await store.put("/nodes/n2", "alive", { lease: lease.id });
        await store.put("/nodes/n3", "no lease");
        const watch = await store.watch({ key: "/nodes/", prefix: true });
        await harness.expire(lease.ttl);
        const events = await nextEvents(watch, 2, harness.expiryWaitMs ?? 15_000);
        expect(events.map((e) => [e.type, e.kv.key]).sort()).toEqual([
          ["delete", "/nodes/n1"],
          ["delete", "/nodes/n2"],
        ]);
        expect(events[0]?.kv.modRevision).toBe(events[1]?.kv.modRevision);
        expect(
          (await store.range({ key: "/nodes/", prefix: true })).kvs.map((kv) => kv.key),
        ).toEqual(["/nodes/n3"]);
        expect(await store.leaseStatus(lease.id)).toBeUndefined();
        watch.cancel();
      }, 20_000);

      it("revoke deletes the lease's keys at once; revoking again is an error", async () => {
        const lease = await store.grantLease(60);
        await store.put("/a", "1", { lease: lease.id });
        await store.put("/b", "1");
        await store.put("/b", "2", { lease: lease.id });
        await store.put("/c", "1", { lease: lease.id });
        await store.put("/c", "2");
        await store.revokeLease(lease.id);
        expect((await store.range({ key: "/", prefix: true })).kvs.map((kv) => kv.key)).toEqual([
          "/c",
        ]);
        await expect(store.revokeLease(lease.id)).rejects.toBeInstanceOf(LeaseNotFoundError);
        await expect(store.keepAlive(lease.id)).rejects.toBeInstanceOf(LeaseNotFoundError);
      });

      it.runIf(harness.advance !== undefined)("keep-alive restarts the TTL", async () => {
        const advance = harness.advance as (ms: number) => void;
        const lease = await store.grantLease(10);
        await store.put("/a", "1", { lease: lease.id });
        advance(6000);
        expect((await store.keepAlive(lease.id)).ttl).toBe(10);
        advance(6000);
        expect(await store.get("/a")).toBeDefined();
        expect((await store.leaseStatus(lease.id))?.ttl).toBe(4);
        advance(4000);
        await waitFor(
          "the lease's key to be deleted",
          async () => (await store.get("/a")) === undefined,
        );
      });
    });

    describe("closing", () => {
      it("a closed store refuses calls and ends its watches", async () => {
        const s = await open();
        const watch = await s.watch({ key: "/a" });
        await s.close();
        await expect(s.put("/a", "1")).rejects.toBeInstanceOf(StoreClosedError);
        const err = await (async () => {
          for await (const _ of watch) break;
        })().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WatchCancelledError);
      });
    });

    it.runIf(harness.reopen !== undefined)("everything survives a restart", async () => {
      const reopen = harness.reopen as (s: Store) => Promise<Store>;
      const lease = await store.grantLease(600);
      await store.put("/a", "1");
      await store.put("/a", "2");
      await store.put("/leased", "x", { lease: lease.id });
      await store.delete({ key: "/a" });
      await store.put("/a", "3");
      await store.compact(r0 + 2);
      const before = await store.range({ key: "/", prefix: true });
      const again = await reopen(store);
      opened.push(again);
      expect(await again.revision()).toBe(r0 + 5);
      expect(await again.range({ key: "/", prefix: true })).toEqual(before);
      expect((await again.get("/a", { revision: r0 + 2 }))?.value).toBe("2");
      await expect(again.get("/a", { revision: r0 + 1 })).rejects.toBeInstanceOf(CompactedError);
      expect((await again.leaseStatus(lease.id))?.keys).toEqual(["/leased"]);
      const watch = await again.watch({ key: "/a", startRevision: r0 + 2 });
      expect((await nextEvents(watch, 3)).map((e) => [e.type, e.kv.modRevision])).toEqual([
        ["put", r0 + 2],
        ["delete", r0 + 4],
        ["put", r0 + 5],
      ]);
      watch.cancel();
    });
  });
}
