import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CriError } from "../cri.ts";
import { hostArgv, imageBinDir, resolveProcess } from "./process-args.ts";
import { temporaryDir } from "./testing.ts";

describe("resolveProcess: Kubernetes' command and args table", () => {
  // The four rows of "Define a Command and Arguments for a Container" (kubernetes/website).
  const image = { name: "ep", entrypoint: ["/ep-1"], args: ["foo", "bar"] };
  it.each([
    ["neither: the image's entrypoint and args", [], [], ["/ep-1", "foo", "bar"]],
    ["command only: the command, without the image's args", ["/ep-2"], [], ["/ep-2"]],
    [
      "args only: the image's entrypoint with the args",
      [],
      ["zoo", "boo"],
      ["/ep-1", "zoo", "boo"],
    ],
    [
      "command and args: both, nothing of the image",
      ["/ep-2"],
      ["zoo", "boo"],
      ["/ep-2", "zoo", "boo"],
    ],
  ])("%s", (_, command, args, argv) => {
    expect(resolveProcess(image, command, args)).toEqual(argv);
  });

  describe("busybox (no entrypoint, args [sh])", () => {
    const busybox = { name: "busybox", entrypoint: [], args: ["sh"] };
    it("runs sh by default", () => {
      expect(resolveProcess(busybox, [], [])).toEqual(["sh"]);
    });
    it("runs a pod's command in its place", () => {
      expect(resolveProcess(busybox, ["sh", "-c", "echo hi; sleep 3600"], [])).toEqual([
        "sh",
        "-c",
        "echo hi; sleep 3600",
      ]);
      expect(resolveProcess(busybox, ["sleep", "3600"], [])).toEqual(["sleep", "3600"]);
    });
    it("runs args alone as the command, the entrypoint being empty", () => {
      expect(resolveProcess(busybox, [], ["echo", "hi"])).toEqual(["echo", "hi"]);
    });
  });

  it("refuses an image and container that give nothing to run (containerd: no command specified)", () => {
    const none = { name: "empty", entrypoint: [], args: [] };
    expect(() => resolveProcess(none, [], [])).toThrow(CriError);
    expect(() => resolveProcess(none, [], [])).toThrow(
      'no command specified: image "empty" has no entrypoint and no args, and the container sets neither command nor args',
    );
  });
});

describe("hostArgv", () => {
  let dir = "";
  beforeEach(async () => {
    dir = await temporaryDir("argv");
    await writeFile(join(dir, "server.mjs"), "");
    await writeFile(join(dir, "run.sh"), "");
    await mkdir(join(dir, "lib"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("runs node as the Node.js running tinykube, and sh as the host's /bin/sh", () => {
    expect(hostArgv(["node", "server.mjs"], dir)).toEqual([process.execPath, "server.mjs"]);
    expect(hostArgv(["sh", "-c", "echo hi"], dir)).toEqual(["/bin/sh", "-c", "echo hi"]);
  });

  it("runs a file of the image from the image's directory; a script with node", () => {
    expect(hostArgv(["server.mjs", "--x"], dir)).toEqual([
      process.execPath,
      join(dir, "server.mjs"),
      "--x",
    ]);
    expect(hostArgv(["./run.sh"], dir)).toEqual([join(dir, "run.sh")]);
  });

  it("leaves host programs for the PATH lookup, and absolute paths as they are", () => {
    expect(hostArgv(["sleep", "3600"], dir)).toEqual(["sleep", "3600"]);
    expect(hostArgv(["/bin/echo", "hi"], dir)).toEqual(["/bin/echo", "hi"]);
    expect(hostArgv(["lib"], dir)).toEqual(["lib"]);
    expect(hostArgv(["../server.mjs"], join(dir, "lib"))).toEqual(["../server.mjs"]);
  });
});

describe("imageBinDir", () => {
  it("is the image's bin/ directory if it has one: the executables put in front of its PATH", async () => {
    const dir = await temporaryDir("bin");
    try {
      expect(imageBinDir(dir)).toBeUndefined();
      await writeFile(join(dir, "bin"), "a file, not a directory");
      expect(imageBinDir(dir)).toBeUndefined();
      await rm(join(dir, "bin"));
      await mkdir(join(dir, "bin"));
      expect(imageBinDir(dir)).toBe(join(dir, "bin"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
