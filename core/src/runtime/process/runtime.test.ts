/**
 * The process runtime with real processes: what the shared contract (runtime.cases.ts) cannot
 * say because it is about this runtime alone — state on disk and adoption after a restart, the
 * shim keeping exits and logs, exits nobody saw, addresses on disk, the container's environment
 * and mounts.
 */
import { mkdir, readdir, readFile, realpath, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ContainerConfig, ContainerStatus, PodSandboxConfig } from "../cri.ts";
import { readJson } from "./files.ts";
import { isAlive } from "./proc.ts";
import type { ContainerStateRecord } from "./records.ts";
import { ProcessRuntime } from "./runtime.ts";
import { killAndRemove, shImages, temporaryRoot, waitUntil } from "./testing.ts";

const POD_CIDR = "127.128.1.0/24";
/** RFC3339 with nine fraction digits in UTC, a stream, a tag, the text. */
const CRI_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) (F|P) (.*)$/;

let root: string;
let imageDir: string;
let logRoot: string;
const runtimes: ProcessRuntime[] = [];

/** A runtime on `root`; each call is a fresh instance, as a restarted kubelet would make. */
function newRuntime(): ProcessRuntime {
  const runtime = new ProcessRuntime({ root: join(root, "node"), images: shImages(imageDir) });
  runtimes.push(runtime);
  return runtime;
}

beforeEach(async () => {
  root = await temporaryRoot("process-runtime");
  imageDir = join(root, "image");
  logRoot = join(root, "logs");
  await mkdir(imageDir, { recursive: true });
});

afterEach(async () => {
  for (const runtime of runtimes.splice(0)) await runtime.close();
  await killAndRemove(join(root, "node"));
  await killAndRemove(root);
});

function podConfig(name: string, extra: Partial<PodSandboxConfig> = {}): PodSandboxConfig {
  return {
    metadata: { name, namespace: "shop", uid: `uid-${name}`, attempt: 0 },
    hostname: name,
    logDirectory: join(logRoot, `shop_${name}_uid-${name}`),
    labels: { "io.kubernetes.pod.name": name },
    annotations: {},
    ...extra,
  };
}

function shContainer(script: string, extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    metadata: { name: "main", attempt: 0 },
    image: { image: "test/sh" },
    command: [],
    args: ["-c", script],
    envs: [],
    mounts: [],
    labels: {},
    annotations: {},
    logPath: "main/0.log",
    ...extra,
  };
}

async function ready(runtime = newRuntime()) {
  await runtime.updateRuntimeConfig({ podCIDR: POD_CIDR });
  return runtime;
}

/** A sandbox with one started container running `script` under sh. */
async function runScript(
  runtime: ProcessRuntime,
  script: string,
  extra: Partial<ContainerConfig> = {},
  pod = podConfig("web"),
) {
  const sandboxId = await runtime.runPodSandbox(pod);
  const containerId = await runtime.createContainer(sandboxId, shContainer(script, extra), pod);
  await runtime.startContainer(containerId);
  return { sandboxId, containerId, pod };
}

const untilState = (runtime: ProcessRuntime, id: string, state: ContainerStatus["state"]) =>
  waitUntil(async () => {
    const status = await runtime.containerStatus(id);
    return status.state === state ? status : undefined;
  }, `container ${id} to be ${state}`);

const stateFile = (id: string) =>
  readJson<ContainerStateRecord>(join(root, "node", "containers", id, "state.json")).then(
    (state) => state ?? expect.unreachable(`no state.json for ${id}`),
  );

/** Pids of live (not zombie) processes in process group `pgid`, from /proc. */
async function liveMembersOf(pgid: number): Promise<number[]> {
  const members: number[] = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
    // After the name in parentheses: state, ppid, pgrp, ...
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z" && state !== "X") members.push(Number(name));
  }
  return members;
}

const logLines = async (status: ContainerStatus) =>
  (await readFile(status.logPath, "utf8").catch(() => "")).split("\n").filter(Boolean);

/** Waits for log lines satisfying `enough`, returning [stream, tag, text] of each. */
const logOf = (runtime: ProcessRuntime, id: string, enough: (lines: string[][]) => boolean) =>
  waitUntil(async () => {
    const parsed = (await logLines(await runtime.containerStatus(id))).map((line) => {
      const match = CRI_LINE.exec(line);
      if (!match) throw new Error(`not a CRI log line: ${JSON.stringify(line)}`);
      return match.slice(1);
    });
    return enough(parsed) ? parsed : undefined;
  }, `log lines of ${id}`);

