/**
 * Chapter 5: the scheduler. Run with `npx tsx chapters/05-scheduler/src/main.ts`, or with
 * `--use-lab [file]` to run the live scheduler with your ZoneSpread plugin from lab 5 (default
 * file: labs/work/05-scheduler/zone-spread.ts, created by `npm run lab -- check 5`).
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LAB_WORK_FILE, LabPluginError, runChapter } from "./chapter.ts";

const args = process.argv.slice(2);
const at = args.indexOf("--use-lab");
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const next = at === -1 ? undefined : args[at + 1];
// A path given is relative to where the command was typed (npm sets INIT_CWD to it).
const labFile =
  at === -1
    ? undefined
    : next && !next.startsWith("-")
      ? resolve(process.env.INIT_CWD ?? process.cwd(), next)
      : join(repoRoot, LAB_WORK_FILE);

const started = performance.now();
const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
const say = (line: string) => console.log(line);

if (labFile === undefined) {
  console.log(
    "Chapter 5 — the scheduler: Filter, Score, bind; taints, affinity, priority and preemption; a pod waiting for a node\n",
  );
  const facts = await runChapter(say);
  const where = Object.entries(facts.placements)
    .map(([pod, node]) => `${pod} → ${node}`)
    .join(", ");
  console.log(
    `\nDone in ${seconds()} s: ${facts.cycles.length} scheduling cycles; ${where}. ` +
      `critical preempted batch on ${facts.preemption.nominated}; big waited in ` +
      `${facts.tooBig.queueAfterFailure} until a node joined. Everything started is stopped and its data deleted.`,
  );
} else {
  console.log("Chapter 5 with lab 5 — the live scheduler running your ZoneSpread plugin\n");
  try {
    const facts = await runChapter(say, { useLab: labFile });
    const last = facts.zoneCounts.at(-1) ?? {};
    const zones = ["a", "b", "c"].map((z) => last[z] ?? 0);
    const balanced = facts.zoneCounts.every((c) => {
      const n = ["a", "b", "c"].map((z) => c[z] ?? 0);
      return Math.max(...n) - Math.min(...n) <= 1;
    });
    console.log(
      `\nDone in ${seconds()} s. app=web per zone: a ${zones[0]}, b ${zones[1]}, c ${zones[2]}; on the node without a zone: ${last[""] ?? 0}. ` +
        (balanced && (last[""] ?? 0) === 0
          ? "Spread evenly after every pod, and never on the unlabelled node: your plugin works in the live scheduler."
          : "Not spread as ZoneSpread should spread it: compare the scores above with the worked example in your file."),
    );
  } catch (error) {
    if (!(error instanceof LabPluginError)) throw error;
    console.error(`\n[lab] stopped after ${seconds()} s: ${error.message}`);
    process.exitCode = 1;
  }
}
