/**
 * The contract every container runtime keeps, run against the fake runtime (fake/contract.test.ts)
 * and the process runtime (process/contract.test.ts). It checks what the kubelet relies on through
 * the CRI (cri.ts): sandbox addresses from the pod CIDR, the container state machine
 * CREATED → RUNNING → EXITED with CRI's exit codes and reasons, idempotent stop and remove,
 * NotFound for unknown IDs, the image service, and the CRI log format.
 *
 * Each case gets a fresh runtime from `makeRuntime` and cleans it up afterwards, so cases are
 * independent. Nothing here sleeps: a call that may take the runtime's time (a pull, a start, a
 * stop's grace period) is awaited through the harness's `waitFor`, which advances a fake clock or
 * polls real time, so the same case runs deterministically on both.
 *
 * Where runtimes differ, containerd's CRI plugin (containerd/containerd internal/cri/server) is the
 * reference; each such case names the file.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { normalizedImageName } from "../api/image-name.ts";
import {
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerState,
  type ContainerStatus,
  CriError,
  type CriErrorCode,
  type PodSandboxConfig,
} from "./cri.ts";

/** An image plus the command and args to run in it, as a container spec names them. */
export type Program = Pick<ContainerConfig, "image" | "command" | "args">;

/** What a runtime's test file hands the suite, fresh for every case. */
export interface RuntimeUnderTest {
  runtime: ContainerRuntime;
  /** The node's pod range; the suite passes it to updateRuntimeConfig before each case. */
  podCIDR: string;
  /**
   * A directory the case may use for pods' log directories. The suite creates each pod's
   * log directory and each container's subdirectory in it, as the kubelet does before
   * RunPodSandbox and CreateContainer (kuberuntime_sandbox.go, kuberuntime_container.go).
   */
  logRoot: string;
  /** Programs the runtime can run; every image they name must be pullable. */
  programs: {
    /** Runs until stopped, and exits at SIGTERM (so a stop with a grace period ends in 143). */
    sleeper: Program;
    /** Ignores SIGTERM: only SIGKILL, once the grace period is over, ends it (137). */
    termIgnorer: Program;
    /** Exits promptly, by itself, with `code`. */
    exiter(code: number): Program;
    /** Writes `stdout` as one line to stdout and `stderr` as one line to stderr, then runs until stopped. */
    printer(stdout: string, stderr: string): Program;
  };
  /**
   * Resolves with the first defined result of `check`, giving the runtime time in between: the
   * fake runtime's harness advances its fake clock, the process runtime's polls real time. Throws,
   * naming `what`, when the harness gives up.
   */
  waitFor<T>(check: () => Promise<T | undefined>, what: string): Promise<T>;
  /** The raw lines of a container's log (CRI log format), if the runtime writes logs. */
  logsOf?(containerId: string): Promise<string[]>;
  /** Stops whatever the runtime left running and removes its files. */
  cleanup(): Promise<void>;
}

const BUSYBOX = { image: "busybox:1.36" };

/**
 * The four programs as busybox shell commands. The fake runtime reads them as a shell would
 * (fake/behavior.ts); the process runtime's busybox runs them with the host's sh, so either
 * harness may use them.
 */
export const BUSYBOX_PROGRAMS: RuntimeUnderTest["programs"] = {
  sleeper: { image: BUSYBOX, command: ["sleep", "3600"], args: [] },
  // An ignored signal stays ignored across exec, so the loop's sleeps ignore SIGTERM too.
  termIgnorer: {
    image: BUSYBOX,
    command: ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"],
    args: [],
  },
  exiter: (code) => ({ image: BUSYBOX, command: ["sh", "-c", `exit ${code}`], args: [] }),
  // `sh -c SCRIPT NAME A B` runs SCRIPT with $0 = NAME, $1 = A, $2 = B: no quoting of the lines.
  printer: (stdout, stderr) => ({
    image: BUSYBOX,
    command: ["sh", "-c"],
    args: ['echo "$1"; echo "$2" >&2; exec sleep 3600', "printer", stdout, stderr],
  }),
};

/** Labels the kubelet puts on every sandbox (pkg/kubelet/types/labels.go), so filters see real keys. */
const POD_NAME_LABEL = "io.kubernetes.pod.name";
const CONTAINER_NAME_LABEL = "io.kubernetes.container.name";

// #region harness-helpers
/**
 * Awaits a runtime call that may need the runtime's time to pass (the fake resolves a start after
 * its start delay on its clock), by letting the harness's waitFor drive time until it settles.
 */
