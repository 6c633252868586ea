/**
 * A docs page as the checker and the interview index see it: a flat list of blocks in reading
 * order (headings, paragraphs, fences, other inline text), each with its 1-based line in the
 * file. Parsed with markdown-it, which gives every block token a source map.
 *
 * Heading ids follow Docusaurus: an explicit `{#id}` wins, otherwise github-slugger's rule on
 * the heading's text (lower case, punctuation dropped, spaces to "-", "-1", "-2" for repeats).
 * The build's onBrokenAnchors check catches any difference.
 */
import MarkdownIt from "markdown-it";

export interface Heading {
  kind: "heading";
  line: number;
  level: number;
  /** The heading's Markdown source, without an explicit `{#id}`. */
  source: string;
  /** Its text, as a reader sees it. */
  text: string;
  /** The HTML id Docusaurus gives it. */
  id: string;
}

export interface Paragraph {
  kind: "paragraph";
  line: number;
  /** Plain text (inline code included, without backticks). */
  text: string;
  /** Contents of the inline code spans, in order. */
  inlineCode: string[];
  links: string[];
}

export interface Fence {
  kind: "fence";
  line: number;
  /** First word of the info string, e.g. "ts". */
  lang: string;
  /** The rest of the info string, e.g. "file=core/src/x.ts region=X". */
  meta: string;
  content: string;
}

/** Inline text outside paragraphs and headings, e.g. table cells. */
export interface OtherInline {
  kind: "inline";
  line: number;
  text: string;
  links: string[];
}

export type Block = Heading | Paragraph | Fence | OtherInline;

const md = new MarkdownIt({ html: true });
type Token = ReturnType<typeof md.parse>[number];

/** Front matter is blanked, not removed, so line numbers stay those of the file. */
function blankFrontMatter(text: string): string {
  const m = /^---\r?\n[\s\S]*?\r?\n---[ \t]*(\r?\n|$)/.exec(text);
  if (!m) return text;
  return m[0].replace(/[^\n]/g, "") + text.slice(m[0].length);
}

function inlineParts(token: Token): { text: string; inlineCode: string[]; links: string[] } {
  let text = "";
  const inlineCode: string[] = [];
  const links: string[] = [];
  for (const child of token.children ?? []) {
    if (child.type === "text") text += child.content;
    else if (child.type === "code_inline") {
      text += child.content;
      inlineCode.push(child.content);
    } else if (child.type === "softbreak" || child.type === "hardbreak") text += " ";
    else if (child.type === "link_open") {
      const href = child.attrGet("href");
      if (href !== null) links.push(String(href));
    }
  }
  return { text, inlineCode, links };
}

/** github-slugger's character rule: keep letters, marks, digits, "_", "-" and spaces. */
const SLUG_DROP = /[^\p{L}\p{M}\p{N}\p{Pc} -]/gu;
const EXPLICIT_ID = /^(.*?)\s*\{#([\w-]+)\}$/;

export function parsePage(text: string): Block[] {
  const tokens = md.parse(blankFrontMatter(text), {});
  const blocks: Block[] = [];
  const seen = new Map<string, number>();
  const slug = (value: string): string => {
    const base = value.toLowerCase().replace(SLUG_DROP, "").replace(/ /g, "-");
    let id = base;
    while (seen.has(id)) {
      const n = (seen.get(base) ?? 0) + 1;
      seen.set(base, n);
      id = `${base}-${n}`;
    }
    seen.set(id, 0);
    return id;
  };

  tokens.forEach((token, i) => {
    const line = (token.map?.[0] ?? 0) + 1;
    if (token.type === "heading_open") {
      const inline = tokens[i + 1];
      const parts = inline ? inlineParts(inline) : { text: "" };
      const explicit = EXPLICIT_ID.exec(parts.text);
      const source = (inline?.content ?? "").replace(/\s*\{#[\w-]+\}$/, "");
      blocks.push({
        kind: "heading",
        line,
        level: Number(token.tag.slice(1)),
        source,
        text: explicit?.[1] ?? parts.text,
        id: explicit?.[2] ?? slug(parts.text),
      });
    } else if (token.type === "paragraph_open") {
      const inline = tokens[i + 1];
      if (inline) blocks.push({ kind: "paragraph", line, ...inlineParts(inline) });
    } else if (token.type === "fence") {
      const info = token.info.trim();
      const space = info.search(/\s/);
      blocks.push({
        kind: "fence",
        line,
        lang: space === -1 ? info : info.slice(0, space),
        meta: space === -1 ? "" : info.slice(space + 1).trim(),
        content: token.content,
      });
    } else if (token.type === "inline") {
      const prev = tokens[i - 1];
      if (prev?.type === "heading_open" || prev?.type === "paragraph_open") return;
      const { text, links } = inlineParts(token);
      blocks.push({ kind: "inline", line, text, links });
    }
  });
  return blocks;
}

/** The blocks after `heading` up to the next heading of the same or a higher level. */
export function sectionOf(blocks: Block[], heading: Heading): Block[] {
  const start = blocks.indexOf(heading);
  const rest = blocks.slice(start + 1);
  const end = rest.findIndex((b) => b.kind === "heading" && b.level <= heading.level);
  return end === -1 ? rest : rest.slice(0, end);
}
