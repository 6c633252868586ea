/** Test helpers: a registry of made-up images in a temporary directory. */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface TestImage {
  /** manifest.json's content: an object (written as JSON) or raw text (to test bad files). */
  manifest: object | string;
  files?: Record<string, string>;
}

/** A fresh temporary directory; the caller removes it. */
export const temporaryDir = (prefix: string): Promise<string> =>
  mkdtemp(join(tmpdir(), `tinykube-${prefix}-`));

/** Writes each image at <root>/<repository>/. */
export async function writeRegistry(root: string, images: Record<string, TestImage>) {
  for (const [repository, image] of Object.entries(images)) {
    const dir = join(root, ...repository.split("/"));
    await mkdir(dir, { recursive: true });
    const text =
      typeof image.manifest === "string" ? image.manifest : JSON.stringify(image.manifest);
    await writeFile(join(dir, "manifest.json"), text);
    for (const [path, content] of Object.entries(image.files ?? {})) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), content);
    }
  }
}

/** A small valid image: "app" with tags 1.0 and latest and one script. */
export const appImage = (): TestImage => ({
  manifest: {
    name: "app",
    tags: ["1.0", "latest"],
    entrypoint: ["node", "main.mjs"],
    args: ["--serve"],
    env: { MODE: "test" },
    ports: [{ containerPort: 8080 }],
  },
  files: { "main.mjs": "console.log('app');\n" },
});