describe("sandboxes and their addresses", () => {
  it("hands out .2, .3, ... of the pod CIDR, gives them back at stop, and keeps them across a restart", async () => {
    const runtime = await ready();
    const a = await runtime.runPodSandbox(podConfig("a"));
    const b = await runtime.runPodSandbox(podConfig("b"));
    expect((await runtime.podSandboxStatus(a)).network.ip).toBe("127.128.1.2");
    expect((await runtime.podSandboxStatus(b)).network.ip).toBe("127.128.1.3");

    const ipamDir = join(root, "node", "ipam");
    expect(await readFile(join(ipamDir, "127.128.1.2"), "utf8")).toBe(a);

    await runtime.stopPodSandbox(a);
    expect((await runtime.podSandboxStatus(a)).network.ip).toBe("");
    expect(await readdir(ipamDir)).not.toContain("127.128.1.2");

    // A restarted runtime knows the pod CIDR and b's address without being told again.
    const restarted = newRuntime();
    const c = await restarted.runPodSandbox(podConfig("c"));
    expect((await restarted.podSandboxStatus(c)).network.ip).toBe("127.128.1.4");
    expect((await restarted.podSandboxStatus(b)).network.ip).toBe("127.128.1.3");
    expect(await readFile(join(ipamDir, "127.128.1.3"), "utf8")).toBe(b);
  });

  it("refuses to run a sandbox before it knows the pod CIDR, and refuses a malformed CIDR", async () => {
    const runtime = newRuntime();
    await expect(runtime.runPodSandbox(podConfig("early"))).rejects.toMatchObject({
      code: "FailedPrecondition",
      message: expect.stringContaining("no pod CIDR"),
    });
    await expect(runtime.updateRuntimeConfig({ podCIDR: "127.128.1.0" })).rejects.toMatchObject({
      code: "InvalidArgument",
    });
  });

  it("a full pod CIDR fails RunPodSandbox with host-local's message and leaves nothing behind", async () => {
    const runtime = newRuntime();
    await runtime.updateRuntimeConfig({ podCIDR: "127.128.1.0/30" }); // one address: .2
    await runtime.runPodSandbox(podConfig("only"));
    await expect(runtime.runPodSandbox(podConfig("one-too-many"))).rejects.toThrow(
      "no IP addresses available in range set: 127.128.1.1-127.128.1.2",
    );
    expect(await runtime.listPodSandbox()).toHaveLength(1);
    expect(await readdir(join(root, "node", "sandboxes"))).toHaveLength(1);
  });

  it("writes the pod's hostname and resolv.conf (containerd's format) into the sandbox directory", async () => {
    const runtime = await ready();
    const id = await runtime.runPodSandbox(
      podConfig("dns", {
        dnsConfig: {
          servers: ["127.96.0.10"],
          searches: ["shop.svc.cluster.local", "svc.cluster.local"],
          options: ["ndots:5"],
        },
      }),
    );
    const dir = join(root, "node", "sandboxes", id);
    expect(await readFile(join(dir, "resolv.conf"), "utf8")).toBe(
      "search shop.svc.cluster.local svc.cluster.local\nnameserver 127.96.0.10\noptions ndots:5\n",
    );
    expect(await readFile(join(dir, "hostname"), "utf8")).toBe("dns\n");
  });
});

