/**
 * Test helpers for the process runtime: a temporary root, an image resolver that needs no image
 * store, waiting for a condition with a deadline, and killing — by pid — every shim and container
 * process a test left behind.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ImageService } from "../cri.ts";
import type { ImageManifest } from "../images/manifest.ts";
import { readJson } from "./files.ts";
import { isAlive } from "./proc.ts";
import type { ContainerStateRecord } from "./records.ts";
import type { ImageResolver } from "./runtime.ts";

export const temporaryRoot = (prefix: string): Promise<string> =>
  mkdtemp(join(tmpdir(), `tinykube-${prefix}-`));

/**
 * Images "test/sh" (entrypoint ["sh"], as a command-style image) and its ID, as if pulled; the
 * image directory is `dir`. Everything else is not on the node.
 */
export function shImages(dir: string): ImageService & ImageResolver {
  const manifest: ImageManifest = {
    name: "test/sh",
    tags: ["latest"],
    entrypoint: ["sh"],
    args: [],
    env: { FROM_IMAGE: "image", OVERRIDDEN: "by the image" },
    ports: [],
    description: "",
  };
  const image = {
    id: `sha256:${"5".repeat(64)}`,
    dir,
    manifest,
    env: { ...manifest.env, IMAGE_TAG: "latest" },
  };
  const known = (name: string) => ["test/sh", "test/sh:latest", image.id].includes(name);
  return {
    resolve: async (name) => (known(name) ? image : undefined),
    pullImage: async () => image.id,
    listImages: async () => [{ id: image.id, repoTags: ["test/sh:latest"], size: 1 }],
    imageStatus: async ({ image: name }) =>
      known(name) ? { id: image.id, repoTags: ["test/sh:latest"], size: 1 } : undefined,
    removeImage: async () => undefined,
  };
}

/** Polls `check` every few ms until it gives a defined value; throws naming `what` after `ms`. */
export async function waitUntil<T>(
  check: () => Promise<T | undefined>,
  what: string,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let delay = 5;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 50);
  }
}

/** SIGKILLs every container process group and shim recorded under `root`, then removes it. */
export async function killAndRemove(root: string): Promise<void> {
  const containers = join(root, "containers");
  const ids = await readdir(containers).catch(() => [] as string[]);
  for (const id of ids) {
    const state = await readJson<ContainerStateRecord>(join(containers, id, "state.json")).catch(
      () => undefined,
    );
    // Only while each pid is still the process recorded: a reused pid belongs to someone else.
    if (state?.pid !== undefined && isAlive(state.pid, state.pidStartTicks)) kill(-state.pid);
    if (state?.shimPid !== undefined && isAlive(state.shimPid, state.shimStartTicks)) {
      kill(state.shimPid);
    }
  }
  await rm(root, { recursive: true, force: true });
}

function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}
