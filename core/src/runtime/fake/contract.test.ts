/**
 * The runtime contract (runtime.cases.ts) against the fake runtime, on a fake clock, with every
 * delay non-zero so each case also proves the suite waits through the runtime's time.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeClock } from "../../util/clock.ts";
import { BUSYBOX_PROGRAMS, describeRuntimeContract } from "../runtime.cases.ts";
import { advanceUntil } from "./advance-until.ts";
import { FakeRuntime } from "./runtime.ts";

describeRuntimeContract("fake", async () => {
  const clock = new FakeClock();
  const runtime = new FakeRuntime({
    clock,
    keepLogs: true,
    pullDelayMs: 1_500,
    sandboxDelayMs: 200,
    startDelayMs: 500,
  });
  const logRoot = await mkdtemp(join(tmpdir(), "tinykube-fake-runtime-"));
  return {
    runtime,
    podCIDR: "10.244.1.0/24",
    logRoot,
    programs: BUSYBOX_PROGRAMS,
    waitFor: (check, what) => advanceUntil(clock, check, what),
    logsOf: async (containerId) => runtime.logLines(containerId),
    cleanup: async () => {
      await runtime.close();
      await rm(logRoot, { recursive: true, force: true });
    },
  };
});
