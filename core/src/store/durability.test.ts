/**
 * What only the embedded store's disk format can show: torn and corrupted records, snapshots that
 * truncate the log, and group commit.
 */
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock } from "../util/clock.ts";
import { EmbeddedStore } from "./embedded.ts";
import { CorruptDataError } from "./errors.ts";
import { nextEvents } from "./testing.ts";
import { frame, readRecords } from "./wal.ts";

let dataDir: string;
const clock = new FakeClock();
const openStore = (options: { snapshotEvery?: number } = {}) =>
  EmbeddedStore.open({ dataDir, clock, ...options });

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "tinykube-durability-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function segments(): Promise<string[]> {
  return (await readdir(dataDir)).filter((f) => f.startsWith("wal-")).sort();
}

describe("record framing", () => {
  it("reads back what it framed", () => {
    const data = Buffer.concat([frame({ a: 1 }), frame({ b: "two" })]);
    expect(readRecords(data, "x", true)).toEqual({
      records: [{ a: 1 }, { b: "two" }],
      validLength: data.length,
    });
  });

  it("cuts a record that runs past the end of the last segment", () => {
    const whole = frame({ a: 1 });
    const torn = frame({ b: "a longer record" }).subarray(0, 11);
    const r = readRecords(Buffer.concat([whole, torn]), "x", true);
    expect(r.records).toEqual([{ a: 1 }]);
    expect(r.validLength).toBe(whole.length);
    expect(r.torn).toMatch(/runs past the end/);
  });

  it("refuses a damaged record followed by more data, naming the file and offset", () => {
    const first = frame({ a: 1 });
    const second = frame({ b: 2 });
    second.writeUInt8(second.readUInt8(second.length - 2) ^ 0xff, second.length - 2);
    const data = Buffer.concat([first, second, frame({ c: 3 })]);
    expect(() => readRecords(data, "/data/wal-1.log", true)).toThrow(
      `corrupt record in /data/wal-1.log at offset ${first.length}: checksum mismatch`,
    );
  });

  it("refuses even a torn-looking record in a segment that is not the last", () => {
    const data = Buffer.concat([frame({ a: 1 }), frame({ b: 2 }).subarray(0, 5)]);
    expect(() => readRecords(data, "old", false)).toThrow(CorruptDataError);
  });
});

describe("recovery", () => {
  it("drops a torn final record and keeps every acknowledged write", async () => {
    const store = await openStore();
    for (let i = 1; i <= 5; i++) await store.put(`/k${i}`, `v${i}`);
    await store.close();
    const [segment] = await segments();
    const path = join(dataDir, segment as string);
    const size = (await stat(path)).size;
    await appendFile(path, frame({ t: "commit", rev: 6, kvs: [] }).subarray(0, 10));

    const again = await openStore();
    expect(again.recovery?.torn).toMatch(
      /wal-0000000001\.log: incomplete header|runs past the end/,
    );
    expect(await again.revision()).toBe(5);
    expect((await again.range({ key: "/", prefix: true })).count).toBe(5);
    expect((await stat(path)).size).toBe(size);
    await again.put("/k6", "v6");
    await again.close();
    const third = await openStore();
    expect(third.recovery?.torn).toBeUndefined();
    expect((await third.get("/k6"))?.modRevision).toBe(6);
    await third.close();
  });

  it("refuses a corrupted record in the middle with the file and offset", async () => {
    const store = await openStore();
    for (let i = 1; i <= 5; i++) await store.put(`/k${i}`, `value-${i}`);
    await store.close();
    const [segment] = await segments();
    const path = join(dataDir, segment as string);
    const data = await readFile(path);
    const { records } = readRecords<unknown>(data, path, true);
    const secondOffset = frame(records[0]).length;
    data.writeUInt8(data.readUInt8(secondOffset + 20) ^ 0x01, secondOffset + 20);
    await writeFile(path, data);
    await expect(openStore()).rejects.toThrow(
      `corrupt record in ${path} at offset ${secondOffset}: checksum mismatch`,
    );
  });
});

