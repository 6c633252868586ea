import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { type Bind, ListenError, listenWithFallback } from "./listen.ts";

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`listen ${code}`), { code });
}

/** A kernel that refuses some ports with the given errno and binds the rest. */
function kernel(refuse: Record<number, string>): { bind: Bind; tried: number[] } {
  const tried: number[] = [];
  return {
    tried,
    bind: async (_server, port) => {
      tried.push(port);
      const code = refuse[port];
      if (code) throw errno(code);
      return port;
    },
  };
}

const base = { address: "127.1.0.1", privileged: 80, fallback: 8080, what: "HTTP" };

describe("listenWithFallback", () => {
  it("binds the privileged port when it may", async () => {
    const k = kernel({});
    const logs: string[] = [];
    expect(
      await listenWithFallback(createServer(), { ...base, log: (l) => logs.push(l), bind: k.bind }),
    ).toBe(80);
    expect(logs).toEqual([]);
  });

  it("falls back on EACCES, once, and says how to get the real port", async () => {
    const k = kernel({ 80: "EACCES" });
    const logs: string[] = [];
    expect(
      await listenWithFallback(createServer(), { ...base, log: (l) => logs.push(l), bind: k.bind }),
    ).toBe(8080);
    expect(k.tried).toEqual([80, 8080]);
    expect(logs).toEqual([
      "[ingress] HTTP: port 80 needs root or sysctl net.ipv4.ip_unprivileged_port_start=80; serving on 127.1.0.1:8080 instead",
    ]);
  });

  it("an explicit port is that port or an error", async () => {
    const k = kernel({ 80: "EACCES" });
    await expect(
      listenWithFallback(createServer(), { ...base, port: 80, log: () => {}, bind: k.bind }),
    ).rejects.toThrow("HTTP: port 80 needs root or sysctl net.ipv4.ip_unprivileged_port_start=80");
    expect(k.tried).toEqual([80]);
  });

  it.each<[string, RegExp]>([
    ["EADDRNOTAVAIL", /cannot listen on 127\.1\.0\.1:80: this machine has no address 127\.1\.0\.1/],
    ["EADDRINUSE", /127\.1\.0\.1:80 is already in use by another process/],
  ])("%s is explained, not retried", async (code, message) => {
    const k = kernel({ 80: code });
    const error = await listenWithFallback(createServer(), {
      ...base,
      log: () => {},
      bind: k.bind,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ListenError);
    expect((error as Error).message).toMatch(message);
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe(code);
    expect(k.tried).toEqual([80]);
  });

  it("binds for real: port 0 picks a free port", async () => {
    const server = createServer();
    const port = await listenWithFallback(server, { ...base, port: 0, log: () => {} });
    expect(port).toBeGreaterThan(0);
    await new Promise((r) => server.close(r));
  });
});
