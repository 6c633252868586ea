/**
 * What a command run in a fake container (ExecSync) does, since there is no process to run it:
 * exit with a code after some time, printing some output, or never finish. A rule given to the
 * runtime (FakeRuntimeOptions.exec) decides per call, so a test can turn a container unhealthy
 * whenever it likes; where the rule answers undefined, `defaultExec` reads the command as a tiny
 * shell would (behavior.ts's shellBehavior), so probes written for the process runtime mostly work:
 * - `true`, `sh -c "exit 0"` exit with 0; `false`, `sh -c "exit 3"` with 1 and 3;
 * - `echo ready`, `echo oops >&2` print their line on stdout or stderr;
 * - `sleep 5; exit 1` exits with 1 after 5 s of the runtime's clock;
 * - what it does not understand (`cat /tmp/healthy`, a loop) runs until the timeout kills it,
 *   as a container does with a statement it does not understand: the fake has no files to read.
 *
 * Example — a liveness probe `cat /tmp/healthy` that a test makes fail:
 *
 *   let healthy = true;
 *   new FakeRuntime({
 *     clock,
 *     exec: ({ cmd }) =>
 *       cmd.join(" ") === "cat /tmp/healthy"
 *         ? healthy
 *           ? { exitCode: 0, stdout: "ok\n" }
 *           : { exitCode: 1, stderr: "cat: can't open '/tmp/healthy': No such file or directory\n" }
 *         : undefined,
 *   });
 */
import { shellBehavior } from "./behavior.ts";

/** A command that exits: `exitCode` after `afterMs` (default 0) of the runtime's clock. */
export interface FakeExecResult {
  exitCode: number;
  stdout?: string;
  stderr?: string;
  afterMs?: number;
}

/** "hang": the command never finishes by itself; only its timeout or its container's end stop it. */
export type FakeExec = FakeExecResult | "hang";

export interface FakeExecRequest {
  containerId: string;
  /** The container's name in its pod, and its pod's. */
  containerName: string;
  podName: string;
  podNamespace: string;
  cmd: string[];
}

/** Decides what one ExecSync call does; undefined falls through to `defaultExec`. */
export type ExecRule = (request: FakeExecRequest) => FakeExec | undefined;

// #region default-exec
export function defaultExec(cmd: string[]): FakeExec {
  const behavior = shellBehavior(cmd);
  if (behavior.exit === undefined) return "hang";
  const text = (stream: "stdout" | "stderr") =>
    (behavior.output ?? [])
      .filter((line) => line.stream === stream)
      .map((line) => `${line.line}\n`)
      .join("");
  return {
    exitCode: behavior.exit.code,
    stdout: text("stdout"),
    stderr: text("stderr"),
    afterMs: behavior.exit.afterMs,
  };
}
// #endregion default-exec
