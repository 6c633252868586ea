/**
 * A webpack post-loader for docs pages that declares every repository file a page embeds as a
 * dependency of the page's module. The protocol is described in embed-dependencies.ts; this is
 * plain JavaScript because webpack loads loaders without a TypeScript hook.
 */
const KEY = Symbol.for("tinykube.docs.embedDependencies");

function state() {
  globalThis[KEY] ??= { files: new Map(), live: new Map() };
  return globalThis[KEY];
}

function compilerName(context) {
  return context._compiler?.name ?? "default";
}

/** Runs before mdx-loader: make this build's context reachable from the remark plugin. */
export function pitch() {
  const { live } = state();
  let contexts = live.get(this.resourcePath);
  if (!contexts) {
    contexts = new Map();
    live.set(this.resourcePath, contexts);
  }
  contexts.set(compilerName(this), this);
}

/** Runs after mdx-loader: declare what the page embedded, and retire the context. */
export default function embedDependenciesLoader(source) {
  const { files, live } = state();
  for (const file of files.get(this.resourcePath) ?? []) this.addDependency(file);
  live.get(this.resourcePath)?.delete(compilerName(this));
  return source;
}
