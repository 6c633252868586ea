/** A throwaway repository (TOC, chapter pages, core sources) in a temp dir, for the tests. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach } from "vitest";

export const GOOD_SOURCE = `export const before = 1;

// #region Thing
export class Thing {
  readonly size = 1;
}
// #endregion Thing
`;

export const GOOD_PAGE = `---
description: A chapter.
---

# 1. Things

\`\`\`ts file=core/src/thing.ts region=Thing
\`\`\`

## Interview questions

### What is a thing?

A thing is [the class above](#code-Thing).

See it: \`npx tsx chapters/01-thing/src/main.ts\`

## Challenges

1. Make another thing.
`;

export const CHAPTER = {
  number: 1,
  slug: "01-thing",
  title: "Things",
  core: ["thing"],
  docs: "chapters/01-thing",
  lab: "01-thing",
};

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** Writes `files` (path relative to the root -> content) and returns the root. */
export function fakeRepo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "tinykube-docs-"));
  roots.push(root);
  const all: Record<string, string> = {
    "chapters/chapters.json": JSON.stringify([CHAPTER]),
    "docs/docs/chapters/01-thing.md": GOOD_PAGE,
    "core/src/thing.ts": GOOD_SOURCE,
    ...files,
  };
  for (const [path, content] of Object.entries(all)) {
    const abs = join(root, path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  return root;
}
