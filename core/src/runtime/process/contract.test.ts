/**
 * The runtime contract (runtime.cases.ts) against the process runtime, with the node image store
 * pulling from the project's own registry (core/images): every program is the busybox image,
 * which runs the host's sh.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { NodeImageStore } from "../images/store.ts";
import { describeRuntimeContract, type Program } from "../runtime.cases.ts";
import { ProcessRuntime } from "./runtime.ts";
import { killAndRemove, temporaryRoot, waitUntil } from "./testing.ts";

const sh = (script: string, ...args: string[]): Program => ({
  image: { image: "busybox:1.36" },
  command: ["sh", "-c", script, "sh", ...args],
  args: [],
});

describeRuntimeContract("process", async () => {
  const root = await temporaryRoot("process-contract");
  const runtime = new ProcessRuntime({
    root: join(root, "node"),
    images: new NodeImageStore({ root: join(root, "images") }),
  });
  return {
    runtime,
    podCIDR: "127.128.3.0/24",
    logRoot: join(root, "logs"),
    programs: {
      sleeper: sh("exec sleep 30"),
      // An ignored signal stays ignored across exec.
      termIgnorer: sh("trap '' TERM; exec sleep 30"),
      exiter: (code) => sh(`exit ${code}`),
      printer: (stdout, stderr) => sh('echo "$1"; echo "$2" >&2; exec sleep 30', stdout, stderr),
    },
    waitFor: (check, what) => waitUntil(check, what, 15_000),
    async logsOf(containerId) {
      const { logPath } = await runtime.containerStatus(containerId);
      const text = await readFile(logPath, "utf8").catch(() => "");
      return text.split("\n").filter(Boolean);
    },
    async cleanup() {
      await runtime.close();
      await killAndRemove(join(root, "node"));
      await killAndRemove(root);
    },
  };
});
