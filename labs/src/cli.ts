/**
 * npm run lab -- list | check <n> [file] | hint <n> [k] | verify
 *
 * list    the labs, from the table of contents
 * check   runs lab n's tests against your file (labs/work/<lab>/<file>, created from the starter
 *         the first time) and says which cases fail and why
 * hint    prints hint k (default 1) of lab n
 * verify  proves every lab is well-formed: the core's implementation passes, the starter fails
 */
import { existsSync } from "node:fs";
import { copyFile, mkdir } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { repoRoot } from "../../chapters/toc.ts";
import { findLab, type Lab, type LabRun, loadLabs, runLab, verifyLab } from "./labs.ts";

const [command, ...args] = process.argv.slice(2);
const rel = (path: string) => relative(process.cwd(), path) || ".";

async function main(): Promise<number> {
  const labs = loadLabs();
  switch (command) {
    case "list":
      for (const lab of labs) {
        const started = existsSync(lab.work) ? `your file: ${rel(lab.work)}` : "not started";
        console.log(
          `${lab.chapter.number}. ${lab.title}\n   chapter ${lab.chapter.slug} · ${started}`,
        );
      }
      console.log("\nStart one with: npm run lab -- check <n>");
      return 0;
    case "check":
      return check(findLab(labs, args[0]), args[1]);
    case "hint": {
      const lab = findLab(labs, args[0]);
      const k = Number(args[1] ?? 1);
      const hint = lab.hints[k - 1];
      if (!hint) {
        console.error(`lab ${lab.chapter.number} has hints 1 to ${lab.hints.length}`);
        return 1;
      }
      console.log(`Hint ${k} of ${lab.hints.length} for lab ${lab.chapter.number}:\n\n  ${hint}\n`);
      if (k < lab.hints.length)
        console.log(`Next: npm run lab -- hint ${lab.chapter.number} ${k + 1}`);
      return 0;
    }
    case "verify":
      return verify(labs);
    default:
      console.error("usage: npm run lab -- list | check <n> [file] | hint <n> [k] | verify");
      return 1;
  }
}

async function check(lab: Lab, file: string | undefined): Promise<number> {
  const target = file ? resolve(process.env.INIT_CWD ?? process.cwd(), file) : lab.work;
  if (!file && !existsSync(target)) {
    await mkdir(dirname(target), { recursive: true });
    await copyFile(lab.starter, target);
    console.log(`Created ${rel(target)} from the starter. Edit it, then run this again.\n`);
  }
  if (!existsSync(target)) {
    console.error(`no such file: ${target}`);
    return 1;
  }
  console.log(
    `Lab ${lab.chapter.number}: ${lab.title}\n${lab.goal}\n\nChecking ${rel(target)} ...\n`,
  );
  const run = await runLab(lab, target);
  report(run);
  const failed = run.loadError !== undefined || run.cases.some((c) => !c.passed);
  if (failed) console.log(`\nStuck? npm run lab -- hint ${lab.chapter.number}`);
  return failed ? 1 : 0;
}

/** Failures first, each with its case name and the expectation that failed; then a count. */
function report(run: LabRun): void {
  if (run.loadError) {
    console.log(`✗ your file did not load:\n${indent(run.loadError)}`);
    return;
  }
  const failures = run.cases.filter((c) => !c.passed);
  const SHOWN = 8;
  for (const c of failures.slice(0, SHOWN)) console.log(`✗ ${c.name}\n${indent(c.why ?? "")}\n`);
  if (failures.length > SHOWN) console.log(`… and ${failures.length - SHOWN} more failing cases\n`);
  const passed = run.cases.length - failures.length;
  console.log(
    failures.length === 0
      ? `✓ all ${passed} cases pass: the core's own contract cases run on your code.`
      : `${passed} of ${run.cases.length} cases pass, ${failures.length} fail.`,
  );
}

async function verify(labs: Lab[]): Promise<number> {
  let problems = 0;
  for (const lab of labs) {
    const found = await verifyLab(lab);
    problems += found.length;
    console.log(
      found.length === 0
        ? `✓ lab ${lab.name}: the core passes, the starter fails`
        : `✗ lab ${lab.name}:`,
    );
    for (const p of found) console.log(indent(p));
  }
  console.log(`${labs.length} labs verified, ${problems} problems (repo ${rel(repoRoot)})`);
  return problems === 0 ? 0 : 1;
}

const indent = (text: string) =>
  text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");

process.exitCode = await main().catch((error: Error) => {
  console.error(error.message);
  return 1;
});
