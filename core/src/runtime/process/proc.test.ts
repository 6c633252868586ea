import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { isAlive, processStartTicks } from "./proc.ts";

describe("isAlive", () => {
  it("knows a live process, with or without its start time", () => {
    const ticks = processStartTicks(process.pid);
    expect(ticks).toBeGreaterThan(0);
    expect(isAlive(process.pid)).toBe(true);
    expect(isAlive(process.pid, ticks)).toBe(true);
  });

  it("takes a pid whose start time differs for another process (the pid was reused)", () => {
    const ticks = processStartTicks(process.pid) ?? 0;
    expect(isAlive(process.pid, ticks + 1)).toBe(false);
  });

  it("knows a process that has exited and been reaped is gone", () => {
    const { pid } = spawnSync("true");
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(false);
    expect(processStartTicks(pid)).toBeUndefined();
  });
});
