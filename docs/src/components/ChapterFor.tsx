/**
 * The chapter(s) that build a part of the system, from the table of contents: every chapter
 * whose `core` lists one of `modules`. Renders "planned" when no chapter builds it yet, so a
 * map of the architecture fills in by itself as chapters land.
 *
 *     <ChapterFor modules="store" />
 */
import Link from "@docusaurus/Link";
import { chapterLabel } from "../chapter-label.ts";
import { useChapters, useDocPath } from "./chapters.ts";

export default function ChapterFor({ modules }: { modules: string }) {
  const wanted = modules.split(/\s+/).filter(Boolean);
  const docPath = useDocPath();
  const chapters = useChapters().filter((c) => c.core.some((m) => wanted.includes(m)));
  if (chapters.length === 0) return <em>planned</em>;
  return (
    <>
      {chapters.map((c, i) => (
        <span key={c.slug}>
          {i > 0 && ", "}
          <Link to={docPath(c.docs)}>{chapterLabel(c)}</Link>
        </span>
      ))}
    </>
  );
}
