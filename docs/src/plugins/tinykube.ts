/**
 * The site's own Docusaurus plugin. It
 *
 * 1. writes docs/docs/interview-questions.md from the chapter pages (in table-of-contents
 *    order), when the site loads and again whenever a chapter page or the TOC changes under
 *    `docusaurus start`;
 * 2. publishes the table of contents as global data, for <ChapterFor> and <LabList>;
 * 3. adds embed-dependencies-loader.js after mdx-loader, so a page is rebuilt when a file it
 *    embeds changes (see embed-dependencies.ts).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LoadContext, Plugin } from "@docusaurus/types";
import { type Chapter, loadChapters } from "../../../chapters/toc.ts";
import { chapterLabel } from "../chapter-label.ts";
import { interviewQuestions, renderInterviewIndex } from "../literate/interview.ts";
import { parsePage } from "../literate/page.ts";

export interface TinykubeOptions {
  /** Absolute path of the repository root. */
  root: string;
}

/** What <ChapterFor> and <LabList> read with usePluginData("tinykube"). */
export interface TinykubeGlobalData {
  chapters: Chapter[];
}

export const INTERVIEW_INDEX = "interview-questions.md";

const pagePath = (docsDir: string, chapter: Chapter) => join(docsDir, `${chapter.docs}.md`);

/** Regenerates the interview-questions page; writes only when it changed, to spare the watcher. */
export function writeInterviewIndex(docsDir: string, chapters: Chapter[]): void {
  const content = renderInterviewIndex(
    chapters.map((chapter) => {
      const page = pagePath(docsDir, chapter);
      return {
        label: chapterLabel(chapter),
        docId: chapter.docs,
        questions: existsSync(page) ? interviewQuestions(parsePage(readFileSync(page, "utf8"))) : [],
      };
    }),
  );
  const target = join(docsDir, INTERVIEW_INDEX);
  if (!existsSync(target) || readFileSync(target, "utf8") !== content) writeFileSync(target, content);
}

export default function tinykubePlugin(context: LoadContext, options: TinykubeOptions): Plugin<TinykubeGlobalData> {
  const docsDir = join(context.siteDir, "docs");
  // Before any plugin loads content: the docs plugin must find the page on its first read.
  writeInterviewIndex(docsDir, loadChapters(options.root));

  return {
    name: "tinykube",

    getPathsToWatch() {
      const chapters = loadChapters(options.root);
      return [join(options.root, "chapters", "chapters.json"), ...chapters.map((c) => pagePath(docsDir, c))];
    },

    async loadContent() {
      const chapters = loadChapters(options.root);
      writeInterviewIndex(docsDir, chapters);
      return { chapters };
    },

    async contentLoaded({ content, actions }) {
      actions.setGlobalData(content);
    },

    configureWebpack() {
      return {
        module: {
          rules: [
            {
              test: /\.mdx?$/i,
              include: [docsDir],
              enforce: "post",
              use: [{ loader: fileURLToPath(new URL("./embed-dependencies-loader.js", import.meta.url)) }],
            },
          ],
        },
      };
    },
  };
}
