/**
 * Is a recorded process still the one we started? A pid alone cannot say: once a process has
 * exited and been reaped, the kernel may give its pid to a new, unrelated process. So the shim
 * records each pid together with the process's start time — field 22 of /proc/<pid>/stat, in
 * clock ticks since boot, which never changes for a process and differs for the next holder of
 * its pid — and a pid counts as alive only while both still match.
 *
 * A zombie (state Z: exited, not yet reaped by its parent) counts as gone: it runs no code and
 * holds no port. Where /proc is missing (not Linux), liveness falls back to kill(pid, 0), which
 * cannot see pid reuse.
 *
 * shim.mjs reads the same field with its own copy of this parsing (it is plain JavaScript and
 * imports nothing from here, to start fast).
 */
import { readFileSync } from "node:fs";

/** The process's start time in clock ticks, or undefined if there is no live process `pid`. */
export function processStartTicks(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "1234 (name with spaces) S 1 ..." — the name may hold anything, so split after its last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so field 22 (starttime) is fields[19].
  if (fields[0] === "Z" || fields[0] === "X") return undefined;
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : undefined;
}

const hasProc = (() => {
  try {
    readFileSync("/proc/self/stat");
    return true;
  } catch {
    return false;
  }
})();

/** Whether `pid` is alive and, when `startTicks` is known, is still the process that had them. */
export function isAlive(pid: number, startTicks?: number): boolean {
  if (!hasProc) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "EPERM";
    }
  }
  const now = processStartTicks(pid);
  return now !== undefined && (startTicks === undefined || now === startTicks);
}