describe("snapshots", () => {
  it("truncate the log, and recovery from snapshot plus log tail is exact", async () => {
    const store = await openStore({ snapshotEvery: 10 });
    const lease = await store.grantLease(100);
    for (let i = 0; i < 25; i++)
      await store.put(`/k${i % 7}`, `v${i}`, i % 5 === 0 ? { lease: lease.id } : {});
    await store.delete({ key: "/k3" });
    await store.compact(20);
    await store.snapshotSettled();
    const files = (await readdir(dataDir)).sort();
    expect(files.filter((f) => f.startsWith("snap-"))).toHaveLength(1);
    expect(files.filter((f) => f.startsWith("wal-")).length).toBeLessThanOrEqual(2);
    const before = await store.range({ key: "/", prefix: true });
    const history = await store.range({ key: "/", prefix: true, revision: 22 });
    const status = await store.leaseStatus(lease.id);
    await store.close();

    const again = await openStore({ snapshotEvery: 10 });
    expect(again.recovery?.snapshot).toMatch(/^snap-\d+\.snap$/);
    expect(await again.range({ key: "/", prefix: true })).toEqual(before);
    expect(await again.range({ key: "/", prefix: true, revision: 22 })).toEqual(history);
    expect(again.compactRevision).toBe(20);
    expect((await again.leaseStatus(lease.id))?.keys).toEqual(status?.keys);
    await again.close();
  });
});

describe("snapshot spacing", () => {
  it("waits for as many records as the last snapshot held versions, when that is more than snapshotEvery", async () => {
    const store = await openStore({ snapshotEvery: 10 });
    const snapshots: string[] = [];
    const write = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await store.put(`/k${i % 3}`, `v${i}`);
        await store.snapshotSettled();
        if (store.lastSnapshot && store.lastSnapshot !== snapshots.at(-1))
          snapshots.push(store.lastSnapshot);
      }
    };
    // No compaction: every put keeps a version. The first snapshot comes at record 10 and holds
    // 10 versions; the second at record 20, holding 20; the third waits 20 records, not 10.
    await write(20);
    expect(snapshots, "snapshots at records 10 and 20").toHaveLength(2);
    await write(19);
    expect(snapshots, "19 records after a snapshot of 20 versions: none yet").toHaveLength(2);
    await write(1);
    expect(snapshots, "the 20th record after it").toHaveLength(3);
    await store.close();
  });
});

describe("group commit", () => {
  it("concurrent writes share syncs, and each resolves only once it is on disk", async () => {
    const store = await openStore();
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.put(`/k${i}`, "v")));
    const stats = store.walStats;
    expect(stats?.records).toBe(200);
    expect(stats?.syncs).toBeLessThan(100);
    await store.close();
    const again = await openStore();
    expect((await again.range({ key: "/", prefix: true, countOnly: true })).count).toBe(200);
    await again.close();
  });
});

describe("compaction across a snapshot", () => {
  it("a delete at the compact revision still reaches a watch from it after a restart", async () => {
    const store = await openStore({ snapshotEvery: 4 });
    await store.put("/a", "1");
    await store.put("/b", "1");
    const { revision } = await store.delete({ key: "/a" });
    await store.compact(revision);
    await store.put("/c", "1");
    await store.snapshotSettled();
    expect(store.lastSnapshot).toBeDefined();
    await store.close();
    const again = await openStore({ snapshotEvery: 4 });
    expect(again.recovery?.snapshot).toBeDefined();
    const watch = await again.watch({ key: "/", prefix: true, startRevision: revision });
    const events = await nextEvents(watch, 2);
    expect(events.map((e) => [e.type, e.kv.key, e.kv.modRevision])).toEqual([
      ["delete", "/a", revision],
      ["put", "/c", revision + 1],
    ]);
    watch.cancel();
    await again.close();
  });
});
