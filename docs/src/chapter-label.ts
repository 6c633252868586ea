/** How a chapter is named in the sidebar, the chapter map and the indexes: "1. <title>". */
export function chapterLabel(chapter: { number: number; title: string }): string {
  return `${chapter.number}. ${chapter.title}`;
}
