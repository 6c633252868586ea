/**
 * A node's images: the ImageService (cri.ts) of one node, over a directory of its own — what
 * containerd keeps under /var/lib/containerd. Pulling copies an image from the registry
 * (registry.ts) into it; the process runtime runs containers from those copies (resolve).
 *
 * Layout of the root:
 *   <hex>/       a copy of the image's directory (hex: the image ID without "sha256:")
 *   <hex>.json   its record: { id, repository, tag, repoTags, size }
 * An image is on the node exactly when its record exists. A record is written last (a temporary
 * file, then a rename) and removed first, so a crash at any moment leaves whole images plus, at
 * worst, leftovers the next start deletes (a copy without a record, a ".tmp-" file or copy).
 * The directory is the whole state: a new NodeImageStore on the same root — a restarted
 * kubelet — has every image the old one pulled.
 *
 * Invariants:
 * - One NodeImageStore writes a root at a time: one runtime per node.
 * - A repoTag names at most one image. Pulling "x:1.0" after the registry's x:1.0 changed moves
 *   the tag to the new image; the old one stays, untagged (repoTags [], "dangling", as
 *   containerd leaves it), until removed.
 * - Pulls and removals run one at a time, as the kubelet pulls by default (serializeImagePulls:
 *   true). Pulling an image the node has is a registry lookup and nothing more, so
 *   imagePullPolicy Always costs little.
 * - Each image is one tag of a repository, and its environment says which: IMAGE_TAG=<tag> is
 *   added to the manifest's env (a real image bakes such values into its config's Env).
 */
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { normalizedImageName } from "../../api/image-name.ts";
import { CriError, type Image, type ImageService, type ImageSpec } from "../cri.ts";
import { type ImageManifest, ImageManifestError, parseManifest } from "./manifest.ts";
import { parseImageReference, repoTag } from "./reference.ts";
import { ImageRegistry, MANIFEST_FILE, type RegistryImage } from "./registry.ts";

/** A pulled image, as the runtime needs it to create a container. */
export interface ResolvedImage {
  id: string;
  repoTags: string[];
  /** The node's copy: the container's working directory unless it sets workingDir. */
  dir: string;
  manifest: ImageManifest;
  /** The image's environment: the manifest's env and IMAGE_TAG. A container's env overrides it. */
  env: Record<string, string>;
}

/** What <hex>.json holds. */
interface ImageRecord {
  id: string;
  repository: string;
  /** The tag it was pulled as; its IMAGE_TAG even once the tag has moved on. */
  tag: string;
  repoTags: string[];
  size: number;
}

const HEX = /^[0-9a-f]{64}$/;
const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;
const RECORD_FILE = /^([0-9a-f]{64})\.json$/;
const TEMPORARY = ".tmp-";

export class NodeImageStore implements ImageService {
  readonly root: string;
  private readonly registry: ImageRegistry;
  /** Records by hex, loaded from the root on first use; kept equal to the <hex>.json files. */
  private records: Promise<Map<string, ImageRecord>> | undefined;
  /** The last pull or removal: the next one waits for it. Never rejects. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(options: { root: string; registry?: ImageRegistry }) {
    this.root = options.root;
    this.registry = options.registry ?? new ImageRegistry();
  }

  // #region pull-image
  /**
   * 1. Look the reference up in the registry: unknown is NotFound, in containerd's words.
   * 2. The node has that image ID already: skip to 4 (or finish, if it has the tag).
   * 3. Copy the image directory to a temporary directory, rename it to <hex>.
   * 4. Take the tag from any other image that had it (a crash here loses the tag, never
   *    gives it to two images; pulling again restores it).
   * 5. Write the record with the tag: from now on the node has the image.
   */
  pullImage(spec: ImageSpec): Promise<string> {
    return this.serially(async () => {
      const records = await this.state();
      const found = await this.lookupInRegistry(spec.image);
      const hex = found.id.slice("sha256:".length);
      const tagged = found.repoTags[0] as string;
      let record = records.get(hex);
      if (record === undefined) {
        const copy = join(this.root, `${TEMPORARY}${hex}`);
        await rm(copy, { recursive: true, force: true });
        await cp(found.dir, copy, { recursive: true });
        await rename(copy, join(this.root, hex));
        record = {
          id: found.id,
          repository: found.manifest.name,
          tag: tagged.slice(found.manifest.name.length + 1),
          repoTags: [],
          size: found.size,
        };
      }
      if (!record.repoTags.includes(tagged)) {
        for (const [otherHex, other] of records)
          if (otherHex !== hex && other.repoTags.includes(tagged))
            await this.write(
              otherHex,
              { ...other, repoTags: other.repoTags.filter((t) => t !== tagged) },
              records,
            );
        await this.write(hex, { ...record, repoTags: [...record.repoTags, tagged] }, records);
      }
      return found.id;
    });
  }
  // #endregion pull-image

  async listImages(): Promise<Image[]> {
    return [...(await this.state()).values()].map(toImage);
  }

