/**
 * docs:check — that the docs and the code they show still agree, before anything is built.
 *
 * 1. Every page under docs/docs is parsed; every embed must name an existing file, a region
 *    that exists in it, in a file whose region markers are well formed (balanced, nested,
 *    unique), and must have an empty body. Anchors must be unique on a page, and links to a
 *    `#code-...` anchor must land on an embed.
 * 2. Every chapter in the table of contents must have its page, and each page in
 *    docs/docs/chapters/ must be in the table of contents.
 * 3. Every chapter page must end with "## Interview questions" (at least one "###" question,
 *    each with an answer, a link to code and a "See it:" command) and "## Challenges".
 *
 * Problems carry the file (relative to the repository root), the line, and what was expected.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { type Chapter, loadChapters } from "../../../chapters/toc.ts";
import { EmbedError, embedPath, isEmbedMeta, parseEmbedMeta } from "./embed.ts";
import {
  CHALLENGES_HEADING,
  findHeading,
  INTERVIEW_HEADING,
  interviewQuestions,
  questionProblems,
} from "./interview.ts";
import { type Block, parsePage, sectionOf } from "./page.ts";
import { parseRegions } from "./regions.ts";

export interface Problem {
  /** Relative to the repository root, with forward slashes. */
  file: string;
  line: number;
  message: string;
}

export interface CheckResult {
  problems: Problem[];
  pages: number;
  embeds: number;
  questions: number;
}

/** docs/docs relative to the repository root. */
export const DOCS_DIR = join("docs", "docs");

function listPages(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.mdx?$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const posix = (p: string) => p.split(sep).join("/");

export function checkDocs(root: string, chapters: Chapter[] = loadChapters(root)): CheckResult {
  const problems: Problem[] = [];
  const docsDir = join(root, DOCS_DIR);
  const rel = (abs: string) => posix(relative(root, abs));
  const pages = new Map<string, Block[]>(
    listPages(docsDir).map((p) => [p, parsePage(readFileSync(p, "utf8"))]),
  );
  let embeds = 0;
  let questions = 0;

  // 1. Embeds, their anchors, and links to them.
  const anchors = new Map<string, Set<string>>();
  const sourceChecked = new Map<string, ReturnType<typeof parseRegions> | null>();
  for (const [page, blocks] of pages) {
    const seen = new Map<string, number>();
    for (const b of blocks) {
      if (b.kind !== "fence" || !isEmbedMeta(b.meta)) continue;
      embeds++;
      const at = (message: string) => problems.push({ file: rel(page), line: b.line, message });
      const parsed = parseEmbedMeta(b.meta);
      if (!parsed.ok) {
        at(parsed.error);
        continue;
      }
      const { embed } = parsed;
      if (b.content.trim() !== "")
        at(`embed of ${embed.file} has a body; expected an empty block (the build fills it)`);
      const first = seen.get(embed.anchor);
      if (first !== undefined) {
        at(
          `anchor "${embed.anchor}" is already used on this page (line ${first}); add id=<other name> to one embed`,
        );
      }
      seen.set(embed.anchor, b.line);

      let path: string;
      try {
        path = embedPath(root, embed.file);
      } catch (error) {
        at(error instanceof EmbedError ? error.message : String(error));
        continue;
      }
      if (!sourceChecked.has(path)) {
        const regions = existsSync(path) ? parseRegions(readFileSync(path, "utf8")) : null;
        sourceChecked.set(path, regions);
        for (const p of regions?.problems ?? []) {
          problems.push({
            file: rel(path),
            line: p.line,
            message: `${p.message} (embedded from ${rel(page)}:${b.line})`,
          });
        }
      }
      const regions = sourceChecked.get(path);
      if (!regions) {
        at(
          `file=${embed.file}: no such file; expected a path from the repository root, e.g. core/src/util/clock.ts`,
        );
      } else if (embed.region !== undefined && !regions.names.has(embed.region)) {
        const known = [...regions.regions.keys()].map((k) => `"${k}"`).join(", ");
        at(
          `${embed.file} has no region "${embed.region}"; expected "// #region ${embed.region}" ... "// #endregion ${embed.region}" in it (it has ${known || "no regions"})`,
        );
      }
    }
    anchors.set(page, new Set(seen.keys()));
  }
  for (const [page, blocks] of pages) {
    for (const b of blocks) {
      if (b.kind !== "paragraph" && b.kind !== "inline") continue;
      for (const href of b.links) {
        const hash = href.indexOf("#code-");
        if (hash === -1) continue;
        const target = href.slice(0, hash);
        const anchor = href.slice(hash + 1);
        if (/^[a-z]+:|^\//i.test(target)) continue; // a URL or a route: the build checks those
        const targetPage = target === "" ? page : resolve(dirname(page), decodeURI(target));
        const targetAnchors = anchors.get(targetPage);
        if (!targetAnchors) {
          problems.push({
            file: rel(page),
            line: b.line,
            message: `link ${href}: no page ${rel(targetPage)}`,
          });
        } else if (!targetAnchors.has(anchor)) {
          const known = [...targetAnchors].join(", ");
          problems.push({
            file: rel(page),
            line: b.line,
            message: `link ${href}: no embed with anchor "${anchor}" on ${rel(targetPage)}; expected one of: ${known || "(no embeds there)"}`,
          });
        }
      }
    }
  }

  // 2. The table of contents and the chapter pages agree.
  const listed = new Set<string>();
  for (const chapter of chapters) {
    const page = join(docsDir, `${chapter.docs}.md`);
    listed.add(page);
    const blocks = pages.get(page);
    if (!blocks) {
      problems.push({
        file: "chapters/chapters.json",
        line: 1,
        message: `chapter ${chapter.number} (${chapter.slug}) has no page; expected ${rel(page)}`,
      });
      continue;
    }
    // 3. The interview questions and challenges every chapter ends with.
    const file = rel(page);
    const interview = findHeading(blocks, 2, INTERVIEW_HEADING);
    if (!interview) {
      problems.push({
        file,
        line: 1,
        message: `no "## ${INTERVIEW_HEADING}" section; every chapter page needs one`,
      });
    } else {
      const qs = interviewQuestions(blocks);
      questions += qs.length;
      if (qs.length === 0) {
        problems.push({
          file,
          line: interview.line,
          message: `"## ${INTERVIEW_HEADING}" has no questions; expected at least one "### <question>" heading`,
        });
      }
      for (const q of qs) for (const p of questionProblems(q)) problems.push({ file, ...p });
    }
    const challenges = findHeading(blocks, 2, CHALLENGES_HEADING);
    if (!challenges) {
      problems.push({
        file,
        line: 1,
        message: `no "## ${CHALLENGES_HEADING}" section; every chapter page ends with challenges`,
      });
    } else if (sectionOf(blocks, challenges).length === 0) {
      problems.push({
        file,
        line: challenges.line,
        message: `"## ${CHALLENGES_HEADING}" is empty; expected at least one challenge`,
      });
    }
  }
  for (const page of pages.keys()) {
    if (page.startsWith(join(docsDir, "chapters") + sep) && !listed.has(page)) {
      problems.push({
        file: rel(page),
        line: 1,
        message: `chapter page not in chapters/chapters.json; add its chapter there (docs: "${posix(relative(docsDir, page)).replace(/\.mdx?$/, "")}") or move the page`,
      });
    }
  }

  problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return { problems, pages: pages.size, embeds, questions };
}