async function done<T>(t: RuntimeUnderTest, call: Promise<T>, what: string): Promise<T> {
  let outcome: { value: T } | { error: unknown } | undefined;
  call.then(
    (value) => {
      outcome = { value };
    },
    (error: unknown) => {
      outcome = { error };
    },
  );
  const settled = await t.waitFor(async () => outcome, `${what} to return`);
  if ("error" in settled) throw settled.error;
  return settled.value;
}

/** The CriError a call must fail with; fails the case, saying what was expected, if it does not. */
async function criError(
  t: RuntimeUnderTest,
  call: Promise<unknown>,
  what: string,
  code?: CriErrorCode,
): Promise<CriError> {
  let received: unknown;
  try {
    const value = await done(t, call, what);
    received = `success (${JSON.stringify(value)})`;
  } catch (error) {
    if (error instanceof CriError) {
      if (code !== undefined) {
        expect(error.code, `${what}: the CriError's code (message: ${error.message})`).toBe(code);
      }
      return error;
    }
    received = error;
  }
  throw new Error(
    `${what}: expected a CriError${code ? ` with code ${code}` : ""}, received ${String(received)}`,
  );
}
// #endregion harness-helpers

function sandboxConfig(
  t: RuntimeUnderTest,
  name: string,
  labels: Record<string, string> = {},
): PodSandboxConfig {
  const namespace = "default";
  const uid = `uid-${name}`;
  return {
    metadata: { name, namespace, uid, attempt: 0 },
    hostname: name,
    // The kubelet's layout: /var/log/pods/<namespace>_<name>_<uid>.
    logDirectory: join(t.logRoot, `${namespace}_${name}_${uid}`),
    labels: {
      [POD_NAME_LABEL]: name,
      "io.kubernetes.pod.namespace": namespace,
      "io.kubernetes.pod.uid": uid,
      ...labels,
    },
    annotations: { "tinykube.test/case": "runtime contract" },
  };
}

function containerConfig(program: Program, name: string, attempt = 0): ContainerConfig {
  return {
    metadata: { name, attempt },
    image: { ...program.image },
    command: [...program.command],
    args: [...program.args],
    envs: [{ key: "GREETING", value: "hello" }],
    mounts: [],
    labels: { [CONTAINER_NAME_LABEL]: name },
    annotations: { "io.kubernetes.container.restartCount": String(attempt) },
    logPath: `${name}/${attempt}.log`,
  };
}

/** RunPodSandbox, after creating the pod's log directory as the kubelet does. */
async function runSandbox(t: RuntimeUnderTest, config: PodSandboxConfig): Promise<string> {
  await mkdir(config.logDirectory, { recursive: true });
  return done(t, t.runtime.runPodSandbox(config), `runPodSandbox(${config.metadata.name})`);
}

/** CreateContainer, after creating the container's log directory as the kubelet does. */
async function createIn(
  t: RuntimeUnderTest,
  sandboxId: string,
  sandbox: PodSandboxConfig,
  config: ContainerConfig,
): Promise<string> {
  await mkdir(join(sandbox.logDirectory, config.metadata.name), { recursive: true });
  return done(
    t,
    t.runtime.createContainer(sandboxId, config, sandbox),
    `createContainer(${config.metadata.name})`,
  );
}

async function pull(t: RuntimeUnderTest, program: Program): Promise<string> {
  return done(t, t.runtime.pullImage(program.image), `pullImage(${program.image.image})`);
}

/** A sandbox with one container created (and started unless `start` is false) from `program`. */
async function podWith(
  t: RuntimeUnderTest,
  name: string,
  program: Program,
  { start = true, labels = {} }: { start?: boolean; labels?: Record<string, string> } = {},
): Promise<{ sandboxId: string; sandbox: PodSandboxConfig; containerId: string }> {
  await pull(t, program);
  const sandbox = sandboxConfig(t, name, labels);
  const sandboxId = await runSandbox(t, sandbox);
  const containerId = await createIn(t, sandboxId, sandbox, containerConfig(program, "main"));
  if (start) await done(t, t.runtime.startContainer(containerId), `startContainer(${name}/main)`);
  return { sandboxId, sandbox, containerId };
}

async function untilState(
  t: RuntimeUnderTest,
  containerId: string,
  state: ContainerState,
  what: string,
): Promise<ContainerStatus> {
  let last: ContainerState | undefined;
  try {
    return await t.waitFor(async () => {
      const status = await t.runtime.containerStatus(containerId);
      last = status.state;
      return status.state === state ? status : undefined;
    }, `${what} to reach ${state}`);
  } catch (error) {
    throw new Error(`${what}: expected state ${state}, last seen ${last ?? "none"}`, {
      cause: error,
    });
  }
}

