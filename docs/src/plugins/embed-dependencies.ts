/**
 * Which repository files each docs page embeds, shared between the remark plugin (which reads
 * them) and embed-dependencies-loader.js (which tells webpack). Webpack then rebuilds a page
 * when a file it embeds changes, instead of serving the page from its persistent cache, and
 * `docusaurus start` reloads the page when you edit the code it shows.
 *
 * 1. The loader's pitch, which runs before mdx-loader, registers its webpack loader context
 *    for the page ("live" below); one per compiler (client, server).
 * 2. The remark plugin, for each embed, records the file and adds it at once to the page's
 *    live contexts — before reading it, so even a page that fails to build watches the file.
 * 3. The loader's normal phase, after mdx-loader, adds every recorded file again: Docusaurus
 *    compiles a page once and hands the result to both compilers, so one of them never saw
 *    the remark plugin run.
 *
 * The plugin and the loader run in the same process but are loaded by different module systems
 * (jiti for the config, webpack's loader runner for the loader), so the state lives on
 * globalThis under a registered symbol rather than in a module variable.
 */
const KEY = Symbol.for("tinykube.docs.embedDependencies");

export interface LoaderContext {
  addDependency(file: string): void;
}

export interface EmbedDependencies {
  /** Page (absolute path) -> files it embeds (absolute paths). */
  files: Map<string, Set<string>>;
  /** Page -> compiler name -> loader context building the page right now. */
  live: Map<string, Map<string, LoaderContext>>;
}

export function embedDependencies(): EmbedDependencies {
  const g = globalThis as { [KEY]?: EmbedDependencies };
  g[KEY] ??= { files: new Map(), live: new Map() };
  return g[KEY];
}

/** Records that `page` embeds `file` (both absolute paths). */
export function recordEmbed(page: string, file: string): void {
  const deps = embedDependencies();
  let files = deps.files.get(page);
  if (!files) {
    files = new Set();
    deps.files.set(page, files);
  }
  files.add(file);
  for (const context of deps.live.get(page)?.values() ?? []) context.addDependency(file);
}

/** Forgets what a page embedded; called before the page is compiled again. */
export function forgetEmbeds(page: string): void {
  embedDependencies().files.delete(page);
}
