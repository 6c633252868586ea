import { describe, expect, it } from "vitest";
import { findLab, loadLabs, parseReport } from "./labs.ts";

describe("lab runner", () => {
  it("finds a lab by chapter number or name, and names the labs when it cannot", () => {
    const labs = loadLabs();
    expect(findLab(labs, "1").name).toBe("01-store");
    expect(findLab(labs, "01-store").chapter.number).toBe(1);
    expect(() => findLab(labs, "99")).toThrow(/no lab "99"; the labs are: 1 \(01-store\)/);
  });

  it("turns vitest's report into cases with the failing expectation, without stack or colours", () => {
    const run = parseReport({
      testResults: [
        {
          assertionResults: [
            { fullName: "a passes", status: "passed" },
            {
              fullName: "b fails",
              status: "failed",
              failureMessages: [
                "\u001b[31mAssertionError: at(3): expected undefined to be '1'\u001b[39m\n    at x.ts:1:1",
              ],
            },
            { fullName: "c skipped", status: "skipped" },
          ],
        },
      ],
    });
    expect(run).toEqual({
      cases: [
        { name: "a passes", passed: true },
        {
          name: "b fails",
          passed: false,
          why: "AssertionError: at(3): expected undefined to be '1'",
        },
      ],
    });
  });

  it("reports a file that does not load", () => {
    const run = parseReport({
      testResults: [{ message: "SyntaxError: Unexpected token\n    at y", assertionResults: [] }],
    });
    expect(run.loadError).toBe("SyntaxError: Unexpected token");
  });
});
