/**
 * The site's own Docusaurus plugin. It
 *
 * 1. writes docs/docs/interview-questions.md from the chapter pages (in table-of-contents
 *    order), when the site loads and again whenever a chapter page or the TOC changes under
 *    `docusaurus start`;
 * 2. publishes the table of contents as global data, for <ChapterFor> and <LabList>;
 * 3. adds embed-dependencies-loader.js after mdx-loader, so a page is rebuilt when a file it
 *    embeds changes (see embed-dependencies.ts);
 * 4. makes webpack's persistent cache depend on this site's remark plugin and literate code:
 *    webpack evicts it when the config file changes, not when a module the config imports
 *    does, and a cached page would keep the old plugin's output;
 * 5. has webpack parse the generated .docusaurus/*.js files as "javascript/auto". This package
 *    is `"type": "module"` (the scripts and this plugin are ESM TypeScript), which makes webpack
 *    parse those files as strict ESM, where it leaves the route registry's
 *    `require.resolveWeak(...)` untouched and the server render fails with "require.resolveWeak
 *    is not a function" (webpack/webpack#15775).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LoadContext, Plugin } from "@docusaurus/types";
import { type Chapter, loadChapters, repoRoot } from "../../../chapters/toc.ts";
import { chapterLabel } from "../chapter-label.ts";
import { interviewQuestions, renderInterviewIndex } from "../literate/interview.ts";
import { parsePage } from "../literate/page.ts";

/** What <ChapterFor> and <LabList> read with usePluginData("tinykube"). */
export interface TinykubeGlobalData {
  chapters: Chapter[];
}

export const INTERVIEW_INDEX = "interview-questions.md";

const pluginDir = fileURLToPath(new URL(".", import.meta.url)).replace(/\/$/, "");

/** The modules that shape a page's compiled output: this directory's and ../literate's. */
function buildDependencies(): string[] {
  return [pluginDir, join(pluginDir, "../literate")].flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => /\.[jt]s$/.test(f) && !f.endsWith(".test.ts"))
      .map((f) => join(dir, f)),
  );
}

const pagePath = (docsDir: string, chapter: Chapter) => join(docsDir, `${chapter.docs}.md`);

/** Regenerates the interview-questions page; writes only when it changed, to spare the watcher. */
export function writeInterviewIndex(docsDir: string, chapters: Chapter[]): void {
  const content = renderInterviewIndex(
    chapters.map((chapter) => {
      const page = pagePath(docsDir, chapter);
      return {
        label: chapterLabel(chapter),
        docId: chapter.docs,
        questions: existsSync(page)
          ? interviewQuestions(parsePage(readFileSync(page, "utf8")))
          : [],
      };
    }),
  );
  const target = join(docsDir, INTERVIEW_INDEX);
  if (!existsSync(target) || readFileSync(target, "utf8") !== content) {
    writeFileSync(target, content);
  }
}

export default function tinykubePlugin(context: LoadContext): Plugin {
  const docsDir = join(context.siteDir, "docs");
  // Before any plugin loads content: the docs plugin must find the page on its first read.
  writeInterviewIndex(docsDir, loadChapters(repoRoot));

  return {
    name: "tinykube",

    getPathsToWatch() {
      const chapters = loadChapters(repoRoot);
      return [
        join(repoRoot, "chapters", "chapters.json"),
        ...chapters.map((c) => pagePath(docsDir, c)),
      ];
    },

    async loadContent() {
      const chapters = loadChapters(repoRoot);
      writeInterviewIndex(docsDir, chapters);
      return { chapters } satisfies TinykubeGlobalData;
    },

    async contentLoaded({ content, actions }) {
      actions.setGlobalData(content);
    },

    configureWebpack(config) {
      const cache = config.cache;
      const persistent = typeof cache === "object" && cache !== null && cache.type === "filesystem";
      return {
        ...(persistent && {
          cache: {
            type: "filesystem",
            buildDependencies: { tinykube: buildDependencies() },
          },
        }),
        module: {
          rules: [
            { test: /\.js$/, include: [context.generatedFilesDir], type: "javascript/auto" },
            {
              test: /\.mdx?$/i,
              include: [docsDir],
              enforce: "post",
              use: [{ loader: join(pluginDir, "embed-dependencies-loader.js") }],
            },
          ],
        },
      };
    },
  };
}
