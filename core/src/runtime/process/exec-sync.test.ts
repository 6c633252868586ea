/**
 * ExecSync on the process runtime, with real processes: what the shared contract
 * (runtime.cases.ts) cannot check on the fake — the container's environment and working directory,
 * processes left behind, a container that stops under a running command, a program that is not
 * there.
 */
import { mkdir, readdir, readFile, realpath } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeClock, realClock } from "../../util/clock.ts";
import { CriError, type PodSandboxConfig } from "../cri.ts";
import { execInContainer } from "./exec-sync.ts";
import { ProcessRuntime } from "./runtime.ts";
import { killAndRemove, shImages, temporaryRoot, waitUntil } from "./testing.ts";

let root: string;
let runtime: ProcessRuntime;

beforeEach(async () => {
  root = await temporaryRoot("exec-sync");
  await mkdir(join(root, "image"), { recursive: true });
  runtime = new ProcessRuntime({ root: join(root, "node"), images: shImages(join(root, "image")) });
  await runtime.updateRuntimeConfig({ podCIDR: "127.128.9.0/24" });
});

afterEach(async () => {
  await runtime.close();
  await killAndRemove(join(root, "node"));
  await killAndRemove(root);
});

const pod: PodSandboxConfig = {
  metadata: { name: "web", namespace: "shop", uid: "uid-web", attempt: 0 },
  hostname: "web",
  logDirectory: "",
  labels: {},
  annotations: {},
};

/** A running sh container that sleeps, with `workingDir` and one env variable of the pod's. */
async function sleeper(workingDir?: string): Promise<string> {
  const sandboxId = await runtime.runPodSandbox(pod);
  const id = await runtime.createContainer(
    sandboxId,
    {
      metadata: { name: "main", attempt: 0 },
      image: { image: "test/sh" },
      command: [],
      args: ["-c", "exec sleep 60"],
      envs: [{ key: "FROM_POD", value: "pod-value" }],
      mounts: [],
      labels: {},
      annotations: {},
      logPath: "",
      ...(workingDir ? { workingDir } : {}),
    },
    pod,
  );
  await runtime.startContainer(id);
  return id;
}

/** Pids of live processes whose command line contains `marker`. */
async function processesWith(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, "utf8").catch(() => "");
    const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    if (cmdline.includes(marker) && state !== "Z") found.push(Number(name));
  }
  return found;
}

describe("execSync on the process runtime", () => {
  it("runs with the container's environment and working directory", async () => {
    const dir = join(root, "work");
    await mkdir(dir);
    const id = await sleeper(dir);
    const response = await runtime.execSync(
      id,
      [
        "sh",
        "-c",
        'echo "$HOSTNAME $POD_IP $POD_NAMESPACE $FROM_POD $FROM_IMAGE"; pwd; echo "$TINYKUBE_ROOT"',
      ],
      5,
    );
    const [names, cwd, tinykubeRoot] = response.stdout.trim().split("\n");
    expect(names, "the container's variables").toBe("web 127.128.9.2 shop pod-value image");
    expect(cwd, "the container's working directory").toBe(await realpath(dir));
    expect(tinykubeRoot, "TINYKUBE_ROOT: the container's root directory").toBe(
      join(root, "node", "containers", id, "root"),
    );
    expect(response.exitCode).toBe(0);
  });

  it("a timeout kills the command's whole group and fails with DeadlineExceeded", async () => {
    const id = await sleeper();
    const marker = "exec-timeout-marker";
    const error = await runtime
      .execSync(id, ["sh", "-c", `sleep 30 & sleep 31; : ${marker}`], 1)
      .then(
        (value) => expect.unreachable(`expected a timeout, got ${JSON.stringify(value)}`),
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(CriError);
    expect((error as CriError).code).toBe("DeadlineExceeded");
    expect((error as CriError).message).toBe(
      "failed to exec in container: timeout 1s exceeded: context deadline exceeded",
    );
    // The background sleep 30 was in the same group: nothing may be left.
    await waitUntil(
      async () => ((await processesWith(marker)).length === 0 ? true : undefined),
      "the exec's processes to be gone",
      3000,
    );
  });

  it("what the command leaves running in the background is killed when it exits", async () => {
    const id = await sleeper();
    const response = await runtime.execSync(id, ["sh", "-c", "sleep 33 & echo started"], 5);
    expect(response).toEqual({ stdout: "started\n", stderr: "", exitCode: 0 });
    await waitUntil(
      async () => ((await processesWith("sleep\u000033")).length === 0 ? true : undefined),
      "the background sleep to be gone",
      3000,
    );
  });

  it("a program that is not there fails the call with runc's message, not an exit code", async () => {
    const id = await sleeper();
    const error = await runtime.execSync(id, ["no-such-program-here"], 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CriError);
    expect((error as CriError).message).toContain(
      'exec: "no-such-program-here": executable file not found in $PATH',
    );
  });

  it("an exited container takes no commands: containerd's message", async () => {
    const id = await sleeper();
    await runtime.stopContainer(id, 0);
    const error = await runtime.execSync(id, ["true"], 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CriError);
    expect((error as CriError).message).toBe(
      "failed to exec in container: container is in CONTAINER_EXITED state",
    );
  });
});

describe("execInContainer", () => {
  it("kills a running command once its container no longer runs: exit 137 (128 + SIGKILL)", async () => {
    let running = true;
    const clock = new FakeClock();
    const exec = execInContainer({
      cmd: ["sleep", "30"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      cwd: root,
      timeoutSeconds: 0,
      clock,
      isRunning: async () => running,
    });
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    clock.advance(1000); // a check: the container still runs
    await settle();
    running = false;
    clock.advance(1000); // the next check finds it stopped
    expect(await exec).toEqual({ stdout: "", stderr: "", exitCode: 137 });
  });

  it("keeps the first 16 MiB of a stream and drops the rest", async () => {
    const response = await execInContainer({
      cmd: ["sh", "-c", "head -c 17000000 /dev/zero | tr '\\0' x"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      cwd: root,
      timeoutSeconds: 0,
      clock: realClock,
      isRunning: async () => true,
    });
    expect(response.stdout.length).toBe(16 * 1024 * 1024);
    expect(response.exitCode).toBe(0);
  });

  it("an empty command is refused", async () => {
    const error = await execInContainer({
      cmd: [],
      env: {},
      cwd: root,
      timeoutSeconds: 0,
      clock: realClock,
      isRunning: async () => true,
    }).catch((e: unknown) => e);
    expect((error as CriError).code).toBe("InvalidArgument");
  });
});
