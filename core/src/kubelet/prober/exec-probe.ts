/**
 * The exec probe — pkg/probe/exec (exec.go) over the runtime's ExecSync, as the kubelet's
 * RunInContainer and the CRI client (remote_runtime.go) hand it over:
 * - exit code 0 is success, any other a failure; either way the output is stdout then stderr
 *   (RunInContainer appends them), at most 10 KiB of it (maxReadLength);
 * - a timeout (the runtime's DeadlineExceeded) is a failure with the output
 *   `command "cat /tmp/healthy" timed out` (ExecProbeTimeout, on since 1.20);
 * - any other error (the container is gone, the program is not there) is "unknown" with that
 *   error: the prober reports the probe as errored and the worker keeps its last result.
 *
 * Not done: Kubernetes expands `$(VAR)` in the command from the container's plain `env` values
 * (ExpandContainerCommandOnlyStatic); the command runs here as written.
 */
import { CriError, type RuntimeService } from "../../runtime/cri.ts";
import type { ProbeOutcome } from "./spec.ts";

/** maxReadLength in exec.go: 10 KiB. */
export const MAX_OUTPUT_BYTES = 10 * 1024;

// #region exec-probe
export async function execProbe(
  runtime: Pick<RuntimeService, "execSync">,
  containerId: string,
  command: string[],
  timeoutSeconds: number,
): Promise<ProbeOutcome> {
  try {
    const { stdout, stderr, exitCode } = await runtime.execSync(
      containerId,
      command,
      timeoutSeconds,
    );
    const output = Buffer.from(stdout + stderr)
      .subarray(0, MAX_OUTPUT_BYTES)
      .toString("utf8");
    return { result: exitCode === 0 ? "success" : "failure", output };
  } catch (error) {
    if (error instanceof CriError && error.code === "DeadlineExceeded") {
      return {
        result: "failure",
        output: `command ${JSON.stringify(command.join(" "))} timed out`,
      };
    }
    return {
      result: "unknown",
      output: "",
      error: error instanceof Error ? error : new Error(String(error)),
    };
  }
}
// #endregion exec-probe