/** Whether a dotted IPv4 address lies inside `cidr` ("10.244.1.0/24"). */
function inCidr(ip: string, cidr: string): boolean {
  const toInt = (dotted: string) =>
    dotted.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
  const [base = "", bits = "32"] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  const start = toInt(base) - (toInt(base) % size);
  return /^\d+\.\d+\.\d+\.\d+$/.test(ip) && toInt(ip) >= start && toInt(ip) < start + size;
}

/** "busybox:1.0" → "busybox"; "registry:5000/app" stays as it is. */
function repositoryOf(image: string): string {
  const colon = image.lastIndexOf(":");
  return colon > image.lastIndexOf("/") ? image.slice(0, colon) : image;
}

const ids = (items: { id: string }[]) => items.map((item) => item.id).sort();

/** A CRI log line: "<RFC3339Nano timestamp> <stream> <P|F> <content>" (cri-api's logs.md). */
const CRI_LOG_LINE =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)) (stdout|stderr) (P|F) (.*)$/;

// #region describe-runtime-contract
export function describeRuntimeContract(
  name: string,
  makeRuntime: () => Promise<RuntimeUnderTest>,
): void {
  describe(`container runtime contract: ${name}`, () => {
    let t: RuntimeUnderTest;

    beforeEach(async () => {
      t = await makeRuntime();
      await t.runtime.updateRuntimeConfig({ podCIDR: t.podCIDR });
    });

    afterEach(async () => {
      await t.cleanup();
    });

    it("version() names the runtime and speaks CRI v1", async () => {
      const version = await t.runtime.version();
      expect(version.runtimeApiVersion, "runtimeApiVersion").toBe("v1");
      expect(version.runtimeName, "runtimeName should be non-empty").not.toBe("");
      expect(version.runtimeVersion, "runtimeVersion should be non-empty").not.toBe("");
    });

    describe("pod sandboxes", () => {
      it("runPodSandbox gives a SANDBOX_READY sandbox with an address inside the pod CIDR", async () => {
        const id = await runSandbox(t, sandboxConfig(t, "web-0"));
        const status = await t.runtime.podSandboxStatus(id);
        expect(status.state, "state of a new sandbox").toBe("SANDBOX_READY");
        expect(
          inCidr(status.network.ip, t.podCIDR),
          `sandbox IP ${JSON.stringify(status.network.ip)} should lie inside the pod CIDR ${t.podCIDR}`,
        ).toBe(true);
      });

      it("distinct sandboxes get distinct addresses", async () => {
        const addresses: string[] = [];
        for (const pod of ["a", "b", "c", "d"]) {
          const id = await runSandbox(t, sandboxConfig(t, pod));
          addresses.push((await t.runtime.podSandboxStatus(id)).network.ip);
        }
        expect(new Set(addresses).size, `addresses of four sandboxes: ${addresses}`).toBe(4);
      });

      it("podSandboxStatus echoes the sandbox's metadata, labels and annotations", async () => {
        const config = sandboxConfig(t, "echo-me", { app: "echo" });
        const id = await runSandbox(t, config);
        const status = await t.runtime.podSandboxStatus(id);
        expect(status.id, "status.id").toBe(id);
        expect(status.metadata, "status.metadata").toEqual(config.metadata);
        expect(status.labels, "status.labels").toEqual(config.labels);
        expect(status.annotations, "status.annotations").toEqual(config.annotations);
        expect(
          status.createdAt,
          "status.createdAt should be set (ms since the epoch)",
        ).toBeGreaterThan(0);
      });

      it("listPodSandbox filters by id, state and labels", async () => {
        const a = await runSandbox(t, sandboxConfig(t, "a", { app: "a" }));
        const b = await runSandbox(t, sandboxConfig(t, "b", { app: "b" }));
        await done(t, t.runtime.stopPodSandbox(b), "stopPodSandbox(b)");
        const list = t.runtime.listPodSandbox.bind(t.runtime);
        expect(ids(await list()), "no filter: every sandbox").toEqual([a, b].sort());
        expect(ids(await list({ id: b })), "filter id b").toEqual([b]);
        expect(ids(await list({ state: "SANDBOX_READY" })), "filter SANDBOX_READY").toEqual([a]);
        expect(ids(await list({ state: "SANDBOX_NOTREADY" })), "filter SANDBOX_NOTREADY").toEqual([
          b,
        ]);
        expect(ids(await list({ labelSelector: { app: "a" } })), "filter app=a").toEqual([a]);
        expect(
          ids(await list({ labelSelector: { app: "a", [POD_NAME_LABEL]: "b" } })),
          "filter app=a and pod name b: every label must match",
        ).toEqual([]);
        const [listed] = await list({ id: a });
        expect(listed?.state, "listed sandbox a's state").toBe("SANDBOX_READY");
        expect(listed?.metadata.name, "listed sandbox a's metadata.name").toBe("a");
      });

      // containerd removes the network namespace on stop, and then reports no IP
      // (internal/cri/server/sandbox_stop.go, sandbox_status.go getIPs).
      it("stopPodSandbox makes it SANDBOX_NOTREADY, releases its address, and is idempotent", async () => {
        const id = await runSandbox(t, sandboxConfig(t, "stop-me"));
        await done(t, t.runtime.stopPodSandbox(id), "stopPodSandbox");
        const status = await t.runtime.podSandboxStatus(id);
        expect(status.state, "state after stopPodSandbox").toBe("SANDBOX_NOTREADY");
        expect(status.network.ip, "IP after stopPodSandbox: released").toBe("");
        await done(t, t.runtime.stopPodSandbox(id), "a second stopPodSandbox (idempotent)");
        await done(t, t.runtime.stopPodSandbox("no-such-sandbox"), "stopPodSandbox(unknown id)");
      });

      it("stopPodSandbox stops the sandbox's running containers", async () => {
        const { sandboxId, containerId } = await podWith(t, "stop-all", t.programs.sleeper);
        await done(t, t.runtime.stopPodSandbox(sandboxId), "stopPodSandbox");
        const status = await t.runtime.containerStatus(containerId);
        expect(status.state, "the container's state after stopPodSandbox").toBe("CONTAINER_EXITED");
      });

      it("removePodSandbox removes the sandbox and its containers, and is idempotent", async () => {
        const { sandboxId, containerId } = await podWith(t, "remove-me", t.programs.sleeper);
        await done(t, t.runtime.removePodSandbox(sandboxId), "removePodSandbox of a running pod");
        await criError(
          t,
          t.runtime.podSandboxStatus(sandboxId),
          "podSandboxStatus after removal",
          "NotFound",
        );
        await criError(
          t,
          t.runtime.containerStatus(containerId),
          "containerStatus of its container",
          "NotFound",
        );
        expect(await t.runtime.listPodSandbox(), "listPodSandbox after removal").toEqual([]);
        expect(await t.runtime.listContainers(), "listContainers after removal").toEqual([]);
        await done(
          t,
          t.runtime.removePodSandbox(sandboxId),
          "a second removePodSandbox (idempotent)",
        );
      });
    });

    describe("containers", () => {
      // containerd resolves the image locally and does not pull it: "For container, the image
      // should have been pulled before creating the container" (internal/cri/server/
      // container_create.go); LocalResolve returns errdefs.ErrNotFound, which is gRPC NotFound.
      it("createContainer before the image is pulled fails with NotFound, as in containerd", async () => {
        const sandbox = sandboxConfig(t, "no-image");
        const sandboxId = await runSandbox(t, sandbox);
        await mkdir(join(sandbox.logDirectory, "main"), { recursive: true });
        await criError(
          t,
          t.runtime.createContainer(
            sandboxId,
            containerConfig(t.programs.sleeper, "main"),
            sandbox,
          ),
          "createContainer with an image that was never pulled",
          "NotFound",
        );
      });

      it("createContainer after pullImage: CONTAINER_CREATED with metadata, image, imageRef and logPath", async () => {
        const imageRef = await pull(t, t.programs.sleeper);
        const sandbox = sandboxConfig(t, "create-me");
        const sandboxId = await runSandbox(t, sandbox);
        const config = containerConfig(t.programs.sleeper, "main", 2);
        const id = await createIn(t, sandboxId, sandbox, config);
        const status = await t.runtime.containerStatus(id);
        expect(status.id, "status.id").toBe(id);
        expect(status.state, "state of a created container").toBe("CONTAINER_CREATED");
        expect(status.metadata, "status.metadata").toEqual(config.metadata);
        expect(status.image, "status.image: the image's tag").toEqual({
          image: normalizedImageName(config.image.image),
        });
        expect(status.imageRef, "status.imageRef: the ID pullImage returned").toBe(imageRef);
        expect(status.labels, "status.labels").toEqual(config.labels);
        expect(status.annotations, "status.annotations").toEqual(config.annotations);
        expect(
          status.logPath,
          "status.logPath: the sandbox's logDirectory joined with config.logPath",
        ).toBe(join(sandbox.logDirectory, config.logPath));
        expect(status.createdAt, "createdAt should be set").toBeGreaterThan(0);
        expect(status.startedAt, "startedAt of a container never started").toBe(0);
        expect(status.finishedAt, "finishedAt of a container never started").toBe(0);
      });

      // The kubelet sends the pulled image's ID, not the name in the pod spec: ImageSpec{Image:
      // imageRef, UserSpecifiedImage: container.Image} (pkg/kubelet/kuberuntime/kuberuntime_container.go).
      it("createContainer accepts the image by its ID (imageRef), as the kubelet sends it", async () => {
        const imageRef = await pull(t, t.programs.sleeper);
        const sandbox = sandboxConfig(t, "by-id");
        const sandboxId = await runSandbox(t, sandbox);
        const config = {
          ...containerConfig(t.programs.sleeper, "main"),
          image: { image: imageRef },
        };
        const id = await createIn(t, sandboxId, sandbox, config);
        const status = await t.runtime.containerStatus(id);
        expect(status.imageRef, "imageRef of a container created by image ID").toBe(imageRef);
        // "ImageSpec in container config is image ID. ImageSpec in container status is image
        // tag." (containerd, internal/cri/server/container_status.go)
        expect(status.image, "status.image of a container created by ID: the image's tag").toEqual({
          image: normalizedImageName(t.programs.sleeper.image.image),
        });
        await done(t, t.runtime.startContainer(id), "startContainer");
        await untilState(t, id, "CONTAINER_RUNNING", "a container created by image ID");
      });

      it("createContainer in an unknown sandbox fails with NotFound, in a stopped one with a CriError", async () => {
        await pull(t, t.programs.sleeper);
        const sandbox = sandboxConfig(t, "gone");
        await criError(
          t,
          t.runtime.createContainer(
            "no-such-sandbox",
            containerConfig(t.programs.sleeper, "main"),
            sandbox,
          ),
          "createContainer in an unknown sandbox",
          "NotFound",
        );
        const sandboxId = await runSandbox(t, sandbox);
        await done(t, t.runtime.stopPodSandbox(sandboxId), "stopPodSandbox");
        await criError(
          t,
          t.runtime.createContainer(
            sandboxId,
            containerConfig(t.programs.sleeper, "main"),
            sandbox,
          ),
          "createContainer in a SANDBOX_NOTREADY sandbox",
        );
      });

      it("startContainer makes it CONTAINER_RUNNING with startedAt", async () => {
        const { containerId } = await podWith(t, "start-me", t.programs.sleeper);
        const status = await untilState(t, containerId, "CONTAINER_RUNNING", "a started sleeper");
        expect(
          status.startedAt,
          "startedAt should be at or after createdAt",
        ).toBeGreaterThanOrEqual(status.createdAt);
        expect(status.finishedAt, "finishedAt of a running container").toBe(0);
      });

      it("startContainer of a container that is not CONTAINER_CREATED fails with a CriError", async () => {
        const { containerId } = await podWith(t, "twice", t.programs.sleeper);
        await criError(
          t,
          t.runtime.startContainer(containerId),
          "startContainer of a running container",
        );
      });

      it("stopContainer with a grace period: a container that exits at SIGTERM ends with 143 (128+15), reason Error", async () => {
        const { containerId } = await podWith(t, "term", t.programs.sleeper);
        await untilState(t, containerId, "CONTAINER_RUNNING", "the sleeper");
        await done(t, t.runtime.stopContainer(containerId, 30), "stopContainer(sleeper, 30 s)");
        const status = await t.runtime.containerStatus(containerId);
        expect(status.state, "state once stopContainer has returned").toBe("CONTAINER_EXITED");
        expect(status.exitCode, "exit code of a process ended by SIGTERM").toBe(143);
        expect(status.reason, "reason for a non-zero exit").toBe("Error");
        expect(
          status.finishedAt,
          "finishedAt should be at or after startedAt",
        ).toBeGreaterThanOrEqual(status.startedAt);
      });

      it("stopContainer with timeout 0 kills at once: exit code 137 (128+9)", async () => {
        const { containerId } = await podWith(t, "kill", t.programs.sleeper);
        await untilState(t, containerId, "CONTAINER_RUNNING", "the sleeper");
        await done(t, t.runtime.stopContainer(containerId, 0), "stopContainer(sleeper, 0)");
        const status = await t.runtime.containerStatus(containerId);
        expect(status.state, "state once stopContainer has returned").toBe("CONTAINER_EXITED");
        expect(status.exitCode, "exit code of a process ended by SIGKILL").toBe(137);
      });

      it("stopContainer: a container that ignores SIGTERM is killed (137) once the grace period is over", async () => {
        const { containerId } = await podWith(t, "stubborn", t.programs.termIgnorer);
        await untilState(t, containerId, "CONTAINER_RUNNING", "the SIGTERM ignorer");
        await done(t, t.runtime.stopContainer(containerId, 1), "stopContainer(ignorer, 1 s)");
        const status = await t.runtime.containerStatus(containerId);
        expect(status.state, "state once stopContainer has returned").toBe("CONTAINER_EXITED");
        expect(status.exitCode, "exit code after the grace period's SIGKILL").toBe(137);
        expect(
          status.finishedAt - status.startedAt,
          "ms between start and exit: at least the 1 s grace period",
        ).toBeGreaterThanOrEqual(1000);
      });

      // containerd returns at once for a container that is not running and for an unknown ID
      // ("The StopContainer RPC is idempotent", internal/cri/server/container_stop.go).
      it("stopContainer of a created, an exited or an unknown container returns and changes nothing", async () => {
        const { containerId: created } = await podWith(t, "created", t.programs.sleeper, {
          start: false,
        });
        await done(t, t.runtime.stopContainer(created, 0), "stopContainer of a created container");
        expect(
          (await t.runtime.containerStatus(created)).state,
          "a created container, after stop",
        ).toBe("CONTAINER_CREATED");
        const { containerId: exited } = await podWith(t, "exited", t.programs.exiter(3));
        const before = await untilState(t, exited, "CONTAINER_EXITED", "the exiter");
        await done(t, t.runtime.stopContainer(exited, 0), "stopContainer of an exited container");
        expect(
          await t.runtime.containerStatus(exited),
          "an exited container's status, after stop",
        ).toEqual(before);
        await done(t, t.runtime.stopContainer("no-such-container", 0), "stopContainer(unknown id)");
      });

      for (const [code, reason] of [
        [3, "Error"],
        [0, "Completed"],
      ] as const) {
        it(`a container that exits with ${code} reaches CONTAINER_EXITED with exit code ${code}, reason ${reason}`, async () => {
          const { containerId } = await podWith(t, `exit-${code}`, t.programs.exiter(code));
          const status = await untilState(
            t,
            containerId,
            "CONTAINER_EXITED",
            `the exiter(${code})`,
          );
          expect(status.exitCode, "exit code").toBe(code);
          expect(status.reason, "reason").toBe(reason);
          expect(
            status.finishedAt,
            "finishedAt should be at or after startedAt",
          ).toBeGreaterThanOrEqual(status.startedAt);
          expect(status.startedAt, "startedAt should be set").toBeGreaterThan(0);
        });
      }

      it("removeContainer removes it (status then NotFound), kills it first if running, and is idempotent", async () => {
        const { sandboxId, containerId } = await podWith(t, "rm", t.programs.sleeper);
        await untilState(t, containerId, "CONTAINER_RUNNING", "the sleeper");
        await done(
          t,
          t.runtime.removeContainer(containerId),
          "removeContainer of a running container",
        );
        await criError(
          t,
          t.runtime.containerStatus(containerId),
          "containerStatus after removeContainer",
          "NotFound",
        );
        expect(
          await t.runtime.listContainers({ podSandboxId: sandboxId }),
          "the sandbox's containers",
        ).toEqual([]);
        await done(
          t,
          t.runtime.removeContainer(containerId),
          "a second removeContainer (idempotent)",
        );
        expect(
          (await t.runtime.podSandboxStatus(sandboxId)).state,
          "the sandbox is untouched",
        ).toBe("SANDBOX_READY");
      });

      it("listContainers filters by podSandboxId, state, labels and id", async () => {
        const a = await podWith(t, "a", t.programs.sleeper);
        await untilState(t, a.containerId, "CONTAINER_RUNNING", "a/main");
        const second = await createIn(
          t,
          a.sandboxId,
          a.sandbox,
          containerConfig(t.programs.sleeper, "second"),
        );
        const b = await podWith(t, "b", t.programs.sleeper, { start: false });
        const list = t.runtime.listContainers.bind(t.runtime);
        expect(ids(await list()), "no filter: every container").toEqual(
          [a.containerId, second, b.containerId].sort(),
        );
        expect(ids(await list({ podSandboxId: a.sandboxId })), "filter podSandboxId a").toEqual(
          [a.containerId, second].sort(),
        );
        expect(ids(await list({ state: "CONTAINER_RUNNING" })), "filter CONTAINER_RUNNING").toEqual(
          [a.containerId],
        );
        expect(ids(await list({ state: "CONTAINER_CREATED" })), "filter CONTAINER_CREATED").toEqual(
          [second, b.containerId].sort(),
        );
        expect(
          ids(await list({ labelSelector: { [CONTAINER_NAME_LABEL]: "second" } })),
          "filter name=second",
        ).toEqual([second]);
        expect(ids(await list({ id: b.containerId })), "filter id").toEqual([b.containerId]);
        expect(
          ids(await list({ podSandboxId: b.sandboxId, state: "CONTAINER_RUNNING" })),
          "filter sandbox b and CONTAINER_RUNNING: every field must match",
        ).toEqual([]);
        const [listed] = await list({ id: a.containerId });
        expect(listed?.podSandboxId, "listed container's podSandboxId").toBe(a.sandboxId);
        expect(listed?.metadata, "listed container's metadata").toEqual({
          name: "main",
          attempt: 0,
        });
        expect(listed?.imageRef, "listed container's imageRef").toBe(
          (await t.runtime.containerStatus(a.containerId)).imageRef,
        );
      });

      it("unknown IDs: status, start and create calls fail with CriError NotFound", async () => {
        await criError(
          t,
          t.runtime.podSandboxStatus("no-such-sandbox"),
          "podSandboxStatus(unknown)",
          "NotFound",
        );
        await criError(
          t,
          t.runtime.containerStatus("no-such-container"),
          "containerStatus(unknown)",
          "NotFound",
        );
        await criError(
          t,
          t.runtime.startContainer("no-such-container"),
          "startContainer(unknown)",
          "NotFound",
        );
        await done(
          t,
          t.runtime.removeContainer("no-such-container"),
          "removeContainer(unknown) is fine",
        );
        await done(
          t,
          t.runtime.removePodSandbox("no-such-sandbox"),
          "removePodSandbox(unknown) is fine",
        );
      });
    });

    // ExecSync as containerd serves it (internal/cri/server/container_execsync.go): the exit code
    // is part of the answer, a timeout is an error (gRPC DeadlineExceeded), and only a running
    // container takes commands. Both runtimes read these commands alike (fake/exec.ts).
    describe("execSync", () => {
      it("returns stdout, stderr and the exit code; a non-zero exit code is an answer, not an error", async () => {
        const { containerId } = await podWith(t, "exec", t.programs.sleeper);
        await untilState(t, containerId, "CONTAINER_RUNNING", "the sleeper");
        const ok = await done(t, t.runtime.execSync(containerId, ["true"], 5), "execSync(true)");
        expect(ok, "execSync(true)").toEqual({ stdout: "", stderr: "", exitCode: 0 });
        const failed = await done(
          t,
          t.runtime.execSync(containerId, ["sh", "-c", "echo out; echo err >&2; exit 3"], 5),
          "execSync(sh -c 'echo out; echo err >&2; exit 3')",
        );
        expect(failed, "a command that prints and exits with 3").toEqual({
          stdout: "out\n",
          stderr: "err\n",
          exitCode: 3,
        });
      });

      it("a command that outlasts its timeout fails with DeadlineExceeded", async () => {
        const { containerId } = await podWith(t, "exec-slow", t.programs.sleeper);
        await untilState(t, containerId, "CONTAINER_RUNNING", "the sleeper");
        const error = await criError(
          t,
          t.runtime.execSync(containerId, ["sleep", "30"], 1),
          "execSync(sleep 30) with a 1 s timeout",
          "DeadlineExceeded",
        );
        expect(error.message, "the timeout's message names it").toContain("timeout 1s exceeded");
      });

      it("a container that is not running takes no commands; an unknown one is NotFound", async () => {
        const { containerId: created } = await podWith(t, "exec-created", t.programs.sleeper, {
          start: false,
        });
        await criError(
          t,
          t.runtime.execSync(created, ["true"], 1),
          "execSync in a created container",
        );
        const { containerId: exited } = await podWith(t, "exec-exited", t.programs.exiter(0));
        await untilState(t, exited, "CONTAINER_EXITED", "the exiter");
        const error = await criError(
          t,
          t.runtime.execSync(exited, ["true"], 1),
          "execSync in an exited container",
        );
        expect(error.message, "containerd's words").toContain(
          "container is in CONTAINER_EXITED state",
        );
        await criError(
          t,
          t.runtime.execSync("no-such-container", ["true"], 1),
          "execSync(unknown id)",
          "NotFound",
        );
      });
    });

    describe("images", () => {
      it("pullImage of an unknown image fails with CriError NotFound", async () => {
        await criError(
          t,
          t.runtime.pullImage({ image: "tinykube/no-such-image:9.9" }),
          "pullImage(tinykube/no-such-image:9.9)",
          "NotFound",
        );
        expect(
          await t.runtime.imageStatus({ image: "tinykube/no-such-image:9.9" }),
          "imageStatus after a failed pull",
        ).toBeUndefined();
      });

      it("pullImage of a known image twice gives the same ID, and a name without a tag means :latest", async () => {
        const repository = repositoryOf(t.programs.sleeper.image.image);
        const first = await done(
          t,
          t.runtime.pullImage({ image: `${repository}:latest` }),
          "first pull",
        );
        const second = await done(
          t,
          t.runtime.pullImage({ image: `${repository}:latest` }),
          "second pull",
        );
        expect(second, "the second pull's ID").toBe(first);
        const untagged = await done(
          t,
          t.runtime.pullImage({ image: repository }),
          `pull ${repository}`,
        );
        expect(untagged, `the ID of ${repository}, which means ${repository}:latest`).toBe(first);
      });

      it("imageStatus, listImages and removeImage", async () => {
        const spec = t.programs.sleeper.image;
        const tagged = normalizedImageName(spec.image);
        expect(await t.runtime.imageStatus(spec), "imageStatus before the pull").toBeUndefined();
        const id = await pull(t, t.programs.sleeper);
        const status = await t.runtime.imageStatus(spec);
        expect(status?.id, "imageStatus(...).id: the ID pullImage returned").toBe(id);
        expect(status?.repoTags, `imageStatus(...).repoTags should name ${tagged}`).toContain(
          tagged,
        );
        expect(status?.size, "imageStatus(...).size").toBeGreaterThan(0);
        expect((await t.runtime.imageStatus({ image: id }))?.id, "imageStatus by image ID").toBe(
          id,
        );
        const listed = await t.runtime.listImages();
        expect(
          listed.map((image) => image.id),
          "listImages: the pulled image, once",
        ).toEqual([id]);
        await done(t, t.runtime.removeImage(spec), "removeImage");
        expect(await t.runtime.imageStatus(spec), "imageStatus after removeImage").toBeUndefined();
        expect(await t.runtime.listImages(), "listImages after removeImage").toEqual([]);
        await done(t, t.runtime.removeImage(spec), "a second removeImage (idempotent)");
      });
    });

    it("listContainerStats: CPU and memory for a running container, none for an exited one; filters", async () => {
      const running = await podWith(t, "stats-running", t.programs.sleeper);
      const exited = await podWith(t, "stats-exited", t.programs.exiter(0));
      await untilState(t, exited.containerId, "CONTAINER_EXITED", "the exiter");
      const { startedAt } = await t.runtime.containerStatus(running.containerId);

      const all = await t.runtime.listContainerStats();
      expect(ids(all.map((s) => s.attributes)), "listContainerStats(): every container").toEqual(
        [running.containerId, exited.containerId].sort(),
      );
      const live = all.find((s) => s.attributes.id === running.containerId);
      expect(live?.attributes.metadata, "the running container's metadata").toEqual({
        name: "main",
        attempt: 0,
      });
      expect(live?.attributes.labels[CONTAINER_NAME_LABEL], "its labels").toBe("main");
      for (const [what, value, at] of [
        ["cpu.usageCoreNanoSeconds", live?.cpu?.usageCoreNanoSeconds, live?.cpu?.timestamp],
        ["memory.workingSetBytes", live?.memory?.workingSetBytes, live?.memory?.timestamp],
      ] as const) {
        expect(value, `the running container's ${what}: a count`).toBeGreaterThanOrEqual(0);
        expect(at, `${what}'s timestamp: at or after the start`).toBeGreaterThanOrEqual(startedAt);
      }
      const dead = all.find((s) => s.attributes.id === exited.containerId);
      expect(dead?.cpu, "an exited container's cpu (nothing runs to measure)").toBeUndefined();
      expect(dead?.memory, "an exited container's memory").toBeUndefined();

      const byId = await t.runtime.listContainerStats({ id: running.containerId });
      expect(ids(byId.map((s) => s.attributes)), "filter by id").toEqual([running.containerId]);
      const bySandbox = await t.runtime.listContainerStats({ podSandboxId: exited.sandboxId });
      expect(ids(bySandbox.map((s) => s.attributes)), "filter by podSandboxId").toEqual([
        exited.containerId,
      ]);
      const byLabel = await t.runtime.listContainerStats({
        labelSelector: { [CONTAINER_NAME_LABEL]: "no-such-container" },
      });
      expect(byLabel, "a label selector nothing matches").toEqual([]);
    });

    it("logs: a container's stdout and stderr lines are written in the CRI log format", async (context) => {
      const { logsOf } = t;
      if (!logsOf) {
        context.skip();
        return;
      }
      const out = "hello from stdout";
      const err = "hello from stderr";
      const { containerId } = await podWith(t, "printer", t.programs.printer(out, err));
      const lines = await t.waitFor(async () => {
        const raw = await logsOf.call(t, containerId);
        return raw.length >= 2 ? raw : undefined;
      }, "two log lines from the printer");
      const parsed = lines.map((line) => {
        const match = CRI_LOG_LINE.exec(line);
        expect(
          match,
          `log line ${JSON.stringify(line)} should be "<RFC3339Nano> <stream> <P|F> <text>"`,
        ).not.toBeNull();
        return { stream: match?.[2], tag: match?.[3], text: match?.[4] };
      });
      expect(parsed, "the printer's stdout line").toContainEqual({
        stream: "stdout",
        tag: "F",
        text: out,
      });
      expect(parsed, "the printer's stderr line").toContainEqual({
        stream: "stderr",
        tag: "F",
        text: err,
      });
    });
  });
}
// #endregion describe-runtime-contract
