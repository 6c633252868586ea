import { spawn } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isAlive, processStartTicks } from "./proc.ts";
import { groupUsage, parseProcStat, parseVmRss } from "./stats.ts";
import { temporaryRoot, waitUntil } from "./testing.ts";

/** A /proc/<pid>/stat line: fields 1-17, the rest zero; utime..cstime as given. */
const statLine = (pid: number, comm: string, pgrp: number, [ut, st, cut, cst]: number[]) =>
  `${pid} (${comm}) S 1 ${pgrp} ${pgrp} 0 -1 4194560 100 0 0 0 ${ut} ${st} ${cut} ${cst} 20 0 1 0 12345 0 0\n`;

describe("parsing /proc", () => {
  it("reads pgrp and utime + stime + cutime + cstime after the last ')' of the name", () => {
    expect(parseProcStat(statLine(42, "sh -c x) (y", 40, [10, 5, 3, 2]))).toEqual({
      pgrp: 40,
      ticks: 20,
    });
    expect(parseProcStat("")).toBeUndefined();
  });

  it("reads VmRSS in bytes; a zombie without VmRSS has 0", () => {
    expect(parseVmRss("Name:\tnode\nVmRSS:\t    2048 kB\nThreads:\t7\n")).toBe(2048 * 1024);
    expect(parseVmRss("Name:\tsh\nState:\tZ (zombie)\n")).toBe(0);
  });
});

describe("groupUsage", () => {
  let root = "";
  const started: { pid: number; ticks?: number }[] = [];
  afterEach(async () => {
    for (const { pid, ticks } of started.splice(0)) {
      if (isAlive(pid, ticks)) process.kill(-pid, "SIGKILL");
    }
    if (root) await rm(root, { recursive: true, force: true });
    root = "";
  });

  it("sums the members of each asked group, in ns (1 tick = 10 ms) and bytes; others are left out", async () => {
    root = await temporaryRoot("proc");
    const processes: [number, number, number[], number][] = [
      // pid, pgrp, [utime, stime, cutime, cstime], VmRSS kB
      [100, 100, [150, 50, 0, 0], 1000],
      [101, 100, [20, 10, 5, 5], 500],
      [200, 200, [999, 999, 0, 0], 9999],
      [300, 300, [7, 0, 0, 0], 10],
    ];
    for (const [pid, pgrp, times, rss] of processes) {
      await mkdir(join(root, String(pid)));
      await writeFile(join(root, String(pid), "stat"), statLine(pid, "p", pgrp, times));
      await writeFile(join(root, String(pid), "status"), `Name:\tp\nVmRSS:\t${rss} kB\n`);
    }
    await mkdir(join(root, "self"));
    const usage = await groupUsage(new Set([100, 300, 400]), root);
    // Group 100: 150 + 50 + 20 + 10 + 5 + 5 = 240 ticks = 2.4 s.
    expect(usage.get(100)).toEqual({
      usageCoreNanoSeconds: 2_400_000_000,
      workingSetBytes: 1500 * 1024,
    });
    expect(usage.get(300)).toEqual({ usageCoreNanoSeconds: 70_000_000, workingSetBytes: 10240 });
    expect(usage.has(200), "a group not asked for").toBe(false);
    expect(usage.has(400), "a group without members").toBe(false);
  });

  it("measures a real busy process group on this machine", async () => {
    const child = spawn(
      process.execPath,
      // Spins until it has had 300 ms of CPU (however busy the machine), then idles.
      ["-e", "while (process.cpuUsage().user < 300_000); setInterval(() => {}, 1000)"],
      { detached: true, stdio: "ignore" },
    );
    const pid = child.pid as number;
    started.push({ pid, ticks: processStartTicks(pid) });
    const usage = await waitUntil(async () => {
      const group = (await groupUsage(new Set([pid]))).get(pid);
      // 300 ms of CPU is 30 ticks; wait for most of them.
      return group && group.usageCoreNanoSeconds >= 200_000_000 ? group : undefined;
    }, "the busy child to use 200 ms of CPU");
    expect(usage.workingSetBytes, "a Node process's resident memory").toBeGreaterThan(1 << 20);
  });
});
