/**
 * Chapter 8: cluster DNS and ingress. Run with `npx tsx chapters/08-dns-ingress/src/main.ts`.
 */
import { runChapter } from "./chapter.ts";

const started = performance.now();
console.log(
  "Chapter 8 — cluster DNS and ingress: Services found by name, then reached from outside by host and path\n",
);
const facts = await runChapter((line) => console.log(line));
const web = facts.walks.find((w) => w.name === "web");
console.log(
  `\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s: "web" became ` +
    `${web?.queries[0]?.name} in ${web?.queries.length} query (ndots:5, the search path first) and ` +
    `answered ${web?.answer.join(", ")}; the headless web-pods answered each pod ` +
    `(${facts.headlessAfterScale.length} after the scale); the Ingress at ${facts.ingressAddress} sent ` +
    `a.example to ${new Set(facts.aExampleAnsweredBy).size} web pods and b.example/api to ${facts.bExampleApi.pod}, ` +
    `404 where nothing matched, 503 once api had no endpoints. Everything started is stopped and its data deleted.`,
);
