import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_IMAGES, FakeImageStore, fakeImage } from "./images.ts";

/** core/images: one directory per repository, each with a manifest.json naming its tags. */
const IMAGES_ROOT = join(import.meta.dirname, "../../../images");

async function shippedTags(): Promise<Record<string, string[]>> {
  const tags: Record<string, string[]> = {};
  const entries = await readdir(IMAGES_ROOT, { recursive: true });
  for (const entry of entries.filter((e) => e.endsWith("manifest.json"))) {
    const manifest = JSON.parse(await readFile(join(IMAGES_ROOT, entry), "utf8")) as {
      name: string;
      tags: string[];
    };
    tags[manifest.name] = [...manifest.tags].sort();
  }
  return tags;
}

describe("FakeImageStore", () => {
  it("ships the repositories and tags core/images ships", async () => {
    const catalog: Record<string, string[]> = {};
    for (const tag of DEFAULT_IMAGES.flatMap((image) => image.repoTags)) {
      const colon = tag.lastIndexOf(":");
      const repository = tag.slice(0, colon);
      catalog[repository] = [...(catalog[repository] ?? []), tag.slice(colon + 1)];
    }
    for (const tags of Object.values(catalog)) tags.sort();
    expect(catalog, "DEFAULT_IMAGES against core/images/**/manifest.json").toEqual(
      await shippedTags(),
    );
  });

  it("gives each tag its own image, an untagged name meaning :latest", () => {
    const store = new FakeImageStore(DEFAULT_IMAGES);
    const ids = ["1.0", "2.0", "latest"].map((tag) => store.inCatalog(`tinykube/hello:${tag}`)?.id);
    expect(new Set(ids).size, `IDs of hello's three tags: ${ids}`).toBe(3);
    expect(store.inCatalog("tinykube/hello")?.id, "untagged means :latest").toBe(ids[2]);
    expect(ids[0], "an ID is sha256:<64 hex>").toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("resolves a pulled image by tag or ID, and by digest reference", () => {
    const store = new FakeImageStore(DEFAULT_IMAGES);
    const image = store.inCatalog("busybox:1.36");
    if (image === undefined) throw new Error("busybox:1.36 should be in the catalog");
    expect(store.resolve("busybox:1.36"), "before the pull").toBeUndefined();
    store.add("busybox:1.36", image);
    expect(store.resolve("busybox:1.36")?.id, "by tag").toBe(image.id);
    expect(store.resolve(image.id)?.id, "by ID").toBe(image.id);
    expect(store.resolve(`busybox@${image.id}`)?.id, "by digest").toBe(image.id);
    expect(store.resolve("busybox:2.0"), "another tag, not pulled").toBeUndefined();
  });

  it("lists the tags pulled here, and removing an image drops all of them", () => {
    const shared = fakeImage(["app:1.0", "app:stable"], 10);
    const store = new FakeImageStore([shared]);
    store.add("app:1.0", shared);
    store.add("app:stable", shared);
    store.add("app:stable", shared);
    expect(store.list()).toEqual([
      { id: shared.id, repoTags: ["app:1.0", "app:stable"], size: 10 },
    ]);
    store.remove("app:stable");
    expect(store.list(), "after removing by one tag").toEqual([]);
    expect(store.resolve("app:1.0"), "the other tag").toBeUndefined();
    store.remove("app:stable"); // idempotent
  });
});
