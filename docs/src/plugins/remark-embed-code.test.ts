import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fakeRepo } from "../literate/fixture.ts";
import { embedDependencies } from "./embed-dependencies.ts";
import remarkEmbedCode, { type MdastNode } from "./remark-embed-code.ts";

const code = (meta: string | null, value = "", line = 3) => ({
  type: "code",
  lang: "ts",
  meta,
  value,
  position: { start: { line } },
});

function run(root: string, children: MdastNode[], page = join(root, "docs/docs/page.md")) {
  const tree = { type: "root", children };
  remarkEmbedCode({ root })(tree, { path: page });
  return tree.children;
}

describe("remarkEmbedCode", () => {
  it("fills an embed with its region, titles it, and puts an anchor before it", () => {
    const root = fakeRepo({});
    const [anchor, block] = run(root, [
      code("file=core/src/thing.ts region=Thing showLineNumbers"),
    ]);
    expect(anchor).toMatchObject({
      type: "mdxJsxFlowElement",
      name: "a",
      attributes: [{ name: "id", value: "code-Thing" }],
    });
    expect(block).toMatchObject({
      type: "code",
      value: "export class Thing {\n  readonly size = 1;\n}",
      meta: 'title="core/src/thing.ts — Thing, lines 4–6" showLineNumbers',
    });
  });

  it("finds embeds nested in other nodes and leaves other code alone", () => {
    const root = fakeRepo({});
    const plain = code('title="x.ts"', "const x = 1;");
    const [item] = run(root, [
      { type: "listItem", children: [plain, code("file=core/src/thing.ts")] },
    ]);
    const children = (item?.children ?? []) as { type: string; value?: string }[];
    expect(children.map((c) => c.type)).toEqual(["code", "mdxJsxFlowElement", "code"]);
    expect(children[0]?.value).toBe("const x = 1;");
    expect(children[2]?.value).toContain("export const before = 1;");
  });

  it("fails the build on a missing region, naming the page and line", () => {
    const root = fakeRepo({});
    const page = join(root, "docs/docs/page.md");
    expect(() => run(root, [code("file=core/src/thing.ts region=Nope", "", 12)], page)).toThrow(
      `${page}:12: file=core/src/thing.ts: no region "Nope"; the file has "Thing"`,
    );
  });

  it("fails the build on a missing file and on a block that has a body", () => {
    const root = fakeRepo({});
    expect(() => run(root, [code("file=core/src/nope.ts")])).toThrow(/no such file/);
    expect(() => run(root, [code("file=core/src/thing.ts", "pasted")])).toThrow(/has a body/);
  });

  it("records each embedded file for webpack, even when the embed fails", () => {
    const root = fakeRepo({});
    const page = join(root, "docs/docs/page.md");
    const added: string[] = [];
    embedDependencies().live.set(
      page,
      new Map([["client", { addDependency: (f) => added.push(f) }]]),
    );
    try {
      run(root, [code("file=core/src/thing.ts")], page);
      expect(() => run(root, [code("file=core/src/nope.ts")], page)).toThrow();
    } finally {
      embedDependencies().live.delete(page);
    }
    expect(added).toEqual([join(root, "core/src/thing.ts"), join(root, "core/src/nope.ts")]);
    // A new compile of the page forgets what the previous one embedded.
    expect([...(embedDependencies().files.get(page) ?? [])]).toEqual([
      join(root, "core/src/nope.ts"),
    ]);
  });
});
