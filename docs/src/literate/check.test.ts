import { describe, expect, it } from "vitest";
import { checkDocs } from "./check.ts";
import { CHAPTER, fakeRepo, GOOD_PAGE, GOOD_SOURCE } from "./fixture.ts";

const PAGE = "docs/docs/chapters/01-thing.md";

/** The problems docs:check finds in a fake repository, as "file:line: message". */
function problems(files: Record<string, string>): string[] {
  return checkDocs(fakeRepo(files)).problems.map((p) => `${p.file}:${p.line}: ${p.message}`);
}

/** GOOD_PAGE with one piece of text replaced (the replacement must apply). */
function page(from: string | RegExp, to: string): Record<string, string> {
  const changed = GOOD_PAGE.replace(from, to);
  if (changed === GOOD_PAGE) throw new Error(`fixture: ${from} not found in GOOD_PAGE`);
  return { [PAGE]: changed };
}

describe("checkDocs", () => {
  it("passes a complete chapter, and counts what it checked", () => {
    const result = checkDocs(fakeRepo({}));
    expect(result.problems).toEqual([]);
    expect(result).toMatchObject({ pages: 1, embeds: 1, questions: 1 });
  });

  describe("embeds", () => {
    it("fails on a file that does not exist, at the embed's line", () => {
      expect(problems(page("core/src/thing.ts", "core/src/gone.ts"))).toEqual([
        `${PAGE}:7: file=core/src/gone.ts: no such file; expected a path from the repository root, e.g. core/src/util/clock.ts`,
      ]);
    });

    it("fails on a region the file does not have, naming the ones it has", () => {
      const found = problems(page("region=Thing", "region=Other"));
      expect(found).toEqual([
        `${PAGE}:7: core/src/thing.ts has no region "Other"; expected "// #region Other" ... "// #endregion Other" in it (it has "Thing")`,
        // The question's link to #code-Thing now lands nowhere either.
        `${PAGE}:14: link #code-Thing: no embed with anchor "code-Thing" on ${PAGE}; expected one of: code-Other`,
      ]);
    });

    it("fails on an unbalanced region in the embedded file, at the source line", () => {
      const found = problems({
        "core/src/thing.ts": GOOD_SOURCE.replace("// #endregion Thing\n", ""),
      });
      expect(found).toEqual([
        `core/src/thing.ts:3: region "Thing" is never closed; expected "// #endregion Thing" (embedded from ${PAGE}:7)`,
      ]);
    });

    it("fails on a region defined twice in the embedded file", () => {
      const found = problems({
        "core/src/thing.ts": `${GOOD_SOURCE}\n// #region Thing\nconst b = 2;\n// #endregion Thing\n`,
      });
      expect(found).toEqual([
        expect.stringMatching(/^core\/src\/thing.ts:9: region "Thing" is opened twice/),
      ]);
    });

    it("fails on an embed with a body", () => {
      expect(problems(page("region=Thing\n```", "region=Thing\nconst pasted = 1;\n```"))).toEqual([
        `${PAGE}:7: embed of core/src/thing.ts has a body; expected an empty block (the build fills it)`,
      ]);
    });

    it("fails on an unknown embed key", () => {
      expect(problems(page("region=Thing", "regoin=Thing"))[0]).toMatch(
        /:7: unknown embed key "regoin="/,
      );
    });

    it("fails on two embeds with the same anchor on a page", () => {
      const twice =
        "```ts file=core/src/thing.ts region=Thing\n```\n\n```ts file=core/src/thing.ts region=Thing\n```";
      expect(problems(page(/```ts file=core\/src\/thing.ts region=Thing\n```/, twice))).toEqual([
        `${PAGE}:10: anchor "code-Thing" is already used on this page (line 7); add id=<other name> to one embed`,
      ]);
    });

    it("fails on a link to a #code- anchor that no embed has, on another page too", () => {
      const found = problems({
        "docs/docs/other.md": "# Other\n\nSee [it](./chapters/01-thing.md#code-Nope).\n",
      });
      expect(found).toEqual([
        `docs/docs/other.md:3: link ./chapters/01-thing.md#code-Nope: no embed with anchor "code-Nope" on ${PAGE}; expected one of: code-Thing`,
      ]);
    });
  });

  describe("table of contents", () => {
    it("fails on a chapter without its page", () => {
      expect(problems({ [PAGE]: "" }).length).toBeGreaterThan(0);
      const second = { ...CHAPTER, number: 2, slug: "02-more", docs: "chapters/02-more" };
      expect(problems({ "chapters/chapters.json": JSON.stringify([CHAPTER, second]) })).toEqual([
        "chapters/chapters.json:1: chapter 2 (02-more) has no page; expected docs/docs/chapters/02-more.md",
      ]);
    });

    it("fails on a chapter page that is not in the table of contents", () => {
      expect(problems({ "docs/docs/chapters/02-stray.md": "# Stray\n" })).toEqual([
        'docs/docs/chapters/02-stray.md:1: chapter page not in chapters/chapters.json; add its chapter there (docs: "chapters/02-stray") or move the page',
      ]);
    });
  });

  describe("interview questions", () => {
    it("fails on a chapter page without the section", () => {
      expect(problems(page("## Interview questions", "## Questions"))).toContainEqual(
        `${PAGE}:1: no "## Interview questions" section; every chapter page needs one`,
      );
    });

    it("fails on a section without questions", () => {
      expect(problems(page("### What is a thing?", "What is a thing?"))).toEqual([
        `${PAGE}:10: "## Interview questions" has no questions; expected at least one "### <question>" heading`,
      ]);
    });

    it("fails on a question without an answer", () => {
      expect(problems(page("A thing is [the class above](#code-Thing).\n\n", ""))).toEqual([
        `${PAGE}:12: question "What is a thing?" has no answer; expected at least one paragraph under it`,
        `${PAGE}:12: question "What is a thing?" does not link to code; expected a link to a "#code-<region>" anchor or an embed (\`\`\`ts file=... region=...)`,
      ]);
    });

    it("fails on an answer that does not link to code", () => {
      expect(problems(page("[the class above](#code-Thing)", "the class above"))).toEqual([
        `${PAGE}:12: question "What is a thing?" does not link to code; expected a link to a "#code-<region>" anchor or an embed (\`\`\`ts file=... region=...)`,
      ]);
    });

    it("accepts an embed inside the answer as its link to code", () => {
      const embedded =
        "A thing is this:\n\n```ts file=core/src/thing.ts region=Thing id=again\n```";
      expect(problems(page("A thing is [the class above](#code-Thing).", embedded))).toEqual([]);
    });

    it('fails on a question without "See it:"', () => {
      expect(problems(page(/See it: .*\n/, ""))).toEqual([
        `${PAGE}:12: question "What is a thing?" has no "See it:" line; expected a paragraph starting with "See it:" and a command to run`,
      ]);
    });

    it('fails on a "See it:" without a command', () => {
      expect(problems(page(/See it: .*\n/, "See it: run the chapter.\n"))).toEqual([
        `${PAGE}:16: "See it:" of question "What is a thing?" has no command; expected inline code (\`npx tsx ...\`) on that line or a \`\`\`bash block right after it`,
      ]);
    });

    it('accepts a ```bash block right after "See it:"', () => {
      expect(
        problems(
          page(/See it: .*\n/, "See it:\n\n```bash\nnpx tsx chapters/01-thing/src/main.ts\n```\n"),
        ),
      ).toEqual([]);
      expect(problems(page(/See it: .*\n/, "See it:\n\n```ts\nconst x = 1;\n```\n"))).toHaveLength(
        1,
      );
    });
  });

  describe("challenges", () => {
    it("fails on a chapter page without the section", () => {
      expect(problems(page("## Challenges\n\n1. Make another thing.\n", ""))).toEqual([
        `${PAGE}:1: no "## Challenges" section; every chapter page ends with challenges`,
      ]);
    });

    it("fails on an empty section", () => {
      expect(problems(page("1. Make another thing.\n", ""))).toEqual([
        `${PAGE}:18: "## Challenges" is empty; expected at least one challenge`,
      ]);
    });
  });
});
