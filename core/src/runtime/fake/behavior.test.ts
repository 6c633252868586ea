import { describe, expect, it } from "vitest";
import type { ContainerConfig } from "../cri.ts";
import { defaultBehavior, shellBehavior } from "./behavior.ts";

const config = (command: string[], args: string[] = []): ContainerConfig => ({
  metadata: { name: "c", attempt: 0 },
  image: { image: "busybox" },
  command,
  args,
  envs: [],
  mounts: [],
  labels: {},
  annotations: {},
  logPath: "c/0.log",
});

describe("shellBehavior", () => {
  const cases: [argv: string[], expected: ReturnType<typeof shellBehavior>][] = [
    [["sleep", "3600"], { exit: { afterMs: 3_600_000, code: 0 } }],
    [["sleep", "infinity"], {}],
    [["sh", "-c", "exit 3"], { exit: { afterMs: 0, code: 3 } }],
    [["sh", "-c", "sleep 2.5; exit 4"], { exit: { afterMs: 2_500, code: 4 } }],
    [["sh", "-c", "sleep 1 && false"], { exit: { afterMs: 1_000, code: 1 } }],
    [["sh", "-c", "true\nexit"], { exit: { afterMs: 0, code: 0 } }],
    [["sh", "-c", "exit 300"], { exit: { afterMs: 0, code: 44 } }],
    [["sh"], { exit: { afterMs: 0, code: 0 } }],
    [["sh", "-c", "trap '' TERM; while true; do sleep 1; done"], { onSigterm: "ignore" }],
    [["/bin/sh", "-c", "exec sleep 5"], { exit: { afterMs: 5_000, code: 0 } }],
    [["python3", "server.py"], {}],
    [
      ["sh", "-c", 'echo "$1"; echo "a;b" $2 >&2; exec sleep 3600', "me", "out", "err"],
      {
        exit: { afterMs: 3_600_000, code: 0 },
        output: [
          { stream: "stdout", line: "out" },
          { stream: "stderr", line: "a;b err" },
        ],
      },
    ],
  ];
  for (const [argv, expected] of cases) {
    it(`${JSON.stringify(argv)} → ${JSON.stringify(expected)}`, () => {
      expect(shellBehavior(argv)).toEqual(expected);
    });
  }
});

describe("defaultBehavior", () => {
  it("tinykube/crasher exits with 1 after 2 s, by tag, untagged or by digest", () => {
    for (const image of [
      "tinykube/crasher:1.0",
      "tinykube/crasher",
      `tinykube/crasher@sha256:${"0".repeat(64)}`,
    ]) {
      expect(defaultBehavior(config([]), image).exit, image).toEqual({ afterMs: 2_000, code: 1 });
    }
  });

  it("tinykube/crasher takes EXIT_CODE and CRASH_AFTER_SECONDS from the container's env", () => {
    const withEnv = (envs: [string, string][]) => ({
      ...config([]),
      envs: envs.map(([key, value]) => ({ key, value })),
    });
    expect(
      defaultBehavior(
        withEnv([
          ["EXIT_CODE", "0"],
          ["CRASH_AFTER_SECONDS", "0.5"],
        ]),
        "tinykube/crasher:1.0",
      ),
    ).toEqual({
      exit: { afterMs: 500, code: 0 },
      output: [{ stream: "stdout", line: "crasher: started, exiting with code 0 in 0.5 s" }],
    });
    expect(
      defaultBehavior(withEnv([["EXIT_CODE", "300"]]), "tinykube/crasher:1.0").exit,
      "an EXIT_CODE out of range: the crasher refuses it with 2",
    ).toEqual({ afterMs: 0, code: 2 });
  });

  it("the servers run until stopped and obey SIGTERM", () => {
    for (const image of ["tinykube/hello:1.0", "tinykube/echo:1.0", "tinykube/cpu-burner:latest"]) {
      expect(defaultBehavior(config([]), image), image).toEqual({});
    }
  });

  it("busybox runs its command and args as Kubernetes assembles them", () => {
    expect(
      defaultBehavior(config([]), "busybox:1.36"),
      "neither: the default command sh, which exits",
    ).toEqual({
      exit: { afterMs: 0, code: 0 },
    });
    expect(
      defaultBehavior(config(["sh", "-c"], ["exit 7"]), "busybox:1.36"),
      "command and args",
    ).toEqual({
      exit: { afterMs: 0, code: 7 },
    });
    expect(
      defaultBehavior(config([], ["sleep", "2"]), "busybox:latest"),
      "args alone replace the default",
    ).toEqual({
      exit: { afterMs: 2_000, code: 0 },
    });
  });
});
