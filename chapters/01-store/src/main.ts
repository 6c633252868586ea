/** Chapter 1: the store. Run with `npx tsx chapters/01-store/src/main.ts`. */
import { runChapter } from "./chapter.ts";

console.log(
  "Chapter 1 — the store: etcd's model (revisions, watch, compare-and-swap, compaction, leases, recovery)\n",
);
const facts = await runChapter((line) => console.log(line));
console.log(
  `\nDone. ${facts.created.length} pods written, watch resumed with ${facts.resumed.length} missed events, ` +
    `one compare-and-swap lost, compaction at ${facts.compactRevision}, one lease expired, ` +
    `${facts.recoveredRecords} records recovered after restart.`,
);
