/**
 * What a container runs: its argv, from the image's entrypoint and args and the container's
 * `command` and `args`, by Kubernetes' rule (the "Define a Command and Arguments for a
 * Container" task page; containerd implements it in WithProcessArgs, internal/cri/opts):
 *
 * | image entrypoint | image args | container command | container args | runs           |
 * |------------------|------------|-------------------|----------------|----------------|
 * | [/ep-1]          | [foo bar]  | not set           | not set        | [/ep-1 foo bar]|
 * | [/ep-1]          | [foo bar]  | [/ep-2]           | not set        | [/ep-2]        |
 * | [/ep-1]          | [foo bar]  | not set           | [zoo boo]      | [/ep-1 zoo boo]|
 * | [/ep-1]          | [foo bar]  | [/ep-2]           | [zoo boo]      | [/ep-2 zoo boo]|
 *
 * `command` replaces the entrypoint and drops the image's args unless `args` are given; `args`
 * alone replace the image's args and keep the entrypoint. An empty list counts as not set (CRI
 * cannot tell them apart). Nothing at all to run is containerd's "no command specified".
 *
 * Then hostArgv says how the first word runs on this host, since an image here is a directory,
 * not a root filesystem:
 * - "node" is the Node.js running tinykube (process.execPath), so images need no node on PATH;
 * - "sh" is the host's /bin/sh (busybox's CMD is ["sh"]);
 * - a relative path naming a file in the image ("server.mjs") is that file in the node's copy;
 *   a .mjs/.cjs/.js file runs with that same Node;
 * - anything else is left to the process's exec: a name ("nslookup", "sleep") is found on the
 *   container's $PATH, as a container finds it on its own — first among the image's own
 *   executables, then the host's (the images set PATH in their env, as real images do); an
 *   absolute path ("/bin/echo") is the host's file.
 * Other words are passed as they are. The runtime starts the process in the image's directory
 * (unless the container sets workingDir), so ["node", "server.mjs"] finds its script there as a
 * container finds it in the image's WORKDIR.
 *
 * An image's own executables live in its bin/ directory, which stands in for the image's /bin:
 * the runtime puts it (imageBinDir) in front of the PATH the image sets, so `nslookup` in a
 * busybox container's command, in its `sh -c` script or in an exec (ExecSync) is busybox's
 * applet, not a host program of that name. They are small sh scripts that run one of the image's
 * .mjs files with $TINYKUBE_NODE, the Node.js running tinykube, which the runtime exports since
 * `node` need not be on the host's PATH. They must be executable: the pull's copy keeps a file's
 * mode, and git keeps it as mode 100755.
 */
import { statSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { CriError } from "../cri.ts";
import type { ImageManifest } from "./manifest.ts";

// #region resolve-process
export function resolveProcess(
  manifest: Pick<ImageManifest, "name" | "entrypoint" | "args">,
  command: readonly string[],
  args: readonly string[],
): string[] {
  const argv =
    command.length > 0
      ? [...command, ...args]
      : [...manifest.entrypoint, ...(args.length > 0 ? args : manifest.args)];
  if (argv.length === 0)
    throw new CriError(
      "Unknown",
      `no command specified: image "${manifest.name}" has no entrypoint and no args, and the container sets neither command nor args`,
    );
  return argv;
}
// #endregion resolve-process

/** An image's directory of executables, put in front of its PATH. */
export const IMAGE_BIN = "bin";

/** The image's bin/ directory in the node's copy, or undefined if it has none. */
export function imageBinDir(imageDir: string): string | undefined {
  const dir = join(imageDir, IMAGE_BIN);
  return statSync(dir, { throwIfNoEntry: false })?.isDirectory() ? dir : undefined;
}

/** The host where the image runs its "sh"; a fixed path, not the container's $PATH. */
const HOST_SH = "/bin/sh";
const NODE_SCRIPT = /\.(mjs|cjs|js)$/;

// #region host-argv
export function hostArgv(argv: readonly string[], imageDir: string): string[] {
  const [program, ...rest] = argv;
  if (program === undefined) return [];
  if (program === "node") return [process.execPath, ...rest];
  if (program === "sh") return [HOST_SH, ...rest];
  const file = isAbsolute(program) ? undefined : imageFile(imageDir, program);
  if (file === undefined) return [program, ...rest];
  return NODE_SCRIPT.test(file) ? [process.execPath, file, ...rest] : [file, ...rest];
}
// #endregion host-argv

/** The absolute path of a regular file inside the image, or undefined (also for "../x"). */
function imageFile(imageDir: string, path: string): string | undefined {
  const file = join(imageDir, path);
  const inside = relative(imageDir, file);
  if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) return undefined;
  return statSync(file, { throwIfNoEntry: false })?.isFile() ? file : undefined;
}
