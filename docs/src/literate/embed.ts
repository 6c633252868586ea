/**
 * Embeds: a fenced code block whose body is empty and whose info string names a file (and
 * optionally a region) of the repository. The docs build fills it with that code.
 *
 *     ```ts file=core/src/store/key-history.ts region=KeyHistory
 *     ```
 *
 * Meta keys: `file=` (required, relative to the repository root), `region=` (optional: the whole
 * file without its markers when absent), `id=` (optional: overrides the anchor). Bare flags such
 * as `showLineNumbers` or `{2,4}` pass through to Docusaurus; any other `key=value` is refused,
 * so a typo like `regoin=` cannot silently embed the whole file.
 *
 * Each embed gets the HTML anchor `code-<region>` (`code-<file name without extension>` for a
 * whole file), which interview answers link to as `#code-<region>`.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, extname, isAbsolute, normalize, resolve, sep } from "node:path";
import { extractCode, RegionError } from "./regions.ts";

export interface Embed {
  /** Path relative to the repository root, with forward slashes, as written. */
  file: string;
  region?: string;
  /** The HTML id of the embed's anchor, e.g. "code-KeyHistory". */
  anchor: string;
  /** Meta tokens for Docusaurus (flags, line highlights), passed through verbatim. */
  passThrough: string[];
}

/** Keys Docusaurus itself reads as `key=value` and that we pass through. */
const PASS_THROUGH_KEYS = new Set(["showLineNumbers"]);
const TOKEN = /([A-Za-z][\w-]*)=("[^"]*"|'[^']*'|\S+)|(\S+)/g;

/** Is this fence an embed? True when its meta has a `file=` token. */
export function isEmbedMeta(meta: string | null | undefined): boolean {
  return meta != null && /(^|\s)file=/.test(meta);
}

export type ParsedEmbed = { ok: true; embed: Embed } | { ok: false; error: string };

/** Parses the meta of a fence (the info string after the language). */
export function parseEmbedMeta(meta: string): ParsedEmbed {
  const values = new Map<string, string>();
  const passThrough: string[] = [];
  for (const m of meta.matchAll(TOKEN)) {
    const [token, key, raw] = m;
    if (key === undefined || raw === undefined) {
      passThrough.push(token);
      continue;
    }
    const value = /^["']/.test(raw) ? raw.slice(1, -1) : raw;
    if (key === "file" || key === "region" || key === "id") {
      if (values.has(key))
        return { ok: false, error: `"${key}=" is given twice in ${JSON.stringify(meta)}` };
      values.set(key, value);
    } else if (key === "title") {
      return {
        ok: false,
        error: `an embed gets its title from file= and region=; remove title= from ${JSON.stringify(meta)}`,
      };
    } else if (PASS_THROUGH_KEYS.has(key)) {
      passThrough.push(token);
    } else {
      return {
        ok: false,
        error: `unknown embed key "${key}=" in ${JSON.stringify(meta)}; expected file=, region=, id= (or a Docusaurus flag such as showLineNumbers)`,
      };
    }
  }
  const file = values.get("file");
  if (!file)
    return {
      ok: false,
      error: `an embed needs file=<path from the repository root>; got ${JSON.stringify(meta)}`,
    };
  const region = values.get("region");
  const id = values.get("id");
  const anchor = `code-${id ?? region ?? basename(file, extname(file))}`;
  if (!/^code-[A-Za-z0-9_.-]+$/.test(anchor)) {
    return {
      ok: false,
      error: `anchor "${anchor}" may only use letters, digits, "_", "-" and "."`,
    };
  }
  return {
    ok: true,
    embed: { file, ...(region !== undefined && { region }), anchor, passThrough },
  };
}

export class EmbedError extends Error {
  constructor(
    message: string,
    /** The source file and 1-based line the problem is in, when it is in the embedded file. */
    readonly source?: { file: string; line: number },
  ) {
    super(message);
    this.name = "EmbedError";
  }
}

/** Where an embed's file lives on disk; refuses paths that leave the repository. */
export function embedPath(root: string, file: string): string {
  if (isAbsolute(file) || normalize(file).split(sep).includes("..")) {
    throw new EmbedError(
      `file=${file}: expected a path relative to the repository root, inside it`,
    );
  }
  return resolve(root, file);
}

export interface ResolvedEmbed {
  code: string;
  /** Shown above the block: the path, and the region with its lines in the file. */
  title: string;
  /** Absolute path of the embedded file (a build dependency of the page). */
  path: string;
}

/** Reads the embedded code from disk. Throws EmbedError with what was expected. */
export function resolveEmbed(root: string, embed: Embed): ResolvedEmbed {
  const path = embedPath(root, embed.file);
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new EmbedError(
      `file=${embed.file}: no such file (paths are relative to the repository root)`,
    );
  }
  try {
    const { code, firstLine, lastLine } = extractCode(readFileSync(path, "utf8"), embed.region);
    const title =
      embed.region === undefined
        ? embed.file
        : `${embed.file} — ${embed.region}, lines ${firstLine}–${lastLine}`;
    return { code, title, path };
  } catch (error) {
    if (!(error instanceof RegionError)) throw error;
    const where = error.line === undefined ? undefined : { file: embed.file, line: error.line };
    const prefix = where ? `${where.file}:${where.line}` : `file=${embed.file}`;
    throw new EmbedError(`${prefix}: ${error.message}`, where);
  }
}
