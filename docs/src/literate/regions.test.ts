import { describe, expect, it } from "vitest";
import { dedent, extractCode, parseRegions, RegionError } from "./regions.ts";

const source = [
  "import { x } from 'y';", // 1
  "", // 2
  "// #region Outer", // 3
  "export class Outer {", // 4
  "  // #region inner", // 5
  "  method() {", // 6
  "    return 1;", // 7
  "  }", // 8
  "  // #endregion inner", // 9
  "}", // 10
  "// #endregion Outer", // 11
  "",
].join("\n");

describe("parseRegions", () => {
  it("finds nested regions with their marker lines", () => {
    const { regions, problems } = parseRegions(source);
    expect(problems).toEqual([]);
    expect(regions.get("Outer")).toEqual({ name: "Outer", openLine: 3, closeLine: 11 });
    expect(regions.get("inner")).toEqual({ name: "inner", openLine: 5, closeLine: 9 });
  });

  it("reports a region never closed, at its opening line", () => {
    const { problems } = parseRegions("// #region A\nconst a = 1;\n");
    expect(problems).toEqual([
      { line: 1, message: expect.stringContaining('region "A" is never closed') },
    ]);
  });

  it("reports an #endregion that closes nothing", () => {
    const { problems } = parseRegions("const a = 1;\n// #endregion A\n");
    expect(problems).toEqual([{ line: 2, message: expect.stringContaining("closes nothing") }]);
  });

  it("reports an #endregion whose name matches no open region", () => {
    const { problems } = parseRegions("// #region A\n// #endregion B\n// #endregion A\n");
    expect(problems).toEqual([
      { line: 2, message: expect.stringContaining('no matching "// #region B"') },
    ]);
  });

  it("reports crossing regions", () => {
    const { problems } = parseRegions(
      "// #region A\n// #region B\n// #endregion A\n// #endregion B\n",
    );
    expect(problems).toEqual([{ line: 3, message: expect.stringContaining('crosses region "B"') }]);
  });

  it("reports a name used twice", () => {
    const { problems } = parseRegions(
      "// #region A\n// #endregion A\n// #region A\n// #endregion A\n",
    );
    expect(problems).toEqual([
      { line: 3, message: expect.stringContaining("opened twice (first at line 1)") },
    ]);
  });

  it("reports a marker without a name", () => {
    const { problems } = parseRegions("// #region A\n// #endregion\n");
    expect(problems.map((p) => p.line)).toEqual([2, 1]);
    expect(problems[0]?.message).toContain("needs a name");
  });
});

describe("extractCode", () => {
  it("cuts a region, without markers, dedented, with its lines in the file", () => {
    expect(extractCode(source, "inner")).toEqual({
      code: "method() {\n  return 1;\n}",
      firstLine: 6,
      lastLine: 8,
    });
  });

  it("drops nested markers from an outer region", () => {
    expect(extractCode(source, "Outer").code).toBe(
      "export class Outer {\n  method() {\n    return 1;\n  }\n}",
    );
  });

  it("returns the whole file without markers when no region is named", () => {
    const { code, firstLine, lastLine } = extractCode(source);
    expect(code).not.toContain("#region");
    expect(code.startsWith("import { x }")).toBe(true);
    expect([firstLine, lastLine]).toEqual([1, 10]);
  });

  it("names the regions a file has when asked for a missing one", () => {
    expect(() => extractCode(source, "Missing")).toThrow(
      /no region "Missing"; the file has "Outer", "inner"/,
    );
  });

  it("refuses to cut from a malformed file", () => {
    expect(() => extractCode("// #region A\nconst a = 1;\n", "A")).toThrow(RegionError);
  });
});

describe("dedent", () => {
  it("strips the common indentation, ignoring blank lines", () => {
    expect(dedent(["    a", "", "      b", "    c"])).toEqual(["a", "", "  b", "c"]);
  });
});