  async imageStatus(spec: ImageSpec): Promise<Image | undefined> {
    const record = this.find(await this.state(), spec.image);
    return record && toImage(record);
  }

  /** Removes the image with every tag it has; an image the node lacks is fine (CRI: idempotent). */
  removeImage(spec: ImageSpec): Promise<void> {
    return this.serially(async () => {
      const records = await this.state();
      const record = this.find(records, spec.image);
      if (record === undefined) return;
      const hex = record.id.slice("sha256:".length);
      await rm(join(this.root, `${hex}.json`), { force: true });
      records.delete(hex);
      await rm(join(this.root, hex), { recursive: true, force: true });
    });
  }

  // #region resolve
  /** A pulled image by reference or ID, for CreateContainer; undefined if the node lacks it. */
  async resolve(image: string): Promise<ResolvedImage | undefined> {
    const record = this.find(await this.state(), image);
    if (record === undefined) return undefined;
    const dir = join(this.root, record.id.slice("sha256:".length));
    const file = join(dir, MANIFEST_FILE);
    const manifest = parseManifest(await readFile(file, "utf8"), file, record.repository);
    return {
      id: record.id,
      repoTags: [...record.repoTags],
      dir,
      manifest,
      env: { ...manifest.env, IMAGE_TAG: record.tag },
    };
  }
  // #endregion resolve

  private async lookupInRegistry(image: string): Promise<RegistryImage> {
    const ref = normalizedImageName(image);
    if (parseImageReference(image) === undefined)
      throw new CriError(
        "InvalidArgument",
        `failed to parse image reference "${image}": invalid reference format`,
      );
    let found: RegistryImage | undefined;
    try {
      found = await this.registry.lookup(image);
    } catch (error) {
      if (!(error instanceof ImageManifestError)) throw error;
      throw new CriError("Unknown", `failed to pull and unpack image "${ref}": ${error.message}`);
    }
    if (found === undefined)
      throw new CriError(
        "NotFound",
        `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`,
      );
    return found;
  }

  /** By image ID ("sha256:…"), by repository:tag (untagged = latest), or by repository@digest. */
  private find(records: Map<string, ImageRecord>, image: string): ImageRecord | undefined {
    if (IMAGE_ID.test(image)) return records.get(image.slice("sha256:".length));
    const ref = parseImageReference(image);
    if (ref === undefined) return undefined;
    if (ref.digest !== undefined) {
      const record = records.get(ref.digest.slice("sha256:".length));
      return record?.repository === ref.repository ? record : undefined;
    }
    const tagged = repoTag(ref.repository, ref.tag ?? "latest");
    for (const record of records.values()) if (record.repoTags.includes(tagged)) return record;
    return undefined;
  }

  /** Writes <hex>.json through a temporary file and a rename, then the in-memory map. */
  private async write(hex: string, record: ImageRecord, records: Map<string, ImageRecord>) {
    const temporary = join(this.root, `${TEMPORARY}${hex}.json`);
    await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`);
    await rename(temporary, join(this.root, `${hex}.json`));
    records.set(hex, record);
  }

  private state(): Promise<Map<string, ImageRecord>> {
    this.records ??= this.load().catch((error: unknown) => {
      this.records = undefined;
      throw error;
    });
    return this.records;
  }

  /** Reads every record and deletes what a crash left behind (see the module comment). */
  private async load(): Promise<Map<string, ImageRecord>> {
    await mkdir(this.root, { recursive: true });
    const entries = await readdir(this.root, { withFileTypes: true });
    const records = new Map<string, ImageRecord>();
    for (const entry of entries) {
      const hex = RECORD_FILE.exec(entry.name)?.[1];
      if (hex === undefined || !entry.isFile()) continue;
      const file = join(this.root, entry.name);
      records.set(hex, parseRecord(await readFile(file, "utf8"), file, hex));
    }
    for (const entry of entries) {
      const leftover =
        entry.name.startsWith(TEMPORARY) ||
        (entry.isDirectory() && HEX.test(entry.name) && !records.has(entry.name));
      if (leftover) await rm(join(this.root, entry.name), { recursive: true, force: true });
    }
    return records;
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

const toImage = (r: ImageRecord): Image => ({ id: r.id, repoTags: [...r.repoTags], size: r.size });

function parseRecord(text: string, file: string, hex: string): ImageRecord {
  let r: Partial<ImageRecord>;
  try {
    r = JSON.parse(text) as Partial<ImageRecord>;
  } catch (error) {
    throw new Error(`image record ${file} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const valid =
    r.id === `sha256:${hex}` &&
    typeof r.repository === "string" &&
    typeof r.tag === "string" &&
    Array.isArray(r.repoTags) &&
    r.repoTags.every((t) => typeof t === "string") &&
    typeof r.size === "number";
  if (!valid)
    throw new Error(
      `image record ${file}: expected { id: "sha256:${hex}", repository, tag, repoTags, size }, got ${text.trim()}`,
    );
  return r as ImageRecord;
}
