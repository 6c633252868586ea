/** Chapter 3: list-watch, informers and the work queue. Run with `npx tsx chapters/03-informers/src/main.ts`. */
import { runChapter } from "./chapter.ts";

console.log(
  "Chapter 3 — list-watch, informers and the work queue: reflector, cache and handlers, 410 and re-list, keys and workers, leader election\n",
);
const started = performance.now();
const facts = await runChapter((line) => console.log(line));
console.log(
  `\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s. The reflector listed ${facts.firstList.count} configmaps ` +
    `and watched from resourceVersion ${facts.firstWatch.from}; after the cut it got 410 and re-listed ${facts.relist.count}. ` +
    `${facts.burst.updates} updates became ${facts.burst.reconciles} reconciles; a failing key was retried ` +
    `${facts.retry.failures.length} times (${facts.retry.failures.map((f) => `${f.delayMs} ms`).join(", ")}); ` +
    `${facts.leader.secondLeader} took over from ${facts.leader.firstLeader}. ` +
    "Everything is stopped and the server's data directory deleted.",
);
