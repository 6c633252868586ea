/**
 * remark plugin: fills embed blocks with code from the repository.
 *
 *     ```ts file=core/src/store/key-history.ts region=KeyHistory
 *     ```
 *
 * becomes an anchor `<a id="code-KeyHistory">` followed by the code block, titled
 * "core/src/store/key-history.ts — KeyHistory, lines 12–40". The syntax and the rules are in
 * ../literate/embed.ts; a page that embeds a missing file or region fails the build with the
 * page's path and line.
 */
import {
  EmbedError,
  embedPath,
  isEmbedMeta,
  parseEmbedMeta,
  resolveEmbed,
} from "../literate/embed.ts";
import { forgetEmbeds, recordEmbed } from "./embed-dependencies.ts";

export interface RemarkEmbedCodeOptions {
  /** Absolute path of the repository root; embed paths are relative to it. */
  root: string;
}

/** The few mdast shapes this plugin touches (mdast's own types are not a dependency here). */
export interface MdastNode {
  type: string;
  children?: MdastNode[];
  position?: { start: { line: number } };
}
interface Code extends MdastNode {
  type: "code";
  lang?: string | null;
  meta?: string | null;
  value: string;
}
interface JsxFlowElement extends MdastNode {
  type: "mdxJsxFlowElement";
  name: string;
  attributes: { type: "mdxJsxAttribute"; name: string; value: string }[];
  children: MdastNode[];
}

const isCode = (n: MdastNode): n is Code => n.type === "code";

/**
 * The anchor is an `a` element added after MDX marked the author's own JSX, so MDX renders it
 * with the theme's link component, which registers the id for the onBrokenAnchors check and
 * keeps the target clear of the sticky navbar.
 */
function anchor(id: string): JsxFlowElement {
  return {
    type: "mdxJsxFlowElement",
    name: "a",
    attributes: [{ type: "mdxJsxAttribute", name: "id", value: id }],
    children: [],
  };
}

export default function remarkEmbedCode(options: RemarkEmbedCodeOptions) {
  return (tree: MdastNode, file: { path?: string }) => {
    const page = file.path ?? "(unknown page)";
    forgetEmbeds(page);
    const visit = (parent: MdastNode) => {
      const children = parent.children;
      if (!children) return;
      for (let i = 0; i < children.length; i++) {
        const node = children[i];
        if (!node) continue;
        if (!isCode(node) || !isEmbedMeta(node.meta)) {
          visit(node);
          continue;
        }
        const where = `${page}:${node.position?.start.line ?? "?"}`;
        const parsed = parseEmbedMeta(node.meta ?? "");
        if (!parsed.ok) throw new EmbedError(`${where}: ${parsed.error}`);
        const { embed } = parsed;
        if (node.value.trim() !== "") {
          throw new EmbedError(
            `${where}: embed of ${embed.file} has a body; expected an empty block (the build fills it)`,
          );
        }
        let resolved: ReturnType<typeof resolveEmbed>;
        try {
          recordEmbed(page, embedPath(options.root, embed.file));
          resolved = resolveEmbed(options.root, embed);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          throw new EmbedError(`${where}: ${message}`);
        }
        node.value = resolved.code;
        node.meta = [`title="${resolved.title}"`, ...embed.passThrough].join(" ");
        children.splice(i, 0, anchor(embed.anchor));
        i++;
      }
    };
    visit(tree);
  };
}
