import { createHash } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ImageManifestError } from "./manifest.ts";
import { DEFAULT_REGISTRY_DIR, ImageRegistry } from "./registry.ts";
import { appImage, temporaryDir, writeRegistry } from "./testing.ts";

describe("ImageRegistry", () => {
  let root = "";
  let registry: ImageRegistry;
  beforeEach(async () => {
    root = await temporaryDir("registry");
    registry = new ImageRegistry(root);
    await writeRegistry(root, {
      app: appImage(),
      "team/tool": { manifest: { name: "team/tool", tags: ["2"] } },
    });
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("looks up a tag, and an untagged reference as :latest", async () => {
    const one = await registry.lookup("app:1.0");
    expect(one).toMatchObject({ repoTags: ["app:1.0"], dir: join(root, "app") });
    expect(one?.manifest.entrypoint).toEqual(["node", "main.mjs"]);
    expect((await registry.lookup("app"))?.repoTags).toEqual(["app:latest"]);
    expect((await registry.lookup("team/tool:2"))?.repoTags).toEqual(["team/tool:2"]);
  });

  it("answers undefined for an unknown repository, tag or digest, and a malformed reference", async () => {
    expect(await registry.lookup("nope")).toBeUndefined();
    expect(await registry.lookup("app:9.9")).toBeUndefined();
    expect(await registry.lookup("team/tool")).toBeUndefined(); // no "latest" tag
    expect(await registry.lookup("team")).toBeUndefined(); // a folder, not an image
    expect(await registry.lookup(`app@sha256:${"0".repeat(64)}`)).toBeUndefined();
    expect(await registry.lookup("App")).toBeUndefined();
    expect(await registry.lookup("../app")).toBeUndefined();
  });

  it("gives each tag its own ID: the digest of the files and the tag, as documented", async () => {
    const manifest = JSON.stringify(appImage().manifest);
    const script = "console.log('app');\n";
    const expected = (tag: string) =>
      `sha256:${createHash("sha256")
        .update(`main.mjs\0${script.length}\0${script}`)
        .update(`manifest.json\0${manifest.length}\0${manifest}`)
        .update(`tag\0${tag}`)
        .digest("hex")}`;
    const one = await registry.lookup("app:1.0");
    const latest = await registry.lookup("app:latest");
    expect(one?.id).toBe(expected("1.0"));
    expect(latest?.id).toBe(expected("latest"));
    expect(one?.size).toBe(manifest.length + script.length);
  });

  it("changes the ID when a file changes, and finds an image by its digest", async () => {
    const before = await registry.lookup("app:1.0");
    await writeFile(join(root, "app", "main.mjs"), "console.log('app v2');\n");
    const after = await registry.lookup("app:1.0");
    expect(after?.id).not.toBe(before?.id);
    expect((await registry.lookup(`app@${after?.id}`))?.repoTags).toEqual(["app:1.0"]);
    expect(await registry.lookup(`app@${before?.id}`)).toBeUndefined();
  });

  it("lists every repository:tag", async () => {
    const all = await registry.list();
    expect(all.map((i) => i.repoTags[0])).toEqual(["app:1.0", "app:latest", "team/tool:2"]);
  });

  it("throws an error naming the file and the field for a broken manifest", async () => {
    await writeRegistry(root, { bad: { manifest: { name: "bad", tags: "latest" } } });
    const lookup = registry.lookup("bad");
    await expect(lookup).rejects.toBeInstanceOf(ImageManifestError);
    await expect(registry.lookup("bad")).rejects.toThrow(
      `${join(root, "bad", "manifest.json")}: field "tags" must be a non-empty array of tags, got "latest"`,
    );
  });
});

describe("the shipped registry (core/images)", () => {
  const shipped = new ImageRegistry();

  it("is core/images", () => {
    expect(DEFAULT_REGISTRY_DIR.endsWith(join("core", "images"))).toBe(true);
  });

  it("holds the images the issue asks for, each valid, with the tags they document", async () => {
    const tags = (await shipped.list()).map((i) => i.repoTags[0]);
    expect(tags).toEqual([
      "busybox:1.36",
      "busybox:latest",
      "tinykube/cpu-burner:1.0",
      "tinykube/cpu-burner:latest",
      "tinykube/crasher:1.0",
      "tinykube/crasher:latest",
      "tinykube/echo:1.0",
      "tinykube/echo:latest",
      "tinykube/hello:1.0",
      "tinykube/hello:2.0",
      "tinykube/hello:latest",
    ]);
  });

  it("gives tinykube/hello:1.0 and :2.0 different IDs, stable from one lookup to the next", async () => {
    const one = await shipped.lookup("tinykube/hello:1.0");
    const two = await shipped.lookup("tinykube/hello:2.0");
    expect(one?.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(two?.id).not.toBe(one?.id);
    expect((await shipped.lookup("tinykube/hello:1.0"))?.id).toBe(one?.id);
  });
});
