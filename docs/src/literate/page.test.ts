import { describe, expect, it } from "vitest";
import { type Heading, parsePage } from "./page.ts";

const headings = (text: string) =>
  parsePage(text).filter((b): b is Heading => b.kind === "heading");

describe("parsePage", () => {
  it("keeps the file's line numbers across front matter", () => {
    const blocks = parsePage("---\ntitle: x\n---\n\n# Title\n\n```ts file=a.ts\n```\n");
    expect(blocks.map((b) => [b.kind, b.line])).toEqual([
      ["heading", 5],
      ["fence", 7],
    ]);
    expect(blocks[1]).toMatchObject({ lang: "ts", meta: "file=a.ts", content: "" });
  });

  it("gives headings Docusaurus' ids: slugs, repeats, explicit ids", () => {
    const ids = headings(
      "# A `resourceVersion`, explained!\n## Watch\n## Watch\n### What is it? {#what}\n## Durability: the log",
    ).map((h) => h.id);
    expect(ids).toEqual([
      "a-resourceversion-explained",
      "watch",
      "watch-1",
      "what",
      "durability-the-log",
    ]);
  });

  it("keeps a heading's Markdown source without its explicit id", () => {
    const [h] = headings("### What does `rv` mean? {#rv}");
    expect(h).toMatchObject({
      source: "What does `rv` mean?",
      text: "What does rv mean?",
      id: "rv",
    });
  });

  it("collects links and inline code of paragraphs", () => {
    const [p] = parsePage("See [code](#code-Put) and `npx tsx x.ts`.");
    expect(p).toMatchObject({
      kind: "paragraph",
      links: ["#code-Put"],
      inlineCode: ["npx tsx x.ts"],
    });
  });
});
