/** Chapter 4: the controller manager. Run with `npx tsx chapters/04-controllers/src/main.ts`. */
import { runChapter } from "./chapter.ts";

console.log(
  "Chapter 4 — controllers: a Deployment becomes a ReplicaSet becomes pods; a rolling update; a rollback\n",
);
const started = performance.now();
const facts = await runChapter((line) => console.log(line));
const most = Math.max(...facts.steps.map((s) => s.total));
const least = Math.min(...facts.steps.map((s) => s.available));
console.log(
  `\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s. The rollout took ${facts.steps.length} observed steps, ` +
    `never above ${most} pods (limit ${4 + facts.maxSurge}) nor below ${least} available (limit ${4 - facts.maxUnavailable}); ` +
    `the rollback made revision 1's ReplicaSet revision ${facts.rolledBackTo}. Everything started is stopped and its data deleted.`,
);
