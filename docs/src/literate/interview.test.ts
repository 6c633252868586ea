import { describe, expect, it } from "vitest";
import { GOOD_PAGE } from "./fixture.ts";
import { interviewQuestions, renderInterviewIndex } from "./interview.ts";
import { parsePage } from "./page.ts";

describe("interviewQuestions", () => {
  it("takes the ### headings under ## Interview questions only", () => {
    const blocks = parsePage(
      `${GOOD_PAGE}\n### Not a question\n\n## Interview questions?\n\n### Nor this\n`,
    );
    expect(interviewQuestions(blocks).map((q) => q.heading.text)).toEqual(["What is a thing?"]);
  });
});

describe("renderInterviewIndex", () => {
  it("lists every chapter's questions, linking to their anchors", () => {
    const page =
      "## Interview questions\n\n### What does `rv` mean?\n\n### Why watch? {#why}\n\n### How do [leases](#x) end?\n";
    const index = renderInterviewIndex([
      {
        label: "1. Things",
        docId: "chapters/01-thing",
        questions: interviewQuestions(parsePage(page)),
      },
      { label: "2. More", docId: "chapters/02-more", questions: [] },
    ]);
    expect(index).toContain("## [1. Things](./chapters/01-thing.md)\n");
    expect(index).toContain("- [What does `rv` mean?](./chapters/01-thing.md#what-does-rv-mean)\n");
    expect(index).toContain("- [Why watch?](./chapters/01-thing.md#why)\n");
    expect(index).toContain("- [How do leases end?](./chapters/01-thing.md#how-do-leases-end)\n");
    expect(index).toContain("## [2. More](./chapters/02-more.md)\n\nNo questions yet.");
  });
});
