/**
 * The parts of the store benchmark that need a process of their own, so the numbers are not
 * polluted by whatever else the benchmark holds in memory. Prints one JSON line.
 *
 *   store-child.ts memory <keys> <bytes>      memory-only store: heap and RSS growth after loading
 *   store-child.ts write-log <dir> <keys> <bytes>   a log of that many puts (no snapshots)
 *   store-child.ts recover <dir>              how long opening that directory takes
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { EmbeddedStore } from "../src/store/embedded.ts";
import { segmentName } from "../src/store/wal.ts";
import { configMapKey } from "./keys.ts";

const [command, ...args] = process.argv.slice(2);
const mb = (bytes: number) => bytes / 1024 / 1024;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

/**
 * Loads keys with 100 writers in flight, as a busy API server would. Every value is its own
 * string, as values parsed from requests are: one shared string would make memory look smaller.
 */
async function fill(store: EmbeddedStore, keys: number, bytes: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      for (let i = next++; i < keys; i = next++) {
        await store.put(configMapKey(i), `${i}:`.padEnd(bytes, "x"));
      }
    }),
  );
}

switch (command) {
  case "memory": {
    const [keys, bytes] = args.map(Number) as [number, number];
    gc();
    const before = process.memoryUsage();
    const store = await EmbeddedStore.open();
    await fill(store, keys, bytes);
    gc();
    const after = process.memoryUsage();
    const count = (await store.range({ key: "/registry/", prefix: true, countOnly: true })).count;
    console.log(
      JSON.stringify({
        keys: count,
        heapMB: mb(after.heapUsed - before.heapUsed),
        rssMB: mb(after.rss),
      }),
    );
    await store.close();
    break;
  }
  case "write-log": {
    const [dir, keys, bytes] = [args[0] as string, Number(args[1]), Number(args[2])];
    const store = await EmbeddedStore.open({
      dataDir: dir,
      fsync: false,
      snapshotEvery: Number.POSITIVE_INFINITY,
    });
    await fill(store, keys, bytes);
    await store.close();
    console.log(JSON.stringify({ logMB: mb((await stat(join(dir, segmentName(1)))).size) }));
    break;
  }
  case "recover": {
    const started = performance.now();
    const store = await EmbeddedStore.open({ dataDir: args[0] as string, fsync: false });
    const millis = performance.now() - started;
    const revision = await store.revision();
    console.log(JSON.stringify({ millis, revision, records: store.recovery?.records ?? 0 }));
    await store.close();
    break;
  }
  default:
    throw new Error(`unknown command ${command}`);
}
