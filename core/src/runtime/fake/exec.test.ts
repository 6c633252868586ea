/**
 * ExecSync on the fake runtime: defaultExec's reading of commands, the `exec` rule, time on the
 * fake clock (a timeout, a slow command), and a container that stops under a running command.
 * What both runtimes share is in the contract (runtime.cases.ts).
 */
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../util/clock.ts";
import { peekSettled } from "../../util/peek.ts";
import { type ContainerConfig, CriError, type PodSandboxConfig } from "../cri.ts";
import { defaultExec, type ExecRule } from "./exec.ts";
import { FakeRuntime } from "./runtime.ts";

const pod: PodSandboxConfig = {
  metadata: { name: "web-0", namespace: "shop", uid: "uid-web-0", attempt: 0 },
  hostname: "web-0",
  logDirectory: "/var/log/pods/shop_web-0_uid-web-0",
  labels: {},
  annotations: {},
};

const config: ContainerConfig = {
  metadata: { name: "app", attempt: 0 },
  image: { image: "tinykube/hello:1.0" },
  command: [],
  args: [],
  envs: [],
  mounts: [],
  labels: {},
  annotations: {},
  logPath: "app/0.log",
};

async function running(exec?: ExecRule) {
  const clock = new FakeClock();
  const runtime = new FakeRuntime({ clock, podCIDR: "10.244.0.0/24", ...(exec ? { exec } : {}) });
  await runtime.pullImage(config.image);
  const sandboxId = await runtime.runPodSandbox(pod);
  const id = await runtime.createContainer(sandboxId, config, pod);
  await runtime.startContainer(id);
  return { clock, runtime, id };
}

const criErrorOf = (promise: Promise<unknown>) =>
  promise.then(
    (value) => expect.unreachable(`expected a CriError, got ${JSON.stringify(value)}`),
    (error: unknown) => {
      expect(error).toBeInstanceOf(CriError);
      return error as CriError;
    },
  );

describe("defaultExec", () => {
  it("reads commands as a tiny shell: exit codes, output, time; the rest never ends", () => {
    expect(defaultExec(["true"])).toEqual({ exitCode: 0, stdout: "", stderr: "", afterMs: 0 });
    expect(defaultExec(["false"])).toEqual({ exitCode: 1, stdout: "", stderr: "", afterMs: 0 });
    expect(defaultExec(["sh", "-c", "echo ready; echo warn >&2; sleep 2; exit 3"])).toEqual({
      exitCode: 3,
      stdout: "ready\n",
      stderr: "warn\n",
      afterMs: 2000,
    });
    expect(defaultExec(["cat", "/tmp/healthy"]), "a command it does not understand").toBe("hang");
  });
});

describe("FakeRuntime.execSync", () => {
  it("the exec rule decides per call, and sees the container and its pod", async () => {
    let healthy = true;
    const seen: unknown[] = [];
    const { runtime, id } = await running((request) => {
      seen.push(request);
      return request.cmd[0] === "cat" ? { exitCode: healthy ? 0 : 1 } : undefined;
    });
    expect((await runtime.execSync(id, ["cat", "/tmp/healthy"], 1)).exitCode).toBe(0);
    healthy = false;
    expect((await runtime.execSync(id, ["cat", "/tmp/healthy"], 1)).exitCode).toBe(1);
    expect(
      (await runtime.execSync(id, ["false"], 1)).exitCode,
      "undefined from the rule: defaultExec",
    ).toBe(1);
    expect(seen[0]).toEqual({
      containerId: id,
      containerName: "app",
      podName: "web-0",
      podNamespace: "shop",
      cmd: ["cat", "/tmp/healthy"],
    });
  });

  it("a command takes its time on the runtime's clock", async () => {
    const { clock, runtime, id } = await running();
    const call = runtime.execSync(id, ["sh", "-c", "sleep 2; echo done"], 5);
    clock.advance(1999);
    expect(await peekSettled(call), "at 1,999 ms").toBe("pending");
    clock.advance(1);
    expect(await peekSettled(call)).toEqual({
      value: { stdout: "done\n", stderr: "", exitCode: 0 },
    });
  });

  it("past the timeout: DeadlineExceeded with containerd's words, the duration as Go prints it", async () => {
    const { clock, runtime, id } = await running(() => "hang");
    const call = criErrorOf(runtime.execSync(id, ["cat", "/tmp/healthy"], 90));
    clock.advance(89_999);
    expect(await peekSettled(call), "at 89,999 ms").toBe("pending");
    clock.advance(1);
    const error = await call;
    expect(error.code).toBe("DeadlineExceeded");
    expect(error.message).toBe(
      "failed to exec in container: timeout 1m30s exceeded: context deadline exceeded",
    );
  });

  it("a command whose container stops under it ends with 137, killed with it", async () => {
    const { clock, runtime, id } = await running();
    const call = runtime.execSync(id, ["sh", "-c", "sleep 10; exit 0"], 0);
    clock.advance(1000);
    await runtime.stopContainer(id, 0);
    clock.advance(9000);
    expect(await call).toEqual({ stdout: "", stderr: "", exitCode: 137 });
  });

  it("refuses a container that is not running, an unknown one, and an empty command", async () => {
    const { runtime, id } = await running();
    expect((await criErrorOf(runtime.execSync("nope", ["true"], 1))).code).toBe("NotFound");
    expect((await criErrorOf(runtime.execSync(id, [], 1))).code).toBe("InvalidArgument");
    await runtime.stopContainer(id, 0);
    const stopped = await criErrorOf(runtime.execSync(id, ["true"], 1));
    expect(stopped.message).toBe(
      "failed to exec in container: container is in CONTAINER_EXITED state",
    );
  });

  it("failNext makes the next call fail", async () => {
    const { runtime, id } = await running();
    runtime.failNext("execSync", new CriError("Unknown", "injected"));
    expect((await criErrorOf(runtime.execSync(id, ["true"], 1))).message).toBe("injected");
    expect((await runtime.execSync(id, ["true"], 1)).exitCode).toBe(0);
  });
});
