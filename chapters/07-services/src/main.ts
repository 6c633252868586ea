/**
 * Chapter 7: Services and kube-proxy. Run with `npx tsx chapters/07-services/src/main.ts`.
 */
import { runChapter } from "./chapter.ts";

const started = performance.now();
console.log(
  "Chapter 7 — Services and kube-proxy: a Deployment behind a ClusterIP, its EndpointSlice, " +
    "round-robin, readiness, session affinity, a NodePort and the iptables rules\n",
);
const facts = await runChapter((line) => console.log(line));
const distinct = (names: string[]) => new Set(names).size;
console.log(
  `\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s: 6 requests reached ` +
    `${distinct(facts.roundRobin)} pods in turn, 10 after scaling reached ${distinct(facts.scaled.answers)}, ` +
    `8 after ${facts.unready.pod} failed its readiness probe reached ${distinct(facts.unready.answers)}; ` +
    `with ClientIP affinity each client kept one pod; the NodePort answered on ` +
    `${Object.keys(facts.nodePort).length} node addresses; iptables mode would spread the Service ` +
    `over ${facts.rules.sepChains.length} KUBE-SEP chains from ${facts.rules.svcChain}. ` +
    "Everything started is stopped and its data deleted.",
);
