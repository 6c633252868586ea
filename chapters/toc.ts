/**
 * The one table of contents. chapters.json lists the chapters in order; the docs sidebar, the
 * lab runner, `npm start` and the table-of-contents test all read it through this module, so
 * nothing lists the chapters by hand twice.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Chapter {
  /** 1, 2, ... in reading order. */
  number: number;
  /** Folder name under chapters/, e.g. "01-store". */
  slug: string;
  title: string;
  /** Modules under core/src/ the chapter builds. */
  core: string[];
  /** Docs page id under docs/docs/, without extension, e.g. "chapters/01-store". */
  docs: string;
  /** Folder name under labs/, e.g. "01-store". */
  lab: string;
}

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");

export function loadChapters(root = repoRoot): Chapter[] {
  const file = join(root, "chapters", "chapters.json");
  const raw: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (!Array.isArray(raw)) throw new Error(`${file}: expected an array of chapters`);
  return raw.map((entry, i) => parseChapter(entry, `${file}[${i}]`));
}

function parseChapter(entry: unknown, where: string): Chapter {
  if (typeof entry !== "object" || entry === null) throw new Error(`${where}: expected an object`);
  const e = entry as Record<string, unknown>;
  const str = (name: string): string => {
    const v = e[name];
    if (typeof v !== "string" || v === "")
      throw new Error(`${where}.${name}: expected a non-empty string, got ${JSON.stringify(v)}`);
    return v;
  };
  const { number, core } = e;
  if (typeof number !== "number" || !Number.isInteger(number) || number < 1) {
    throw new Error(`${where}.number: expected a positive integer, got ${JSON.stringify(number)}`);
  }
  if (!Array.isArray(core) || !core.every((m) => typeof m === "string")) {
    throw new Error(
      `${where}.core: expected an array of module names, got ${JSON.stringify(core)}`,
    );
  }
  return {
    number,
    slug: str("slug"),
    title: str("title"),
    core,
    docs: str("docs"),
    lab: str("lab"),
  };
}

/** Where each part of a chapter lives on disk. */
export function chapterPaths(chapter: Chapter, root = repoRoot) {
  return {
    package: join(root, "chapters", chapter.slug, "package.json"),
    main: join(root, "chapters", chapter.slug, "src", "main.ts"),
    page: join(root, "docs", "docs", `${chapter.docs}.md`),
    lab: join(root, "labs", chapter.lab),
    coreModules: chapter.core.map((m) => join(root, "core", "src", m)),
  };
}

/** Every problem with the table of contents: missing parts, numbering gaps, duplicate slugs. */
export function tocProblems(chapters: Chapter[], root = repoRoot): string[] {
  const problems: string[] = [];
  chapters.forEach((c, i) => {
    const expected = i + 1;
    if (c.number !== expected) {
      problems.push(
        `chapter ${c.slug}: number ${c.number}, expected ${expected} (chapters are listed in order, without gaps)`,
      );
    }
    const prefix = `${String(c.number).padStart(2, "0")}-`;
    if (!c.slug.startsWith(prefix))
      problems.push(`chapter ${c.slug}: slug should start with "${prefix}"`);
    const p = chapterPaths(c, root);
    const need: [string, string][] = [
      [p.package, "package"],
      [p.main, "runnable src/main.ts"],
      [p.page, "docs page"],
      [join(p.lab, "lab.json"), "lab"],
      ...p.coreModules.map((m): [string, string] => [m, "core module"]),
    ];
    for (const [path, what] of need) {
      if (!existsSync(path)) problems.push(`chapter ${c.slug}: ${what} missing at ${path}`);
    }
  });
  const slugs = new Set<string>();
  for (const c of chapters) {
    if (slugs.has(c.slug)) problems.push(`chapter ${c.slug}: listed twice`);
    slugs.add(c.slug);
  }
  return problems;
}