describe("containers", () => {
  it("runs a process whose stdout and stderr reach the log in the CRI format; SIGTERM stops it (143)", async () => {
    const runtime = await ready();
    const { containerId } = await runScript(runtime, "echo out; echo err >&2; exec sleep 30");
    const running = await untilState(runtime, containerId, "CONTAINER_RUNNING");
    expect(running.startedAt).toBeGreaterThanOrEqual(running.createdAt);
    expect(running.logPath).toBe(join(logRoot, "shop_web_uid-web", "main", "0.log"));

    const lines = await logOf(runtime, containerId, (l) => l.length >= 2);
    expect(lines).toContainEqual(["stdout", "F", "out"]);
    expect(lines).toContainEqual(["stderr", "F", "err"]);

    const pid = (await stateFile(containerId)).pid ?? expect.unreachable("no pid recorded");
    const before = Date.now();
    await runtime.stopContainer(containerId, 5);
    expect(Date.now() - before, "SIGTERM ends sleep at once").toBeLessThan(5000);
    const status = await runtime.containerStatus(containerId);
    expect(status).toMatchObject({ state: "CONTAINER_EXITED", exitCode: 143, reason: "Error" });
    expect(isAlive(pid)).toBe(false);
  });

  it("SIGKILLs a process that ignores SIGTERM once the timeout is over (137)", async () => {
    const runtime = await ready();
    // An ignored signal stays ignored across exec, so sleep ignores SIGTERM too.
    const { containerId } = await runScript(runtime, "trap '' TERM; echo ready; exec sleep 30");
    await logOf(runtime, containerId, (l) => l.length >= 1); // the trap is set
    const before = Date.now();
    await runtime.stopContainer(containerId, 1);
    expect(Date.now() - before).toBeGreaterThanOrEqual(1000);
    expect(await runtime.containerStatus(containerId)).toMatchObject({
      state: "CONTAINER_EXITED",
      exitCode: 137,
      reason: "Error",
    });
  });

  it.each([
    [0, "Completed"],
    [3, "Error"],
    [42, "Error"],
  ])("records exit code %d with reason %s", async (code, reason) => {
    const runtime = await ready();
    const { containerId } = await runScript(runtime, `exit ${code}`);
    const status = await untilState(runtime, containerId, "CONTAINER_EXITED");
    expect(status).toMatchObject({ exitCode: code, reason });
    expect(status.finishedAt).toBeGreaterThanOrEqual(status.startedAt);
  });

  it("a program that is not there fails StartContainer: exit 128, reason StartError, runc's message", async () => {
    const runtime = await ready();
    const pod = podConfig("missing");
    const sandboxId = await runtime.runPodSandbox(pod);
    const id = await runtime.createContainer(
      sandboxId,
      shContainer("", { command: ["tinykube-no-such-program"], args: [] }),
      pod,
    );
    await expect(runtime.startContainer(id)).rejects.toThrow(
      'exec: "tinykube-no-such-program": executable file not found in $PATH',
    );
    expect(await runtime.containerStatus(id)).toMatchObject({
      state: "CONTAINER_EXITED",
      exitCode: 128,
      reason: "StartError",
      startedAt: 0,
    });
  });

  it("a working directory that does not exist fails StartContainer with runc's chdir message", async () => {
    const runtime = await ready();
    const pod = podConfig("nowhere");
    const sandboxId = await runtime.runPodSandbox(pod);
    const config = shContainer("true", { workingDir: "/tinykube-no-such-dir" });
    const id = await runtime.createContainer(sandboxId, config, pod);
    await expect(runtime.startContainer(id)).rejects.toThrow(
      'chdir to cwd ("/tinykube-no-such-dir") set in config.json failed: no such file or directory',
    );
  });

  it("without a log directory the output is dropped and the container still runs", async () => {
    const runtime = await ready();
    const { containerId } = await runScript(
      runtime,
      "echo lost",
      {},
      podConfig("quiet", { logDirectory: "" }),
    );
    expect(await untilState(runtime, containerId, "CONTAINER_EXITED")).toMatchObject({
      exitCode: 0,
      logPath: "",
    });
  });

  it("a process killed from outside is recorded by its shim (137), and the rest of its group dies with it", async () => {
    const runtime = await ready();
    // sh stays the leader (no exec) and sleep is a second member of the group.
    const { containerId } = await runScript(runtime, "sleep 30; echo never");
    await untilState(runtime, containerId, "CONTAINER_RUNNING");
    const { pid } = await stateFile(containerId);
    if (pid === undefined) throw new Error("no pid recorded");
    process.kill(pid, "SIGKILL");
    expect(await untilState(runtime, containerId, "CONTAINER_EXITED")).toMatchObject({
      exitCode: 137,
      reason: "Error",
    });
    // Without the shim's kill, sleep would live on for 30 s. (Killed, it may linger a moment as
    // a zombie, until whoever adopted it reaps it.)
    expect(await liveMembersOf(pid), "live members of the container's process group").toEqual([]);
  });

  it("splits long lines into P parts and writes output without a final newline as P", async () => {
    const runtime = await ready();
    // 20,000 "a" and a newline: 16,384 (containerd's max line) as P, then 3,616 as F.
    const { containerId } = await runScript(
      runtime,
      "head -c 20000 /dev/zero | tr '\\0' a; echo; printf 'no newline'",
    );
    await untilState(runtime, containerId, "CONTAINER_EXITED");
    const lines = await logOf(runtime, containerId, (l) => l.length >= 3);
    expect(lines.map(([stream, tag, text]) => [stream, tag, text?.length])).toEqual([
      ["stdout", "P", 16384],
      ["stdout", "F", 3616],
      ["stdout", "P", 10],
    ]);
    expect(lines[2]?.[2]).toBe("no newline");
  });

  it("gives the process its environment, working directory and mounts under $TINYKUBE_ROOT", async () => {
    const runtime = await ready();
    const data = join(root, "volume");
    await mkdir(data);
    await writeFile(join(data, "greeting.txt"), "hello from a volume\n");
    const script = [
      'echo "$HOSTNAME $POD_IP $POD_NAMESPACE $IMAGE_TAG $FROM_IMAGE $OVERRIDDEN"',
      'cat "$TINYKUBE_ROOT/data/greeting.txt"',
      'cat "$TINYKUBE_ROOT/etc/hostname"',
      "pwd",
    ].join("; ");
    const { containerId } = await runScript(runtime, script, {
      envs: [{ key: "OVERRIDDEN", value: "by-the-pod" }],
      mounts: [{ containerPath: "/data", hostPath: data, readonly: false }],
      workingDir: "/data",
    });
    await untilState(runtime, containerId, "CONTAINER_EXITED");
    const lines = await logOf(runtime, containerId, (l) => l.length >= 4);
    expect(lines.map((l) => l[2])).toEqual([
      "web 127.128.1.2 shop latest image by-the-pod",
      "hello from a volume",
      "web",
      await realpath(data),
    ]);
  });

  it("refuses nested mounts with InvalidArgument", async () => {
    const runtime = await ready();
    const pod = podConfig("nested");
    const sandboxId = await runtime.runPodSandbox(pod);
    const mounts = [
      { containerPath: "/data", hostPath: root, readonly: false },
      { containerPath: "/data/cache", hostPath: root, readonly: false },
    ];
    await expect(
      runtime.createContainer(sandboxId, shContainer("true", { mounts }), pod),
    ).rejects.toMatchObject({ code: "InvalidArgument", message: expect.stringContaining("nest") });
  });
});

