/**
 * Chapter 6: the kubelet and the container runtime. Run with
 * `npx tsx chapters/06-kubelet/src/main.ts`.
 */
import { runChapter } from "./chapter.ts";

const started = performance.now();
console.log(
  "Chapter 6 — the kubelet: a node registers, a pod is pulled, started, probed, restarted, logged and deleted\n",
);
const facts = await runChapter((line) => console.log(line));
console.log(
  `\nDone in ${((performance.now() - started) / 1000).toFixed(1)} s: web ran at ${facts.podIP} ` +
    `(pod CIDR ${facts.podCIDR}), lost Ready to its readiness probe and got it back, was restarted ` +
    `${facts.liveness.restartCount} times (a kill, a failed liveness probe); crasher waits in ` +
    `${facts.crashLoop.reason}. Everything started is stopped and its data deleted.`,
);
