/** The table of contents is the single list of chapters: every entry must have all its parts. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadChapters, tocProblems } from "../../chapters/toc.ts";

const roots: string[] = [];
function fakeRepo(chapters: unknown): string {
  const root = mkdtempSync(join(tmpdir(), "tinykube-toc-"));
  roots.push(root);
  mkdirSync(join(root, "chapters"));
  writeFileSync(join(root, "chapters", "chapters.json"), JSON.stringify(chapters));
  return root;
}
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe("chapters/chapters.json", () => {
  it("lists at least one chapter, and every listed chapter has its package, page, lab and core module", () => {
    const chapters = loadChapters();
    expect(chapters.length).toBeGreaterThan(0);
    expect(tocProblems(chapters)).toEqual([]);
  });

  it("reports each missing part by chapter and path", () => {
    const root = fakeRepo([
      {
        number: 2,
        slug: "01-x",
        title: "X",
        core: ["nowhere"],
        docs: "chapters/01-x",
        lab: "01-x",
      },
    ]);
    const problems = tocProblems(loadChapters(root), root);
    expect(problems).toEqual([
      "chapter 01-x: number 2, expected 1 (chapters are listed in order, without gaps)",
      'chapter 01-x: slug should start with "02-"',
      `chapter 01-x: package missing at ${join(root, "chapters/01-x/package.json")}`,
      `chapter 01-x: runnable src/main.ts missing at ${join(root, "chapters/01-x/src/main.ts")}`,
      `chapter 01-x: docs page missing at ${join(root, "docs/docs/chapters/01-x.md")}`,
      `chapter 01-x: lab missing at ${join(root, "labs/01-x/lab.json")}`,
      `chapter 01-x: core module missing at ${join(root, "core/src/nowhere")}`,
    ]);
  });

  it("rejects a malformed entry with the field and value", () => {
    const root = fakeRepo([{ number: "one" }]);
    expect(() => loadChapters(root)).toThrow(
      /\[0\]\.number: expected a positive integer, got "one"/,
    );
  });
});
