/**
 * The image registry: a directory of images, core/images by default, standing in for a remote
 * registry such as Docker Hub. An image lives at <root>/<repository>/ — its manifest.json
 * (manifest.ts) and its files — and is published under each tag its manifest lists.
 *
 * Guarantees:
 * - lookup answers undefined for a malformed reference, an unknown repository or an unknown tag
 *   (the caller says "not found"); a broken manifest throws ImageManifestError naming the file.
 * - Each repository:tag is one image whose ID is a digest of its content and its tag:
 *     id = "sha256:" + sha256( for each file, in order of relative path (UTF-16 code units):
 *                                path "\0" byte length "\0" bytes,
 *                              then "tag\0" tag )
 *   For a directory holding manifest.json (310 bytes) and server.mjs (2,048 bytes), tag "1.0"
 *   hashes "manifest.json\0" "310\0" <310 bytes> "server.mjs\0" "2048\0" <2,048 bytes>
 *   "tag\0" "1.0". Editing any file changes the ID, so a node that pulls again gets the new
 *   content; two tags of one directory are two images, as 1.0 and 2.0 of a real repository are
 *   (their IMAGE_TAG differs: store.ts). The ID is stable across machines and restarts.
 * - size is the total bytes of the image's files.
 * Nothing is cached: the registry is read on every call, so editing an image needs no restart.
 */
import { createHash, type Hash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { type ImageManifest, parseManifest } from "./manifest.ts";
import { parseImageReference, repoTag } from "./reference.ts";

/** The images the project ships: core/images. */
export const DEFAULT_REGISTRY_DIR = resolve(import.meta.dirname, "../../../images");

export const MANIFEST_FILE = "manifest.json";

/** One repository:tag of the registry. */
export interface RegistryImage {
  id: string;
  /** ["repository:tag"]. */
  repoTags: string[];
  size: number;
  /** The image's directory in the registry: copy it, do not run from it. */
  dir: string;
  manifest: ImageManifest;
}

export class ImageRegistry {
  constructor(readonly root: string = DEFAULT_REGISTRY_DIR) {}

  // #region lookup
  /** "tinykube/hello" (= ":latest"), "tinykube/hello:1.0", "tinykube/hello@sha256:…". */
  async lookup(image: string): Promise<RegistryImage | undefined> {
    const ref = parseImageReference(image);
    if (ref === undefined) return undefined;
    const dir = join(this.root, ...ref.repository.split("/"));
    const manifest = await readManifest(dir, ref.repository);
    if (manifest === undefined) return undefined;
    if (ref.tag !== undefined && !manifest.tags.includes(ref.tag)) return undefined;
    const images = await imagesOf(dir, manifest, ref.tag === undefined ? manifest.tags : [ref.tag]);
    return images.find((i) => ref.digest === undefined || i.id === ref.digest);
  }
  // #endregion lookup

  /** Every repository:tag, ordered by repository then by the manifest's order of tags. */
  async list(): Promise<RegistryImage[]> {
    const found: RegistryImage[] = [];
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true });
      if (entries.some((e) => e.isFile() && e.name === MANIFEST_FILE)) {
        const repository = relative(this.root, dir).split(sep).join("/");
        const manifest = (await readManifest(dir, repository)) as ImageManifest;
        found.push(...(await imagesOf(dir, manifest, manifest.tags)));
        return;
      }
      const subdirs = entries.filter((e) => e.isDirectory()).map((e) => e.name);
      for (const name of subdirs.sort()) await walk(join(dir, name));
    };
    await walk(this.root);
    return found;
  }
}

/** The parsed manifest, or undefined when the directory has none. */
async function readManifest(dir: string, repository: string): Promise<ImageManifest | undefined> {
  const file = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
  return parseManifest(text, file, repository);
}

async function imagesOf(
  dir: string,
  manifest: ImageManifest,
  tags: string[],
): Promise<RegistryImage[]> {
  const content = createHash("sha256");
  let size = 0;
  for (const file of await filesOf(dir)) {
    const bytes = await readFile(join(dir, file));
    content.update(`${file}\0${bytes.length}\0`).update(bytes);
    size += bytes.length;
  }
  return tags.map((tag) => ({
    id: imageId(content, tag),
    repoTags: [repoTag(manifest.name, tag)],
    size,
    dir,
    manifest,
  }));
}

const imageId = (content: Hash, tag: string): string =>
  `sha256:${content.copy().update(`tag\0${tag}`).digest("hex")}`;

/** Relative paths ("/"-separated) of the regular files under dir, in UTF-16 code unit order. */
async function filesOf(dir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (at: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const path = prefix + entry.name;
      if (entry.isDirectory()) await walk(join(at, entry.name), `${path}/`);
      else if (entry.isFile()) files.push(path);
    }
  };
  await walk(dir, "");
  // Plain string order, not localeCompare: the same on every machine, so the same ID.
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
