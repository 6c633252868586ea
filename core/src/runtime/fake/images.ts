/**
 * The fake runtime's images: a catalog standing for the registry (what can be pulled) and, per
 * node, the images pulled so far. Lookups behave as containerd's: a reference without a tag means
 * ":latest"; a pulled image can be named by any of its tags or by its ID (the kubelet creates
 * containers with the ID, the imageRef); removing an image drops every tag it has on the node.
 *
 * The default catalog ships the same repositories and tags as the process runtime's registry
 * (core/images), each tag its own image with its own ID, without reading it: the fake touches no
 * disk. IDs are the SHA-256 of the "repository:tag", so they are stable from run to run.
 */
import { createHash } from "node:crypto";
import { normalizedImageName } from "../../api/image-name.ts";
import type { Image } from "../cri.ts";

/** An image in the catalog. */
export interface FakeImage {
  /** "sha256:<64 hex>", as image IDs are. */
  id: string;
  /** The "repository:tag" names it is published under. */
  repoTags: string[];
  /** Bytes, as ImageLocality and node status see it. */
  size: number;
}

/** A catalog image with a stable ID derived from its first name. */
export function fakeImage(repoTags: string[], size: number): FakeImage {
  const first = repoTags[0] ?? "";
  return { id: `sha256:${createHash("sha256").update(first).digest("hex")}`, repoTags, size };
}

/**
 * The repositories and tags core/images ships (images.test.ts checks they agree), with sizes of
 * the order of the real thing: busybox is about 4 MB, the tinykube images are small scripts.
 */
const SHIPPED: [repository: string, tags: string[], size: number][] = [
  ["tinykube/hello", ["1.0", "2.0", "latest"], 48_000],
  ["tinykube/echo", ["1.0", "latest"], 40_000],
  ["tinykube/crasher", ["1.0", "latest"], 24_000],
  ["tinykube/cpu-burner", ["1.0", "latest"], 24_000],
  ["busybox", ["1.36", "latest"], 4_300_000],
];

/** The shipped images, each tag its own image. */
export const DEFAULT_IMAGES: readonly FakeImage[] = SHIPPED.flatMap(([repository, tags, size]) =>
  tags.map((tag) => fakeImage([`${repository}:${tag}`], size)),
);

/** A catalog's images by "repository:tag" and by ID, built once per catalog and shared by every node using it. */
const indexes = new WeakMap<readonly FakeImage[], Map<string, FakeImage>>();

function indexOf(catalog: readonly FakeImage[]): Map<string, FakeImage> {
  let index = indexes.get(catalog);
  if (index === undefined) {
    index = new Map();
    for (const image of catalog) {
      index.set(image.id, image);
      for (const tag of image.repoTags) index.set(normalizedImageName(tag), image);
    }
    indexes.set(catalog, index);
  }
  return index;
}

/** "busybox@sha256:…" → "sha256:…"; anything else → undefined. */
const digestOf = (ref: string): string | undefined => {
  const at = ref.indexOf("@");
  return at === -1 ? undefined : ref.slice(at + 1);
};

export class FakeImageStore {
  /** Pulled images by ID, with the names this node knows them by (a subset of the catalog's). */
  private readonly byId = new Map<string, { image: FakeImage; repoTags: string[] }>();
  /** "repository:tag" → ID, for every name in `byId`. */
  private readonly byTag = new Map<string, string>();

  constructor(private readonly catalog: readonly FakeImage[]) {}

  /** The catalog image a reference names ("busybox", "busybox:1.0", "busybox@sha256:…"). */
  inCatalog(ref: string): FakeImage | undefined {
    const index = indexOf(this.catalog);
    return index.get(digestOf(ref) ?? normalizedImageName(ref));
  }

  /** Records a pull of `ref`, resolved to `image`; a tagged name joins the image's repoTags. */
  add(ref: string, image: FakeImage): void {
    let entry = this.byId.get(image.id);
    if (entry === undefined) {
      entry = { image, repoTags: [] };
      this.byId.set(image.id, entry);
    }
    if (digestOf(ref) !== undefined) return;
    const tag = normalizedImageName(ref);
    if (!entry.repoTags.includes(tag)) entry.repoTags.push(tag);
    this.byTag.set(tag, image.id);
  }

  /** The pulled image a reference or an image ID names. */
  resolve(ref: string): FakeImage | undefined {
    const id = this.byId.has(ref)
      ? ref
      : (digestOf(ref) ?? this.byTag.get(normalizedImageName(ref)));
    return id === undefined ? undefined : this.byId.get(id)?.image;
  }

  /** The CRI view of a pulled image. */
  status(ref: string): Image | undefined {
    const image = this.resolve(ref);
    const entry = image && this.byId.get(image.id);
    return entry && { id: entry.image.id, repoTags: [...entry.repoTags], size: entry.image.size };
  }

  list(): Image[] {
    return [...this.byId.values()].map(({ image, repoTags }) => ({
      id: image.id,
      repoTags: [...repoTags],
      size: image.size,
    }));
  }

  /** Removes the image a reference names, with all its tags, as containerd's RemoveImage does. */
  remove(ref: string): void {
    const image = this.resolve(ref);
    const entry = image && this.byId.get(image.id);
    if (entry === undefined) return;
    for (const tag of entry.repoTags) this.byTag.delete(tag);
    this.byId.delete(entry.image.id);
  }

  /** The catalog's repositories, for error messages. */
  repositories(): string[] {
    const names = this.catalog.flatMap((image) =>
      image.repoTags.map((t) => t.slice(0, t.lastIndexOf(":"))),
    );
    return [...new Set(names)].sort();
  }
}
