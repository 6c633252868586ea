import { Etcd3 } from "etcd3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { describeStoreContract } from "./contract.ts";
import { CompactedError, FutureRevisionError, StoreError, WatchCancelledError } from "./errors.ts";
import { EtcdStore, progressIsReliable } from "./etcd.ts";
import { ETCD_NOT_FOUND, type EtcdServer, findEtcd, startEtcd } from "./etcd-server.ts";
import { tombstone } from "./key-history.ts";
import { nextEvents, waitFor } from "./testing.ts";

const etcdBin = findEtcd();
if (!etcdBin) {
  console.warn(ETCD_NOT_FOUND);
  it.skip(ETCD_NOT_FOUND, () => {});
}

describe.skipIf(!etcdBin)("etcd backend", () => {
  let etcd: EtcdServer;
  /** A plain client beside the store under test, to empty etcd between cases. */
  let admin: Etcd3;

  beforeAll(async () => {
    etcd = await startEtcd({ bin: etcdBin });
    admin = new Etcd3({ hosts: etcd.endpoint });
    const probe = await EtcdStore.connect({ endpoints: [etcd.endpoint] });
    if (!probe.supportsProgress) {
      console.warn(
        `etcd ${probe.serverVersion} can send a progress marker before a watch's history ` +
          "(fixed in etcd 3.4.25 and 3.5.8): the progress cases are skipped for it.",
      );
    }
    await probe.close();
  });
  afterAll(async () => {
    admin?.close();
    await etcd?.stop();
  });

  const connect = (watchBuffer?: number) =>
    EtcdStore.connect({ endpoints: [etcd.endpoint], watchBuffer });

  /** No keys, no leases. Revisions keep counting: the contract checks them relative to the start. */
  async function wipe(): Promise<void> {
    await admin.kv.deleteRange({ key: Buffer.from("\0"), range_end: Buffer.from("\0") });
    const { leases } = await admin.leaseClient.leaseLeases();
    for (const { ID } of leases) {
      // A lease may expire between the listing and its revoke; gone is what we want either way.
      await admin.leaseClient.leaseRevoke({ ID }).catch((error: Error) => {
        if (!error.message.includes("requested lease not found")) throw error;
      });
    }
  }

  describeStoreContract("etcd", {
    async open(options) {
      await wipe();
      return connect(options?.watchBuffer);
    },
    // etcd expires leases on its own clock; the contract waits for the deletions with a deadline.
    expire() {},
    // The data lives in etcd: a new client sees it all.
    async reopen(store) {
      await store.close();
      return connect();
    },
  });

  describe("progressIsReliable", () => {
    it("trusts progress from etcd 3.4.25, 3.5.8 and 3.6 on, not before", () => {
      const cases: [string, boolean][] = [
        ["3.4.23", false],
        ["3.4.25", true],
        ["3.5.7", false],
        ["3.5.8", true],
        ["3.6.0", true],
        ["3.3.27", false],
      ];
      for (const [version, reliable] of cases)
        expect(progressIsReliable(version), version).toBe(reliable);
    });
  });

  describe("etcd only", () => {
    const opened: EtcdStore[] = [];
    const open = async () => {
      await wipe();
      const store = await connect();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });

    it("errors name the revisions etcd's messages leave out", async () => {
      const store = await open();
      const r0 = await store.revision();
      await store.put("/a", "1");
      await store.put("/a", "2");
      await store.put("/a", "3");
      await store.compact(r0 + 2);
      const read = await store.get("/a", { revision: r0 + 1 }).catch((e: unknown) => e);
      expect(read).toBeInstanceOf(CompactedError);
      expect(read).toMatchObject({ requestedRevision: r0 + 1, compactRevision: r0 + 2 });
      const compactAgain = await store.compact(r0 + 2).catch((e: unknown) => e);
      expect(compactAgain).toMatchObject({ requestedRevision: r0 + 2, compactRevision: r0 + 2 });
      const future = await store.get("/a", { revision: r0 + 9 }).catch((e: unknown) => e);
      expect(future).toBeInstanceOf(FutureRevisionError);
      expect(future).toMatchObject({ requestedRevision: r0 + 9, currentRevision: r0 + 3 });
    });

    it("reads a range larger than gRPC's default 4 MiB answer, as a list of a big cluster is", async () => {
      const store = await open();
      // etcd takes at most 1.5 MiB per request: six puts of 1 MB make a 6 MB range.
      const value = "x".repeat(1_000_000);
      for (let i = 0; i < 6; i++) await store.put(`/big/${i}`, value);
      const { kvs } = await store.range({ key: "/big/", prefix: true });
      expect(kvs.map((kv) => [kv.key, kv.value.length])).toEqual(
        Array.from({ length: 6 }, (_, i) => [`/big/${i}`, 1_000_000]),
      );
    });

    it("a deleted key with a lease gives the same tombstone as the embedded store: no lease", async () => {
      const store = await open();
      const lease = await store.grantLease(60);
      await store.put("/a", "1", { lease: lease.id });
      const watch = await store.watch({ key: "/a" });
      const { revision } = await store.delete({ key: "/a" });
      const [event] = await nextEvents(watch, 1);
      expect(event).toEqual({ type: "delete", kv: tombstone("/a", revision) });
      watch.cancel();
    });

    it("keep-alive restarts the TTL, on etcd's clock", async () => {
      const store = await open();
      // Above etcd's minimum TTL (2 s), so etcd grants what was asked.
      const lease = await store.grantLease(5);
      expect(lease.ttl).toBe(5);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await store.leaseStatus(lease.id))?.ttl).toBeLessThanOrEqual(4);
      expect(await store.keepAlive(lease.id)).toEqual({ id: lease.id, ttl: 5 });
      expect((await store.leaseStatus(lease.id))?.ttl).toBeGreaterThanOrEqual(4);
    });

    it("a watch that ends for any reason is removed in etcd too", async () => {
      const store = await connect(2);
      opened.push(store);
      // etcd's own count of the watches it serves, from its Prometheus metrics.
      const served = async () => {
        const metrics = await (await fetch(`${etcd.endpoint}/metrics`)).text();
        return Number(/^etcd_debugging_mvcc_watcher_total (\d+)$/m.exec(metrics)?.[1]);
      };
      // Watches of earlier cases leave etcd a moment after their stores close.
      await waitFor("etcd to serve no watches", async () => (await served()) === 0);
      const cancelled = await store.watch({ key: "/a" });
      await store.watch({ key: "/a" }); // never read: cut off once 3 events overflow its buffer of 2
      await store.watch({ key: "/b" }); // ended by close
      expect(await served()).toBe(3);
      cancelled.cancel();
      for (let i = 0; i < 3; i++) await store.put("/a", String(i));
      await waitFor(
        "the cancelled and the cut-off watch to leave etcd",
        async () => (await served()) === 1,
      );
      await store.close();
      await waitFor("the last watch to leave etcd", async () => (await served()) === 0);
    });

    it("a watch whose stream breaks ends with stream-ended; calls fail instead of hanging", async () => {
      const doomed = await startEtcd({ bin: etcdBin });
      const store = await EtcdStore.connect({ endpoints: [doomed.endpoint] });
      opened.push(store);
      try {
        const watch = await store.watch({ key: "/a" });
        await doomed.stop();
        const err = await (async () => {
          for await (const _ of watch) break;
        })().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(WatchCancelledError);
        expect((err as WatchCancelledError).reason).toBe("stream-ended");
        await expect(store.put("/a", "1")).rejects.toBeInstanceOf(StoreError);
      } finally {
        await doomed.stop();
      }
    });

    it("connecting to an address where no etcd listens fails with the address", async () => {
      await expect(EtcdStore.connect({ endpoints: ["http://127.0.0.1:1"] })).rejects.toThrow(
        /cannot reach etcd at http:\/\/127\.0\.0\.1:1/,
      );
    });
  });
});
