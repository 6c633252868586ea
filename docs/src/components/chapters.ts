/** Client-side access to the table of contents the tinykube plugin publishes. */
import { useDocsData } from "@docusaurus/plugin-content-docs/client";
import { usePluginData } from "@docusaurus/useGlobalData";
import type { Chapter } from "../../../chapters/toc.ts";
import type { TinykubeGlobalData } from "../plugins/tinykube.ts";

export function useChapters(): Chapter[] {
  return (usePluginData("tinykube") as TinykubeGlobalData).chapters;
}

/** The URL of a doc by id, from the docs plugin (so front-matter slugs are respected). */
export function useDocPath(): (docId: string) => string {
  const { versions } = useDocsData(undefined);
  const paths = new Map(versions.flatMap((v) => v.docs).map((d) => [d.id, d.path]));
  return (docId) => {
    const path = paths.get(docId);
    if (!path)
      throw new Error(
        `no doc with id "${docId}"; chapters/chapters.json names a page that does not exist`,
      );
    return path;
  };
}
