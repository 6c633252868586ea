/**
 * A process container's CPU and memory, read from /proc — what a cgroup's cpuacct.usage and
 * memory working set give containerd, measured here over the container's process group.
 *
 * Guarantees:
 * - The group is every process whose process group ID is the container's pid: the shim starts
 *   the container as a session and group leader, and its children stay in the group unless they
 *   leave it on purpose (a cgroup would keep them; a process group cannot).
 * - CPU is user + system time of each member, plus the time of the children each member has
 *   already waited for (cutime, cstime): a shell's finished commands count, as a cgroup counts
 *   every process that ever ran in it. Children not waited for yet are members themselves, so
 *   nothing counts twice.
 * - The working set is the sum of the members' resident set sizes (VmRSS). A cgroup's working set
 *   is usage minus inactive file pages; RSS is the nearest per-process figure. Shared pages
 *   (a library two members map) count once per member, so the sum can exceed the cgroup's number.
 * - A group with no readable member (the container exited, or not Linux) has no entry.
 */
import { readdir, readFile } from "node:fs/promises";

/**
 * USER_HZ: /proc/<pid>/stat counts CPU time in clock ticks of 1/100 s. The kernel fixes it at 100
 * for user space on every Linux architecture, whatever its internal HZ (`getconf CLK_TCK`).
 */
export const CLOCK_TICKS_PER_SECOND = 100;
const NANOSECONDS_PER_TICK = 1_000_000_000 / CLOCK_TICKS_PER_SECOND;

/** One process's share: CPU in clock ticks (own + reaped children) and its process group. */
export interface ProcessSample {
  pgrp: number;
  ticks: number;
}

/**
 * Fields of /proc/<pid>/stat after the command name, which may itself hold spaces and ")":
 * "1234 (my cmd) S 1 1234 ..." — split after the last ")". The first field there is field 3
 * (state), so field N is at index N - 3: pgrp (5) at 2, utime (14) at 11, stime (15) at 12,
 * cutime (16) at 13, cstime (17) at 14.
 */
export function parseProcStat(stat: string): ProcessSample | undefined {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const pgrp = Number(fields[2]);
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return Number.isInteger(pgrp) && Number.isFinite(ticks) ? { pgrp, ticks } : undefined;
}

/** "VmRSS:	    2048 kB" in /proc/<pid>/status, in bytes; 0 for a process without one (a zombie). */
export function parseVmRss(status: string): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

export interface GroupUsage {
  usageCoreNanoSeconds: number;
  workingSetBytes: number;
}

// #region groupUsage
/**
 * CPU and memory of each process group in `pgids`, in one pass over /proc:
 * 1. list /proc's numeric entries;
 * 2. keep the processes whose stat names one of `pgids` as their group;
 * 3. add up their ticks (× 10,000,000 ns: 250 ticks are 2.5 s of CPU) and their VmRSS per group.
 * A process may exit between the steps; it is skipped. A group with no member is absent.
 */
export async function groupUsage(
  pgids: ReadonlySet<number>,
  proc = "/proc",
): Promise<Map<number, GroupUsage>> {
  const usage = new Map<number, GroupUsage>();
  if (pgids.size === 0) return usage;
  const entries = await readdir(proc).catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((name) => /^\d+$/.test(name))
      .map(async (pid) => {
        const sample = parseProcStat(await readFile(`${proc}/${pid}/stat`, "utf8").catch(() => ""));
        if (sample === undefined || !pgids.has(sample.pgrp)) return;
        const status = await readFile(`${proc}/${pid}/status`, "utf8").catch(() => "");
        const group = usage.get(sample.pgrp) ?? { usageCoreNanoSeconds: 0, workingSetBytes: 0 };
        group.usageCoreNanoSeconds += sample.ticks * NANOSECONDS_PER_TICK;
        group.workingSetBytes += parseVmRss(status);
        usage.set(sample.pgrp, group);
      }),
  );
  return usage;
}
// #endregion groupUsage
