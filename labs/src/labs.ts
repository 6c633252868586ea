/**
 * The lab runner's engine: find a lab from the table of contents, run its tests against a file
 * (the reader's, the starter, or the core's), and turn vitest's report into plain words.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { type Chapter, loadChapters, repoRoot } from "../../chapters/toc.ts";

export interface Lab {
  chapter: Chapter;
  /** Folder under labs/, e.g. "01-store". */
  name: string;
  dir: string;
  title: string;
  goal: string;
  /** The file the reader writes, e.g. "key-history.ts". */
  file: string;
  /** The core file whose implementation passes, relative to the repo root. */
  core: string;
  hints: string[];
  starter: string;
  /** Where the reader's copy lives (created from the starter). */
  work: string;
  test: string;
}

export function loadLabs(root = repoRoot): Lab[] {
  return loadChapters(root).map((chapter) => {
    const dir = join(root, "labs", chapter.lab);
    const meta = JSON.parse(readFileSyncOrThrow(join(dir, "lab.json"))) as {
      title: string;
      goal: string;
      file: string;
      core: string;
      hints: string[];
    };
    return {
      chapter,
      name: chapter.lab,
      dir,
      title: meta.title,
      goal: meta.goal,
      file: meta.file,
      core: meta.core,
      hints: meta.hints,
      starter: join(dir, "starter.ts"),
      work: join(root, "labs", "work", chapter.lab, meta.file),
      test: join(dir, "lab.test.ts"),
    };
  });
}

function readFileSyncOrThrow(path: string): string {
  if (!existsSync(path)) throw new Error(`lab description missing: ${path}`);
  return readFileSync(path, "utf8");
}

/** Finds a lab by chapter number ("1") or folder name ("01-store"). */
export function findLab(labs: Lab[], which: string | undefined): Lab {
  const lab = labs.find((l) => String(l.chapter.number) === which || l.name === which);
  if (!lab) {
    const known = labs.map((l) => `${l.chapter.number} (${l.name})`).join(", ");
    throw new Error(`no lab ${JSON.stringify(which)}; the labs are: ${known}`);
  }
  return lab;
}

export interface CaseResult {
  name: string;
  passed: boolean;
  /** The assertion's message without the stack, when the case failed. */
  why?: string;
}

export interface LabRun {
  cases: CaseResult[];
  /** A failure outside any case: the file did not load, a syntax error, a missing export. */
  loadError?: string;
}

/** Runs a lab's tests against `implementation` in a separate vitest process. */
export async function runLab(lab: Lab, implementation: string): Promise<LabRun> {
  const out = await mkdtemp(join(tmpdir(), "tinykube-lab-"));
  const report = join(out, "report.json");
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          join(repoRoot, "node_modules", "vitest", "vitest.mjs"),
          "run",
          "--config",
          join(repoRoot, "labs", "src", "lab.vitest.config.ts"),
          "--reporter=json",
          `--outputFile=${report}`,
          lab.test,
        ],
        {
          cwd: join(repoRoot, "labs"),
          env: { ...process.env, TINYKUBE_LAB_IMPL: implementation, FORCE_COLOR: "0" },
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      let stderr = "";
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on("error", reject);
      child.on("exit", () =>
        existsSync(report) ? resolve() : reject(new Error(`vitest wrote no report:\n${stderr}`)),
      );
    });
    return parseReport(JSON.parse(await readFile(report, "utf8")));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

interface VitestJson {
  testResults: {
    message?: string;
    assertionResults: { fullName: string; status: string; failureMessages?: string[] }[];
  }[];
}

export function parseReport(json: VitestJson): LabRun {
  const cases: CaseResult[] = [];
  let loadError: string | undefined;
  for (const file of json.testResults) {
    if (file.message && file.assertionResults.length === 0) loadError = firstLines(file.message);
    for (const a of file.assertionResults) {
      if (a.status === "skipped" || a.status === "pending" || a.status === "todo") continue;
      const result: CaseResult = { name: a.fullName, passed: a.status === "passed" };
      if (!result.passed)
        result.why = firstLines(a.failureMessages?.[0] ?? "failed without a message");
      cases.push(result);
    }
  }
  return loadError === undefined ? { cases } : { cases, loadError };
}

/** The message part of an error: up to the stack trace, colour codes removed. */
function firstLines(message: string): string {
  const plain = stripVTControlCharacters(message);
  const lines: string[] = [];
  for (const line of plain.split("\n")) {
    if (/^\s+at /.test(line) || /^\s*❯ /.test(line)) break;
    lines.push(line);
  }
  return lines.join("\n").trim();
}

/** What `lab:verify` proves for one lab: the core passes every case, the starter fails some. */
export async function verifyLab(lab: Lab): Promise<string[]> {
  const problems: string[] = [];
  const core = await runLab(lab, join(repoRoot, lab.core));
  const coreFailures = core.cases.filter((c) => !c.passed);
  if (core.loadError)
    problems.push(`the core's ${lab.core} does not load in lab ${lab.name}: ${core.loadError}`);
  if (core.cases.length === 0) problems.push(`lab ${lab.name} has no test cases`);
  for (const c of coreFailures) problems.push(`the core's ${lab.core} fails "${c.name}": ${c.why}`);
  const starter = await runLab(lab, lab.starter);
  if (!starter.loadError && starter.cases.every((c) => c.passed)) {
    problems.push(
      `the untouched starter of lab ${lab.name} passes every case: the lab tests nothing`,
    );
  }
  return problems;
}
