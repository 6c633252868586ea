/** The exec probe over the fake runtime's ExecSync, on a fake clock. */
import { describe, expect, it } from "vitest";
import type { ContainerConfig, PodSandboxConfig } from "../../runtime/cri.ts";
import { CriError } from "../../runtime/cri.ts";
import type { ExecRule } from "../../runtime/fake/exec.ts";
import { FakeRuntime } from "../../runtime/fake/runtime.ts";
import { FakeClock } from "../../util/clock.ts";
import { execProbe, MAX_OUTPUT_BYTES } from "./exec-probe.ts";

const pod: PodSandboxConfig = {
  metadata: { name: "p", namespace: "default", uid: "uid-p", attempt: 0 },
  hostname: "p",
  logDirectory: "/var/log/pods/default_p_uid-p",
  labels: {},
  annotations: {},
};
const config: ContainerConfig = {
  metadata: { name: "c", attempt: 0 },
  image: { image: "busybox:1.36" },
  command: ["sleep", "3600"],
  args: [],
  envs: [],
  mounts: [],
  labels: {},
  annotations: {},
  logPath: "c/0.log",
};

async function running(exec?: ExecRule) {
  const clock = new FakeClock();
  const runtime = new FakeRuntime({ clock, podCIDR: "10.244.0.0/24", ...(exec ? { exec } : {}) });
  await runtime.pullImage(config.image);
  const id = await runtime.createContainer(await runtime.runPodSandbox(pod), config, pod);
  await runtime.startContainer(id);
  return { clock, runtime, id };
}

describe("execProbe", () => {
  it("exit 0 is success, non-zero failure; the output is stdout then stderr", async () => {
    const { runtime, id } = await running();
    expect(await execProbe(runtime, id, ["true"], 1)).toEqual({ result: "success", output: "" });
    expect(await execProbe(runtime, id, ["sh", "-c", "echo out; echo err >&2; exit 1"], 1)).toEqual(
      { result: "failure", output: "out\nerr\n" },
    );
  });

  it("keeps 10 KiB of output", async () => {
    const { runtime, id } = await running(() => ({ exitCode: 1, stdout: "y".repeat(20_000) }));
    const outcome = await execProbe(runtime, id, ["noisy"], 1);
    expect(outcome.output.length).toBe(MAX_OUTPUT_BYTES);
  });

  it('a timeout is a failure: command "..." timed out', async () => {
    const { clock, runtime, id } = await running(() => "hang");
    const pending = execProbe(runtime, id, ["cat", "/tmp/healthy"], 1);
    clock.advance(1000);
    expect(await pending).toEqual({
      result: "failure",
      output: 'command "cat /tmp/healthy" timed out',
    });
  });

  it("another error is unknown, with the error", async () => {
    const { runtime, id } = await running();
    await runtime.stopContainer(id, 0);
    const outcome = await execProbe(runtime, id, ["true"], 1);
    expect(outcome.result).toBe("unknown");
    expect(outcome.error).toBeInstanceOf(CriError);
    expect(outcome.error?.message).toBe(
      "failed to exec in container: container is in CONTAINER_EXITED state",
    );
  });
});