describe("restarts and lost shims", () => {
  it("a new runtime on the same root adopts a running container: same pid, still running, stoppable", async () => {
    const first = await ready();
    const { containerId, sandboxId } = await runScript(first, "echo up; exec sleep 30");
    await untilState(first, containerId, "CONTAINER_RUNNING");
    const { pid } = await stateFile(containerId);
    await first.close();

    const second = newRuntime();
    expect(await second.listContainers()).toEqual([
      expect.objectContaining({
        id: containerId,
        podSandboxId: sandboxId,
        state: "CONTAINER_RUNNING",
      }),
    ]);
    expect((await stateFile(containerId)).pid).toBe(pid);
    expect(isAlive(pid ?? 0)).toBe(true);
    await second.stopContainer(containerId, 5);
    expect(await second.containerStatus(containerId)).toMatchObject({
      state: "CONTAINER_EXITED",
      exitCode: 143,
    });
  });

  it("close() ends a stop still waiting out its grace period, and leaves the container running", async () => {
    const runtime = await ready();
    const { containerId } = await runScript(runtime, "trap '' TERM; echo ready; exec sleep 30");
    await logOf(runtime, containerId, (l) => l.length >= 1);
    const stopping = runtime.stopContainer(containerId, 30);
    await runtime.close();
    await expect(stopping).rejects.toThrow("the runtime was closed while waiting");
    const { pid } = await stateFile(containerId);
    expect(isAlive(pid ?? 0), "the container outlives its runtime").toBe(true);
  });

  it("an exit while no runtime runs is recorded by the shim and seen by the next runtime", async () => {
    const first = await ready();
    const { containerId } = await runScript(first, "exec sleep 30");
    await untilState(first, containerId, "CONTAINER_RUNNING");
    await first.close();
    const { pid } = await stateFile(containerId);
    process.kill(pid ?? 0, "SIGKILL");

    const second = newRuntime();
    expect(await untilState(second, containerId, "CONTAINER_EXITED")).toMatchObject({
      exitCode: 137,
      reason: "Error",
    });
  });

  it("a container whose shim died and whose process is gone is EXITED with 255, reason Unknown", async () => {
    const runtime = await ready();
    const { containerId } = await runScript(runtime, "exec sleep 30");
    await untilState(runtime, containerId, "CONTAINER_RUNNING");
    const { pid, shimPid } = await stateFile(containerId);
    if (pid === undefined || shimPid === undefined) throw new Error("no pids recorded");
    process.kill(shimPid, "SIGKILL");
    await waitUntil(async () => (isAlive(shimPid) ? undefined : true), "the shim to die");
    // Nobody watches the process now, but it runs.
    expect((await runtime.containerStatus(containerId)).state).toBe("CONTAINER_RUNNING");

    process.kill(-pid, "SIGKILL");
    await waitUntil(async () => (isAlive(pid) ? undefined : true), "the orphan to die");
    expect(await runtime.containerStatus(containerId)).toMatchObject({
      state: "CONTAINER_EXITED",
      exitCode: 255,
      reason: "Unknown",
    });
  });
});

