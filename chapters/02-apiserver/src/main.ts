/** Chapter 2: the API server. Run with `npx tsx chapters/02-apiserver/src/main.ts`. */
import { runChapter } from "./chapter.ts";

console.log(
  "Chapter 2 — the API server: a request's path (authentication, authorization, admission, registry, store, watch)\n",
);
const started = performance.now();
const facts = await runChapter((line) => console.log(line));
console.log(
  `\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s. Allowed ${facts.allowed.status}, ` +
    `unauthenticated ${facts.unauthenticated.status}, forbidden ${facts.forbidden.status}, ` +
    `invalid ${facts.invalid.status}, already exists ${facts.alreadyExists.status}, ` +
    `conflict ${facts.conflict.loser.status}, stale watch ${facts.watch.gone.code}; ` +
    `the CRD's resource ${facts.crd.inDiscoveryAfter ? "appeared" : "did not appear"} in discovery. ` +
    "The server is stopped and its data directory deleted.",
);
