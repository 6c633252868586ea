/**
 * The sidebar, in reading order: Introduction, the chapters from the table of contents (the
 * only list of chapters), Labs, Interview questions.
 */
import type { SidebarsConfig } from "@docusaurus/plugin-content-docs";
import { loadChapters } from "../chapters/toc.ts";
import { chapterLabel } from "./src/chapter-label.ts";

const sidebars = {
  main: [
    { type: "doc", id: "intro", label: "Introduction" },
    {
      type: "category",
      label: "Chapters",
      collapsible: false,
      items: loadChapters().map((chapter) => ({
        type: "doc" as const,
        id: chapter.docs,
        label: chapterLabel(chapter),
      })),
    },
    { type: "doc", id: "labs", label: "Labs" },
    { type: "doc", id: "interview-questions", label: "Interview questions" },
  ],
} satisfies SidebarsConfig;

export default sidebars;
