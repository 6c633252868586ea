/**
 * Code regions: the named slices of core/ that docs pages embed.
 *
 * A region is marked in a source file by two comment lines that wrap whole declarations:
 *
 *     // #region KeyHistory
 *     export class KeyHistory { ... }
 *     // #endregion KeyHistory
 *
 * Guarantees: every region is closed, by name, in the file that opens it; regions nest but never
 * cross; a name is used once per file. `parseRegions` reports every violation with its line,
 * and `extractCode` refuses to cut from a file that has any, so a page never shows half a region.
 */

/** `// #region name` or `// #endregion name`, alone on its line. The name is captured. */
const MARKER = /^\s*\/\/\s*#(region|endregion)\b(.*)$/;
const NAME = /^[A-Za-z0-9_.-]+$/;

export interface Region {
  name: string;
  /** 1-based line of the `#region` marker. */
  openLine: number;
  /** 1-based line of the `#endregion` marker. */
  closeLine: number;
}

export interface SourceProblem {
  /** 1-based line in the source file. */
  line: number;
  message: string;
}

export interface ParsedRegions {
  /** Well-formed regions, in the order they open. */
  regions: Map<string, Region>;
  /** Every name a `#region` marker opens, well formed or not. */
  names: Set<string>;
  problems: SourceProblem[];
  /** 1-based lines holding a marker; they never appear in embedded code. */
  markerLines: Set<number>;
}

export function parseRegions(source: string): ParsedRegions {
  const lines = source.split(/\r?\n/);
  const regions = new Map<string, Region>();
  const problems: SourceProblem[] = [];
  const markerLines = new Set<number>();
  const names = new Set<string>();
  const open: { name: string; line: number }[] = [];

  lines.forEach((text, i) => {
    const line = i + 1;
    const m = MARKER.exec(text);
    if (!m) return;
    markerLines.add(line);
    const kind = m[1];
    const name = (m[2] ?? "").trim();
    if (!NAME.test(name)) {
      problems.push({
        line,
        message: `#${kind} needs a name made of letters, digits, "_", "-" or "."; got ${JSON.stringify(name)} (write "// #${kind} Name")`,
      });
      return;
    }
    if (kind === "region") {
      const earlier = regions.get(name)?.openLine ?? open.find((o) => o.name === name)?.line;
      if (earlier !== undefined) {
        problems.push({
          line,
          message: `region "${name}" is opened twice (first at line ${earlier}); region names are unique per file`,
        });
      }
      open.push({ name, line });
      names.add(name);
      return;
    }
    const at = open.findLastIndex((o) => o.name === name);
    const entry = open[at];
    if (!entry) {
      const top = open.at(-1);
      problems.push({
        line,
        message: top
          ? `#endregion ${name} has no matching "// #region ${name}"; the open region is "${top.name}" (line ${top.line})`
          : `#endregion ${name} closes nothing: no region is open`,
      });
      return;
    }
    const top = open.at(-1);
    if (top && top !== entry) {
      problems.push({
        line,
        message: `#endregion ${name} crosses region "${top.name}" (opened at line ${top.line}); expected "// #endregion ${top.name}" first: regions nest but never cross`,
      });
    }
    open.splice(at, 1);
    if (!regions.has(name)) regions.set(name, { name, openLine: entry.line, closeLine: line });
  });
  for (const o of open) {
    problems.push({
      line: o.line,
      message: `region "${o.name}" is never closed; expected "// #endregion ${o.name}"`,
    });
  }
  // A region recorded while the file is malformed may have a wrong extent; keep it only for
  // "does it exist" questions, never cut code from it (see extractCode).
  const byOpening = [...regions.values()].sort((a, b) => a.openLine - b.openLine);
  return { regions: new Map(byOpening.map((r) => [r.name, r])), names, problems, markerLines };
}

export interface ExtractedCode {
  code: string;
  /** 1-based lines of the first and last line shown, in the source file. */
  firstLine: number;
  lastLine: number;
}

export class RegionError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = "RegionError";
  }
}

/**
 * The code of one region (or of the whole file when `region` is undefined): marker lines
 * removed, blank lines at both ends dropped, common indentation stripped.
 */
export function extractCode(source: string, region?: string): ExtractedCode {
  const parsed = parseRegions(source);
  const [first] = parsed.problems;
  if (first) throw new RegionError(first.message, first.line);
  const lines = source.split(/\r?\n/);
  let from = 1;
  let to = lines.length;
  if (region !== undefined) {
    const r = parsed.regions.get(region);
    if (!r) {
      const known = [...parsed.regions.keys()];
      throw new RegionError(
        `no region "${region}"; ${known.length ? `the file has ${known.map((k) => `"${k}"`).join(", ")}` : "the file has no regions"}`,
      );
    }
    from = r.openLine + 1;
    to = r.closeLine - 1;
  }
  const kept: { line: number; text: string }[] = [];
  for (let line = from; line <= to; line++) {
    if (!parsed.markerLines.has(line)) kept.push({ line, text: lines[line - 1] ?? "" });
  }
  while (kept.length && kept[0]?.text.trim() === "") kept.shift();
  while (kept.length && kept.at(-1)?.text.trim() === "") kept.pop();
  if (!kept.length)
    throw new RegionError(region ? `region "${region}" is empty` : "the file is empty");
  return {
    code: dedent(kept.map((k) => k.text)).join("\n"),
    firstLine: kept[0]?.line ?? from,
    lastLine: kept.at(-1)?.line ?? to,
  };
}

/** Removes the indentation all non-blank lines share; blank lines become empty. */
export function dedent(lines: string[]): string[] {
  const indents = lines
    .filter((l) => l.trim() !== "")
    .map((l) => /^[ \t]*/.exec(l)?.[0].length ?? 0);
  const common = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => (l.trim() === "" ? "" : l.slice(common)));
}
