/**
 * Each image in core/images really runs: pulled into a node's store, started the way the
 * process runtime starts a container (resolveProcess, hostArgv, the image's directory as working
 * directory, the image's env under the pod's), with POD_IP=127.0.0.1 and PORT=0 so the system
 * picks a free port that the image logs. Every process is killed by its PID afterwards.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { readFile, rm, stat } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hostArgv, imageBinDir, resolveProcess } from "./process-args.ts";
import { DEFAULT_REGISTRY_DIR } from "./registry.ts";
import { NodeImageStore } from "./store.ts";
import { temporaryDir } from "./testing.ts";

const TIMEOUT_MS = 10_000;

interface Started {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output: () => string;
  /** Resolves with the first match of `pattern` in the output; rejects on exit or timeout. */
  waitFor: (pattern: RegExp) => Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once the program is running (exec succeeded). */
  spawned: Promise<unknown>;
}

describe("the shipped images run", () => {
  let root = "";
  let store: NodeImageStore;
  const children: ChildProcess[] = [];
  beforeEach(async () => {
    root = await temporaryDir("shipped");
    store = new NodeImageStore({ root });
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const gone = new Promise((resolve) => child.once("exit", resolve));
      process.kill(child.pid as number, "SIGKILL");
      await gone;
    }
    await rm(root, { recursive: true, force: true });
  });

  async function start(
    image: string,
    pod: { command?: string[]; args?: string[]; env?: Record<string, string> } = {},
  ): Promise<Started> {
    await store.pullImage({ image });
    const resolved = await store.resolve(image);
    if (resolved === undefined) throw new Error(`${image} was pulled but does not resolve`);
    const argv = hostArgv(
      resolveProcess(resolved.manifest, pod.command ?? [], pod.args ?? []),
      resolved.dir,
    );
    const child = spawn(argv[0] as string, argv.slice(1), {
      cwd: resolved.dir,
      env: {
        ...resolved.env,
        HOSTNAME: "web-1",
        POD_NAMESPACE: "shop",
        POD_IP: "127.0.0.1",
        ...pod.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    const spawned = once(child, "spawn");
    let output = "";
    const listeners = new Set<() => void>();
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const listener of listeners) listener();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve, reject) => {
        child.once("error", reject);
        // "close", not "exit": all output has been read by then.
        child.once("close", (code, signal) => resolve({ code, signal }));
      },
    );
    const waitFor = (pattern: RegExp) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match === null) return;
          done();
          resolve(match);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${image}: no ${pattern} within ${TIMEOUT_MS} ms; output: ${output}`));
        }, TIMEOUT_MS);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        exited.then(() => {
          check();
          if (listeners.has(check)) {
            done();
            reject(new Error(`${image} exited before printing ${pattern}; output: ${output}`));
          }
        }, reject);
        check();
      });
    return { child, output: () => output, waitFor, exited, spawned };
  }

  const exitWithin = (started: Started) =>
    Promise.race([
      started.exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no exit within ${TIMEOUT_MS} ms`)), TIMEOUT_MS),
      ),
    ]);

  const get = async (port: string, path: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: response.status, body: await response.text() };
  };

  describe("tinykube/hello", () => {
    it("answers GET / with the pod's name, namespace, IP and version; /healthz and /readyz", async () => {
      const hello = await start("tinykube/hello:2.0", { env: { PORT: "0" } });
      const [, port] = (await hello.waitFor(/listening on 127\.0\.0\.1:(\d+)/)) as string[];
      expect(await get(port as string, "/")).toEqual({
        status: 200,
        body: "Hello from web-1 in shop at 127.0.0.1 (version 2.0)\n",
      });
      expect(await get(port as string, "/healthz")).toEqual({ status: 200, body: "ok\n" });
      expect(await get(port as string, "/readyz")).toEqual({ status: 200, body: "ok\n" });
      await hello.waitFor(/GET \/readyz 200/);
      expect(hello.output()).toMatch(/GET \/ 200/);
    });

    it("fails its probes on request, and passes again after /recover", async () => {
      const hello = await start("tinykube/hello", { env: { PORT: "0" } });
      const [, port] = (await hello.waitFor(/listening on [\d.]+:(\d+)/)) as string[];
      await get(port as string, "/fail-health");
      expect((await get(port as string, "/healthz")).status).toBe(500);
      expect((await get(port as string, "/readyz")).status).toBe(200);
      await get(port as string, "/fail-ready");
      expect((await get(port as string, "/readyz")).status).toBe(503);
      await get(port as string, "/recover");
      expect((await get(port as string, "/healthz")).status).toBe(200);
      expect((await get(port as string, "/readyz")).status).toBe(200);
    });

    it("fails /healthz after HEALTHY_FOR_SECONDS and /readyz before READY_AFTER_SECONDS", async () => {
      const hello = await start("tinykube/hello", {
        env: { PORT: "0", HEALTHY_FOR_SECONDS: "0", READY_AFTER_SECONDS: "3600" },
      });
      const [, port] = (await hello.waitFor(/listening on [\d.]+:(\d+)/)) as string[];
      expect(await get(port as string, "/healthz")).toEqual({ status: 500, body: "unhealthy\n" });
      expect(await get(port as string, "/readyz")).toEqual({ status: 503, body: "not ready\n" });
    });

    it("exits 0 on SIGTERM, saying so", async () => {
      const hello = await start("tinykube/hello", { env: { PORT: "0" } });
      const [, port] = (await hello.waitFor(/listening on [\d.]+:(\d+)/)) as string[];
      await get(port as string, "/"); // leaves a keep-alive connection open
      process.kill(hello.child.pid as number, "SIGTERM");
      expect(await exitWithin(hello)).toEqual({ code: 0, signal: null });
      expect(hello.output()).toContain("shutting down");
    });
  });

  it("tinykube/echo echoes TCP and UDP on one port", async () => {
    const echo = await start("tinykube/echo", { env: { PORT: "0" } });
    const [, portText] = (await echo.waitFor(
      /listening on 127\.0\.0\.1:(\d+) \(tcp, udp\)/,
    )) as string[];
    const port = Number(portText);

    const tcpReply = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => socket.write("ping over tcp"));
      socket.on("data", (data) => {
        resolve(data.toString());
        socket.destroy();
      });
      socket.on("error", reject);
    });
    expect(tcpReply).toBe("ping over tcp");

    const udp = createSocket("udp4");
    try {
      const udpReply = await new Promise<string>((resolve, reject) => {
        udp.on("message", (data) => resolve(data.toString()));
        udp.on("error", reject);
        udp.send("ping over udp", port, "127.0.0.1");
      });
      expect(udpReply).toBe("ping over udp");
    } finally {
      udp.close();
    }
  });

  describe("tinykube/crasher", () => {
    it("prints a line, then exits with EXIT_CODE", async () => {
      const crasher = await start("tinykube/crasher", {
        env: { EXIT_CODE: "3", CRASH_AFTER_SECONDS: "0" },
      });
      expect(await exitWithin(crasher)).toEqual({ code: 3, signal: null });
      expect(crasher.output()).toContain("crasher: started, exiting with code 3 in 0 s");
    });

    it("exits 1 by default", async () => {
      const crasher = await start("tinykube/crasher:1.0", { env: { CRASH_AFTER_SECONDS: "0" } });
      expect(await exitWithin(crasher)).toEqual({ code: 1, signal: null });
    });
  });

  it("tinykube/cpu-burner burns and reports the CPU it used each second", async () => {
    const burner = await start("tinykube/cpu-burner", { env: { MILLICORES: "200" } });
    await burner.waitFor(/burning 200m on 1 thread\(s\), each busy 20 ms of every 100 ms/);
    const [, ms] = (await burner.waitFor(/used (\d+) ms of CPU in the last second/)) as string[];
    expect(Number(ms)).toBeGreaterThan(0);
    process.kill(burner.child.pid as number, "SIGTERM");
    expect(await exitWithin(burner)).toEqual({ code: 0, signal: null });
  });

  describe("busybox", () => {
    it("runs a pod's sh -c command with the host's sh", async () => {
      const busybox = await start("busybox", { command: ["sh", "-c", "echo hi from $HOSTNAME"] });
      expect(await exitWithin(busybox)).toEqual({ code: 0, signal: null });
      expect(busybox.output()).toBe("hi from web-1\n");
    });

    it("runs its default, sh, which ends when its input does", async () => {
      const busybox = await start("busybox:1.36");
      expect(await exitWithin(busybox)).toEqual({ code: 0, signal: null });
    });

    it("runs a host program found on the image's PATH: sleep 3600", async () => {
      const busybox = await start("busybox", { command: ["sleep", "3600"] });
      await busybox.spawned;
      const cmdline = await readFile(`/proc/${busybox.child.pid}/cmdline`, "utf8");
      expect(cmdline.split("\0").slice(0, 2)).toEqual(["sleep", "3600"]);
      expect(busybox.child.exitCode).toBeNull();
    });

    it("has its applets in bin/, executable in the registry and in the node's copy", async () => {
      await store.pullImage({ image: "busybox" });
      const copy = (await store.resolve("busybox"))?.dir as string;
      for (const dir of [join(DEFAULT_REGISTRY_DIR, "busybox"), copy]) {
        for (const applet of ["nslookup", "wget"]) {
          const { mode } = await stat(join(dir, "bin", applet));
          expect(mode & 0o111, `${dir}/bin/${applet}: mode ${mode.toString(8)}`).toBe(0o111);
        }
      }
      // With bin/ on PATH, as the process runtime puts it (runtime.ts, container-spec.ts).
      const busybox = await start("busybox", {
        command: ["sh", "-c", "nslookup; echo nslookup $?; wget; echo wget $?"],
        env: { PATH: `${imageBinDir(copy)}:/usr/bin:/bin`, TINYKUBE_NODE: process.execPath },
      });
      expect(await exitWithin(busybox)).toEqual({ code: 0, signal: null });
      expect(busybox.output()).toBe(
        [
          "Usage: nslookup HOST [DNS_SERVER]",
          "",
          "Query DNS about HOST",
          "nslookup 1",
          "Usage: wget [-q] [-O FILE] [-T SEC] [--spider] URL",
          "wget 1",
          "",
        ].join("\n"),
      );
    });
  });
});