describe("removal and unknown IDs", () => {
  it("removeContainer kills a running container and deletes its state, but keeps its log", async () => {
    const runtime = await ready();
    const { containerId } = await runScript(runtime, "echo kept; exec sleep 30");
    const status = await untilState(runtime, containerId, "CONTAINER_RUNNING");
    await logOf(runtime, containerId, (l) => l.length >= 1);
    const { pid } = await stateFile(containerId);
    await runtime.removeContainer(containerId);
    expect(isAlive(pid ?? 0)).toBe(false);
    await expect(runtime.containerStatus(containerId)).rejects.toMatchObject({ code: "NotFound" });
    expect(await readdir(join(root, "node", "containers"))).toEqual([]);
    expect(await readFile(status.logPath, "utf8")).toContain("stdout F kept");
  });

  it("removePodSandbox kills and removes its containers and gives its address back", async () => {
    const runtime = await ready();
    const { sandboxId, containerId } = await runScript(runtime, "exec sleep 30");
    await untilState(runtime, containerId, "CONTAINER_RUNNING");
    const { pid } = await stateFile(containerId);
    await runtime.removePodSandbox(sandboxId);
    expect(isAlive(pid ?? 0)).toBe(false);
    expect(await runtime.listContainers()).toEqual([]);
    expect(await runtime.listPodSandbox()).toEqual([]);
    expect(await readdir(join(root, "node", "ipam"))).toEqual(["last_reserved_ip.0"]);
  });

  it("status and start of unknown IDs fail with NotFound; stop and remove of them succeed", async () => {
    const runtime = await ready();
    const unknown = "f".repeat(64);
    for (const call of [
      () => runtime.containerStatus(unknown),
      () => runtime.startContainer(unknown),
      () => runtime.podSandboxStatus(unknown),
      () => runtime.containerStatus("../../etc"),
      () => runtime.createContainer(unknown, shContainer("true"), podConfig("x")),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: "NotFound" });
    }
    await expect(runtime.stopContainer(unknown, 0)).resolves.toBeUndefined();
    await expect(runtime.removeContainer(unknown)).resolves.toBeUndefined();
    await expect(runtime.stopPodSandbox(unknown)).resolves.toBeUndefined();
    await expect(runtime.removePodSandbox(unknown)).resolves.toBeUndefined();
  });

  it("an image that was not pulled fails CreateContainer with NotFound", async () => {
    const runtime = await ready();
    const pod = podConfig("no-image");
    const sandboxId = await runtime.runPodSandbox(pod);
    const config = { ...shContainer("true"), image: { image: "tinykube/never-pulled" } };
    await expect(runtime.createContainer(sandboxId, config, pod)).rejects.toMatchObject({
      code: "NotFound",
      message: expect.stringContaining('"tinykube/never-pulled"'),
    });
  });
});
