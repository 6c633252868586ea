import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CriError } from "../cri.ts";
import { ImageRegistry } from "./registry.ts";
import { NodeImageStore } from "./store.ts";
import { appImage, temporaryDir, writeRegistry } from "./testing.ts";

describe("NodeImageStore", () => {
  let registryRoot = "";
  let root = "";
  let registry: ImageRegistry;
  let store: NodeImageStore;
  beforeEach(async () => {
    registryRoot = await temporaryDir("registry");
    root = join(await temporaryDir("node"), "images");
    registry = new ImageRegistry(registryRoot);
    store = new NodeImageStore({ root, registry });
    await writeRegistry(registryRoot, { app: appImage() });
  });
  afterEach(async () => {
    await rm(registryRoot, { recursive: true, force: true });
    await rm(join(root, ".."), { recursive: true, force: true });
  });

  const hexOf = (id: string) => id.slice("sha256:".length);

  it("pulls an image: a copy of its directory, listed with its tag, size and ID", async () => {
    const expected = await registry.lookup("app:1.0");
    const id = await store.pullImage({ image: "app:1.0" });
    expect(id).toBe(expected?.id);
    expect(await readFile(join(root, hexOf(id), "main.mjs"), "utf8")).toBe("console.log('app');\n");
    expect(await store.listImages()).toEqual([{ id, repoTags: ["app:1.0"], size: expected?.size }]);
    expect(await store.imageStatus({ image: "app:1.0" })).toEqual({
      id,
      repoTags: ["app:1.0"],
      size: expected?.size,
    });
  });

  it("knows an image by reference, by ID and by digest; not one it has not pulled", async () => {
    const id = await store.pullImage({ image: "app" });
    expect((await store.imageStatus({ image: "app" }))?.id).toBe(id);
    expect((await store.imageStatus({ image: "app:latest" }))?.id).toBe(id);
    expect((await store.imageStatus({ image: id }))?.id).toBe(id);
    expect((await store.imageStatus({ image: `app@${id}` }))?.id).toBe(id);
    expect(await store.imageStatus({ image: `other@${id}` })).toBeUndefined();
    expect(await store.imageStatus({ image: "app:1.0" })).toBeUndefined();
    expect(await store.imageStatus({ image: "Not A Reference" })).toBeUndefined();
  });

  it("pulls again cheaply: the same ID, the copy untouched", async () => {
    const id = await store.pullImage({ image: "app:1.0" });
    const before = await stat(join(root, hexOf(id)));
    expect(await store.pullImage({ image: "app:1.0" })).toBe(id);
    const after = await stat(join(root, hexOf(id)));
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(await store.listImages()).toHaveLength(1);
  });

  it("pulls one image once when asked twice at the same time", async () => {
    const [a, b] = await Promise.all([
      store.pullImage({ image: "app:1.0" }),
      store.pullImage({ image: "app:1.0" }),
    ]);
    expect(a).toBe(b);
    expect((await readdir(root)).sort()).toEqual([`${hexOf(a)}`, `${hexOf(a)}.json`]);
  });

  it("throws NotFound in containerd's words for an image the registry lacks", async () => {
    const pull = store.pullImage({ image: "app:9.9" });
    await expect(pull).rejects.toBeInstanceOf(CriError);
    await expect(pull).rejects.toMatchObject({
      code: "NotFound",
      message:
        'rpc error: code = NotFound desc = failed to pull and unpack image "app:9.9": failed to resolve reference "app:9.9": app:9.9: not found',
    });
    await expect(store.pullImage({ image: "nope" })).rejects.toMatchObject({
      code: "NotFound",
      message: expect.stringContaining('failed to resolve reference "nope:latest"'),
    });
    expect(await store.listImages()).toEqual([]);
  });

  it("throws InvalidArgument for a malformed reference, and Unknown for a broken manifest", async () => {
    await expect(store.pullImage({ image: "App" })).rejects.toMatchObject({
      code: "InvalidArgument",
      message: 'failed to parse image reference "App": invalid reference format',
    });
    await writeRegistry(registryRoot, { bad: { manifest: "{" } });
    await expect(store.pullImage({ image: "bad" })).rejects.toMatchObject({
      code: "Unknown",
      message: expect.stringContaining(
        `${join(registryRoot, "bad", "manifest.json")}: is not valid JSON`,
      ),
    });
  });

  it("moves a tag to the new image when the registry's image changed; the old one is left untagged", async () => {
    const old = await store.pullImage({ image: "app:1.0" });
    await writeFile(join(registryRoot, "app", "main.mjs"), "console.log('v2');\n");
    const next = await store.pullImage({ image: "app:1.0" });
    expect(next).not.toBe(old);
    const images = await store.listImages();
    expect(images.find((i) => i.id === old)?.repoTags).toEqual([]);
    expect(images.find((i) => i.id === next)?.repoTags).toEqual(["app:1.0"]);
    expect((await store.imageStatus({ image: "app:1.0" }))?.id).toBe(next);
  });

  it("removes an image with its copy; removing it again is fine (CRI: idempotent)", async () => {
    const id = await store.pullImage({ image: "app:1.0" });
    await store.pullImage({ image: "app:latest" });
    await store.removeImage({ image: "app:1.0" });
    expect((await store.listImages()).map((i) => i.repoTags)).toEqual([["app:latest"]]);
    expect(await readdir(root)).not.toContain(hexOf(id));
    await store.removeImage({ image: "app:1.0" });
    await store.removeImage({ image: id });
    await store.removeImage({ image: "never-pulled" });
    expect(await store.listImages()).toHaveLength(1);
  });

  it("resolves a pulled image for CreateContainer: the node's copy, the manifest, the env with IMAGE_TAG", async () => {
    expect(await store.resolve("app:1.0")).toBeUndefined();
    const id = await store.pullImage({ image: "app:1.0" });
    const resolved = await store.resolve("app:1.0");
    expect(resolved).toEqual({
      id,
      repoTags: ["app:1.0"],
      dir: join(root, hexOf(id)),
      manifest: expect.objectContaining({ name: "app", entrypoint: ["node", "main.mjs"] }),
      env: { MODE: "test", IMAGE_TAG: "1.0" },
    });
    expect((await store.resolve(id))?.id).toBe(id);
  });

  it("finds its images after a restart: the directory is the state", async () => {
    const id = await store.pullImage({ image: "app:1.0" });
    const restarted = new NodeImageStore({ root, registry: new ImageRegistry(registryRoot) });
    expect(await restarted.listImages()).toEqual(await store.listImages());
    expect((await restarted.resolve("app:1.0"))?.dir).toBe(join(root, hexOf(id)));
    // Still there with the registry gone: the node does not need it any more.
    await rm(registryRoot, { recursive: true, force: true });
    const offline = new NodeImageStore({ root, registry: new ImageRegistry(registryRoot) });
    expect((await offline.imageStatus({ image: "app:1.0" }))?.id).toBe(id);
  });

  it("deletes on start what a crash left behind, keeping whole images", async () => {
    const id = await store.pullImage({ image: "app:1.0" });
    const orphan = "f".repeat(64);
    await mkdir(join(root, orphan)); // a copy whose record was never written
    await mkdir(join(root, `.tmp-${"e".repeat(64)}`)); // a copy cut short
    await writeFile(join(root, `.tmp-${hexOf(id)}.json`), "{"); // a record cut short
    const restarted = new NodeImageStore({ root, registry });
    expect((await restarted.listImages()).map((i) => i.id)).toEqual([id]);
    expect((await readdir(root)).sort()).toEqual([hexOf(id), `${hexOf(id)}.json`]);
  });

  it("refuses a corrupt record with its file and content", async () => {
    const id = await store.pullImage({ image: "app:1.0" });
    const file = join(root, `${hexOf(id)}.json`);
    await writeFile(file, '{"id":"sha256:00"}');
    const restarted = new NodeImageStore({ root, registry });
    await expect(restarted.listImages()).rejects.toThrow(
      `image record ${file}: expected { id: "${id}", repository, tag, repoTags, size }, got {"id":"sha256:00"}`,
    );
  });
});
