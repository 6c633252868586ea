/**
 * The writer in the crash test (crash.test.ts): opens the store in a data directory and writes
 * until it is killed, printing one line per acknowledged write. Usage: crash-child.ts <dir> <run>
 *
 * Writes are unique keys, so every acknowledged one must be found after recovery; every fifth is a
 * transaction writing two keys, which must appear both or not at all.
 */
import { writeSync } from "node:fs";
import { valueForKey as valueFor } from "./crash-values.ts";
import { EmbeddedStore } from "./embedded.ts";

const [dir, run] = process.argv.slice(2);
if (!dir || !run) throw new Error("usage: crash-child.ts <dataDir> <run>");

const store = await EmbeddedStore.open({ dataDir: dir, snapshotEvery: 97 });
writeSync(1, `ready ${await store.revision()}\n`);

/** Concurrent writers, so group commits carry several records when the kill lands. */
const WRITERS = 8;
let next = 0;
await Promise.all(
  Array.from({ length: WRITERS }, async () => {
    for (;;) {
      const i = next++;
      const key = `/crash/${run}/${String(i).padStart(6, "0")}`;
      if (i % 5 === 0) {
        const { revision } = await store.txn({
          success: [
            { type: "put", key: `${key}/a`, value: valueFor(`${key}/a`) },
            { type: "put", key: `${key}/b`, value: valueFor(`${key}/b`) },
          ],
        });
        writeSync(1, `ack ${key}/a ${revision}\nack ${key}/b ${revision}\n`);
      } else {
        const { revision } = await store.put(key, valueFor(key));
        writeSync(1, `ack ${key} ${revision}\n`);
      }
    }
  }),
);
